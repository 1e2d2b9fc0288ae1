"""Building a ``MarketSnapshot``: the figures from an aligned panel (``compute_figures``), then the
snapshot itself, once, from the figures and the feed's status of each instrument (``assemble``).

This is the only place that turns pandas results into snapshot data; everything here is pure (the clock
is passed in).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd
from rotor.data.figures import metrics, risk
from rotor.data.figures.risk import RiskThresholds
from rotor.data.figures.rotation import RRGOptions, compute_rotation
from rotor.data.panel import Panel
from rotor.data.snapshot import (
    Bar,
    FetchReport,
    InstrumentStats,
    MarketSnapshot,
    MarketState,
    Milestone,
    RiskNote,
    Rotation,
    SymbolDetail,
    finite,
)
from rotor.data.symbols import UNIVERSE, Symbol

#: A weekly move is a milestone when no larger one happened in at least this many weeks.
MILESTONE_MIN_WEEKS = 13
#: Groups whose instruments get milestones.
MILESTONE_GROUPS = ("indices", "commodities", "rates")


def format_level(level: float, unit: str) -> str:
    """A round level as people say it: ``$5,000``, ``50,000``, ``$6``, ``4.5%``."""
    text = f"{level:,.0f}" if level >= 10 or level == int(level) else f"{level:,.2f}".rstrip("0")
    if unit == "%":
        return f"{text}%"
    return f"${text}" if unit.startswith("$") else text


def milestones_for(close: pd.Series, as_of: date, symbol: Symbol) -> tuple[Milestone, ...]:
    """Milestones of one series at ``as_of``: a recent first close above a round level, and a weekly
    move that is the largest in at least ``MILESTONE_MIN_WEEKS`` weeks (or in the loaded history)."""
    out: list[Milestone] = []
    if symbol.kind != "index" or symbol.ticker != "^VIX":
        cross = metrics.recent_round_level_cross(close, as_of)
        if cross is not None and symbol.kind != "rate":
            out.append(
                Milestone(
                    kind="first_close_above",
                    text=f"first close above {format_level(cross.level, symbol.unit)} "
                    f"({cross.on.isoformat()})",
                    on=cross.on,
                    level=cross.level,
                )
            )
    move = metrics.largest_weekly_move_since(close, as_of)
    if move is not None:
        word = "gain" if move.pct > 0 else "loss"
        if move.since is None:
            text = (
                f"biggest weekly {word} in the loaded history "
                f"({move.pct:+.1f}%; history from {move.history_start.isoformat()})"
            )
        elif (move.week_end - move.since).days >= 7 * MILESTONE_MIN_WEEKS:
            text = f"biggest weekly {word} since {move.since.isoformat()} ({move.pct:+.1f}%)"
        else:
            text = ""
        if text:
            out.append(
                Milestone(kind="weekly_move", text=text, on=move.week_end, pct=move.pct, since=move.since)
            )
    return tuple(out)


def symbol_detail(panel: Panel, snapshot: MarketSnapshot, symbol: str, sessions: int = 260) -> SymbolDetail:
    """The detail of ``symbol`` at its own date in ``snapshot`` (its last bar; the as-of date when it has
    none): its stats and last ``sessions`` bars with the moving averages of each day. Raises ``KeyError``
    for a symbol the snapshot does not hold."""
    stats = snapshot.get(symbol)
    if stats is None:
        raise KeyError(symbol)
    history = metrics.symbol_history(panel, symbol, stats.last_date or snapshot.as_of, sessions)
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
    return SymbolDetail(stats=stats, bars=bars)


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
) -> Figures:
    """Every figure for ``symbols``: each instrument at its own last session on or before ``cut`` (the
    whole panel when ``None``, as in live mode; a replay cuts at its as-of session), the snapshot's
    ``as_of`` being the benchmark's last session on or before ``requested_as_of``.

    Rotation (spreads, sector breadth, the sectors' RRG; ``rrg_options`` default ``RRGOptions()``) comes
    from the panel and the metrics table; the risk notes (``risk_thresholds`` default
    ``RiskThresholds()``) from the figures. Commodities also get ``weekly_move_z``, the statistic the
    commodity-shock rule reads.

    Raises ``AsOfOutOfRange`` / ``NoData`` from ``Panel.resolve_as_of``."""
    thresholds = risk_thresholds or risk.RiskThresholds()
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
    closes = view.close
    instruments = []
    # One conversion to plain Python per refresh (indexing a frame cell by cell costs more than the math).
    numbers = table[list(metrics.METRIC_COLUMNS)].to_dict("index")
    last_dates = table["last_date"].to_dict()
    for sym in symbols:
        values = {str(c): _opt(v) for c, v in numbers[sym.ticker].items()}
        last_ts = last_dates[sym.ticker]
        last_date: date | None = None if pd.isna(last_ts) else pd.Timestamp(last_ts).date()
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
                milestones=milestones_for(closes[sym.ticker], last_date, sym)
                if last_date is not None and sym.group in MILESTONE_GROUPS
                else (),
                error=None if last_date is not None else "no data",
                weekly_move_z=risk.weekly_move_zscore(
                    closes[sym.ticker], last_date, thresholds.commodity_shock_min_weeks
                )
                if last_date is not None and sym.group == "commodities"
                else None,
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
    )


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
