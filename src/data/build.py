"""Building a ``MarketSnapshot``: the figures from an aligned panel (``compute_figures``), then the
snapshot itself, once, from the figures and the feed's status of each instrument (``assemble``).

This is the only place that turns pandas results into snapshot data; everything here is pure (the clock
is passed in).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from rotor.data.detail import Bar, SinceChange, SymbolDetail
from rotor.data.figures import metrics, milestones, risk
from rotor.data.figures.milestones import MILESTONE_GROUPS, MilestoneOptions
from rotor.data.figures.risk import RiskThresholds
from rotor.data.figures.rotation import RRGOptions, compute_rotation
from rotor.data.panel import Panel
from rotor.data.snapshot import (
    FetchReport,
    InstrumentStats,
    MarketSnapshot,
    MarketState,
    RiskNote,
    Rotation,
    Week,
    finite,
)
from rotor.data.sources.bundled import DeepHistory, load_deep_history
from rotor.data.symbols import UNIVERSE, Symbol

#: Rolls shown with an instrument: those within this many sessions (the 1M window holds the week's).
RECENT_ROLL_SESSIONS = metrics.SESSIONS_1M


def symbol_detail(panel: Panel, snapshot: MarketSnapshot, symbol: str, sessions: int = 260) -> SymbolDetail:
    """The detail of ``symbol`` at its own date in ``snapshot`` (its last bar; the as-of date when it has
    none): its stats and last ``sessions`` bars with the moving averages of each day, and when
    ``snapshot.since`` is set its change since that date (``since_change``, over every loaded bar).
    Raises ``KeyError`` for a symbol the snapshot does not hold."""
    stats = snapshot.get(symbol)
    if stats is None:
        raise KeyError(symbol)
    own_date = stats.last_date or snapshot.as_of
    since = None if snapshot.since is None else since_change(panel, symbol, own_date, snapshot.since)
    history = metrics.symbol_history(panel, symbol, own_date, sessions)
    bars = tuple(
        Bar(
            on=pd.Timestamp(str(day)).date(),
            open=_opt(row.open),
            high=_opt(row.high),
            low=_opt(row.low),
            close=_opt(row.close) or 0.0,
            volume=_opt(row.volume),
            ma20=_opt(row.ma20),
            ma50=_opt(row.ma50),
            ma200=_opt(row.ma200),
        )
        for day, row in zip(history.index, history.itertuples(index=False), strict=True)
    )
    return SymbolDetail(stats=stats, bars=bars, since=since)


def since_session(panel: Panel, requested: date) -> date | None:
    """The session a "since" date means: the benchmark's last session on or before ``requested`` (the
    close of that date, or of the last session before it); ``None`` before the first session."""
    sessions = panel.sessions()
    pos = int(sessions.searchsorted(pd.Timestamp(requested), side="right")) - 1
    return None if pos < 0 else sessions[pos].date()


def since_change(panel: Panel, symbol: str, own_date: date, requested: date) -> SinceChange | None:
    """``symbol``'s change from its own last close on or before the "since" session (``since_session``)
    to its last close on or before ``own_date``; ``None`` when the panel has no session by ``requested``.
    The change is ``None`` when the symbol has no close by then (or the base is not positive)."""
    session = since_session(panel, requested)
    if session is None:
        return None
    series = panel.upto(own_date).close[symbol].dropna() if symbol in panel.symbols else pd.Series()
    days = pd.DatetimeIndex(series.index)
    pos = int(days.searchsorted(pd.Timestamp(session), side="right")) - 1
    if pos < 0 or series.empty:
        return SinceChange(requested, session, None, None, None)
    base, last = float(series.iloc[pos]), float(series.iloc[-1])
    change = finite(100.0 * (last / base - 1.0)) if base > 0 else None
    return SinceChange(requested, session, days[pos].date(), base, change)


def apply_since(
    snapshot: MarketSnapshot, requested: date, detail: Callable[[MarketSnapshot, str], SymbolDetail]
) -> MarketSnapshot:
    """``snapshot`` with every instrument's change since ``requested`` (``InstrumentStats
    .change_since_pct``) and the session used (``since``), from ``detail`` (a feed's ``detail``: the same
    panel the snapshot was computed from). Raises ``ValueError`` when ``requested`` is after the as-of
    session or before the first session."""
    if requested > snapshot.as_of:
        raise ValueError(
            f"--since {requested.isoformat()} is after the as-of session {snapshot.as_of.isoformat()}"
        )
    asking = snapshot.with_changes(since=requested)
    changes: dict[str, float | None] = {}
    session: date | None = None
    for stats in snapshot.instruments:
        found = detail(asking, stats.symbol).since
        if found is None:
            raise ValueError(f"--since {requested.isoformat()} is before the first session of the data")
        session = found.session
        changes[stats.symbol] = found.change_pct
    instruments = tuple(replace(i, change_since_pct=changes.get(i.symbol)) for i in snapshot.instruments)
    notices = snapshot.notices
    if session is not None and session != requested:
        notices = (
            *notices,
            f"--since {requested.isoformat()} is not a session; since figures use the close of "
            f"{session.isoformat()}",
        )
    return snapshot.with_changes(instruments=instruments, since=session, notices=notices)


def _opt(value: object) -> float | None:
    try:
        return finite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Figures:
    """Every figure computed from a panel: the expensive part of a snapshot, a pure function of the panel
    and the options (the feed keeps it while the panel does not change). Instruments carry their figures;
    their status (stale, source, price state) is the snapshot's business (``assemble``)."""

    as_of: date
    requested_as_of: date | None
    instruments: tuple[InstrumentStats, ...]
    rotation: Rotation | None
    risk_notes: tuple[RiskNote, ...]
    notices: tuple[str, ...] = ()
    week: Week | None = None


