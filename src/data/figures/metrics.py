"""Metrics: pure functions of the aligned panel. They never mutate input and never do I/O.

Every figure uses each symbol's own sessions (its non-NaN closes up to the as-of session), not calendar
arithmetic, and is taken at the symbol's own last session on or before the as-of date (its "own date":
the same for every symbol when all have a bar on the as-of date; in live mode a futures market already in
Monday's session on Sunday evening is at Monday while the stock market is still at Friday). Undefined
values (too little history, a zero or missing base) are NaN here and ``None`` in the snapshot; nothing
returns inf.

Definitions (the contract for every figure rotor shows):

- ``last``: the last close on or before the as-of date; ``prev_close``: the close before it.
- 1D: ``last`` vs ``prev_close``. 1W: vs the close five sessions earlier. 1M: vs the close 21
  sessions earlier (rotor's option for the 1M heatmap and spreads).
- WTD: vs the last close of the calendar week (Monday-Sunday) before the own date's. MTD: vs the last
  close of the month before it. YTD: vs the last close of the year before it. "since": vs the last close on
  or before a given date.
- Moving averages: simple means of the last 20/50/200 closes; NaN with fewer closes.
- 50-session range: min(low) and max(high) over the last 50 sessions. 52-week range: min(low) and
  max(high) over the sessions dated after the own date minus one year; NaN when the loaded history
  does not reach back that far. Where a session's low or high is missing (or contradicts its close),
  the close stands in: low = fmin(low, close), high = fmax(high, close).
- Percent changes are in percent (1.5 means 1.5 %): ``100 * (a / b - 1)``, NaN when ``b <= 0``.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from rotor.data.panel import Panel
from rotor.data.snapshot import METRIC_FIELDS, Week

MA_WINDOWS = (20, 50, 200)
RECENT_RANGE_SESSIONS = 50
SESSIONS_1W = 5
SESSIONS_1M = 21
SPARK_SESSIONS = 60

#: Columns of ``instrument_metrics``' result, in order: the figures ``InstrumentStats`` holds by the same
#: names (declared once, in rotor.data.snapshot).
METRIC_COLUMNS = METRIC_FIELDS


# --- vectorized building blocks over a (sessions x symbols) array ------------------------------


def _rank_from_end(valid: np.ndarray) -> np.ndarray:
    """For each cell, how many valid cells its column has at or after this row (1 = last valid)."""
    return np.cumsum(valid[::-1], axis=0)[::-1]


def nth_last(values: np.ndarray, n: int, valid: np.ndarray | None = None) -> np.ndarray:
    """Per column, the ``n``-th last valid value (``n=1`` is the last); NaN when there are fewer."""
    if valid is None:
        valid = ~np.isnan(values)
    if values.shape[0] == 0:
        return np.full(values.shape[1], np.nan)
    mask = valid & (_rank_from_end(valid) == n)
    picked = np.where(mask, values, 0.0).sum(axis=0)
    return np.where(mask.any(axis=0), picked, np.nan)


def last_n_mean(values: np.ndarray, n: int) -> np.ndarray:
    """Per column, the mean of its last ``n`` valid values; NaN when it has fewer than ``n``."""
    valid = ~np.isnan(values)
    if values.shape[0] == 0:
        return np.full(values.shape[1], np.nan)
    mask = valid & (_rank_from_end(valid) <= n)
    count = mask.sum(axis=0)
    total = np.where(mask, values, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count == n, total / n, np.nan)


def _masked_extreme(values: np.ndarray, mask: np.ndarray, *, lowest: bool) -> np.ndarray:
    fill = np.inf if lowest else -np.inf
    data = np.where(mask & ~np.isnan(values), values, fill)
    if data.shape[0] == 0:
        return np.full(values.shape[1], np.nan)
    out = data.min(axis=0) if lowest else data.max(axis=0)
    return np.where(np.isinf(out), np.nan, out)


def pct_change(current: np.ndarray, base: np.ndarray) -> np.ndarray:
    """``100 * (current / base - 1)``; NaN where either is NaN or ``base <= 0`` (never inf)."""
    current = np.asarray(current, dtype="float64")
    base = np.asarray(base, dtype="float64")
    ok = (base > 0) & ~np.isnan(current)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, 100.0 * (current / np.where(ok, base, 1.0) - 1.0), np.nan)


def _last_before(close: pd.DataFrame, cutoff: pd.Timestamp) -> np.ndarray:
    """Per column, the last valid close dated strictly before ``cutoff``."""
    stop = int(pd.DatetimeIndex(close.index).searchsorted(cutoff, side="left"))
    return nth_last(close.to_numpy(dtype="float64")[:stop], 1)


def _last_before_each(close: np.ndarray, dates: np.ndarray, cutoffs: np.ndarray) -> np.ndarray:
    """Per column, the last valid close dated strictly before that column's own cutoff (NaT: none)."""
    valid = ~np.isnan(close) & (dates[:, None] < cutoffs[None, :])
    return nth_last(close, 1, valid)


