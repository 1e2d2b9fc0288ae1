"""The TOML configuration file: where it lives, what it may hold, and one-line errors naming the key.

Location: ``--config PATH`` > ``$ROTOR_CONFIG`` > ``platformdirs.user_config_dir("rotor")/config.toml``.
A missing file is fine (every default applies) unless it was named with ``--config``. Every key is
optional; ``rotor config init`` writes the whole schema, commented out::

    [refresh]
    interval = 60            # seconds between refreshes while a market is open (at least 5)
    closed_interval = 300    # seconds between refreshes while every market is closed (at least 5)

    [watchlist]              # your own symbols, shown in a "Watchlist" group after the built-in ones
    symbols = [
      { symbol = "AAPL", name = "Apple" },      # name (and short, for narrow columns) are optional
      { symbol = "ZC=F", name = "Corn", short = "Corn" },
      "MSFT",                                   # a bare ticker is { symbol = "MSFT" }
    ]

    [risk]                   # every field of rotor.data.figures.risk.RiskThresholds; none may be negative
    vix_watch_level = 20.0
    ...

    [rotation]
    benchmark = "SPY"        # a built-in or watchlist symbol
    basis = "weekly"         # or "daily"
    window = 14              # points in the RS-Ratio / RS-Momentum windows (2-260)
    tail = 5                 # points in each RRG tail (1-52)

    [display]
    theme = "textual-dark"          # one of THEMES
    heatmap_palette = "red-green"   # or "blue-orange" (colour-blind safe)

    [cache]
    dir = "~/somewhere"      # the cache directory (below --cache-dir and $ROTOR_CACHE_DIR)

Watchlist tickers are upper-cased, then must match ``TICKER_PATTERN`` (checked here, before a ticker can
reach a request, a file name or SQL); a ticker that is already a built-in symbol, or listed twice, is
refused (one symbol, one row). Names must be printable (no terminal control sequences).

Every error is a ``ConfigError`` whose message is one line: ``PATH:LINE: KEY: problem`` (the line where
the key is set, found by scanning the text; TOML syntax errors carry tomllib's line and column).

This module never imports pandas: the app reads its config before it paints.
``rotor.data.figures.risk`` (which does) is imported only when the file has a ``[risk]`` table, or when
the thresholds are asked for.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from rotor.data.cache import expand_user
from rotor.data.errors import RotorError
from rotor.data.symbols import RS_BENCHMARK, UNIVERSE, Kind, Symbol, is_valid_ticker

if TYPE_CHECKING:
    from rotor.data.figures.risk import RiskThresholds
    from rotor.data.figures.rotation import RRGOptions

#: Environment variable naming the config file (below ``--config``, above the platform default).
CONFIG_ENV: Final = "ROTOR_CONFIG"
CONFIG_FILE_NAME: Final = "config.toml"

#: Textual theme names the app accepts (a fixed list, so a typo is caught before the screen opens).
THEMES: Final = (
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "dracula",
    "tokyo-night",
    "monokai",
    "solarized-light",
    "catppuccin-mocha",
    "flexoki",
)
Palette = Literal["red-green", "blue-orange"]
#: Heatmap palettes: red/green, or blue/orange for red-green colour blindness.
PALETTES: Final[tuple[Palette, ...]] = ("red-green", "blue-orange")
RRGBasisName = Literal["weekly", "daily"]
BASES: Final[tuple[RRGBasisName, ...]] = ("weekly", "daily")

MIN_INTERVAL: Final = 5.0
MAX_INTERVAL: Final = 86_400.0
MAX_WATCHLIST: Final = 100
MAX_NAME_LENGTH: Final = 60
WINDOW_RANGE: Final = (2, 260)
TAIL_RANGE: Final = (1, 52)

#: Every section and its keys (the ``risk`` keys come from ``RiskThresholds`` itself, on demand).
SECTION_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "refresh": ("interval", "closed_interval"),
    "watchlist": ("symbols",),
    "risk": (),
    "rotation": ("benchmark", "basis", "window", "tail"),
    "display": ("theme", "heatmap_palette"),
    "cache": ("dir",),
}
WATCHLIST_ITEM_KEYS: Final = ("symbol", "name", "short")


class ConfigError(RotorError):
    """The config file cannot be used; the message is one line naming the file, the key and the line."""


# --- the configuration -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefreshConfig:
    """Refresh intervals in seconds: while a market is open, and while every market is closed."""

    interval: float = 60.0
    closed_interval: float = 300.0


@dataclass(frozen=True, slots=True)
class WatchlistEntry:
    """One user symbol: a validated Yahoo ticker and how to show it."""

    symbol: str
    name: str
    short: str

    def to_symbol(self) -> Symbol:
        """The ``Symbol`` (group ``watchlist``); its kind follows Yahoo's ticker suffixes (``^`` an index,
        ``=F`` a future, ``=X`` a currency pair, anything else an equity) and its venue the session model's
        suffix rule (``rotor.data.sessions.venue_code_for``)."""
        from rotor.data.sessions import venue_code_for

        kind: Kind = "equity"
        if self.symbol.startswith("^"):
            kind = "index"
        elif self.symbol.endswith("=F"):
            kind = "future"
        elif self.symbol.endswith("=X"):
            kind = "fx"
        return Symbol(self.symbol, self.name, self.short, "watchlist", kind, "", venue_code_for(self.symbol))


@dataclass(frozen=True, slots=True)
class RotationConfig:
    """The Relative Rotation Graph options (see ``rotor.data.figures.rotation.RRGOptions``)."""

    benchmark: str = RS_BENCHMARK
    basis: RRGBasisName = "weekly"
    window: int = 14
    tail: int = 5

    def rrg_options(self) -> RRGOptions:
        from rotor.data.figures.rotation import RRGOptions

        return RRGOptions(benchmark=self.benchmark, window=self.window, tail=self.tail, basis=self.basis)


@dataclass(frozen=True, slots=True)
class DisplayConfig:
    theme: str = "textual-dark"
    heatmap_palette: Palette = "red-green"


@dataclass(frozen=True, slots=True)
class CacheConfig:
    """``dir``: the cache directory, ``~`` expanded later; ``None`` for the platform default."""

    dir: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """The effective configuration: defaults overlaid with the file's values.

    ``path`` is the file that was read (``None`` when none was). ``risk`` holds only the thresholds the
    file set (``risk_thresholds()`` builds the full ``RiskThresholds``)."""

    path: Path | None = None
    refresh: RefreshConfig = field(default_factory=RefreshConfig)
    watchlist: tuple[WatchlistEntry, ...] = ()
    risk: tuple[tuple[str, float | int], ...] = ()
    rotation: RotationConfig = field(default_factory=RotationConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)

    @property
    def symbols(self) -> tuple[Symbol, ...]:
        """The built-in universe followed by the watchlist."""
        return UNIVERSE + tuple(entry.to_symbol() for entry in self.watchlist)

    def risk_thresholds(self) -> RiskThresholds:
        from rotor.data.figures.risk import RiskThresholds

        return RiskThresholds(**cast(dict[str, Any], dict(self.risk)))

    def rrg_options(self) -> RRGOptions:
        return self.rotation.rrg_options()


# --- where the file is -------------------------------------------------------------------------------


def default_config_path() -> Path | None:
    """``platformdirs.user_config_dir("rotor")/config.toml``, or ``None`` when there is no home directory
    to put it in (``HOME`` unset and no password-database entry: platformdirs then returns a path that
    still starts with ``~``)."""
    import platformdirs

    directory = Path(expand_user(platformdirs.user_config_dir("rotor")))
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
    expanded = expand_user(given)
    # A "~" that survives expansion means there is no home directory: no usable location.
    return (None if expanded.startswith("~") else Path(expanded)), bool(cli_value)


# --- loading -----------------------------------------------------------------------------------------


def load_config(path: str | None, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config file (see ``resolve_config_path``); defaults when there is none.

    Raises ``ConfigError`` (one line: file, line, key, problem) for a ``--config`` file that does not
    exist, a file that cannot be read, invalid TOML, an unknown key (with a suggestion), a value of the
    wrong type or out of range, or a malformed or duplicate watchlist symbol."""
    resolved, explicit = resolve_config_path(path, env)
    if resolved is None:
        if explicit:
            raise ConfigError(f"config file {path}: cannot expand '~' (no home directory)")
        return Config()
    try:
        raw = resolved.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"config file {resolved} not found (given with --config)") from None
        return Config()
    except IsADirectoryError:
        raise ConfigError(f"config file {resolved} is a directory") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {resolved}: {exc.strerror or exc}") from None
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
        near_text = f" (in {_clip(near)!r})" if near else ""
        raise ConfigError(f"{path}:{line}:{column}: invalid TOML: {reason}{near_text}") from None
    return _Validator(text, path).config(doc)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _shown(value: object) -> str:
    return _clip(repr(value), 40)


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
        for number, line in enumerate(self.lines, start=1):
            header = _HEADER.match(line)
            if header:
                table = _key_parts(header.group(1))
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