@dataclass(frozen=True, slots=True)
class InstrumentStatus:
    """What the feed knows of one instrument's price beyond its figures: where it came from, how it
    relates to its market now (``sessions.PriceStatus``), and why it is stale or missing."""

    source: str
    stale: bool = False
    price_state: str = "close"
    reason: str | None = None


def compute_figures(
    panel: Panel,
    *,
    requested_as_of: date | None,
    cut: date | None = None,
    symbols: Sequence[Symbol] = UNIVERSE,
    rrg_options: RRGOptions | None = None,
    risk_thresholds: RiskThresholds | None = None,
    milestone_options: MilestoneOptions | None = None,
    deep_history: Mapping[str, DeepHistory] | None = None,
) -> Figures:
    """Every figure for ``symbols``: each instrument at its own last session on or before ``cut`` (the
    whole panel when ``None``, as in live mode; a replay cuts at its as-of session), the snapshot's
    ``as_of`` being the benchmark's last session on or before ``requested_as_of``.

    Rotation (spreads, sector breadth, the sectors' RRG; ``rrg_options`` default ``RRGOptions()``) comes
    from the panel and the metrics table; the risk notes (``risk_thresholds`` default
    ``RiskThresholds()``) from the figures. Instruments of ``MILESTONE_GROUPS`` get their milestones,
    record close, futures rolls and rolled timeframes from their searched history (the panel joined to
    ``deep_history``, default the bundled deep history; ``{}`` for none; ``milestone_options`` default
    ``MilestoneOptions()``); commodities also get ``weekly_move_z``, the statistic the commodity-shock
    rule reads. Every instrument gets its calendar week's closes, and the figures the calendar ``Week``.

    Raises ``AsOfOutOfRange`` / ``NoData`` from ``Panel.resolve_as_of``."""
    thresholds = risk_thresholds or risk.RiskThresholds()
    options = milestone_options or MilestoneOptions()
    deep = load_deep_history() if deep_history is None else deep_history
    as_of = panel.resolve_as_of(requested_as_of)
    notes = []
    if requested_as_of is not None and requested_as_of != as_of:
        notes.append(
            f"{requested_as_of.isoformat()} is not a session; using the last session on or "
            f"before it, {as_of.isoformat()}"
        )
    panel = panel.select([s.ticker for s in symbols])
    view = panel.upto(cut) if cut is not None else panel
    table = metrics.instrument_metrics(view)
    sparks = metrics.recent_closes(view, view.dates[-1].date()) if len(view.dates) else {}
    # The closes as one array and the session days converted once, for every symbol's searched history.
    close_values = view.close.to_numpy(dtype="float64")
    close_column = {str(c): j for j, c in enumerate(view.close.columns)}
    close_days = pd.DatetimeIndex(view.close.index).values.astype("datetime64[D]")
    instruments = []
    # One conversion to plain Python per refresh (indexing a frame cell by cell costs more than the math).
    numbers = table[list(metrics.METRIC_COLUMNS)].to_dict("index")
    last_dates = table["last_date"].to_dict()
    for sym in symbols:
        values: dict[str, Any] = {str(c): _opt(v) for c, v in numbers[sym.ticker].items()}
        last_ts = last_dates[sym.ticker]
        last_date: date | None = None if pd.isna(last_ts) else pd.Timestamp(last_ts).date()
        history_figures: dict[str, Any] = {}
        if last_date is not None:
            column = close_values[:, close_column[sym.ticker]]
            history_figures = _history_figures(
                sym, close_days, column, deep.get(sym.ticker), options, thresholds.commodity_shock_min_weeks
            )
        instruments.append(
            InstrumentStats(
                symbol=sym.ticker,
                name=sym.name,
                short=sym.short,
                group=sym.group,
                kind=sym.kind,
                unit=sym.unit,
                **values,
                last_date=last_date,
                stale=last_date is None,
                source="",
                price_state="close" if last_date is not None else "none",
                age_days=None if last_date is None else max(0, (as_of - last_date).days),
                spark=tuple(v for v in sparks.get(sym.ticker, []) if math.isfinite(v)),
                error=None if last_date is not None else "no data",
                **history_figures,
            )
        )
    rotation = compute_rotation(
        view,
        as_of,
        table,
        rrg_options or RRGOptions(),
        sectors=[s.ticker for s in symbols if s.group == "sectors"],
    )
    # The risk rules read a snapshot: give them one of the figures alone.
    figures_only = MarketSnapshot(
        as_of=as_of,
        requested_as_of=requested_as_of,
        source="",
        generated_at=datetime.min,
        instruments=tuple(instruments),
        rotation=rotation,
    )
    return Figures(
        as_of=as_of,
        requested_as_of=requested_as_of,
        instruments=tuple(instruments),
        rotation=rotation,
        risk_notes=risk.evaluate(figures_only, thresholds),
        notices=tuple(notes),
        week=metrics.calendar_week(panel.upto(as_of).sessions(), as_of, requested_as_of),
    )