def week_start(day: date) -> date:
    """Monday of the calendar week holding ``day``."""
    return day - timedelta(days=day.weekday())


def calendar_week(sessions: pd.DatetimeIndex, as_of: date, requested: date | None = None) -> Week:
    """The calendar week of the as-of session from the benchmark's ``sessions`` (up to ``as_of``): its
    Monday, its sessions, the weekly base (the last session before Monday) and the weekdays without a
    session from Monday to the requested date (a Saturday request still covers Friday; a request later
    than the as-of session in the same week, such as Good Friday, covers the days up to it)."""
    monday = week_start(as_of)
    days = [d.date() for d in sessions]
    before = [d for d in days if d < monday]
    in_week = tuple(d for d in days if monday <= d <= as_of)
    through = requested if requested is not None and week_start(requested) == monday else as_of
    through = max(through, as_of)
    open_days = set(in_week)
    closed = tuple(
        day
        for n in range((through - monday).days + 1)
        if (day := monday + timedelta(days=n)).weekday() < 5 and day not in open_days
    )
    return Week(start=monday, end=as_of, base=before[-1] if before else None, sessions=in_week, closed=closed)


# --- the per-symbol table ----------------------------------------------------------------------


def instrument_metrics(panel: Panel, as_of: date | None = None) -> pd.DataFrame:
    """Every metric of every symbol, each at its own last session on or before ``as_of`` (the panel's
    last date when ``None``): one row per symbol, ``METRIC_COLUMNS`` plus ``last_date`` (the date of
    ``last``). Computed vectorized over the whole panel.

    Each symbol's own last session anchors its calendar figures (WTD, MTD, YTD, the 52-week range): a
    futures contract already trading Monday's session on Sunday evening is measured within Monday's week,
    while the S&P 500, whose last session was Friday, still shows Friday's week. When every symbol has a
    bar on ``as_of`` this is the same as anchoring them all at ``as_of``."""
    cut = panel.upto(as_of) if as_of is not None else panel
    close_df = cut.close
    # C order whatever the frame's layout: a sum's rounding depends on it, and a figure must not depend on
    # how the panel was built (from the cache, or merged in memory).
    close = np.ascontiguousarray(close_df.to_numpy(dtype="float64"))
    valid = ~np.isnan(close)
    low = np.fmin(np.ascontiguousarray(cut.low.to_numpy(dtype="float64")), close)
    high = np.fmax(np.ascontiguousarray(cut.high.to_numpy(dtype="float64")), close)
    rank = _rank_from_end(valid) if close.shape[0] else np.zeros_like(close, dtype=int)

    last = nth_last(close, 1, valid)
    prev = nth_last(close, 2, valid)
    base_1w = nth_last(close, SESSIONS_1W + 1, valid)
    base_1m = nth_last(close, SESSIONS_1M + 1, valid)
    dates = pd.DatetimeIndex(close_df.index)
    day_values = dates.values.astype("datetime64[D]")
    last_dates = cut.last_dates()
    own = last_dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    week_cut = own - ((own.astype("int64") + 3) % 7).astype("timedelta64[D]")  # Monday of its week
    month_cut = own.astype("datetime64[M]").astype("datetime64[D]")
    year_cut = own.astype("datetime64[Y]").astype("datetime64[D]")
    base_wtd = _last_before_each(close, day_values, week_cut)
    base_mtd = _last_before_each(close, day_values, month_cut)
    base_ytd = _last_before_each(close, day_values, year_cut)

    recent = valid & (rank <= RECENT_RANGE_SESSIONS)
    has_recent = recent.sum(axis=0) == RECENT_RANGE_SESSIONS
    range_50_low = np.where(has_recent, _masked_extreme(low, recent, lowest=True), np.nan)
    range_50_high = np.where(has_recent, _masked_extreme(high, recent, lowest=False), np.nan)

    year_ago = np.array(
        [
            (pd.Timestamp(d) - pd.DateOffset(years=1)).to_datetime64()
            if not pd.isna(d)
            else np.datetime64("NaT")
            for d in last_dates
        ],
        dtype="datetime64[ns]",
    )
    stamps = dates.values.astype("datetime64[ns]")
    in_year = (stamps[:, None] > year_ago[None, :]) & valid
    covered = (valid & (stamps[:, None] <= year_ago[None, :])).any(axis=0)
    range_52_low = np.where(covered, _masked_extreme(low, in_year, lowest=True), np.nan)
    range_52_high = np.where(covered, _masked_extreme(high, in_year, lowest=False), np.nan)

    out = pd.DataFrame(
        {
            "last": last,
            "prev_close": prev,
            "change_1d_pct": pct_change(last, prev),
            "change_1w_pct": pct_change(last, base_1w),
            "change_wtd_pct": pct_change(last, base_wtd),
            "change_1m_pct": pct_change(last, base_1m),
            "change_mtd_pct": pct_change(last, base_mtd),
            "change_ytd_pct": pct_change(last, base_ytd),
            "base_1w": base_1w,
            "base_wtd": base_wtd,
            "base_1m": base_1m,
            "base_mtd": base_mtd,
            "base_ytd": base_ytd,
            "ma20": last_n_mean(close, 20),
            "ma50": last_n_mean(close, 50),
            "ma200": last_n_mean(close, 200),
            "range_50d_low": range_50_low,
            "range_50d_high": range_50_high,
            "range_52w_low": range_52_low,
            "range_52w_high": range_52_high,
        },
        index=close_df.columns,
    )
    out = out.loc[:, list(METRIC_COLUMNS)]
    out["last_date"] = last_dates
    return out


