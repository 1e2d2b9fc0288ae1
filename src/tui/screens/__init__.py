"""rotor terminal UI."""
