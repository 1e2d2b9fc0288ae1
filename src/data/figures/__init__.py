"""The computations: pure functions from the aligned panel to figures (metrics, rotation, risk)."""