class _Validator:
    """Turns a parsed TOML document into a ``Config``, raising ``ConfigError`` at the first problem."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.keys = _KeyLines(text)

    def fail(self, key: tuple[str, ...], problem: str, needle: str | None = None) -> ConfigError:
        line = self.keys.line_of(key, needle)
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        name = ".".join(key) if key else "(top level)"
        return ConfigError(f"{where}: {name}: {problem}")

    def unknown(self, key: tuple[str, ...], known: tuple[str, ...], what: str) -> ConfigError:
        guess = difflib.get_close_matches(key[-1], known, n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else f" (known: {', '.join(known)})"
        return self.fail(key, f"unknown {what}{hint}")

    def table(self, doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        value = doc.get(name, {})
        if not isinstance(value, dict):
            raise self.fail((name,), f"must be a table ([{name}]), got {_type_name(value)}")
        return value

    # -- scalar checks ----------------------------------------------------------------------------------

    def number(self, key: tuple[str, ...], value: object, *, integer: bool = False) -> float | int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            wanted = "an integer" if integer else "a number"
            raise self.fail(key, f"must be {wanted}, got {_type_name(value)} ({_shown(value)})")
        if integer and not isinstance(value, int):
            raise self.fail(key, f"must be an integer, got {_shown(value)}")
        if not math.isfinite(value):
            raise self.fail(key, f"must be a finite number, got {_shown(value)}")
        return value

    def in_range(
        self, key: tuple[str, ...], value: object, low: float, high: float, *, integer: bool = False
    ) -> float | int:
        number = self.number(key, value, integer=integer)
        if not low <= number <= high:
            raise self.fail(key, f"must be between {low:g} and {high:g}, got {_shown(value)}")
        return number

    def string(self, key: tuple[str, ...], value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {_type_name(value)} ({_shown(value)})")
        return value

    def choice(self, key: tuple[str, ...], value: object, choices: tuple[str, ...]) -> str:
        text = self.string(key, value)
        if text not in choices:
            guess = difflib.get_close_matches(text, choices, n=1)
            hint = f"did you mean '{guess[0]}'? " if guess else ""
            raise self.fail(key, f"{_shown(text)} is not allowed; {hint}choose one of: {', '.join(choices)}")
        return text

    def display_name(self, ticker: str, name: str, value: object, needle: str | None) -> str:
        key = ("watchlist", "symbols")
        if not isinstance(value, str):
            raise self.fail(key, f"{ticker}: {name} must be a string, got {_type_name(value)}", needle)
        text = value.strip()
        if not text or len(text) > MAX_NAME_LENGTH:
            raise self.fail(
                key,
                f"{ticker}: {name} must be 1 to {MAX_NAME_LENGTH} characters, got {_shown(value)}",
                needle,
            )
        if not text.isprintable():
            raise self.fail(
                key,
                f"{ticker}: {name} must be printable text (no control characters), got {_shown(value)}",
                needle,
            )
        return text

    # -- sections ---------------------------------------------------------------------------------------

    def config(self, doc: Mapping[str, Any]) -> Config:
        for name, value in doc.items():
            if name in SECTION_KEYS:
                continue
            if isinstance(value, dict):
                raise self.unknown((name,), tuple(SECTION_KEYS), "section")
            home = next((s for s, keys in SECTION_KEYS.items() if name in keys), None)
            if home is not None:
                raise self.fail((name,), f"belongs in a section: write it under [{home}]")
            raise self.unknown((name,), tuple(SECTION_KEYS), "top-level key (every key lives in a section)")
        for name, known in SECTION_KEYS.items():
            if name in ("risk", "watchlist") and isinstance(doc.get(name), list):
                raise self.fail((name,), f"write [{name}] once (a table), not [[{name}]]")
            section = self.table(doc, name)
            if name == "risk":
                continue  # its keys come from RiskThresholds (see risk())
            for key in section:
                if key not in known:
                    raise self.unknown((name, key), known, "key")
        watchlist = self.watchlist(self.table(doc, "watchlist"))
        return Config(
            path=self.path,
            refresh=self.refresh(self.table(doc, "refresh")),
            watchlist=watchlist,
            risk=self.risk(self.table(doc, "risk")),
            rotation=self.rotation(self.table(doc, "rotation"), watchlist),
            display=self.display(self.table(doc, "display")),
            cache=self.cache(self.table(doc, "cache")),
        )

    def refresh(self, section: Mapping[str, Any]) -> RefreshConfig:
        values = {
            key: float(self.in_range(("refresh", key), section[key], MIN_INTERVAL, MAX_INTERVAL))
            for key in ("interval", "closed_interval")
            if key in section
        }
        return RefreshConfig(**values)

    def watchlist(self, section: Mapping[str, Any]) -> tuple[WatchlistEntry, ...]:
        key = ("watchlist", "symbols")
        items = section.get("symbols", [])
        if not isinstance(items, list):
            raise self.fail(key, f"must be an array of symbols, got {_type_name(items)}")
        if len(items) > MAX_WATCHLIST:
            raise self.fail(key, f"at most {MAX_WATCHLIST} symbols, got {len(items)}")
        builtin = {s.ticker: s for s in UNIVERSE}
        seen: set[str] = set()
        entries: list[WatchlistEntry] = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                fields: Mapping[str, Any] = {"symbol": item}
            elif isinstance(item, dict):
                fields = item
            else:
                raise self.fail(
                    key,
                    f"item {index + 1} must be a ticker or {{ symbol = ..., name = ... }}, "
                    f"got {_type_name(item)} ({_shown(item)})",
                )
            for name in fields:
                if name not in WATCHLIST_ITEM_KEYS:
                    guess = difflib.get_close_matches(name, WATCHLIST_ITEM_KEYS, n=1)
                    hint = (
                        f"; did you mean '{guess[0]}'?"
                        if guess
                        else f" (known: {', '.join(WATCHLIST_ITEM_KEYS)})"
                    )
                    raise self.fail(key, f"item {index + 1}: unknown key '{name}'{hint}", f"{name}")
            if "symbol" not in fields:
                raise self.fail(key, f"item {index + 1} has no 'symbol'")
            raw = fields["symbol"]
            needle = f'"{raw}"' if isinstance(raw, str) else None
            if not isinstance(raw, str):
                raise self.fail(key, f"item {index + 1}: symbol must be a string, got {_type_name(raw)}")
            ticker = raw.strip().upper()
            if not is_valid_ticker(ticker):
                raise self.fail(
                    key,
                    f"{_shown(raw)} is not a valid Yahoo ticker (letters, digits and ^ = - . only, "
                    "at most 15 characters)",
                    needle,
                )
            if ticker in builtin:
                raise self.fail(
                    key,
                    f"{ticker} is already a built-in symbol ({builtin[ticker].group}); remove it from the "
                    "watchlist",
                    needle,
                )
            if ticker in seen:
                raise self.fail(key, f"{ticker} is listed twice", needle)
            seen.add(ticker)
            name = self.display_name(ticker, "name", fields.get("name", ticker), needle)
            short = self.display_name(ticker, "short", fields.get("short", name), needle)
            entries.append(WatchlistEntry(ticker, name, short))
        return tuple(entries)

    def risk(self, section: Mapping[str, Any]) -> tuple[tuple[str, float | int], ...]:
        if not section:
            return ()
        from dataclasses import fields as dataclass_fields

        from rotor.data.figures.risk import RiskThresholds

        defaults = RiskThresholds()
        known = tuple(f.name for f in dataclass_fields(RiskThresholds))
        values: dict[str, float | int] = {}
        for key, value in section.items():
            if key not in known:
                raise self.unknown(("risk", key), known, "risk threshold")
            integer = isinstance(getattr(defaults, key), int)
            number = self.number(("risk", key), value, integer=integer)
            if number < 0:
                raise self.fail(("risk", key), f"must not be negative, got {_shown(value)}")
            values[key] = number if integer else float(number)
        try:
            RiskThresholds(**cast(dict[str, Any], values))
        except ValueError as exc:
            message = str(exc).removeprefix("risk threshold ")
            # Blame the first threshold the message names (its subject) that the file sets.
            named = sorted((m.start(), k) for k in known if (m := re.search(rf"\b{k}\b", message)))
            blamed = next((k for _, k in named if k in values), key)
            raise self.fail(("risk", blamed), message) from None
        # Only the values that differ from the defaults, in field order: equal configs compare equal.
        return tuple((k, values[k]) for k in known if k in values and values[k] != getattr(defaults, k))

    def rotation(self, section: Mapping[str, Any], watchlist: tuple[WatchlistEntry, ...]) -> RotationConfig:
        defaults = RotationConfig()
        benchmark = defaults.benchmark
        if "benchmark" in section:
            key = ("rotation", "benchmark")
            benchmark = self.string(key, section["benchmark"]).strip().upper()
            known = [s.ticker for s in UNIVERSE] + [e.symbol for e in watchlist]
            if not is_valid_ticker(benchmark):
                raise self.fail(key, f"{_shown(section['benchmark'])} is not a valid Yahoo ticker")
            if benchmark not in known:
                guess = difflib.get_close_matches(benchmark, known, n=1)
                hint = f"; did you mean '{guess[0]}'?" if guess else ""
                raise self.fail(key, f"{benchmark} is neither a built-in nor a watchlist symbol{hint}")
        basis = defaults.basis
        if "basis" in section:
            basis = cast(RRGBasisName, self.choice(("rotation", "basis"), section["basis"], BASES))
        window = defaults.window
        if "window" in section:
            window = int(
                self.in_range(("rotation", "window"), section["window"], *WINDOW_RANGE, integer=True)
            )
        tail = defaults.tail
        if "tail" in section:
            tail = int(self.in_range(("rotation", "tail"), section["tail"], *TAIL_RANGE, integer=True))
        return RotationConfig(benchmark=benchmark, basis=basis, window=window, tail=tail)

    def display(self, section: Mapping[str, Any]) -> DisplayConfig:
        defaults = DisplayConfig()
        theme = defaults.theme
        if "theme" in section:
            theme = self.choice(("display", "theme"), section["theme"], THEMES)
        palette = defaults.heatmap_palette
        if "heatmap_palette" in section:
            palette = cast(
                Palette, self.choice(("display", "heatmap_palette"), section["heatmap_palette"], PALETTES)
            )
        return DisplayConfig(theme=theme, heatmap_palette=palette)

    def cache(self, section: Mapping[str, Any]) -> CacheConfig:
        if "dir" not in section:
            return CacheConfig()
        directory = self.string(("cache", "dir"), section["dir"]).strip()
        if not directory:
            raise self.fail(("cache", "dir"), "must not be empty (leave it out for the default)")
        if "\x00" in directory:
            raise self.fail(("cache", "dir"), "must not contain a NUL character")
        return CacheConfig(dir=directory)


# --- writing -----------------------------------------------------------------------------------------


def _toml_value(value: object) -> str:
    """A TOML literal for a string, number or boolean (JSON string escapes are valid TOML)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _watchlist_item(entry: WatchlistEntry) -> str:
    parts = [f"symbol = {_toml_value(entry.symbol)}", f"name = {_toml_value(entry.name)}"]
    if entry.short != entry.name:
        parts.append(f"short = {_toml_value(entry.short)}")
    return "{ " + ", ".join(parts) + " }"


