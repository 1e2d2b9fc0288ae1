"""The daily chart timeframes (rotor.data.timeframes) recomputed from the bundled rows with plain Python:
each window's first and last days, its base, its change, and the averages beside it; the 5D and YTD changes
equal the stats' 1W and YTD."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from bundled_rows import Rows, history_entries, searched_rows
from reference_figures import chart_window, months_back
from rotor.data.feed import BundledFeed
from rotor.data.snapshot import MarketSnapshot
from rotor.data.timeframes import (
    BY_CODE,
    CHART_TIMEFRAMES,
    DEFAULT_CHART,
    SymbolHistory,
    daily_chart,
    months_before,
)

AS_OF = date(2026, 3, 6)
SYMBOLS = ("^GSPC", "SPY", "GC=F", "^TNX", "XLC")
DAILY = [t.code for t in (*CHART_TIMEFRAMES, DEFAULT_CHART) if t.kind != "intraday"]


@pytest.fixture(scope="module")
def feed() -> BundledFeed:
    return BundledFeed(AS_OF)


@pytest.fixture(scope="module")
def snapshot(feed: BundledFeed) -> MarketSnapshot:
    return feed.refresh()


def rows_upto(ticker: str, day: date) -> Rows:
    return [(d, c) for d, c in searched_rows(ticker) if d <= day]


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("code", DAILY)
def test_each_window_and_its_change(
    feed: BundledFeed, snapshot: MarketSnapshot, symbol: str, code: str
) -> None:
    history = feed.history(snapshot, symbol)
    chart = daily_chart(history, BY_CODE[code])
    rows = rows_upto(symbol, AS_OF)
    window, (base_day, base), complete = chart_window(rows, code)
    assert (chart.first, chart.last) == (window[0][0], window[-1][0])
    assert len(chart.closes) == len(window)
    assert chart.closes.tolist() == pytest.approx([c for _, c in window], rel=1e-12)
    assert (chart.base_day, chart.complete) == (base_day, complete)
    assert chart.base_close == pytest.approx(base, rel=1e-12)
    assert chart.change_pct == pytest.approx(100 * (window[-1][1] / base - 1), rel=1e-9)
    # Each day's averages: the mean of the closes up to it (NaN until a full window).
    for n in (20, 50, 200):
        closes = [c for _, c in rows]
        for i in (len(rows) - len(window), len(rows) - 1):
            got = chart.averages[n][i - (len(rows) - len(window))]
            if i + 1 < n:
                assert math.isnan(got)
            else:
                assert got == pytest.approx(sum(closes[i + 1 - n : i + 1]) / n, rel=1e-9)


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_the_stats_agree_with_the_windows(feed: BundledFeed, snapshot: MarketSnapshot, symbol: str) -> None:
    stats = snapshot.get(symbol)
    assert stats is not None
    history = feed.history(snapshot, symbol)
    assert daily_chart(history, BY_CODE["5D"]).change_pct == pytest.approx(stats.change_1w_pct, rel=1e-9)
    assert daily_chart(history, BY_CODE["YTD"]).change_pct == pytest.approx(stats.change_ytd_pct, rel=1e-9)
    assert {n: history.averages[n][-1] for n in (20, 50, 200)} == pytest.approx(
        {20: stats.ma20, 50: stats.ma50, 200: stats.ma200}, rel=1e-9
    )


def test_the_deep_history_joins_at_its_seam(feed: BundledFeed, snapshot: MarketSnapshot) -> None:
    for entry in history_entries():
        symbol = str(entry["symbol"])
        history = feed.history(snapshot, symbol)
        assert history.seam == date.fromisoformat(str(entry["seam"])) and history.basis == entry["basis"]
        assert history.days[0].astype(object) == date.fromisoformat(str(entry["first"]))
    spy = feed.history(snapshot, "SPY")
    five_years = daily_chart(spy, BY_CODE["5Y"])
    assert five_years.seam == date(2024, 1, 2) and five_years.basis == "ADJ"
    assert daily_chart(spy, BY_CODE["1Y"]).seam is None


def test_a_short_history_is_shown_whole_from_its_first_close() -> None:
    days = np.array(["2026-03-02", "2026-03-03", "2026-03-04"], dtype="datetime64[D]")
    closes = np.array([10.0, 11.0, 12.0])
    averages = {n: np.full(3, np.nan) for n in (20, 50, 200)}
    history = SymbolHistory("NEW", days, closes, averages)
    for code in DAILY:
        chart = daily_chart(history, BY_CODE[code])
        assert chart.first == date(2026, 3, 2) and chart.base_close == 10.0
        assert chart.complete is (code == "Max")
        assert chart.change_pct == pytest.approx(20.0)
    empty = daily_chart(SymbolHistory("NONE", days[:0], closes[:0], averages), BY_CODE["1M"])
    assert empty.first is None and empty.change_pct is None
    with pytest.raises(ValueError, match="intraday"):
        daily_chart(history, BY_CODE["1D"])


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 30), 1, date(2024, 2, 29)),
        (date(2026, 3, 6), 12, date(2025, 3, 6)),
        (date(2026, 1, 15), 6, date(2025, 7, 15)),
        (date(2026, 5, 31), 60, date(2021, 5, 31)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected == months_back(day, months)