def change_since(panel: Panel, as_of: date, since: date) -> pd.Series:
    """Per symbol, % change of the last close at ``as_of`` vs the last close on or before ``since``."""
    cut = panel.upto(as_of)
    base = _last_before(cut.close, pd.Timestamp(since) + pd.Timedelta(days=1))
    last = nth_last(cut.close.to_numpy(dtype="float64"), 1)
    return pd.Series(pct_change(last, base), index=cut.close.columns)


def symbol_history(panel: Panel, symbol: str, as_of: date, sessions: int = 260) -> pd.DataFrame:
    """The last ``sessions`` bars of one symbol up to ``as_of`` with its 20/50/200-session simple
    moving averages (each NaN until it has a full window). Columns: open, high, low, close, volume,
    ma20, ma50, ma200; index: the symbol's own session dates."""
    cut = panel.upto(as_of)
    bars = pd.DataFrame({f: getattr(cut, f)[symbol] for f in ("open", "high", "low", "close", "volume")})
    bars = bars[bars["close"].notna()]
    for n in MA_WINDOWS:
        bars[f"ma{n}"] = bars["close"].rolling(n, min_periods=n).mean()
    return bars.iloc[-sessions:]


def recent_closes(panel: Panel, as_of: date, n: int = SPARK_SESSIONS) -> dict[str, list[float]]:
    """Per symbol, its last ``n`` closes (oldest first), for sparklines."""
    cut = panel.upto(as_of).close.iloc[-(n * 2 + 10) :]
    values = cut.to_numpy(dtype="float64")  # one conversion, then a column at a time in numpy
    out = {}
    for j, sym in enumerate(cut.columns):
        column = values[:, j]
        out[str(sym)] = column[~np.isnan(column)][-n:].tolist()
    return out


# --- round levels ------------------------------------------------------------------------------


def round_step(price: float) -> float:
    """The round-number step for a price: the power of ten at or below it (5079 -> 1000)."""
    if not math.isfinite(price) or price <= 0:
        return math.nan
    return float(10 ** math.floor(math.log10(price)))
