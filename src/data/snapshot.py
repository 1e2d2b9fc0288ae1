"""MarketSnapshot: the immutable result of one update, everything a pane or a report needs.

Plain data only (floats, strings, dates, tuples of frozen dataclasses): it can be persisted as JSON and
read back without pandas, so the app paints real figures at once on start.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, Final, Literal

from rotor.data.record import Record

Severity = Literal["info", "watch", "warning"]
Quadrant = Literal["Leading", "Weakening", "Lagging", "Improving"]
MarketStateName = Literal["pre", "open", "post", "closed"]

MilestoneKind = Literal[
    "first_close_above",
    "weekly_move",
    "record_close",
    "highest_since",
    "lowest_since",
    "daily_move",
    "near_level",
]

SEVERITY_ORDER: dict[str, int] = {"warning": 0, "watch": 1, "info": 2}
#: 3: milestones with their searched history, context flag and distance; records, the calendar week and
#: its daily closes, futures rolls, "since" figures, calendar-week spreads and breadth.
SNAPSHOT_FORMAT = 3


def finite(value: float | None) -> float | None:
    """``value`` when it is a finite number, else ``None`` (NaN and inf never reach a snapshot)."""
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Milestone(Record):
    """A notable fact about a series, found in its searched history (see figures/milestones.py).

    ``kind``: ``record_close`` (the highest close in the searched history, set on ``on`` at ``level``),
    ``highest_since`` / ``lowest_since`` (the week's highest / lowest close ``level`` on ``on``, the
    highest / lowest since ``since``), ``weekly_move`` (the week's ``pct`` move, the largest in its
    direction since the week to ``since``), ``daily_move`` (a session's ``pct`` move on ``on``, the largest
    in its direction since ``since``), ``first_close_above`` (the first close above the round ``level``, on
    ``on``) and ``near_level`` (the last close within reach of the round ``level``). ``since`` is ``None``
    when nothing in the searched history compares (a first / largest ever in it). ``history_start`` is the
    first date of the searched history; ``distance_pct`` the last close's % distance from ``level``;
    ``context`` is true for a milestone from before the instrument's current calendar week (shown as
    context, never as this week's news). ``text`` says it all in words, with the history searched."""

    kind: MilestoneKind
    text: str
    on: date | None = None
    level: float | None = None
    pct: float | None = None
    since: date | None = None
    history_start: date | None = None
    distance_pct: float | None = None
    context: bool = False


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Roll(Record):
    """A continuous futures series switching from an expiring contract to the next (figures/rolls.py):
    ``previous`` is the expiring contract's last session in the series (close ``last_close``), ``on`` the
    next contract's first (close ``first_close``). The change between them is not a price move."""

    on: date
    previous: date
    from_contract: str
    to_contract: str
    last_close: float
    first_close: float


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DayClose(Record):
    """One session of an instrument's calendar week: its close and the % change from the session before
    (``rolled`` when that change spans a futures roll, so it is no price move)."""

    on: date
    close: float
    change_pct: float | None
    rolled: bool = False


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Week(Record):
    """The calendar week (Monday to Sunday) of the as-of session, the one week of a weekly wrap.

    ``base`` is the benchmark's last session before ``start`` (weekly changes are measured from each
    instrument's last close on or before it: the WTD figures); ``sessions`` the benchmark's sessions from
    ``start`` to ``end`` (the as-of session); ``closed`` the weekdays of the week up to the requested date
    on which the benchmark did not trade (holidays; named by the exchange calendar where shown)."""

    start: date
    end: date
    base: date | None
    sessions: tuple[date, ...]
    closed: tuple[date, ...] = ()


