"""Every setting rotor reads from its config file, declared once.

Each ``[section]`` of the TOML file is a frozen dataclass below and each key one of its fields, declared
with ``setting()``: its type (the default's), default, range or choices, and a one-line doc. From these
declarations ``rotor.data.config`` derives the validation and its messages, ``rotor config show``, the
commented file ``rotor config init`` writes and the README's table of keys. The computations use the same
classes: ``RiskThresholds`` (re-exported by ``rotor.data.figures.risk``) and ``RRGOptions`` (by
``rotor.data.figures.rotation``), and the refresh intervals below are the ones the feed, the session model,
the app and the command line use, so every default lives here and only here.

This module imports only the standard library and ``rotor.data.symbols``: the app reads its config before
it paints, and ``rotor.data.feed`` and ``rotor.data.sessions`` import from here.
"""

from __future__ import annotations

import math
from dataclasses import Field, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, cast

from rotor.data.record import Record
from rotor.data.symbols import RS_BENCHMARK, UNIVERSE, Kind, Symbol

#: Seconds between refreshes while a market trades (``--interval``, ``$ROTOR_INTERVAL``, ``[refresh]``).
DEFAULT_INTERVAL: Final = 60.0
#: Seconds between refreshes while every market is closed.
CLOSED_INTERVAL: Final = 300.0
#: The range every refresh interval must lie in, wherever it is given.
MIN_INTERVAL: Final = 5.0
MAX_INTERVAL: Final = 86_400.0

MAX_WATCHLIST: Final = 100
MAX_NAME_LENGTH: Final = 60

#: Textual's built-in themes, in its order (a test checks this against ``textual.theme.BUILTIN_THEMES``;
#: importing textual to read them would cost the config path ~150 ms).
THEMES: Final = (
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "catppuccin-mocha",
    "dracula",
    "tokyo-night",
    "monokai",
    "flexoki",
    "catppuccin-latte",
    "catppuccin-frappe",
    "catppuccin-macchiato",
    "solarized-light",
    "solarized-dark",
    "rose-pine",
    "rose-pine-moon",
    "rose-pine-dawn",
    "atom-one-dark",
    "atom-one-light",
    "ansi-dark",
    "ansi-light",
)
Palette = Literal["red-green", "blue-orange"]
#: Heatmap palettes: red/green, or blue/orange for red-green colour blindness.
PALETTES: Final[tuple[Palette, ...]] = ("red-green", "blue-orange")
RRGBasis = Literal["weekly", "daily"]
BASES: Final[tuple[RRGBasis, ...]] = ("weekly", "daily")

_T = TypeVar("_T")
#: ``datetime.date`` under a name a field called ``date`` does not shadow.
Day = date


# --- the declaration of one setting --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Spec(Record):
    """What a setting may hold and what it means (kept in its field's ``metadata["spec"]``).

    ``low``/``high`` bound a number (inclusive); ``choices`` list a string's allowed values; ``at_most``
    names a sibling setting this one must not exceed; ``example`` is the TOML the template shows instead
    of the default (for a setting whose default says little, like an empty watchlist)."""

    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    at_most: str | None = None
    example: str | None = None
    #: How the value is checked when the default cannot say (an optional number's default is ``None``):
    #: ``number``, ``integer``, ``string``, ``boolean``, ``date``, ``choice`` or ``list``.
    kind: str | None = None

    def allowed(self) -> str:
        """The range or the choices, in words ("" when any value of the type goes)."""
        if self.choices:
            return ", ".join(self.choices)
        if self.low is not None and self.high is not None:
            return f"{self.low:g} to {self.high:g}"
        if self.low == 0:
            return "0 or more"
        if self.low is not None:
            return f"at least {self.low:g}"
        return f"at most {self.high:g}" if self.high is not None else ""


def setting(
    default: _T,
    doc: str,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] = (),
    at_most: str | None = None,
    example: str | None = None,
    kind: str | None = None,
) -> _T:
    """A dataclass field declaring one setting (see ``Spec``); its type is its default's type, or
    ``kind`` for an optional setting (default ``None``) that is not a string."""
    spec = Spec(doc, low, high, choices, at_most, example, kind)
    return field(default=default, metadata={"spec": spec})


def described(
    doc: str, *, high: float | None = None, low: float | None = None, kind: str | None = None
) -> Any:
    """A dataclass field without a default (a required part of an item: a watchlist entry's symbol, a
    position's quantity), declared like ``setting()``."""
    return field(metadata={"spec": Spec(doc, low=low, high=high, kind=kind)})


