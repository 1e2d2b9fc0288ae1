"""The TOML configuration file: where it lives, how it is read, and one-line errors naming the key.

What the file may hold is declared once, in ``rotor.data.settings`` (one dataclass per ``[section]``, one
field per key, with its default, range or choices and doc); this module derives the validation from that
declaration, and ``rotor.data.config_text`` the file's texts (``config show``, ``config init``, the README's
table of keys).

Location: ``--config PATH`` > ``$ROTOR_CONFIG`` > ``platformdirs.user_config_dir("rotor")/config.toml``.
A missing file is fine (every default applies) unless it was named with ``--config``. Only a regular file
of at most ``MAX_CONFIG_BYTES`` is read (a FIFO would block for ever, ``/dev/zero`` never ends).

Watchlist tickers are upper-cased, then must match ``TICKER_PATTERN`` (checked here, before a ticker can
reach a request, a file name or SQL); a ticker that is already a built-in symbol, or listed twice, is
refused (one symbol, one row). Names must be printable (no terminal control sequences).

Every error is a ``ConfigError`` whose message is one line: ``PATH:LINE: KEY: problem`` (the line where the
key is set, found by scanning the text; TOML syntax errors carry tomllib's line and column). Keys and
values are echoed escaped (``rotor.data.errors.printable``). This module never imports pandas.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, fields
from pathlib import Path
from typing import Any, Final

from rotor.data.errors import RotorError, printable
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

#: Environment variable naming the config file (below ``--config``, above the platform default).
CONFIG_ENV: Final = "ROTOR_CONFIG"
CONFIG_FILE_NAME: Final = "config.toml"
#: The largest config file read (a config file is a few hundred bytes).
MAX_CONFIG_BYTES: Final = 1 << 20


class ConfigError(RotorError):
    """The config file cannot be used; the message is one line naming the file, the key and the line."""


# --- where the file is -------------------------------------------------------------------------------


def default_config_path() -> Path | None:
    """``platformdirs.user_config_dir("rotor")/config.toml``, or ``None`` when there is no home directory
    to put it in (``HOME`` unset and no password-database entry: platformdirs then returns a path that
    still starts with ``~``)."""
    import platformdirs

    directory = Path(os.path.expanduser(platformdirs.user_config_dir("rotor")))  # noqa: PTH111
    if not directory.is_absolute():
        return None
    return directory / CONFIG_FILE_NAME


def resolve_config_path(
    cli_value: str | None, env: Mapping[str, str] | None = None
) -> tuple[Path | None, bool]:
    """The config file to read and whether the user named it with ``--config`` (then it must exist):
    ``--config`` > ``$ROTOR_CONFIG`` > the platform default. ``None`` when there is no home directory to
    resolve the default or a ``~`` in the given path."""
    environ = os.environ if env is None else env
    given = cli_value or environ.get(CONFIG_ENV)
    if not given:
        return default_config_path(), False
    # os.path.expanduser leaves "~" as it is when there is no home directory (Path.expanduser raises).
    expanded = os.path.expanduser(given)  # noqa: PTH111
    return (None if expanded.startswith("~") else Path(expanded)), bool(cli_value)


# --- reading -----------------------------------------------------------------------------------------

#: What a config path that is not a regular file is, by the first letter of ``stat.filemode``.
_NOT_REGULAR: Final = {
    "d": "a directory",
    "p": "a FIFO (named pipe), not a regular file",
    "c": "a character device, not a regular file",
    "b": "a block device, not a regular file",
}


def read_config_bytes(path: Path) -> bytes | None:
    """The bytes of the config file ``path``, or ``None`` when it does not exist. Only a regular file of at
    most ``MAX_CONFIG_BYTES`` is read: anything else raises ``ConfigError`` at once (opened non-blocking,
    so a FIFO cannot hang rotor, then checked)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            mode = os.fstat(fd).st_mode
            data = os.read(fd, MAX_CONFIG_BYTES + 1) if stat.S_ISREG(mode) else b""
        finally:
            os.close(fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = _NOT_REGULAR.get(stat.filemode(mode)[0], "not a regular file")
        raise ConfigError(f"config file {path} is {kind}")
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES >> 20} MiB; not reading it")
    return data


