"""The detail screen's chart timeframes: which closes each one shows, and the change over it.

``CHART_TIMEFRAMES``, in key order: ``1D`` (one-minute bars of the current or last session, see
rotor.data.intraday), ``5D``, ``1M``, ``6M``, ``YTD``, ``1Y``, ``5Y`` and ``Max`` (daily closes), and
``DEFAULT_CHART``, the last 260 sessions, the chart the screen opens with. (The heatmap's timeframes are
``snapshot.TIMEFRAMES``: returns, not charts.)

A daily timeframe is a window of one symbol's daily history (``SymbolHistory``): its closes up to its own
last session, the panel's and, before the panel's first one, its deep history's (the bundled history, or
a full history the cache holds; closes only). The 20/50/200-session averages are computed over that whole
history, so every window shows the averages the stats table shows. Each window has a *base*, the close its
change is measured from (``change = 100 * (last / base - 1)``; the screen gives a yield's in basis points):

- ``5D``: the last 5 sessions; base: the close of the session before them (the stats' "1W (5 sessions)").
- ``1M``, ``6M``, ``1Y``, ``5Y``: the sessions after the base; base: the last close on or before the same
  calendar day 1, 6, 12 or 60 months before the last session (the month's last day when it is shorter:
  2026-03-31 less one month is 2026-02-28), as a change "since" a date is measured.
- ``YTD``: the sessions of the last session's year; base: the last close of the year before (the stats'
  YTD).
- ``Max``: every session; base: the first close.
- the default: the last 260 sessions; base: the close of the session before them.

When the history does not reach back to the base, the window is all of it and the base is its first close
(``DailyChart.complete`` is false: the screen says where the history starts). Closes before the deep
history's seam are the history's own: dividend-adjusted ETF closes are rebased onto the bars' level at the
seam (``DeepHistory.rebased``), joining them by returns, so averages across the seam average rebased closes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

if TYPE_CHECKING:
    import numpy as np
    from rotor.data.panel import Panel
    from rotor.data.sources.bundled import DeepHistory

TimeframeKind = Literal["intraday", "sessions", "months", "ytd", "max"]

#: The simple moving averages drawn with every daily timeframe (sessions), as in the stats.
AVERAGES: Final = (20, 50, 200)


class ChartTimeframe(NamedTuple):
    """One chart timeframe: its code (``1M``), how its window is chosen (``kind``, with ``length``
    sessions or months), the header's name for it, and what it shows (the help's words). (A named
    tuple: the keys are built from these on the way to the first frame.)"""

    code: str
    kind: TimeframeKind
    length: int
    title: str
    shows: str


CHART_TIMEFRAMES: Final = (
    ChartTimeframe("1D", "intraday", 0, "1D", "one-minute bars of the current or last session"),
    ChartTimeframe("5D", "sessions", 5, "5D", "the last 5 sessions"),
    ChartTimeframe("1M", "months", 1, "1M", "one month of sessions"),
    ChartTimeframe("6M", "months", 6, "6M", "six months of sessions"),
    ChartTimeframe("YTD", "ytd", 0, "YTD", "the sessions of this year"),
    ChartTimeframe("1Y", "months", 12, "1Y", "one year of sessions"),
    ChartTimeframe("5Y", "months", 60, "5Y", "five years of sessions"),
    ChartTimeframe("Max", "max", 0, "Max", "every session of the history"),
)
#: The chart the detail screen opens with.
DEFAULT_CHART: Final = ChartTimeframe("260", "sessions", 260, "260 sessions", "the last 260 sessions")
#: Every chart timeframe by its code.
BY_CODE: Final = {t.code: t for t in (*CHART_TIMEFRAMES, DEFAULT_CHART)}


def months_before(day: date, months: int) -> date:
    """The same calendar day ``months`` months before ``day``, or that month's last day when it is
    shorter (2026-03-31 less one month: 2026-02-28)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


@dataclass(frozen=True, eq=False)
class SymbolHistory:
    """One symbol's daily closes up to its own last session, oldest first, with their averages.

    ``days`` (``datetime64[D]``) and ``closes`` (float64) join the deep history (before ``seam``) and the
    panel's closes; ``averages`` maps 20, 50 and 200 to the simple moving average of each day (NaN until
    a full window). ``seam`` is the panel's first close of the symbol when a deep history comes before it
    (``None``: no deep history), ``basis`` that history's (``IDX``, ``ADJ`` or ``RAW``)."""

    symbol: str
    days: np.ndarray
    closes: np.ndarray
    averages: dict[int, np.ndarray]
    seam: date | None = None
    basis: str | None = None


