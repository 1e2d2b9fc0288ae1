"""The detail screen's timeframe keys (pilot): each daily key shows its window with the change recomputed
from the bundled rows and the same stats beside it; ``1`` asks the fake Yahoo (through the real yfinance)
once and keeps the bars for a while; a failure is shown with its true reason and the daily timeframes still
work; a replay and the bundled data say intraday bars need the live feed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rotor.data.cache import Cache
from rotor.data.feed import Feed, LiveFeed
from rotor.data.intraday import INTRADAY_TTL, IntradayChart
from rotor.data.snapshot import MarketSnapshot
from rotor.data.timeframes import DailyChart
from rotor.tui.app import create_app
from rotor.tui.keys import TIMEFRAME_KEYS
from rotor.tui.screens.detail import DetailScreen
from rotor.tui.widgets.price_chart import ChartContent, PriceChart
from textual.widgets import Static

from support import AS_OF, bundled, frozen_clock, run_pilot, settle, snapshot_at, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from bundled_rows import searched_rows
from live_fake import LiveFake, live_fake
from reference_figures import chart_window

NY = ZoneInfo("America/New_York")


def chart_of(screen: DetailScreen) -> PriceChart:
    return screen.query_one(PriceChart)


def content_of(screen: DetailScreen) -> ChartContent:
    content = chart_of(screen).content
    assert content is not None
    return content


def header(screen: DetailScreen) -> str:
    chart = chart_of(screen)
    return chart.render_line(0).text.rstrip()


def rendered(screen: DetailScreen) -> str:
    chart = chart_of(screen)
    return "\n".join(chart.render_line(y).text for y in range(chart.size.height))


async def open_detail(pilot: Any, feed: Feed, snapshot: MarketSnapshot, symbol: str) -> DetailScreen:
    screen = DetailScreen(feed, snapshot, symbol, pilot.app.tones)
    await pilot.app.push_screen(screen)
    await wait_until(pilot, lambda: screen.detail is not None and not chart_of(screen).loading)
    return screen


async def press_timeframe(pilot: Any, screen: DetailScreen, key: str, code: str) -> ChartContent:
    await pilot.press(key)
    await wait_until(
        pilot,
        lambda: (
            chart_of(screen).content is not None
            and content_of(screen).timeframe.code == code
            and not chart_of(screen).loading
        ),
        timeout=15,
    )
    await pilot.pause()
    return content_of(screen)


def test_each_daily_key_shows_its_window_beside_the_same_stats() -> None:
    feed, snapshot = bundled(), snapshot_at()
    rows = [(d, c) for d, c in searched_rows("^RUT") if d <= AS_OF]

    async def body(pilot: Any) -> None:
        await settle(pilot)
        screen = await open_detail(pilot, feed, snapshot, "^RUT")
        stats = str(screen.query_one("#stats", Static).render())
        for key, timeframe in TIMEFRAME_KEYS:
            if timeframe.kind == "intraday":
                continue
            content = await press_timeframe(pilot, screen, key, timeframe.code)
            assert isinstance(content.chart, DailyChart)
            window, (base_day, base), complete = chart_window(rows, timeframe.code)
            assert complete
            change = 100 * (window[-1][1] / base - 1)
            since = (
                f"since the first close, {base:,.2f}"
                if timeframe.code == "Max"
                else f"since the close of {base_day.isoformat()}, {base:,.2f}"
            )
            expected = (
                f"{timeframe.title}  {window[0][0].isoformat()} – {window[-1][0].isoformat()}  "
                f"{change:+.2f}%  {since}"
            )
            assert header(screen) == expected
            assert str(screen.query_one("#stats", Static).render()) == stats  # the same stats beside it

    run_pilot(create_app(feed, clock=frozen_clock), body, size=(200, 50))


@pytest.fixture
def friday_evening(tmp_path: Path) -> Iterator[LiveFake]:
    with live_fake(datetime(2026, 3, 6, 18, 0, 20, tzinfo=NY), tmp_path) as fake:
        yield fake


def test_1d_asks_once_and_a_second_look_within_a_minute_asks_nothing(friday_evening: LiveFake) -> None:
    fake, snapshot = friday_evening, snapshot_at()
    previous = [c for d, c in searched_rows("SPY") if d < AS_OF][-1]

    async def body(pilot: Any) -> None:
        await settle(pilot)
        screen = await open_detail(pilot, fake.feed, snapshot, "SPY")
        content = await press_timeframe(pilot, screen, "1", "1D")
        chart = content.chart
        assert isinstance(chart, IntradayChart) and chart.session == date(2026, 3, 6)
        assert len(fake.minute_charts()) == 1
        change = 100 * (chart.last.close / previous - 1)
        assert header(screen) == (
            f"1D  Fri 2026-03-06  04:00–20:00 ET  {change:+.2f}%  vs the close of 2026-03-05, {previous:,.2f}"
        )
        assert "after hours 18:00 ET" in rendered(screen)
        await pilot.press("escape")
        fake.clock.now += INTRADAY_TTL - timedelta(seconds=5)
        again = await open_detail(pilot, fake.feed, snapshot, "SPY")
        assert (await press_timeframe(pilot, again, "1", "1D")).chart is chart
        assert len(fake.minute_charts()) == 1  # within the minute: no request
        await press_timeframe(pilot, again, "2", "5D")
        fake.clock.now += timedelta(seconds=10)
        later = await press_timeframe(pilot, again, "1", "1D")
        assert isinstance(later.chart, IntradayChart) and later.chart is not chart
        assert len(fake.minute_charts()) == 2

    run_pilot(create_app(bundled(), clock=frozen_clock), body, size=(160, 45))


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("server_error", "Yahoo server error (HTTP 500); next try "), ("rate_limit", "rate limited by Yahoo")],
)
def test_a_failure_shows_its_true_reason_and_daily_timeframes_still_work(
    friday_evening: LiveFake, fault: Any, reason: str
) -> None:
    fake, snapshot = friday_evening, snapshot_at()

    async def body(pilot: Any) -> None:
        await settle(pilot)
        screen = await open_detail(pilot, fake.feed, snapshot, "XLE")
        fake.yahoo.fail(fault)
        content = await press_timeframe(pilot, screen, "1", "1D")
        assert content.chart is None and content.failed
        assert content.message is not None and content.message.startswith(reason)
        assert content.message in rendered(screen)
        fake.yahoo.reset_log()
        daily = await press_timeframe(pilot, screen, "3", "1M")
        assert isinstance(daily.chart, DailyChart) and daily.chart.last == AS_OF
        assert fake.yahoo.log == []  # the daily timeframes ask nothing

    run_pilot(create_app(bundled(), clock=frozen_clock), body, size=(160, 45))


def test_a_replay_says_intraday_bars_need_the_live_feed(tmp_path: Path) -> None:
    day = date(2026, 1, 23)
    replay = LiveFeed(Cache(tmp_path / "cache"), None, as_of=day, clock=frozen_clock)
    snapshot = snapshot_at(day)

    async def body(pilot: Any) -> None:
        await settle(pilot)
        screen = await open_detail(pilot, replay, snapshot, "QQQ")
        content = await press_timeframe(pilot, screen, "1", "1D")
        assert content.message == (
            "intraday bars need the live feed: this is a replay as of 2026-01-23, from daily bars"
        )
        assert not content.failed and content.message in rendered(screen)
        daily = await press_timeframe(pilot, screen, "6", "1Y")
        assert isinstance(daily.chart, DailyChart) and daily.chart.last == day

    run_pilot(create_app(bundled(), clock=frozen_clock), body, size=(160, 45))
