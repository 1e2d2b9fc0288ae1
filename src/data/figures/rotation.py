"""Rotation: the Relative Rotation Graph of the sectors against a benchmark, rotation spreads and breadth.

Pure functions of the aligned panel and of the per-symbol table of ``metrics.instrument_metrics``;
nothing here mutates its input or does I/O. Undefined figures are ``None`` in the result (never NaN or
inf).

Relative Rotation Graph (the contract in design.md; a z-scored JdK approximation as in open
reimplementations such as RRG-Lite, the true JdK formula being proprietary):

- Closes: on the default ``weekly`` basis, the last close of each calendar week (Monday-Sunday) up to the
  as-of session, each symbol's own last close of that week; the as-of week counts even if partial. A
  week is dated by its last session in the loaded data. On the ``daily`` basis, the daily closes of the
  sessions on which the benchmark closed.
- ``RS = 100 * asset / benchmark`` (undefined where the benchmark close is missing or not positive).
- ``RS-Ratio = 100 + (RS - mean(RS, last N)) / std(RS, last N)`` with ``N = window`` (14) points
  including the current one.
- ``ROC = 100 * (RS-Ratio / previous point's RS-Ratio - 1)``.
- ``RS-Momentum = 100 + (ROC - mean(ROC, last N)) / std(ROC, last N)``.
- ``std`` is the sample standard deviation (ddof=1). A window with a missing value is undefined; so is a
  window whose standard deviation is zero (within ``FLAT_TOLERANCE`` of the window's largest magnitude,
  which absorbs floating-point noise on constant series).
- Quadrant from (RS-Ratio > 100, RS-Momentum > 100): Leading (yes, yes), Weakening (yes, no),
  Lagging (no, no), Improving (no, yes).
- Tail: the defined points among the last ``tail`` (5) points, oldest first.

With a 14-point window the first RS-Ratio needs 14 closes and the first RS-Momentum 28 (14 ratios for the
first ROC's predecessor plus 14 ROCs): about seven months of weekly history.

Spreads (over the calendar week, 1W, 1M and YTD, using the table's changes: the calendar week (WTD) vs
the last close of the previous calendar week, the weekly wrap's week; 1W vs the close 5 sessions earlier;
1M vs 21 sessions earlier; YTD vs the last close of the previous year):

- ratio spreads (unit ``pct``): the % change of the ratio A/B, ``100 * ((1 + a/100) / (1 + b/100) - 1)``
  from the two % changes, which equals the ratio's own change when both symbols share their sessions
  (as ETFs do): IWM/SPY (small vs large caps), RSP/SPY (equal vs cap weight);
- difference spreads (unit ``pts``): the mean % change of one basket minus the mean % change of the
  other, in percentage points: ^RUT minus ^IXIC, cyclical (XLY, XLF, XLI, XLB, XLE) minus defensive (XLP,
  XLU, XLV, XLRE), growth (XLK, XLC) minus value proxies (XLF, XLE, XLI). A basket with any member's
  change missing is undefined (the spread is ``None``), so its composition never shifts silently.

Breadth across the sectors, over the calendar week (one week in a document, the weekly wrap's): how many
close above their 50-session average, how many rose this week (WTD), the three leaders by their change
this week and the leadership concentration (see ``compute_breadth``). Spread and breadth texts speak of
the calendar week ("this week").

``RRGOptions`` (benchmark, window, tail, basis: defaults, ranges and meaning) is declared once in
``rotor.data.settings`` (the config file's ``[rotation]`` section).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from rotor.data.panel import Panel
from rotor.data.render import formatting as fmt
from rotor.data.settings import RRGBasis
from rotor.data.settings import RRGOptions as RRGOptions
from rotor.data.snapshot import Breadth, Quadrant, Rotation, RRGEntry, RRGPoint, Spread, finite
from rotor.data.symbols import (
    CYCLICAL_SECTORS,
    DEFENSIVE_SECTORS,
    GROWTH_SECTORS,
    SECTORS,
    VALUE_SECTORS,
)

#: The sector ETFs of the built-in universe, in display order: the default RRG and breadth members.
SECTOR_TICKERS: tuple[str, ...] = tuple(s.ticker for s in SECTORS)

#: A window's standard deviation counts as zero when it is at most this fraction of the window's largest
#: absolute value (a constant series gives a few ulps of noise rather than an exact zero).
FLAT_TOLERANCE = 1e-12

#: How many sectors ``Breadth.leaders`` names, and the top of the leadership concentration.
LEADER_COUNT = 3

#: Timeframes of the spreads and the table columns they read.
SPREAD_TIMEFRAMES: tuple[tuple[str, str], ...] = (
    ("WTD", "change_wtd_pct"),
    ("1W", "change_1w_pct"),
    ("1M", "change_1m_pct"),
    ("YTD", "change_ytd_pct"),
)


@dataclass(frozen=True, slots=True)
class RRGSeries:
    """RS-Ratio and RS-Momentum of every symbol at every point (NaN where undefined).

    ``rs``, ``rs_ratio``, ``roc`` and ``rs_momentum`` share the index (the point dates) and the columns
    (the symbols)."""

    rs: pd.DataFrame
    rs_ratio: pd.DataFrame
    roc: pd.DataFrame
    rs_momentum: pd.DataFrame


@dataclass(frozen=True, slots=True)
class SpreadDefinition:
    """One rotation spread: ``ratio`` (% change of ``first[0] / second[0]``) or ``difference`` (mean
    change of the ``first`` basket minus mean change of the ``second``, in points)."""

    id: str
    label: str
    kind: Literal["ratio", "difference"]
    first: tuple[str, ...]
    second: tuple[str, ...]
    first_name: str
    second_name: str


#: The rotation spreads rotor shows, in order.
SPREADS: tuple[SpreadDefinition, ...] = (
    SpreadDefinition(
        id="small_vs_large",
        label="Small vs large (IWM/SPY)",
        kind="ratio",
        first=("IWM",),
        second=("SPY",),
        first_name="Small caps",
        second_name="large caps",
    ),
    SpreadDefinition(
        id="russell_vs_nasdaq",
        label="Russell 2000 - Nasdaq",
        kind="difference",
        first=("^RUT",),
        second=("^IXIC",),
        first_name="The Russell 2000",
        second_name="the Nasdaq",
    ),
    SpreadDefinition(
        id="equal_vs_cap",
        label="Equal vs cap weight (RSP/SPY)",
        kind="ratio",
        first=("RSP",),
        second=("SPY",),
        first_name="Equal weight",
        second_name="cap weight",
    ),
    SpreadDefinition(
        id="cyclical_vs_defensive",
        label="Cyclical - defensive",
        kind="difference",
        first=CYCLICAL_SECTORS,
        second=DEFENSIVE_SECTORS,
        first_name="Cyclicals",
        second_name="defensives",
    ),
    SpreadDefinition(
        id="growth_vs_value",
        label="Growth - value",
        kind="difference",
        first=GROWTH_SECTORS,
        second=VALUE_SECTORS,
        first_name="Growth",
        second_name="value",
    ),
)


# --- Relative Rotation Graph ---------------------------------------------------------------------


def basis_closes(close: pd.DataFrame, benchmark: str, basis: RRGBasis) -> pd.DataFrame:
    """The closes the RRG is computed on (see the module docstring), oldest first.

    ``weekly``: one row per calendar week holding any close, each column's last close of that week (NaN
    when the symbol did not close that week), dated by the week's last row. ``daily``: the rows on which
    ``benchmark`` closed."""
    if basis == "daily":
        if benchmark not in close.columns:
            return close.iloc[:0]
        return close.loc[close[benchmark].notna()]
    rows = close.loc[close.notna().any(axis=1)]
    if rows.empty:
        return rows
    dates = pd.DatetimeIndex(rows.index)
    weeks = dates.to_period("W-SUN")
    weekly = rows.groupby(weeks).last()
    week_ends = pd.Series(dates, index=weeks).groupby(level=0).last()
    weekly.index = pd.DatetimeIndex(week_ends.reindex(weekly.index).to_numpy(), name=close.index.name)
    return weekly


def standardised(values: np.ndarray, window: int) -> np.ndarray:
    """Per column, ``100 + (x - mean) / std`` of each value against the ``window`` values ending at it
    (itself included; sample std, ddof=1). NaN for the first ``window - 1`` rows, for windows holding a
    NaN and for flat windows (std within ``FLAT_TOLERANCE`` of the window's largest magnitude)."""
    out = np.full(values.shape, np.nan)
    if values.shape[0] < window:
        return out
    windows = sliding_window_view(values, window, axis=0)  # (rows - window + 1, columns, window)
    with np.errstate(all="ignore"):
        mean = windows.mean(axis=-1)
        std = windows.std(axis=-1, ddof=1)
        scale = np.abs(windows).max(axis=-1)
        usable = np.isfinite(std) & np.isfinite(mean) & (std > FLAT_TOLERANCE * scale)
        score = (values[window - 1 :] - mean) / np.where(usable, std, 1.0)
    out[window - 1 :] = np.where(usable & np.isfinite(score), 100.0 + score, np.nan)
    return out


def rrg_series(closes: pd.DataFrame, benchmark: str, symbols: Sequence[str], window: int) -> RRGSeries:
    """RS, RS-Ratio, ROC and RS-Momentum of ``symbols`` against ``benchmark`` at every row of
    ``closes`` (already on the RRG's basis), all columns at once."""
    columns = list(symbols)
    assets = closes.reindex(columns=columns).to_numpy(dtype="float64")
    if benchmark in closes.columns:
        bench = closes[benchmark].to_numpy(dtype="float64")
    else:
        bench = np.full(len(closes), np.nan)
    bench = np.where(bench > 0, bench, np.nan)[:, None]
    with np.errstate(all="ignore"):
        rs = 100.0 * assets / bench
    rs = np.where(np.isfinite(rs), rs, np.nan)
    ratio = standardised(rs, window)
    previous = np.vstack([np.full((1, ratio.shape[1]), np.nan), ratio[:-1]]) if len(ratio) else ratio
    with np.errstate(all="ignore"):
        roc = 100.0 * (ratio / previous - 1.0)
    roc = np.where(np.isfinite(roc), roc, np.nan)
    momentum = standardised(roc, window)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=closes.index, columns=columns)

    return RRGSeries(rs=frame(rs), rs_ratio=frame(ratio), roc=frame(roc), rs_momentum=frame(momentum))