def load_config(path: str | None, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config file (see ``resolve_config_path``); defaults when there is none.

    Raises ``ConfigError`` (one line: file, line, key, problem) for a ``--config`` file that does not
    exist, a file that cannot be read or is not a regular file, invalid TOML, an unknown key (with a
    suggestion), a value of the wrong type or out of range, or a malformed or duplicate watchlist symbol."""
    resolved, explicit = resolve_config_path(path, env)
    if resolved is None:
        if explicit:
            raise ConfigError(f"config file {path}: cannot expand '~' (no home directory)")
        return Config()
    raw = read_config_bytes(resolved)
    if raw is None:
        if explicit:
            raise ConfigError(f"config file {resolved} not found (given with --config)")
        return Config()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{resolved}: not UTF-8 text (byte {exc.start})") from None
    return parse_config(text, resolved)


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


_HEADER: Final = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_LINE: Final = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_KEY_PART: Final = re.compile(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""")


def _key_parts(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip("\"'") for part in _KEY_PART.findall(dotted))


class _KeyLines:
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


def _did_you_mean(name: str, known: tuple[str, ...]) -> str:
    guess = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean '{guess[0]}'?" if guess else f" (known: {', '.join(known)})"


class _Validator:
    """Turns a parsed TOML document into a ``Config`` by the declarations of ``rotor.data.settings``,
    raising ``ConfigError`` at the first problem."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.keys = _KeyLines(text)
        self.watchlist: tuple[WatchlistEntry, ...] = ()
        # The two settings whose rules are more than a type, a range or choices.
        self.special: dict[tuple[str, str], Callable[[object], object]] = {
            ("watchlist", "symbols"): self.watchlist_symbols,
            ("rotation", "benchmark"): self.benchmark,
        }

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
        declared: dict[str, Field[Any]] = {f.name: f for f in fields(cls)}
        values: dict[str, object] = {}
        for key, value in table.items():
            if key not in declared:
                raise self.unknown((name, key), tuple(declared), "key")
            special = self.special.get((name, key))
            if special is not None:
                values[key] = special(value)
                continue
            problem = problem_with(declared[key], value)
            if problem is not None:
                raise self.fail((name, key), problem)
            kind = kind_of(declared[key])
            values[key] = float(value) if kind == "number" else value.strip() if kind == "string" else value
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
        declared: dict[str, Field[Any]] = {f.name: f for f in fields(cls)}
        values: dict[str, object] = {}
        for key, value in table.items():
            if key not in declared:
                raise self.unknown((*where, key), tuple(declared), "key")
            if key == "symbol" and value is not None:
                values[key] = self.ticker((*where, key), value)
                continue
            if key == "symbols" and cls is NamedWatchlist:
                values[key] = self.watchlist_symbols(value, (*where, key))
                continue
            problem = problem_with(declared[key], value)
            if problem is not None:
                raise self.fail((*where, key), problem)
            kind = kind_of(declared[key])
            values[key] = float(value) if kind == "number" else value.strip() if kind == "string" else value
        missing = [k for k, f in declared.items() if f.default is MISSING and k not in values]
        if missing:
            raise self.fail(where, f"missing {', '.join(repr(k) for k in missing)} ([[{name}]] needs it)")
        if cls is NamedWatchlist and values.get("name") == DEFAULT_WATCHLIST:
            raise self.fail((*where, "name"), f"'{DEFAULT_WATCHLIST}' is the [watchlist] section's name")
        try:
            return cls(**values)
        except ValueError as exc:  # a rule across its keys (an alert needs exactly one condition ...)
            raise self.fail(where, str(exc)) from None

    def ticker(self, key: tuple[str, ...], value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {type_name(value)} ({shown(value)})")
        ticker = value.strip().upper()
        if not is_valid_ticker(ticker):
            doc = spec_of(next(f for f in fields(WatchlistEntry) if f.name == "symbol")).doc
            raise self.fail(key, f"{shown(value)} is not a valid Yahoo ticker ({doc})")
        return ticker

    def watchlist_symbols(
        self, items: object, key: tuple[str, ...] = ("watchlist", "symbols")
    ) -> tuple[WatchlistEntry, ...]:
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
            ticker = raw.strip().upper()
            if not is_valid_ticker(ticker):
                raise self.fail(
                    key,
                    f"{shown(raw)} is not a valid Yahoo ticker ({spec_of(declared['symbol']).doc})",
                    needle,
                )
            if ticker in builtin:
                group = builtin[ticker].group
                raise self.fail(
                    key,
                    f"{ticker} is already a built-in symbol ({group}); remove it from the watchlist",
                    needle,
                )
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

    def benchmark(self, value: object) -> str:
        key = ("rotation", "benchmark")
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {type_name(value)} ({shown(value)})")
        ticker = value.strip().upper()
        if not is_valid_ticker(ticker):
            raise self.fail(key, f"{shown(value)} is not a valid Yahoo ticker")
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
