"""What the app remembers between runs: the theme and the heatmap palette last chosen in it.

A small JSON file, ``state.json`` in ``platformdirs.user_state_dir("rotor")``, written when the user picks
a theme (command palette) or switches the heatmap palette (``c``), and read at start. The config file's
``[display]`` values win over it when set (``rotor.cli.run_app``). A missing, unreadable or hand-mangled
file only means nothing is remembered; a failed write costs the memory, never the session.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

STATE_FILE_NAME = "state.json"


class Preferences(NamedTuple):
    """A theme name and a heatmap palette name; ``None`` when never chosen."""

    theme: str | None = None
    palette: str | None = None


def default_state_file() -> Path | None:
    """``state.json`` in the platform's user state dir; ``None`` without a home directory."""
    import platformdirs

    directory = Path(platformdirs.user_state_dir("rotor")).expanduser()
    return directory / STATE_FILE_NAME if directory.is_absolute() else None


def load_preferences(path: Path | None) -> Preferences:
    """The preferences saved in ``path``; none when the file is missing or not what rotor wrote."""
    if path is None:
        return Preferences()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Preferences()
    if not isinstance(data, dict):
        return Preferences()
    theme, palette = data.get("theme"), data.get("palette")
    return Preferences(
        theme=theme if isinstance(theme, str) else None,
        palette=palette if isinstance(palette, str) else None,
    )


def save_preferences(path: Path, preferences: Preferences) -> None:
    """Write ``preferences`` to ``path`` whole or not at all (a temporary file renamed over it).
    Raises ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(preferences._asdict(), indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


class LookMemory:
    """Remembers the theme and palette the user chooses in the app (the start-up look is not a
    choice); ``path`` ``None`` remembers nothing."""

    def __init__(self, path: Path | None, theme: str, palette: str) -> None:
        self._path = path
        self._saved = Preferences(theme, palette)

    def choose(self, theme: str, palette: str) -> None:
        """Save ``theme`` and ``palette`` when they are a new choice. Raises ``OSError``."""
        chosen = Preferences(theme, palette)
        if self._path is not None and chosen != self._saved:
            self._saved = chosen
            save_preferences(self._path, chosen)