def quadrant(rs_ratio: float | None, rs_momentum: float | None) -> Quadrant | None:
    """The RRG quadrant from (RS-Ratio > 100, RS-Momentum > 100); ``None`` when either is undefined."""
    if rs_ratio is None or rs_momentum is None:
        return None
    if rs_ratio > 100.0:
        return "Leading" if rs_momentum > 100.0 else "Weakening"
    return "Improving" if rs_momentum > 100.0 else "Lagging"


def compute_rrg(
    panel: Panel, as_of: date, symbols: Sequence[str], options: RRGOptions
) -> tuple[RRGEntry, ...]:
    """The RRG entry of each of ``symbols`` at ``as_of`` (in the given order), with its tail."""
    cut = panel.upto(as_of).close
    columns = list(dict.fromkeys([options.benchmark, *symbols]))
    closes = basis_closes(cut.reindex(columns=columns), options.benchmark, options.basis)
    series = rrg_series(closes, options.benchmark, symbols, options.window)
    ratio = series.rs_ratio.to_numpy()
    momentum = series.rs_momentum.to_numpy()
    dates = [pd.Timestamp(d).date() for d in series.rs_ratio.index[-options.tail :]]
    tail_ratio, tail_momentum = ratio[-options.tail :], momentum[-options.tail :]
    defined = np.isfinite(tail_ratio) & np.isfinite(tail_momentum)
    entries = []
    for j, symbol in enumerate(symbols):
        tail = tuple(
            RRGPoint(on=day, rs_ratio=float(tail_ratio[i, j]), rs_momentum=float(tail_momentum[i, j]))
            for i, day in enumerate(dates)
            if defined[i, j]
        )
        current_ratio = finite(float(ratio[-1, j])) if len(ratio) else None
        current_momentum = finite(float(momentum[-1, j])) if len(momentum) else None
        entries.append(
            RRGEntry(
                symbol=symbol,
                rs_ratio=current_ratio,
                rs_momentum=current_momentum,
                quadrant=quadrant(current_ratio, current_momentum),
                tail=tail,
            )
        )
    return tuple(entries)


