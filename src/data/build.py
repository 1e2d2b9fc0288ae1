"""One update: from an aligned panel to an immutable ``MarketSnapshot``.

This is the only place that turns pandas results into snapshot data; everything here is pure (the clock
is passed in).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import pandas as pd
from rotor.data.figures import metrics, risk
from rotor.data.figures.risk import RiskThresholds
from rotor.data.figures.rotation import RRGOptions, compute_rotation
from rotor.data.panel import Panel
from rotor.data.snapshot import Bar, InstrumentStats, MarketSnapshot, Milestone, SymbolDetail, finite
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
    """The detail of ``symbol`` at ``snapshot.as_of``: its stats and last ``sessions`` bars with the
    moving averages of each day. Raises ``KeyError`` for a symbol the snapshot does not hold."""
    stats = snapshot.get(symbol)
    if stats is None:
        raise KeyError(symbol)
    history = metrics.symbol_history(panel, symbol, snapshot.as_of, sessions)
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


def compute_snapshot(
    panel: Panel,
    *,
    requested_as_of: date | None,
    source: str,
    now: datetime,
    symbols: Sequence[Symbol] = UNIVERSE,
    symbol_sources: Mapping[str, str] | None = None,
    errors: Iterable[str] = (),
    notices: Iterable[str] = (),
    rrg_options: RRGOptions | None = None,
    risk_thresholds: RiskThresholds | None = None,
) -> MarketSnapshot:
    """Compute every figure for ``symbols`` at the last session on or before ``requested_as_of``.

    Rotation (spreads, sector breadth, the sectors' RRG; ``rrg_options`` default ``RRGOptions()``) comes
    from the panel and the metrics table; the risk notes (``risk_thresholds`` default
    ``RiskThresholds()``) from the finished snapshot. Commodities also get ``weekly_move_z``, the
    statistic the commodity-shock rule reads.

    Raises ``AsOfOutOfRange`` / ``NoData`` from ``Panel.resolve_as_of``."""
    thresholds = risk_thresholds or risk.RiskThresholds()
    as_of = panel.resolve_as_of(requested_as_of)
    notes = list(notices)
    if requested_as_of is not None and requested_as_of != as_of:
        notes.append(
            f"{requested_as_of.isoformat()} is not a session; using the last session on or "
            f"before it, {as_of.isoformat()}"
        )
    panel = panel.select([s.ticker for s in symbols])
    table = metrics.instrument_metrics(panel, as_of)
    sparks = metrics.recent_closes(panel, as_of)
    cut_close = panel.upto(as_of).close
    symbol_sources = symbol_sources or {}
    instruments = []
    # One conversion to plain Python per refresh (indexing a frame cell by cell costs more than the math).
    numbers = table[list(metrics.METRIC_COLUMNS)].to_dict("index")
    last_dates = table["last_date"].to_dict()
    for sym in symbols:
        values = {str(c): _opt(v) for c, v in numbers[sym.ticker].items()}
        last_ts = last_dates[sym.ticker]
        last_date: date | None = None if pd.isna(last_ts) else pd.Timestamp(last_ts).date()
        has_data = last_date is not None
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
                stale=last_date is None or last_date < as_of,
                source=symbol_sources.get(sym.ticker, source),
                age_days=None if last_date is None else (as_of - last_date).days,
                spark=tuple(v for v in sparks.get(sym.ticker, []) if math.isfinite(v)),
                milestones=milestones_for(cut_close[sym.ticker], as_of, sym)
                if has_data and sym.group in MILESTONE_GROUPS
                else (),
                error=None if has_data else "no data",
                weekly_move_z=risk.weekly_move_zscore(
                    cut_close[sym.ticker], as_of, thresholds.commodity_shock_min_weeks
                )
                if has_data and sym.group == "commodities"
                else None,
            )
        )
    rotation = compute_rotation(
        panel,
        as_of,
        table,
        rrg_options or RRGOptions(),
        sectors=[s.ticker for s in symbols if s.group == "sectors"],
    )
    snapshot = MarketSnapshot(
        as_of=as_of,
        requested_as_of=requested_as_of,
        source=source,
        generated_at=now,
        instruments=tuple(instruments),
        notices=tuple(notes),
        errors=tuple(errors),
        rotation=rotation,
    )
    return snapshot.with_changes(risk_notes=risk.evaluate(snapshot, thresholds))
