"""The TOML configuration file validated into a ``Config``, with one-line errors naming the key.

What the file may hold is declared once, in ``rotor.data.settings`` (one dataclass per ``[section]``, one
field per key, with its default, range or choices and doc); this module derives the validation from that
declaration, and ``rotor.data.config_text`` the file's texts (``config show``, ``config init``, the README's
table of keys).

Where the file lives and how it is read safely: ``rotor.data.config_file``; the lines its keys are set
on: ``rotor.data.toml_lines``.

Watchlist tickers are upper-cased, then must match ``TICKER_PATTERN`` (checked here, before a ticker can
reach a request, a file name or SQL); a ticker that is already a built-in symbol, or listed twice, is
refused (one symbol, one row). Names must be printable (no terminal control sequences).

Every error is a ``ConfigError`` whose message is one line: ``PATH:LINE: KEY: problem`` (the line where the
key is set, found by scanning the text; TOML syntax errors carry tomllib's line and column). Keys and
values are echoed escaped (``rotor.data.errors.printable``). This module never imports pandas.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, fields
from pathlib import Path
from typing import Any, Final

from rotor.data.config_file import ConfigError as ConfigError
from rotor.data.config_file import read_config_text
from rotor.data.errors import printable
from rotor.data.settings import (
    DEFAULT_WATCHLIST,
    MAX_WATCHLIST,
    AlertRule,
    Config,
    NamedWatchlist,
    WatchlistEntry,
    arrays,
    kind_of,
    problem_with,
    sections,
    shown,
    spec_of,
    type_name,
)
from rotor.data.symbols import UNIVERSE, is_valid_ticker
from rotor.data.toml_lines import KeyLines


def load_config(path: str | None, env: Mapping[str, str] | None = None) -> Config:
    """Read (``rotor.data.config_file``) and validate the config file; defaults when there is none.

    Raises ``ConfigError`` (one line: file, line, key, problem) for a ``--config`` file that does not
    exist, a file that cannot be read or is not a regular file, invalid TOML, an unknown key (with a
    suggestion), a value of the wrong type or out of range, or a malformed or duplicate watchlist symbol."""
    found = read_config_text(path, env)
    return Config() if found is None else parse_config(*found)


_TOML_POSITION: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def parse_config(text: str, path: Path) -> Config:
    """Validate the TOML ``text`` of the file ``path`` (named in errors) into a ``Config``."""
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        if match is None:
            reason = message.replace("(at end of document)", "").strip()
            raise ConfigError(f"{path}: invalid TOML at the end of the file: {reason}") from None
        line, column = int(match.group(1)), int(match.group(2))
        reason = message[: match.start()].strip()
        lines = text.splitlines()
        near = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        near_text = f" (in {shown(near, 62)})" if near else ""
        raise ConfigError(f"{path}:{line}:{column}: invalid TOML: {reason}{near_text}") from None
    return _Validator(text, path).config(doc)


def _did_you_mean(name: str, known: tuple[str, ...]) -> str:
    guess = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean '{guess[0]}'?" if guess else f" (known: {', '.join(known)})"


#: The check of a setting whose rule is more than a type, a range or choices: (key, value) -> value.
_Check = Callable[[tuple[str, ...], object], object]


class _Validator:
    """Turns a parsed TOML document into a ``Config`` by the declarations of ``rotor.data.settings``,
    raising ``ConfigError`` at the first problem."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.keys = KeyLines(text)
        self.watchlist: tuple[WatchlistEntry, ...] = ()
        # The settings checked their own way: by section, and in any [[array]] item.
        self.special: dict[str, dict[str, _Check]] = {
            "watchlist": {"symbols": self.watchlist_symbols},
            "rotation": {"benchmark": self.benchmark},
        }
        self.item_special: dict[str, _Check] = {"symbol": self.ticker, "symbols": self.watchlist_symbols}

    def fail(self, key: tuple[str, ...], problem: str, needle: str | None = None) -> ConfigError:
        line = self.keys.line_of(key, needle)
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        # An array item's key ("alerts", "#2", "above") is named alerts[2].above.
        name = ""
        for part in key:
            name += f"[{part[1:]}]" if part.startswith("#") else (f".{part}" if name else part)
        return ConfigError(f"{where}: {printable(name) if key else '(top level)'}: {problem}")

    def unknown(self, key: tuple[str, ...], known: tuple[str, ...], what: str) -> ConfigError:
        return self.fail(key, f"unknown {what}{_did_you_mean(key[-1], known)}")

    def config(self, doc: Mapping[str, Any]) -> Config:
        declared = sections()
        listed = arrays()
        for name, value in doc.items():
            if name in declared or name in listed:
                continue
            if isinstance(value, dict | list):
                raise self.unknown((name,), (*declared, *listed), "section")
            home = next((s for s, cls in declared.items() if name in {f.name for f in fields(cls)}), None)
            if home is not None:
                raise self.fail((name,), f"belongs in a section: write it under [{home}]")
            raise self.unknown((name,), tuple(declared), "top-level key (every key lives in a section)")
        values: dict[str, Any] = {}
        for name, cls in declared.items():
            table = doc.get(name, {})
            if isinstance(table, list):
                raise self.fail((name,), f"write [{name}] once (a table), not [[{name}]]")
            if not isinstance(table, dict):
                raise self.fail((name,), f"must be a table ([{name}]), got {type_name(table)}")
            values[name] = self.section(name, cls, table)
        for name, (item, f) in listed.items():
            values[name] = self.array(name, item, doc.get(name, []), int(spec_of(f).high or 0))
        return Config(path=self.path, **values)

    def section(self, name: str, cls: type, table: Mapping[str, Any]) -> object:
        declared, values = self.checked((name,), cls, table, self.special.get(name, {}))
        for key, f in declared.items():
            ceiling = spec_of(f).at_most
            if ceiling is None:
                continue
            low = values.get(key, f.default)
            high = values.get(ceiling, declared[ceiling].default)
            if low > high:  # type: ignore[operator]  # both numbers, checked above
                blamed = key if key in values else ceiling
                raise self.fail((name, blamed), f"{key} must not exceed {ceiling} ({low:g} > {high:g})")
        try:
            return cls(**values)
        except ValueError as exc:  # a rule of the dataclass not stated in the declarations
            raise self.fail((name,), str(exc)) from None

    def array(self, name: str, item: type, items: object, at_most: int) -> tuple[Any, ...]:
        """The items of ``[[name]]`` (each a table of ``item``'s declared fields), checked one by one,
        then together (none twice)."""
        if isinstance(items, dict):
            raise self.fail((name,), f"write [[{name}]] (an array of tables, one per item), not [{name}]")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self.fail((name,), f"must be an array of tables ([[{name}]]), got {type_name(items)}")
        if len(items) > at_most:
            raise self.fail((name,), f"at most {at_most} items, got {len(items)}")
        out = tuple(self.item(name, number, item, table) for number, table in enumerate(items, start=1))
        seen: dict[str, int] = {}
        for number, value in enumerate(out, start=1):
            same = _identity(value)
            if same is None:
                continue
            if same in seen:
                raise self.fail((name, f"#{number}"), f"{same} is the same as item {seen[same]}")
            seen[same] = number
        return out

    def item(self, name: str, number: int, cls: type, table: Mapping[str, Any]) -> object:
        """One ``[[name]]`` item by the declarations of its dataclass ``cls``."""
        where = (name, f"#{number}")
        declared, values = self.checked(where, cls, table, self.item_special)
        missing = [k for k, f in declared.items() if f.default is MISSING and k not in values]
        if missing:
            raise self.fail(where, f"missing {', '.join(repr(k) for k in missing)} ([[{name}]] needs it)")
        if cls is NamedWatchlist and values.get("name") == DEFAULT_WATCHLIST:
            raise self.fail((*where, "name"), f"'{DEFAULT_WATCHLIST}' is the [watchlist] section's name")
        try:
            return cls(**values)
        except ValueError as exc:  # a rule across its keys (an alert needs exactly one condition ...)
            raise self.fail(where, str(exc)) from None

    def checked(
        self, where: tuple[str, ...], cls: type, table: Mapping[str, Any], special: Mapping[str, _Check]
    ) -> tuple[dict[str, Field[Any]], dict[str, object]]:
        """The fields of the dataclass ``cls`` by name, and the values of the table ``where``, each checked
        by its field (or by its ``special`` check)."""
        declared: dict[str, Field[Any]] = {f.name: f for f in fields(cls)}
        values: dict[str, object] = {}
        for key, value in table.items():
            if key not in declared:
                raise self.unknown((*where, key), tuple(declared), "key")
            if key in special:
                values[key] = special[key]((*where, key), value)
                continue
            problem = problem_with(declared[key], value)
            if problem is not None:
                raise self.fail((*where, key), problem)
            kind = kind_of(declared[key])
            values[key] = float(value) if kind == "number" else value.strip() if kind == "string" else value
        return declared, values

    def ticker(
        self, key: tuple[str, ...], value: object, needle: str | None = None, rule: bool = True
    ) -> str:
        """``value`` upper-cased if it is a valid ticker, else the error (at the line holding ``needle``,
        if given; with ``rule``, stating the rule for tickers)."""
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {type_name(value)} ({shown(value)})")
        ticker = value.strip().upper()
        if not is_valid_ticker(ticker):
            doc = spec_of(next(f for f in fields(WatchlistEntry) if f.name == "symbol")).doc
            because = f" ({doc})" if rule else ""
            raise self.fail(key, f"{shown(value)} is not a valid Yahoo ticker{because}", needle)
        return ticker

    def watchlist_symbols(self, key: tuple[str, ...], items: object) -> tuple[WatchlistEntry, ...]:
        if not isinstance(items, list):
            raise self.fail(key, f"must be an array of symbols, got {type_name(items)}")
        if len(items) > MAX_WATCHLIST:
            raise self.fail(key, f"at most {MAX_WATCHLIST} symbols, got {len(items)}")
        builtin = {s.ticker: s for s in UNIVERSE}
        declared = {f.name: f for f in fields(WatchlistEntry)}
        entries: dict[str, WatchlistEntry] = {}
        for number, item in enumerate(items, start=1):
            parts: Mapping[str, object] = {"symbol": item} if isinstance(item, str) else item
            if not isinstance(parts, dict):
                raise self.fail(
                    key,
                    f"item {number} must be a ticker or {{ symbol = ..., name = ... }}, "
                    f"got {type_name(item)} ({shown(item)})",
                )
            for name in parts:
                if name not in declared:
                    hint = _did_you_mean(name, tuple(declared))
                    raise self.fail(key, f"item {number}: unknown key {shown(name)}{hint}", name)
            raw = parts.get("symbol")
            if not isinstance(raw, str):
                raise self.fail(key, f"item {number} has no 'symbol' string")
            needle = f'"{raw}"'
            ticker = self.ticker(key, raw, needle)
            if ticker in builtin:
                already = f"already a built-in symbol ({builtin[ticker].group})"
                raise self.fail(key, f"{ticker} is {already}; remove it from the watchlist", needle)
            if ticker in entries:
                raise self.fail(key, f"{ticker} is listed twice", needle)
            texts = {"name": parts.get("name", ticker)}
            texts["short"] = parts.get("short", texts["name"])
            for label, text in texts.items():
                problem = problem_with(declared[label], text)
                if problem is not None:
                    raise self.fail(key, f"{ticker}: {label} {problem}", needle)
            entries[ticker] = WatchlistEntry(ticker, str(texts["name"]).strip(), str(texts["short"]).strip())
        if key == ("watchlist", "symbols"):
            self.watchlist = tuple(entries.values())
        return tuple(entries.values())

    def benchmark(self, key: tuple[str, ...], value: object) -> str:
        ticker = self.ticker(key, value, rule=False)
        known = [s.ticker for s in UNIVERSE] + [e.symbol for e in self.watchlist]
        if ticker not in known:
            guess = difflib.get_close_matches(ticker, known, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            raise self.fail(key, f"{ticker} is neither a built-in nor a watchlist symbol{hint}")
        return ticker


def _identity(value: object) -> str | None:
    """What makes an array item unique, in words: an alert's rule, a watchlist's name (lots may repeat)."""
    if isinstance(value, AlertRule):
        return f"the alert '{value.describe()}'"
    if isinstance(value, NamedWatchlist):
        return f"the watchlist name {value.name!r}"
    return None
