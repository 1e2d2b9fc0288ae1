"""rotor: a live terminal market monitor."""

__version__ = "0.1.0"