# --- spreads -------------------------------------------------------------------------------------


def _changes(table: pd.DataFrame, symbols: Sequence[str]) -> np.ndarray:
    """The (symbols x timeframes) array of % changes of ``symbols`` from the metrics table."""
    columns = [column for _, column in SPREAD_TIMEFRAMES]
    return table.reindex(index=list(symbols), columns=columns).to_numpy(dtype="float64")


def ratio_change(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """% change of the ratio of two series from their % changes: ``100 * ((1 + a/100) / (1 + b/100) - 1)``;
    NaN where either is NaN or the second series' growth factor is not positive."""
    growth_second = 1.0 + second / 100.0
    ok = growth_second > 0
    with np.errstate(all="ignore"):
        out = 100.0 * ((1.0 + first / 100.0) / np.where(ok, growth_second, 1.0) - 1.0)
    return np.where(ok & np.isfinite(out), out, np.nan)


def _spread_values(definition: SpreadDefinition, table: pd.DataFrame) -> np.ndarray:
    first, second = _changes(table, definition.first), _changes(table, definition.second)
    if definition.kind == "ratio":
        return ratio_change(first[0], second[0])
    with np.errstate(all="ignore"):
        out = first.mean(axis=0) - second.mean(axis=0)
    return np.where(np.isfinite(out), out, np.nan)


def _size(value: float, unit: Literal["pct", "pts"]) -> str:
    return fmt.points(abs(value)).lstrip("+") if unit == "pts" else fmt.pct(abs(value), sign=False)


def spread_detail(
    definition: SpreadDefinition, unit: Literal["pct", "pts"], values: Sequence[float | None]
) -> str:
    """One line from the calendar-week and YTD figures (``values`` in ``SPREAD_TIMEFRAMES`` order; the
    ratio change or difference in ``unit``), e.g. "Small caps lagged large caps by 2.34% this week, but
    ahead by 3.95% YTD." Undefined figures read n/a or are left out; 1W and 1M are in the spread's own
    fields."""
    week, ytd = values[0], values[-1]
    first, second = definition.first_name, definition.second_name
    if week is None:
        text = f"{first} vs {second}: this week n/a"
    elif week > 0:
        text = f"{first} outperformed {second} by {_size(week, unit)} this week"
    elif week < 0:
        text = f"{first} lagged {second} by {_size(week, unit)} this week"
    else:
        text = f"{first} kept pace with {second} this week"
    if ytd is not None:
        standing = "level" if ytd == 0 else f"{'ahead' if ytd > 0 else 'behind'} by {_size(ytd, unit)}"
        if week is None:
            text += f"; {standing} YTD"
        else:
            text += f", {'but' if week * ytd < 0 else 'and'} {standing} YTD"
    return text + "."


def compute_spreads(table: pd.DataFrame) -> tuple[Spread, ...]:
    """Every spread of ``SPREADS`` over the calendar week, 1W, 1M and YTD from the metrics table (see the
    module docstring)."""
    spreads = []
    for definition in SPREADS:
        unit: Literal["pct", "pts"] = "pct" if definition.kind == "ratio" else "pts"
        values = [finite(float(v)) for v in _spread_values(definition, table)]
        spreads.append(
            Spread(
                id=definition.id,
                label=definition.label,
                unit=unit,
                change_wtd=values[0],
                change_1w=values[1],
                change_1m=values[2],
                change_ytd=values[3],
                detail=spread_detail(definition, unit, values),
            )
        )
    return tuple(spreads)


# --- breadth -------------------------------------------------------------------------------------


def leadership_concentration(changes: Sequence[float], top: int = LEADER_COUNT) -> float | None:
    """The share (0 to 1) of the summed positive weekly returns that comes from the ``top`` best sectors:
    ``sum(max(r, 0) for the top) / sum(max(r, 0) for all)``. 1.0 means every gain came from the
    leaders; with 11 sectors rising equally it is 3/11 (0.27). ``None`` when no sector rose."""
    gains = sorted((max(c, 0.0) for c in changes if math.isfinite(c)), reverse=True)
    total = sum(gains)
    if total <= 0:
        return None
    return finite(sum(gains[:top]) / total)


def compute_breadth(table: pd.DataFrame, sectors: Sequence[str]) -> Breadth:
    """Breadth across ``sectors`` over the calendar week: ``total`` (sectors with a last close),
    ``above_ma50`` (last close above its 50-session average), ``up_week`` (change this week, WTD, above
    zero), ``leaders`` (the ``LEADER_COUNT`` best changes this week, best first, ties by ticker) and
    ``concentration`` (``leadership_concentration``)."""
    rows = table.reindex(index=list(sectors), columns=["last", "ma50", "change_wtd_pct"])
    last = rows["last"].to_numpy(dtype="float64")
    ma50 = rows["ma50"].to_numpy(dtype="float64")
    week = rows["change_wtd_pct"].to_numpy(dtype="float64")
    total = int(np.isfinite(last).sum())
    above = int((np.isfinite(last) & np.isfinite(ma50) & (last > ma50)).sum())
    up = int((np.isfinite(week) & (week > 0)).sum())
    ranked = sorted(
        ((float(c), str(s)) for s, c in zip(rows.index, week, strict=True) if math.isfinite(c)),
        key=lambda item: (-item[0], item[1]),
    )
    leaders = tuple(s for _, s in ranked[:LEADER_COUNT])
    concentration = leadership_concentration([c for c, _ in ranked])
    with_week = len(ranked)
    parts = [
        f"{above} of {len(sectors)} sectors above their 50-day average",
        f"{up} of {with_week} rose this week",
    ]
    if leaders:
        parts.append("leaders " + ", ".join(f"{s} {fmt.pct(c)}" for c, s in ranked[:LEADER_COUNT]))
    if concentration is not None:
        parts.append(f"the top {len(leaders)} hold {concentration:.0%} of the summed gains this week")
    return Breadth(
        total=total,
        above_ma50=above,
        up_week=up,
        leaders=leaders,
        concentration=concentration,
        detail="; ".join(parts) + ".",
    )


# --- entry point ---------------------------------------------------------------------------------


def compute_rotation(
    panel: Panel,
    as_of: date,
    table: pd.DataFrame,
    options: RRGOptions | None = None,
    *,
    sectors: Sequence[str] = SECTOR_TICKERS,
) -> Rotation:
    """Spreads, sector breadth and the sectors' RRG at ``as_of``.

    ``table`` is ``metrics.instrument_metrics(panel, as_of)`` (spreads and breadth read its changes,
    closes and averages); the RRG reads the panel's closes up to ``as_of``. Symbols missing from either
    give ``None`` figures, never an exception. ``options`` defaults to ``RRGOptions()``."""
    options = options or RRGOptions()
    return Rotation(
        benchmark=options.benchmark,
        basis=options.basis,
        spreads=compute_spreads(table),
        breadth=compute_breadth(table, sectors),
        rrg=compute_rrg(panel, as_of, sectors, options),
        window=options.window,
    )
