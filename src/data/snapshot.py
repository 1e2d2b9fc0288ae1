"""MarketSnapshot: the immutable result of one update, everything a pane or a report needs.

Plain data only (floats, strings, dates, tuples of frozen dataclasses): it can be persisted as JSON and
read back without pandas, so the app paints real figures at once on start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, Literal

Severity = Literal["info", "watch", "warning"]
Quadrant = Literal["Leading", "Weakening", "Lagging", "Improving"]
MarketStateName = Literal["pre", "open", "post", "closed"]

SEVERITY_ORDER: dict[str, int] = {"warning": 0, "watch": 1, "info": 2}
SNAPSHOT_FORMAT = 2


def finite(value: float | None) -> float | None:
    """``value`` when it is a finite number, else ``None`` (NaN and inf never reach a snapshot)."""
    if value is None:
        return None
    v = float(value)
    return v if math.isfinite(v) else None


@dataclass(frozen=True, slots=True)
class Milestone:
    """A notable fact about a series, e.g. a first close above a round level."""

    kind: Literal["first_close_above", "weekly_move"]
    text: str
    on: date | None = None
    level: float | None = None
    pct: float | None = None
    since: date | None = None


@dataclass(frozen=True, slots=True)
class InstrumentStats:
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

    def change(self, timeframe: str) -> float | None:
        """The % change for a timeframe label: 1D, 1W, WTD, 1M, MTD or YTD."""
        return {
            "1D": self.change_1d_pct,
            "1W": self.change_1w_pct,
            "WTD": self.change_wtd_pct,
            "1M": self.change_1m_pct,
            "MTD": self.change_mtd_pct,
            "YTD": self.change_ytd_pct,
        }[timeframe.upper()]

    def base_close(self, timeframe: str) -> float | None:
        """The close a timeframe's change was measured from (``WTD``: the previous week's last close),
        recovered from ``last`` and that change; ``None`` if undefined."""
        from rotor.data.render.formatting import base_from_change

        return finite(base_from_change(self.last, self.change(timeframe)))

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


@dataclass(frozen=True, slots=True)
class RRGPoint:
    """One point of a Relative Rotation Graph tail."""

    on: date
    rs_ratio: float
    rs_momentum: float


@dataclass(frozen=True, slots=True)
class RRGEntry:
    """A symbol's position on the Relative Rotation Graph against the benchmark."""

    symbol: str
    rs_ratio: float | None
    rs_momentum: float | None
    quadrant: Quadrant | None
    tail: tuple[RRGPoint, ...] = ()


@dataclass(frozen=True, slots=True)
class Spread:
    """A rotation spread over 1W, 1M and YTD. ``unit``: ``pct`` (ratio change, %) or ``pts``
    (difference of two returns, percentage points)."""

    id: str
    label: str
    unit: Literal["pct", "pts"]
    change_1w: float | None
    change_1m: float | None
    change_ytd: float | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Breadth:
    """Breadth across the sector ETFs."""

    total: int
    above_ma50: int
    up_1w: int
    leaders: tuple[str, ...] = ()
    concentration: float | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Rotation:
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


@dataclass(frozen=True, slots=True)
class Evidence:
    """One figure behind a risk note."""

    label: str
    value: float | str | None
    symbol: str | None = None
    unit: str = ""


@dataclass(frozen=True, slots=True)
class RiskNote:
    """A rule-based note with the numbers that triggered it."""

    id: str
    severity: Severity
    title: str
    detail: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class MarketState:
    """The state of one exchange calendar at the snapshot's clock time."""

    calendar: str
    state: MarketStateName
    label: str
    next_open: datetime | None = None
    next_close: datetime | None = None
    holiday: str | None = None


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What the last fetch did: requests sent, failures grouped by kind (``("timed out", 3)``), and when
    the source will be asked again after it rate-limited us or could not be reached."""

    requests: int = 0
    failures: tuple[tuple[str, int], ...] = ()
    retry_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Bar:
    """One daily bar with the moving averages known on that day (``None`` until a full window)."""

    on: date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None
    ma20: float | None = None
    ma50: float | None = None
    ma200: float | None = None


@dataclass(frozen=True, slots=True)
class SymbolDetail:
    """What the detail screen shows for one symbol: its stats and its recent bars, oldest first."""

    stats: InstrumentStats
    bars: tuple[Bar, ...]


@dataclass(frozen=True, slots=True)
class MarketSnapshot:
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
        return _encode(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MarketSnapshot:
        """The inverse of ``to_dict``; raises ``ValueError``/``KeyError``/``TypeError`` on bad data."""
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unsupported snapshot format {data.get('format')!r}")
        return _decode_snapshot(data)


def _encode(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
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
    )


def _instrument(d: dict[str, Any]) -> InstrumentStats:
    values = dict(d)
    values["last_date"] = _date(values.get("last_date"))
    values["spark"] = tuple(values.get("spark", ()))
    values["milestones"] = tuple(_milestone(m) for m in values.get("milestones", ()))
    return InstrumentStats(**values)


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
