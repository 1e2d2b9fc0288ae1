"""The bundled data files (bars.csv.gz, provenance.json, first_snapshot.json, SOURCES.md).

``path(name)`` is a plain file path next to this module: rotor is installed as files (never imported
from a zip), and a path costs no import on the start-up path, unlike ``importlib.resources``.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """The bundled file ``name``."""
    return DATA_DIR / name