def _history_figures(
    sym: Symbol,
    days: np.ndarray,
    close: np.ndarray,
    deep: DeepHistory | None,
    options: MilestoneOptions,
    min_weeks: int,
) -> dict[str, Any]:
    """The ``InstrumentStats`` fields read from a symbol's searched history: its calendar week's closes
    for every instrument; for ``MILESTONE_GROUPS`` also the milestones, record close, rolls and rolled
    timeframes, and for commodities the z-score of the week's move."""
    if sym.group not in MILESTONE_GROUPS:
        h = milestones.searched_history_of(sym.ticker, days, close, None)
        return {} if h is None else {"week": milestones.week_closes(h)}
    h = milestones.searched_history_of(sym.ticker, days, close, deep)
    if h is None:
        return {}
    record_close, record_date = milestones.record(h)
    out: dict[str, Any] = {
        "week": milestones.week_closes(h),
        "milestones": milestones.milestones_for(h, sym, options),
        "record_close": record_close,
        "record_date": record_date,
        "history_start": h.start,
        "history_basis": h.basis,
        "rolls": milestones.recent_rolls(h, RECENT_ROLL_SESSIONS),
        "rolled": milestones.rolled_timeframes(h, metrics.SESSIONS_1W, metrics.SESSIONS_1M),
    }
    if sym.group == "commodities":
        out["weekly_move_z"] = milestones.weekly_move_zscore(h, h.end, min_weeks)
    return out


def assemble(
    figures: Figures,
    *,
    source: str,
    now: datetime,
    status: Mapping[str, InstrumentStatus],
    markets: Sequence[MarketState] = (),
    notices: Iterable[str] = (),
    errors: Iterable[str] = (),
    fetch: FetchReport | None = None,
) -> MarketSnapshot:
    """The ``MarketSnapshot`` of one update, built once from everything it needs: the figures, each
    instrument's status (an instrument without one is taken as served by ``source``, stale only when it
    has no data), the markets' states, notices, errors and what the fetch did. Never patched later."""
    instruments = []
    for stats in figures.instruments:
        own = status.get(stats.symbol, InstrumentStatus(source))
        if stats.last_date is None:
            instruments.append(replace(stats, source=own.source, stale=True, error=own.reason or "no data"))
            continue
        instruments.append(
            replace(stats, source=own.source, stale=own.stale, price_state=own.price_state, error=own.reason)
        )
    return MarketSnapshot(
        as_of=figures.as_of,
        requested_as_of=figures.requested_as_of,
        source=source,
        generated_at=now,
        instruments=tuple(instruments),
        notices=(*notices, *figures.notices),
        errors=tuple(errors),
        week=figures.week,
        rotation=figures.rotation,
        risk_notes=figures.risk_notes,
        markets=tuple(markets),
        fetch=fetch,
    )


def compute_snapshot(
    panel: Panel,
    *,
    requested_as_of: date | None,
    source: str,
    now: datetime,
    symbols: Sequence[Symbol] = UNIVERSE,
    notices: Iterable[str] = (),
    rrg_options: RRGOptions | None = None,
    risk_thresholds: RiskThresholds | None = None,
) -> MarketSnapshot:
    """A replay's snapshot in one call: every figure at the last session on or before
    ``requested_as_of`` (``compute_figures`` cut there), every instrument served by ``source``, stale when
    its last close is older than that session (the daily rule: there is no "now" in a replay)."""
    figures = compute_figures(
        panel,
        requested_as_of=requested_as_of,
        cut=panel.resolve_as_of(requested_as_of),
        symbols=symbols,
        rrg_options=rrg_options,
        risk_thresholds=risk_thresholds,
    )
    return assemble(
        figures,
        source=source,
        now=now,
        status=daily_status(figures, {}, source),
        notices=notices,
    )


def daily_status(
    figures: Figures, sources: Mapping[str, str], default_source: str
) -> dict[str, InstrumentStatus]:
    """The daily rule, for replays and sources that never fetch: an instrument is stale when its last
    close is older than the as-of session (``price_state`` ``close``)."""
    out = {}
    for stats in figures.instruments:
        source = sources.get(stats.symbol, default_source)
        behind = stats.last_date is not None and stats.last_date < figures.as_of
        reason = f"last close {stats.last_date.isoformat()}" if behind and stats.last_date else None
        out[stats.symbol] = InstrumentStatus(source, behind, "close", reason)
    return out