def spec_of(f: Field[Any]) -> Spec:
    spec = f.metadata.get("spec")
    if not isinstance(spec, Spec):
        raise TypeError(f"{f.name} is not declared with setting()")
    return spec


ValueKind = Literal["choice", "integer", "number", "string", "list", "boolean", "date"]


def kind_of(f: Field[Any]) -> ValueKind:
    """How a setting's value is checked, from its declaration: its choices, its declared ``kind``, else
    its default's type (a ``None`` default means an optional string, no default a string)."""
    spec = spec_of(f)
    if spec.choices:
        return "choice"
    if spec.kind is not None:
        return cast(ValueKind, spec.kind)
    default = f.default
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "number"
    if isinstance(default, tuple):
        return "list"
    return "string"


def type_name(value: object) -> str:
    """A TOML value's type in words ("a string", "an array" ...)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, datetime):
        return "a date-time"
    names = {
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
        date: "a date",
    }
    return next((n for t, n in names.items() if isinstance(value, t)), f"a {type(value).__name__}")


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` clipped to ``limit`` characters (repr escapes control characters)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem_with(f: Field[Any], value: object, given: str | None = None) -> str | None:
    """What is wrong with ``value`` for the setting ``f`` (a phrase such as "must be between 5 and 86400,
    got 2"), or ``None``. The one statement of the rules, used by the config file's validation, the
    command line and the dataclasses' own checks. Lists (the watchlist) are checked by the config.
    ``given``: the text the user typed, echoed instead of ``value`` (a command-line number)."""
    spec, kind = spec_of(f), kind_of(f)
    got = shown(value) if given is None else given if len(given) <= 40 else given[:39] + "…"
    if value is None and f.default is None:
        return None  # an optional setting left unset
    if kind == "boolean":
        return None if isinstance(value, bool) else f"must be true or false, got {type_name(value)} ({got})"
    if kind == "date":
        if isinstance(value, date) and not isinstance(value, datetime):
            return None
        if isinstance(value, str):
            return f"must be a date written unquoted (2025-06-02), got a string ({got})"
        return f"must be a date (YYYY-MM-DD, unquoted), got {type_name(value)} ({got})"
    if kind in ("integer", "number"):
        integer = kind == "integer"
        if isinstance(value, bool) or not isinstance(value, int | float):
            wanted = "an integer" if integer else "a number"
            return f"must be {wanted}, got {type_name(value)} ({shown(value)})"
        if integer and not isinstance(value, int):
            return f"must be an integer, got {got}"
        low, high = spec.low, spec.high
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                wanted = f"be between {low:g} and {high:g}"
            elif low == 0:
                wanted = "not be negative"
            else:
                wanted = f"be at least {low:g}" if low is not None else f"be at most {high:g}"
            return f"must {wanted}, got {got}"
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an integer beyond any float (TOML integers have no limit)
            return f"is too large, got {got}"
        if not finite:
            return f"must be a finite number, got {got}"
        return None
    if not isinstance(value, str):
        return f"must be a string, got {type_name(value)} ({shown(value)})"
    if kind == "choice":
        if value in spec.choices:
            return None
        import difflib

        guess = difflib.get_close_matches(value, spec.choices, n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else f"choose one of: {spec.allowed()}"
        return f"{shown(value)} is not allowed; {hint}"
    if not value.strip():
        return "must not be empty (leave it out for the default)"
    if spec.high is not None and len(value.strip()) > spec.high:
        return f"must be at most {spec.high:g} characters, got {got}"
    if not value.isprintable():
        return f"must be printable text (no control characters), got {got}"
    return None


def check_fields(obj: object, what: str) -> None:
    """Raise ``ValueError`` ("WHAT NAME PROBLEM") for the first setting of the dataclass ``obj`` whose value
    breaks its declaration, or that exceeds the setting it must stay at most."""
    for f in fields(cast(Any, obj)):
        value = getattr(obj, f.name)
        problem = None if kind_of(f) == "list" else problem_with(f, value)
        if problem is not None:
            raise ValueError(f"{what} {f.name} {problem}")
        ceiling = spec_of(f).at_most
        if ceiling is not None and value > getattr(obj, ceiling):
            raise ValueError(
                f"{what} {f.name} must not exceed {ceiling} ({value:g} > {getattr(obj, ceiling):g})"
            )


# --- the sections --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RefreshSettings(Record):
    """How often rotor asks for new data, in seconds."""

    interval: float = setting(
        DEFAULT_INTERVAL,
        "seconds between refreshes while a market is open",
        low=MIN_INTERVAL,
        high=MAX_INTERVAL,
    )
    closed_interval: float = setting(
        CLOSED_INTERVAL,
        "seconds between refreshes while every market is closed",
        low=MIN_INTERVAL,
        high=MAX_INTERVAL,
    )
    stream: bool = setting(
        True,
        "stream prices over Yahoo's WebSocket while markets trade (polling stays for the daily bars, "
        "and takes over when the stream fails)",
    )

    def __post_init__(self) -> None:
        check_fields(self, "refresh")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class WatchlistEntry(Record):
    """One user symbol, an item of ``[watchlist] symbols``: a validated Yahoo ticker and how to show it."""

    symbol: str = described("a Yahoo ticker: letters, digits and ^ = - . only, at most 15 characters")
    name: str = described("the name shown (default: the ticker)", high=MAX_NAME_LENGTH)
    short: str = described("the name in narrow columns (default: the name)", high=MAX_NAME_LENGTH)

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


_WATCHLIST_EXAMPLE: Final = """[
  { symbol = "AAPL", name = "Apple" },
  { symbol = "ZC=F", name = "Corn futures", short = "Corn" },
  "MSFT",
]"""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class WatchlistSettings(Record):
    """Your own Yahoo tickers, shown in a "Watchlist" group after the built-in symbols."""

    symbols: tuple[WatchlistEntry, ...] = setting(
        (),
        f'at most {MAX_WATCHLIST} tickers: "TICKER" or {{ symbol, name, short }} (name and short optional, '
        f"{MAX_NAME_LENGTH} characters at most); no built-in symbol, none twice",
        example=_WATCHLIST_EXAMPLE,
    )


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RiskThresholds(Record):
    """When each risk note fires; none may be negative, and a watch level never exceeds its warning."""

    max_data_age_days: int = setting(
        4, "instruments whose last close is older than this many days before the session are left out", low=0
    )
    vix_watch_level: float = setting(
        20.0, "VIX close at or above which: watch", low=0, at_most="vix_warning_level"
    )
    vix_warning_level: float = setting(30.0, "VIX close at or above which: warning", low=0)
    vix_jump_watch_pct: float = setting(
        20.0, "VIX rise this week, in %: watch", low=0, at_most="vix_jump_warning_pct"
    )
    vix_jump_warning_pct: float = setting(40.0, "VIX rise this week, in %: warning", low=0)
    commodity_shock_watch_z: float = setting(
        2.5,
        "absolute z-score of a commodity's weekly move against its earlier weekly moves: watch",
        low=0,
        at_most="commodity_shock_warning_z",
    )
    commodity_shock_warning_z: float = setting(4.0, "the same z-score: warning", low=0)
    commodity_shock_min_weeks: int = setting(
        26, "earlier weekly moves (history searched, roll weeks left out) needed for a z-score", low=2
    )
    milestone_recent_days: int = setting(
        7, "a first close above a round level is noted while at most this many days old", low=0
    )
    narrow_equal_weight_lag_pct: float = setting(
        0.5,
        "with SPY up this week, an RSP/SPY fall this week at or past this, in %, is narrow leadership",
        low=0,
    )
    narrow_max_sectors_up: int = setting(
        3, "... as is SPY up this week with at most this many sectors up", low=0
    )
    small_cap_divergence_pct: float = setting(
        1.5, "absolute IWM/SPY change this week, in %, at or above which small caps diverge", low=0
    )
    yield_move_watch_bp: float = setting(
        15.0, "10-year yield move this week, in basis points: watch", low=0, at_most="yield_move_warning_bp"
    )
    yield_move_warning_bp: float = setting(
        25.0, "10-year yield move this week, in basis points: warning", low=0
    )
    dollar_move_watch_pct: float = setting(
        1.0, "dollar index move this week, in %: watch", low=0, at_most="dollar_move_warning_pct"
    )
    dollar_move_warning_pct: float = setting(2.0, "dollar index move this week, in %: warning", low=0)

    def __post_init__(self) -> None:
        check_fields(self, "risk threshold")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RRGOptions(Record):
    """How the Relative Rotation Graph is computed (the design's weekly JdK approximation by default)."""

    benchmark: str = setting(
        RS_BENCHMARK, "the ticker relative strength is measured against (a built-in or watchlist symbol)"
    )
    window: int = setting(14, "points in the RS-Ratio and RS-Momentum windows", low=2, high=260)
    tail: int = setting(5, "points in each sector's tail", low=1, high=52)
    basis: RRGBasis = setting(
        "weekly",
        "weekly: the last close of each calendar week; daily: daily closes (windows then count sessions)",
        choices=BASES,
    )

    def __post_init__(self) -> None:
        check_fields(self, "RRG option")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DisplaySettings(Record):
    """How the app looks."""

    theme: str = setting("textual-dark", "the app's colour theme (ctrl+p lists them too)", choices=THEMES)
    heatmap_palette: Palette = setting(
        "red-green", "sector heatmap colours (blue-orange is colour-blind safe)", choices=PALETTES
    )
    extended_hours: bool = setting(
        True, "show pre- and post-market prices of US stocks and ETFs beside the regular close"
    )

    def __post_init__(self) -> None:
        check_fields(self, "display")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CacheSettings(Record):
    """Where rotor keeps every bar it received."""

    dir: str | None = setting(
        None,
        "the cache directory, ~ expanded (default: the platform's user cache dir; "
        "--cache-dir and $ROTOR_CACHE_DIR come first)",
        example='"~/.cache/rotor"',
    )

    def __post_init__(self) -> None:
        check_fields(self, "cache")


DesktopNotice = Literal["auto", "osc9", "osc777", "notify-send", "off"]
DESKTOP_NOTICES: Final[tuple[DesktopNotice, ...]] = ("auto", "osc9", "osc777", "notify-send", "off")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NotifySettings(Record):
    """What happens when one of your alerts fires, besides a note in the app and a line in alerts.log."""

    bell: bool = setting(True, "ring the terminal bell")
    desktop: DesktopNotice = setting(
        "auto",
        "a desktop notification: auto = the terminal's own (OSC 9 or OSC 777) where it is known to show "
        "one, else notify-send when installed; or one of them; off = none",
        choices=DESKTOP_NOTICES,
    )
    hysteresis_pct: float = setting(
        0.5,
        "a fired price alert re-arms once the price is back past its level by this % of the level (a move "
        "alert once the move is under its threshold by this % of it)",
        low=0,
        high=50,
    )

    def __post_init__(self) -> None:
        check_fields(self, "notify")


# --- the arrays of tables ([[watchlists]], [[positions]], [[alerts]]) ---------------------------------

MAX_WATCHLISTS: Final = 20
MAX_POSITIONS: Final = 500
MAX_ALERTS: Final = 200
#: The name of the ``[watchlist]`` section's list (the first watchlist; ``[[watchlists]]`` add more).
DEFAULT_WATCHLIST: Final = "Watchlist"
TIMEFRAME_CHOICES: Final = ("1D", "1W")
SEVERITIES: Final = ("info", "watch", "warning")
QUADRANT_CHOICES: Final = ("Leading", "Weakening", "Lagging", "Improving", "any")


def item_list(item: type, doc: str, *, at_most: int, example: str) -> Any:
    """A ``Config`` field holding an array of tables (``[[name]]``), each item a dataclass ``item``
    whose fields are declared with ``setting()``/``described()``."""
    spec = Spec(doc, high=at_most, example=example, kind="list")
    return field(default=(), metadata={"spec": spec, "item": item})


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NamedWatchlist(Record):
    """One more watchlist, an item of ``[[watchlists]]``: a name and its symbols (as ``[watchlist]``'s)."""

    name: str = described("the watchlist's name (shown on its tab), unique", high=MAX_NAME_LENGTH)
    symbols: tuple[WatchlistEntry, ...] = setting(
        (), f"its tickers, as [watchlist] symbols (at most {MAX_WATCHLIST})", kind="list"
    )


def currency_problem(value: str) -> str | None:
    """What is wrong with a currency code (ISO 4217's three letters; Yahoo's ``GBp``, pence, too)."""
    if len(value) == 3 and value.isascii() and value.isalpha() and (value.isupper() or value == "GBp"):
        return None
    return f"currency must be a three-letter code such as USD, EUR, JPY (or GBp), got {shown(value)}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PositionLot(Record):
    """One lot you hold, an item of ``[[positions]]``: the symbol, how many and at what cost per share
    (in the symbol's currency). Several lots of one symbol make one position."""

    symbol: str = described("a Yahoo ticker (a built-in symbol, a watchlist's or any other)")
    quantity: float = described("how many shares or units (more than 0)", kind="number")
    cost: float = described("the cost per share or unit, in the symbol's currency", low=0, kind="number")
    date: Day | None = setting(
        None,
        "the day it was bought (YYYY-MM-DD, unquoted); a replay before it leaves it out",
        kind="date",
        example="2025-06-02",
    )
    currency: str | None = setting(
        None,
        "the currency its prices are in (default: from the ticker's exchange, e.g. .T JPY, .L GBp, "
        "else USD); shown, never converted",
        example='"USD"',
    )

    def __post_init__(self) -> None:
        check_fields(self, "position")
        if not self.quantity > 0:
            raise ValueError(f"position quantity must be more than 0, got {self.quantity:g}")
        if self.currency is not None and (problem := currency_problem(self.currency)) is not None:
            raise ValueError(f"position {problem}")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class AlertRule(Record):
    """One alert of your own, an item of ``[[alerts]]``: exactly one of ``above``, ``below``,
    ``move_pct``, ``risk``, ``quadrant`` or ``stale``, with the ``symbol`` it watches (none for ``risk``;
    optional for ``quadrant``: then every sector)."""

    symbol: str | None = setting(None, "the Yahoo ticker it watches", example='"GC=F"')
    above: float | None = setting(
        None, "fires when the price crosses above this level", kind="number", example="5000"
    )
    below: float | None = setting(
        None, "fires when the price crosses below this level", kind="number", example="4000"
    )
    move_pct: float | None = setting(
        None,
        "fires on a move of at least this many % either way over 'over'",
        low=0,
        kind="number",
        example="3.0",
    )
    over: str = setting("1D", "the move's timeframe", choices=TIMEFRAME_CHOICES)
    risk: str | None = setting(
        None,
        "fires on each new risk note of this severity or higher",
        choices=SEVERITIES,
        example='"warning"',
    )
    quadrant: str | None = setting(
        None,
        "fires when a sector enters this RRG quadrant (any: every change of quadrant)",
        choices=QUADRANT_CHOICES,
        example='"Leading"',
    )
    stale: bool = setting(False, "fires when the symbol's price goes stale")

    def __post_init__(self) -> None:
        check_fields(self, "alert")
        conditions = [name for name in ALERT_CONDITIONS if _is_set(getattr(self, name))]
        if len(conditions) != 1:
            what = "none" if not conditions else ", ".join(conditions)
            raise ValueError(f"alert needs exactly one of {', '.join(ALERT_CONDITIONS)} (got {what})")
        if self.risk is None and self.quadrant is None and self.symbol is None:
            raise ValueError(f"alert on {conditions[0]} needs a symbol")
        if self.risk is not None and self.symbol is not None:
            raise ValueError("a risk alert watches every note: leave out symbol")
        if self.over != "1D" and self.move_pct is None:
            raise ValueError("over goes with move_pct")
        if self.move_pct is not None and not self.move_pct > 0:
            raise ValueError(f"alert move_pct must be more than 0, got {self.move_pct:g}")

    @property
    def condition(self) -> str:
        """Which condition it is: above, below, move_pct, risk, quadrant or stale."""
        return next(name for name in ALERT_CONDITIONS if _is_set(getattr(self, name)))

    def describe(self) -> str:
        """The rule in words, e.g. ``GC=F above 5000``, ``SPY moves 3% (1D)``, ``new warning risk note``."""
        c, symbol = self.condition, self.symbol or ""
        if c in ("above", "below"):
            return f"{symbol} {c} {getattr(self, c):g}"
        if c == "move_pct":
            return f"{symbol} moves {self.move_pct:g}% ({self.over})"
        if c == "risk":
            return f"new {self.risk} risk note" + (" or worse" if self.risk != "warning" else "")
        if c == "quadrant":
            where = symbol or "a sector"
            return (
                f"{where} changes RRG quadrant"
                if self.quadrant == "any"
                else f"{where} enters {self.quadrant}"
            )
        return f"{symbol} goes stale"

    @property
    def id(self) -> str:
        """A stable identifier made from the rule (``GC=F-above-5000``): the same rule, the same id."""
        c = self.condition
        value = {"above": self.above, "below": self.below, "move_pct": self.move_pct}.get(c)
        parts = [self.symbol or "", c.replace("_pct", ""), f"{value:g}" if value is not None else ""]
        parts += [self.over if c == "move_pct" else "", self.risk or "", self.quadrant or ""]
        return "-".join(p for p in parts if p)


def _is_set(value: object) -> bool:
    """An alert condition is set unless ``None`` or ``false`` (a 0 is set: the rule then says so)."""
    return value is not None and value is not False


#: The conditions of an alert, one per rule.
ALERT_CONDITIONS: Final = ("above", "below", "move_pct", "risk", "quadrant", "stale")

_WATCHLISTS_EXAMPLE: Final = """[[watchlists]]
name = "Tech"
symbols = ["AAPL", "MSFT", "NVDA"]"""
_POSITIONS_EXAMPLE: Final = """[[positions]]
symbol = "SPY"
quantity = 10
cost = 600.0
date = 2025-06-02"""
_ALERTS_EXAMPLE: Final = """[[alerts]]
symbol = "GC=F"
above = 5000

[[alerts]]
symbol = "SPY"
move_pct = 3.0
over = "1D"
"""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Config(Record):
    """The effective configuration: one field per ``[section]`` of the file (``path``: the file read, or
    ``None``), each holding the file's values over the declared defaults."""

    path: Path | None = None
    refresh: RefreshSettings = field(default_factory=RefreshSettings)
    watchlist: WatchlistSettings = field(default_factory=WatchlistSettings)
    risk: RiskThresholds = field(default_factory=RiskThresholds)
    rotation: RRGOptions = field(default_factory=RRGOptions)
    display: DisplaySettings = field(default_factory=DisplaySettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    watchlists: tuple[NamedWatchlist, ...] = item_list(
        NamedWatchlist,
        f"more watchlists (at most {MAX_WATCHLISTS}), each a name and its symbols; switch with w in the app",
        at_most=MAX_WATCHLISTS,
        example=_WATCHLISTS_EXAMPLE,
    )
    positions: tuple[PositionLot, ...] = item_list(
        PositionLot,
        f"lots you hold (at most {MAX_POSITIONS}): symbol, quantity, cost per share, date, currency",
        at_most=MAX_POSITIONS,
        example=_POSITIONS_EXAMPLE,
    )
    alerts: tuple[AlertRule, ...] = item_list(
        AlertRule,
        f"alerts of your own (at most {MAX_ALERTS}): a symbol and one condition, none twice",
        at_most=MAX_ALERTS,
        example=_ALERTS_EXAMPLE,
    )

    @property
    def watchlist_names(self) -> tuple[str, ...]:
        """Every watchlist's name: ``[watchlist]``'s first, then ``[[watchlists]]`` in file order."""
        return (DEFAULT_WATCHLIST, *(w.name for w in self.watchlists))

    def watchlist_entries(self, name: str) -> tuple[WatchlistEntry, ...]:
        """The entries of the watchlist ``name`` (none for a name no watchlist has)."""
        if name == DEFAULT_WATCHLIST:
            return self.watchlist.symbols
        return next((w.symbols for w in self.watchlists if w.name == name), ())

    @property
    def symbols(self) -> tuple[Symbol, ...]:
        """The built-in universe, then every user symbol once (group ``watchlist``): every watchlist's,
        then each position's symbol that is neither built in nor on a watchlist."""
        builtin = {s.ticker for s in UNIVERSE}
        entries: dict[str, WatchlistEntry] = {}
        for name in self.watchlist_names:
            for entry in self.watchlist_entries(name):
                entries.setdefault(entry.symbol, entry)
        for lot in self.positions:
            if lot.symbol not in builtin:
                entries.setdefault(lot.symbol, WatchlistEntry(lot.symbol, lot.symbol, lot.symbol))
        return UNIVERSE + tuple(entry.to_symbol() for entry in entries.values())


def sections() -> dict[str, type]:
    """Each ``[section]``'s name in the file and its dataclass, in file order."""
    defaults = Config()
    return {
        f.name: type(getattr(defaults, f.name))
        for f in fields(Config)
        if f.name != "path" and "item" not in f.metadata
    }


def arrays() -> dict[str, tuple[type, Field[Any]]]:
    """Each array of tables (``[[name]]``): its item dataclass and its ``Config`` field, in file order."""
    return {f.name: (f.metadata["item"], f) for f in fields(Config) if "item" in f.metadata}