def symbol_history(panel: Panel, symbol: str, own_date: date, deep: DeepHistory | None) -> SymbolHistory:
    """``symbol``'s closes up to ``own_date``: ``deep``'s closes before the panel's first close of it
    (rebased, see the module docstring), then the panel's; with the 20/50/200-session averages."""
    import numpy as np
    import pandas as pd

    if symbol in panel.symbols:
        series = panel.upto(own_date).close[symbol].dropna()
        days = pd.DatetimeIndex(series.index).to_numpy().astype("datetime64[D]")
        closes = series.to_numpy(dtype="float64")
    else:
        days, closes = np.array([], dtype="datetime64[D]"), np.array([], dtype="float64")
    seam: date | None = None
    basis: str | None = None
    if deep is not None and len(deep.days) and len(days):
        before = deep.days < days[0]
        if before.any():
            days = np.concatenate([deep.days[before].astype("datetime64[D]"), days])
            closes = np.concatenate([deep.rebased()[before], closes])
            seam, basis = _day(days[int(before.sum())]), deep.basis
    series = pd.Series(closes)
    averages = {n: series.rolling(n, min_periods=n).mean().to_numpy(dtype="float64") for n in AVERAGES}
    for array in (days, closes, *averages.values()):
        array.flags.writeable = False
    return SymbolHistory(symbol, days, closes, averages, seam, basis)


def _day(value: np.datetime64) -> date:
    day: date = value.astype("datetime64[D]").astype(object)
    return day


@dataclass(frozen=True, eq=False)
class DailyChart:
    """A daily timeframe's window of a ``SymbolHistory``: its days, closes and averages (read-only
    arrays, oldest first), its base (the close the change is measured from; ``base_day`` before the first
    day shown, or the first day itself when ``complete`` is false or the timeframe is ``Max``), and the
    seam and basis of the deep history when the window reaches before the seam."""

    symbol: str
    timeframe: ChartTimeframe
    days: np.ndarray
    closes: np.ndarray
    averages: dict[int, np.ndarray]
    base_day: date | None
    base_close: float | None
    complete: bool
    seam: date | None = None
    basis: str | None = None

    @property
    def first(self) -> date | None:
        return _day(self.days[0]) if len(self.days) else None

    @property
    def last(self) -> date | None:
        return _day(self.days[-1]) if len(self.days) else None

    @property
    def last_close(self) -> float | None:
        return float(self.closes[-1]) if len(self.closes) else None

    @property
    def change_pct(self) -> float | None:
        """``100 * (last / base - 1)``; ``None`` without a positive base."""
        last, base = self.last_close, self.base_close
        if last is None or base is None or not base > 0:
            return None
        change = 100.0 * (last / base - 1.0)
        return change if math.isfinite(change) else None

    @property
    def low(self) -> float | None:
        return float(self.closes.min()) if len(self.closes) else None

    @property
    def high(self) -> float | None:
        return float(self.closes.max()) if len(self.closes) else None


def daily_chart(history: SymbolHistory, timeframe: ChartTimeframe) -> DailyChart:
    """The window of ``history`` a daily ``timeframe`` shows, and its base (see the module docstring).
    Raises ``ValueError`` for the intraday timeframe."""
    import numpy as np

    days, closes = history.days, history.closes
    count = len(days)
    base: int | None
    if timeframe.kind == "intraday":
        raise ValueError("the 1D timeframe is intraday: see rotor.data.intraday")
    if count == 0:
        return DailyChart(history.symbol, timeframe, days, closes, history.averages, None, None, False)
    if timeframe.kind == "sessions":
        start = max(0, count - timeframe.length)
        base = start - 1 if start > 0 else None
    elif timeframe.kind in ("months", "ytd"):
        last = _day(days[-1])
        anchor = (
            months_before(last, timeframe.length)
            if timeframe.kind == "months"
            else date(last.year - 1, 12, 31)
        )
        found = int(np.searchsorted(days, np.datetime64(anchor, "D"), side="right")) - 1
        base = found if found >= 0 else None
        start = found + 1 if found >= 0 else 0
    else:  # max
        start, base = 0, None
    complete = base is not None or timeframe.kind == "max"
    anchor_index = base if base is not None else start
    window = slice(start, count)
    seam = history.seam if history.seam is not None and _day(days[start]) < history.seam else None
    return DailyChart(
        history.symbol,
        timeframe,
        days[window],
        closes[window],
        {n: values[window] for n, values in history.averages.items()},
        _day(days[anchor_index]),
        float(closes[anchor_index]),
        complete,
        seam,
        history.basis if seam is not None else None,
    )