Timeframe = Literal["1D", "1W", "WTD", "1M", "MTD", "YTD"]
#: Each timeframe, its % change field and the field holding the close it is measured from (metrics.py
#: defines them): the one list every table, heatmap, report and tick update reads.
TIMEFRAMES: Final[Mapping[Timeframe, tuple[str, str]]] = {
    "1D": ("change_1d_pct", "prev_close"),
    "1W": ("change_1w_pct", "base_1w"),
    "WTD": ("change_wtd_pct", "base_wtd"),
    "1M": ("change_1m_pct", "base_1m"),
    "MTD": ("change_mtd_pct", "base_mtd"),
    "YTD": ("change_ytd_pct", "base_ytd"),
}
#: The figures ``metrics.instrument_metrics`` computes for every symbol, in order (its table's columns and
#: the same-named ``InstrumentStats`` fields).
METRIC_FIELDS: Final = (
    "last",
    *(change for change, _ in TIMEFRAMES.values()),
    *(base for _, base in TIMEFRAMES.values()),
    "ma20",
    "ma50",
    "ma200",
    "range_50d_low",
    "range_50d_high",
    "range_52w_low",
    "range_52w_high",
)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class InstrumentStats(Record):
    """Every figure of one symbol at the snapshot's as-of session (see metrics.py for definitions)."""

    symbol: str
    name: str
    short: str
    group: str
    kind: str
    unit: str
    last: float | None
    prev_close: float | None
    change_1d_pct: float | None
    change_1w_pct: float | None
    change_wtd_pct: float | None
    change_1m_pct: float | None
    change_mtd_pct: float | None
    change_ytd_pct: float | None
    ma20: float | None
    ma50: float | None
    ma200: float | None
    range_50d_low: float | None
    range_50d_high: float | None
    range_52w_low: float | None
    range_52w_high: float | None
    last_date: date | None
    stale: bool
    source: str
    age_days: int | None = None
    spark: tuple[float, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    error: str | None = None
    #: z-score of the as-of week's % move against this symbol's earlier weekly % moves in the loaded
    #: history (see risk.weekly_move_zscore); computed for commodities, ``None`` elsewhere or when short.
    weekly_move_z: float | None = None
    #: How ``last`` relates to its market now (``rotor.data.sessions.PriceStatus``): ``live`` (from the
    #: session in progress), ``close`` (the final close of the last session), ``provisional`` (the
    #: session just closed; the official close may still replace it), ``pre-open`` (the market trades a
    #: session rotor has no price from yet: ``last`` is the previous session's), ``none``.
    price_state: str = "close"
    #: % change from this instrument's last close on or before the snapshot's ``since`` session.
    change_since_pct: float | None = None
    #: The highest close in the searched history (the bundled deep history joined to the loaded bars,
    #: see figures/milestones.py) and the first date it closed there; ``history_start`` is the first date
    #: of that history and ``history_basis`` says how it is built where it is not one series of levels.
    record_close: float | None = None
    record_date: date | None = None
    history_start: date | None = None
    history_basis: str = ""
    #: The sessions of the instrument's own calendar week up to its last close, oldest first.
    week: tuple[DayClose, ...] = ()
    #: Futures rolls (figures/rolls.py) within the last 21 sessions, oldest first, and the timeframes
    #: (1D, 1W, WTD, 1M, MTD, YTD) whose change spans a roll: those changes are not price moves.
    rolls: tuple[Roll, ...] = ()
    rolled: tuple[str, ...] = ()
    #: The closes the 1W, WTD, 1M, MTD and YTD changes are measured from (1D's is ``prev_close``), kept as
    #: computed: a tick moves ``last`` and every change follows from these (``TIMEFRAMES``).
    base_1w: float | None = None
    base_wtd: float | None = None
    base_1m: float | None = None
    base_mtd: float | None = None
    base_ytd: float | None = None
    #: A US stock's or ETF's pre- or post-market price (streamed), shown beside the regular close with its
    #: own change from it (``extended_session``: ``pre`` or ``post``); the regular figures stay on the close.
    extended_price: float | None = None
    extended_session: str | None = None
    extended_change_pct: float | None = None
    extended_time: datetime | None = None

    def change(self, timeframe: str) -> float | None:
        """The % change for a timeframe label: 1D, 1W, WTD, 1M, MTD or YTD."""
        value: float | None = getattr(self, TIMEFRAMES[timeframe.upper()][0])  # type: ignore[index]
        return value

    def base_close(self, timeframe: str) -> float | None:
        """The close a timeframe's change was measured from (``WTD``: the previous week's last close)."""
        value: float | None = getattr(self, TIMEFRAMES[timeframe.upper()][1])  # type: ignore[index]
        return value

    def record_distance_pct(self) -> float | None:
        """% distance of ``last`` from the record close (0 at a record, negative below it)."""
        return self.distance_pct(self.record_close)

    def spans_roll(self, timeframe: str) -> bool:
        """True when the timeframe's change spans a futures roll (so it is not a price move)."""
        return timeframe.upper() in self.rolled

    def distance_pct(self, level: float | None) -> float | None:
        """% distance of ``last`` from ``level`` (e.g. a moving average); ``None`` if undefined."""
        if self.last is None or level is None or level <= 0:
            return None
        return finite(100.0 * (self.last / level - 1.0))

    def range_position(self) -> float | None:
        """Where ``last`` sits in its 50-session range, 0 (at the low) to 1 (at the high)."""
        lo, hi, last = self.range_50d_low, self.range_50d_high, self.last
        if lo is None or hi is None or last is None or hi <= lo:
            return None
        return min(1.0, max(0.0, (last - lo) / (hi - lo)))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RRGPoint(Record):
    """One point of a Relative Rotation Graph tail."""

    on: date
    rs_ratio: float
    rs_momentum: float


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RRGEntry(Record):
    """A symbol's position on the Relative Rotation Graph against the benchmark."""

    symbol: str
    rs_ratio: float | None
    rs_momentum: float | None
    quadrant: Quadrant | None
    tail: tuple[RRGPoint, ...] = ()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Spread(Record):
    """A rotation spread over the calendar week (``change_wtd``, the weekly wrap's week), 1W (five
    sessions), 1M and YTD. ``unit``: ``pct`` (ratio change, %) or ``pts`` (difference of two returns,
    percentage points). ``detail`` speaks of the calendar week."""

    id: str
    label: str
    unit: Literal["pct", "pts"]
    change_1w: float | None
    change_1m: float | None
    change_ytd: float | None
    detail: str = ""
    change_wtd: float | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Breadth(Record):
    """Breadth across the sector ETFs over the calendar week (WTD changes; see rotation.py)."""

    total: int
    above_ma50: int
    up_week: int
    leaders: tuple[str, ...] = ()
    concentration: float | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Rotation(Record):
    """Rotation metrics: spreads, breadth and the RRG of the sectors against the benchmark.

    ``window`` is the RRG standardisation window in points (weeks on the weekly basis, sessions on the
    daily one); see rotation.py for every definition."""

    benchmark: str
    basis: Literal["weekly", "daily"]
    spreads: tuple[Spread, ...] = ()
    breadth: Breadth | None = None
    rrg: tuple[RRGEntry, ...] = ()
    window: int = 14

    def rrg_for(self, symbol: str) -> RRGEntry | None:
        return next((e for e in self.rrg if e.symbol == symbol), None)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Evidence(Record):
    """One figure behind a risk note."""

    label: str
    value: float | str | None
    symbol: str | None = None
    unit: str = ""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RiskNote(Record):
    """A rule-based note with the numbers that triggered it."""

    id: str
    severity: Severity
    title: str
    detail: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MarketState(Record):
    """The state of one exchange calendar at the snapshot's clock time."""

    calendar: str
    state: MarketStateName
    label: str
    next_open: datetime | None = None
    next_close: datetime | None = None
    holiday: str | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class FetchReport(Record):
    """What the last fetch did: requests sent, failures grouped by kind (``("timed out", 3)``), and when
    the source will be asked again after it rate-limited us or could not be reached."""

    requests: int = 0
    failures: tuple[tuple[str, int], ...] = ()
    retry_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MarketSnapshot(Record):
    """The immutable result of one update."""

    as_of: date
    requested_as_of: date | None
    source: str
    generated_at: datetime
    instruments: tuple[InstrumentStats, ...]
    notices: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    rotation: Rotation | None = None
    risk_notes: tuple[RiskNote, ...] = ()
    markets: tuple[MarketState, ...] = ()
    fetch: FetchReport | None = None
    format: int = SNAPSHOT_FORMAT
    #: The calendar week of the as-of session (the weekly wrap's week).
    week: Week | None = None
    #: The session "since" figures (``InstrumentStats.change_since_pct``) are measured from, if asked.
    since: date | None = None

    def group(self, name: str) -> tuple[InstrumentStats, ...]:
        """The instruments of one group (indices, etfs, sectors, commodities, rates, watchlist)."""
        return tuple(i for i in self.instruments if i.group == name)

    def get(self, symbol: str) -> InstrumentStats | None:
        return next((i for i in self.instruments if i.symbol == symbol), None)

    @property
    def stale_symbols(self) -> tuple[str, ...]:
        return tuple(i.symbol for i in self.instruments if i.stale)

    def with_changes(self, **changes: Any) -> MarketSnapshot:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (dates as ISO strings)."""
        return encode(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarketSnapshot:
        """The inverse of ``to_dict``; raises ``ValueError``/``KeyError``/``TypeError`` on bad data."""
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unsupported snapshot format {data.get('format')!r}")
        return _decode_snapshot(data)


def encode(value: Any) -> Any:
    """A snapshot value (a dataclass of it, a tuple, a date ...) as plain JSON-ready data, as ``to_dict``
    writes it."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return finite(value)
    return value


def _date(v: Any) -> date | None:
    return None if v is None else date.fromisoformat(v)


def _datetime(v: Any) -> datetime | None:
    return None if v is None else datetime.fromisoformat(v)


def _milestone(d: dict[str, Any]) -> Milestone:
    return Milestone(
        kind=d["kind"],
        text=d["text"],
        on=_date(d.get("on")),
        level=d.get("level"),
        pct=d.get("pct"),
        since=_date(d.get("since")),
        history_start=_date(d.get("history_start")),
        distance_pct=d.get("distance_pct"),
        context=bool(d.get("context", False)),
    )


def _roll(d: dict[str, Any]) -> Roll:
    return Roll(
        on=date.fromisoformat(d["on"]),
        previous=date.fromisoformat(d["previous"]),
        from_contract=d["from_contract"],
        to_contract=d["to_contract"],
        last_close=float(d["last_close"]),
        first_close=float(d["first_close"]),
    )


def _day_close(d: dict[str, Any]) -> DayClose:
    return DayClose(
        on=date.fromisoformat(d["on"]),
        close=float(d["close"]),
        change_pct=d.get("change_pct"),
        rolled=bool(d.get("rolled", False)),
    )


def _instrument(d: dict[str, Any]) -> InstrumentStats:
    values = dict(d)
    values["last_date"] = _date(values.get("last_date"))
    values["record_date"] = _date(values.get("record_date"))
    values["history_start"] = _date(values.get("history_start"))
    values["spark"] = tuple(values.get("spark", ()))
    values["milestones"] = tuple(_milestone(m) for m in values.get("milestones", ()))
    values["week"] = tuple(_day_close(w) for w in values.get("week", ()))
    values["rolls"] = tuple(_roll(r) for r in values.get("rolls", ()))
    values["rolled"] = tuple(values.get("rolled", ()))
    values["extended_time"] = _datetime(values.get("extended_time"))
    return InstrumentStats(**values)


def _week(d: dict[str, Any] | None) -> Week | None:
    if d is None:
        return None
    return Week(
        start=date.fromisoformat(d["start"]),
        end=date.fromisoformat(d["end"]),
        base=_date(d.get("base")),
        sessions=tuple(date.fromisoformat(s) for s in d.get("sessions", ())),
        closed=tuple(date.fromisoformat(s) for s in d.get("closed", ())),
    )


def _rotation(d: dict[str, Any] | None) -> Rotation | None:
    if d is None:
        return None
    breadth = d.get("breadth")
    return Rotation(
        benchmark=d["benchmark"],
        basis=d["basis"],
        spreads=tuple(Spread(**s) for s in d.get("spreads", ())),
        breadth=None
        if breadth is None
        else Breadth(**{**breadth, "leaders": tuple(breadth.get("leaders", ()))}),
        rrg=tuple(
            RRGEntry(
                symbol=e["symbol"],
                rs_ratio=e["rs_ratio"],
                rs_momentum=e["rs_momentum"],
                quadrant=e["quadrant"],
                tail=tuple(
                    RRGPoint(date.fromisoformat(p["on"]), p["rs_ratio"], p["rs_momentum"])
                    for p in e.get("tail", ())
                ),
            )
            for e in d.get("rrg", ())
        ),
        window=d.get("window", 14),
    )


def _decode_snapshot(d: dict[str, Any]) -> MarketSnapshot:
    return MarketSnapshot(
        as_of=date.fromisoformat(d["as_of"]),
        requested_as_of=_date(d.get("requested_as_of")),
        source=d["source"],
        generated_at=datetime.fromisoformat(d["generated_at"]),
        instruments=tuple(_instrument(i) for i in d["instruments"]),
        notices=tuple(d.get("notices", ())),
        errors=tuple(d.get("errors", ())),
        rotation=_rotation(d.get("rotation")),
        risk_notes=tuple(
            RiskNote(
                id=n["id"],
                severity=n["severity"],
                title=n["title"],
                detail=n["detail"],
                evidence=tuple(Evidence(**e) for e in n.get("evidence", ())),
            )
            for n in d.get("risk_notes", ())
        ),
        markets=tuple(
            MarketState(
                calendar=m["calendar"],
                state=m["state"],
                label=m["label"],
                next_open=_datetime(m.get("next_open")),
                next_close=_datetime(m.get("next_close")),
                holiday=m.get("holiday"),
            )
            for m in d.get("markets", ())
        ),
        fetch=_fetch_report(d.get("fetch")),
        format=d.get("format", SNAPSHOT_FORMAT),
        week=_week(d.get("week")),
        since=_date(d.get("since")),
    )


def _fetch_report(d: dict[str, Any] | None) -> FetchReport | None:
    if d is None:
        return None
    return FetchReport(
        requests=int(d.get("requests", 0)),
        failures=tuple((str(k), int(n)) for k, n in d.get("failures", ())),
        retry_at=_datetime(d.get("retry_at")),
        reason=d.get("reason"),
    )