def to_toml(config: Config) -> str:
    """The effective configuration as TOML (every key, defaults included); reads back to ``config``."""
    from dataclasses import fields as dataclass_fields

    thresholds = config.risk_thresholds()
    lines = [
        "[refresh]",
        f"interval = {_toml_value(config.refresh.interval)}",
        f"closed_interval = {_toml_value(config.refresh.closed_interval)}",
        "",
        "[watchlist]",
    ]
    if config.watchlist:
        lines += ["symbols = [", *(f"  {_watchlist_item(e)}," for e in config.watchlist), "]"]
    else:
        lines.append("symbols = []")
    lines += ["", "[risk]"]
    lines += [f"{f.name} = {_toml_value(getattr(thresholds, f.name))}" for f in dataclass_fields(thresholds)]
    rotation = config.rotation
    lines += [
        "",
        "[rotation]",
        f"benchmark = {_toml_value(rotation.benchmark)}",
        f"basis = {_toml_value(rotation.basis)}",
        f"window = {rotation.window}",
        f"tail = {rotation.tail}",
        "",
        "[display]",
        f"theme = {_toml_value(config.display.theme)}",
        f"heatmap_palette = {_toml_value(config.display.heatmap_palette)}",
        "",
        "[cache]",
    ]
    if config.cache.dir is None:
        lines.append("# dir: not set (the platform's user cache directory)")
    else:
        lines.append(f"dir = {_toml_value(config.cache.dir)}")
    return "\n".join(lines) + "\n"


