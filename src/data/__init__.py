"""rotor's headless core: sources, sessions, cache, panel, figures, snapshot, renderings.

Never imports textual (tests/test_boundaries.py enforces it)."""
