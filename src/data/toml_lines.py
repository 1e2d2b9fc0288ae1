"""Where each table and key of a TOML text is set, by line: the config errors name the line
(``rotor.data.config``); tomllib gives values, not positions."""

from __future__ import annotations

import re
from typing import Final

_HEADER: Final = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_LINE: Final = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_KEY_PART: Final = re.compile(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""")


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _KEY_PART.findall(dotted))


class KeyLines:
    """Line numbers (1-based) of the tables and keys of a TOML text, found by a line scan that is good
    enough for config files: ``[table]`` headers and ``key = value`` / ``a.b = value`` lines."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._where: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        items: dict[tuple[str, ...], int] = {}
        for number, line in enumerate(self.lines, start=1):
            header = _HEADER.match(line)
            if header:
                table = _key_parts(header.group(1))
                self._where.setdefault(table, number)
                if line.lstrip().startswith("[["):
                    # An item of an array of tables: its keys are found under ("alerts", "#2", ...).
                    items[table] = items.get(table, 0) + 1
                    table = (*table, f"#{items[table]}")
                    self._where.setdefault(table, number)
                continue
            key = _KEY_LINE.match(line)
            if key:
                self._where.setdefault(table + _key_parts(key.group(1)), number)

    def line_of(self, path: tuple[str, ...], needle: str | None = None) -> int | None:
        """The line setting ``path`` (or its nearest parent); with ``needle``, the first line from there
        on that contains it (an item of a multi-line array)."""
        for size in range(len(path), 0, -1):
            start = self._where.get(path[:size])
            if start is not None:
                break
        else:
            return None
        if needle is not None:
            for number in range(start, len(self.lines) + 1):
                if needle in self.lines[number - 1]:
                    return number
        return start