def default_config_text() -> str:
    """The commented file ``rotor config init`` writes: every key at its default, commented out, so the
    file changes nothing until a line is uncommented (and later default changes still apply)."""
    from dataclasses import fields as dataclass_fields

    from rotor.data.figures.risk import RiskThresholds

    defaults = Config()
    thresholds = RiskThresholds()
    risk_lines = [
        f"# {f.name} = {_toml_value(getattr(thresholds, f.name))}" for f in dataclass_fields(thresholds)
    ]
    return "\n".join(
        [
            "# rotor configuration (TOML). Every key is optional; remove the '# ' before a key to set it.",
            "# 'rotor config check' validates this file; 'rotor config show' prints the effective values.",
            "",
            "[refresh]",
            "# Seconds between refreshes while a market is open, and while every market is closed (>= 5).",
            f"# interval = {_toml_value(defaults.refresh.interval)}",
            f"# closed_interval = {_toml_value(defaults.refresh.closed_interval)}",
            "",
            "[watchlist]",
            "# Your own Yahoo tickers, shown in a 'Watchlist' group. name and short are optional;",
            '# a bare "TICKER" works too. Built-in symbols (SPY, ^GSPC, ...) cannot be listed again.',
            "# symbols = [",
            '#   { symbol = "AAPL", name = "Apple" },',
            '#   { symbol = "ZC=F", name = "Corn futures", short = "Corn" },',
            '#   "MSFT",',
            "# ]",
            "",
            "[risk]",
            "# When each risk note fires (see the README); none may be negative, watch <= warning.",
            *risk_lines,
            "",
            "[rotation]",
            "# Relative Rotation Graph: benchmark (a built-in or watchlist symbol), basis weekly|daily,",
            f"# window ({WINDOW_RANGE[0]}-{WINDOW_RANGE[1]} points) and tail "
            f"({TAIL_RANGE[0]}-{TAIL_RANGE[1]} points).",
            f"# benchmark = {_toml_value(defaults.rotation.benchmark)}",
            f"# basis = {_toml_value(defaults.rotation.basis)}",
            f"# window = {defaults.rotation.window}",
            f"# tail = {defaults.rotation.tail}",
            "",
            "[display]",
            f"# theme: one of {', '.join(THEMES)}.",
            f"# heatmap_palette: {' or '.join(PALETTES)} (blue-orange is colour-blind safe).",
            f"# theme = {_toml_value(defaults.display.theme)}",
            f"# heatmap_palette = {_toml_value(defaults.display.heatmap_palette)}",
            "",
            "[cache]",
            "# The cache directory (default: the platform's user cache dir; --cache-dir and",
            "# $ROTOR_CACHE_DIR take precedence).",
            '# dir = "~/.cache/rotor"',
            "",
        ]
    )


def write_default_config(path: Path) -> None:
    """Create ``path`` with ``default_config_text()``, user-only (0o600; a directory it creates is 0o700).

    Never overwrites: raises ``FileExistsError`` when ``path`` exists, ``OSError`` when it cannot write."""
    directory = path.parent
    missing = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for created in missing:
        created.chmod(0o700)  # mkdir's mode is reduced by the umask; only directories created here
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            handle.write(default_config_text())
    finally:
        if fd != -1:
            os.close(fd)
