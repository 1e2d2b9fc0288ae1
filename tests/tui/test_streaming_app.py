"""The app with the price stream, end to end: the real yfinance over HTTP (fake Yahoo) for the polls and
yfinance's WebSocket client against the fake stream (yfinance's own protobuf frames) for the prices.
Ticks reach the tables within a second without a short interval; the status bar says STREAM with the
last tick's time, or POLL and why; pre- and post-market prices of US ETFs show with their marker next to
the regular close (whose figures stay on the close), and ``extended_hours=False`` hides them."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rotor.data.render import formatting as fmt
from rotor.data.sources.fake import FakeProvider
from rotor.data.sources.stream import YahooStream
from rotor.data.streaming import LivePrices
from rotor.tui.app import create_app
from rotor.tui.refresh import STREAMING_POLL
from rotor.tui.widgets.indices import IndicesTable
from rotor.tui.widgets.pane_one import EXTENDED_COLUMN
from rotor.tui.widgets.status import StatusBar

from support import run_pilot, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from bundled_rows import raw_rows
from live_fake import LiveFake, live_fake

NY = ZoneInfo("America/New_York")


def close_of(ticker: str, day: date) -> float:
    return dict(raw_rows(ticker))[day]


#: The feed, the fake Yahoo, the fake stream and their clock (tests/data/live_fake.py).
Live = LiveFake


def live_at(tmp_path: Path, moment: datetime, *, extended_hours: bool = True) -> Iterator[Live]:
    seed = FakeProvider(date(2026, 3, 4), source="snapshot")
    with live_fake(moment, tmp_path, stream_rate=200, seed=seed, extended_hours=extended_hours) as live:
        yield live


@pytest.fixture
def midday(tmp_path: Path) -> Iterator[Live]:
    yield from live_at(tmp_path, datetime(2026, 3, 9, 11, 0, tzinfo=NY))


@pytest.fixture
def pre_market(tmp_path: Path) -> Iterator[Live]:
    yield from live_at(tmp_path, datetime(2026, 3, 9, 8, 30, tzinfo=NY))


@pytest.fixture
def post_market_hidden(tmp_path: Path) -> Iterator[Live]:
    yield from live_at(tmp_path, datetime(2026, 3, 9, 17, 0, tzinfo=NY), extended_hours=False)


def cell(app: Any, symbol: str, column: str) -> str:
    return str(app.query_one(IndicesTable).get_cell(symbol, column).plain)


def status_line(app: Any) -> str:
    return str(app.query_one(StatusBar).render())


def test_ticks_reach_the_screen_within_a_second_and_the_status_says_stream(midday: Live) -> None:
    app = create_app(midday.feed, clock=midday.clock, interval=600)

    async def body(pilot: Any) -> None:
        await wait_until(pilot, lambda: app.feed_status.refreshes >= 1, timeout=20)
        await wait_until(pilot, lambda: app.feed_status.stream == "stream", timeout=10)
        # The market moves on; the next poll is ten minutes away: only the stream can show it.
        midday.clock.now += timedelta(minutes=5)
        expected = midday.stream.price("SPY", midday.clock.now)
        assert expected is not None
        shown = fmt.price(expected[0], "")
        assert cell(app, "SPY", "last") != shown
        await wait_until(pilot, lambda: cell(app, "SPY", "last") == shown, timeout=1.0)
        spy = app.snapshot.get("SPY")
        assert spy is not None and spy.price_state == "live"
        assert cell(app, "SPY", "1d") == fmt.pct(spy.change_1d_pct)
        line = status_line(app)
        assert " STREAM " in line and midday.clock.now.astimezone().strftime("tick %H:%M:%S") in line
        assert app.feed_status.refreshes == 1  # no poll was needed for it
        assert app.refresh_loop.current_interval() >= STREAMING_POLL

    run_pilot(app, body)


def test_a_refused_stream_shows_poll_and_its_reason_then_streams_again(midday: Live) -> None:
    # A stream that gives up after two refused connections and rests one second.
    midday.feed.close()
    quick = functools.partial(YahooStream, max_failures=2, rest=1.0, backoff_base=0.05, backoff_cap=0.1)
    midday.feed.prices = LivePrices(midday.stream.url, make_stream=quick)
    midday.stream.refusing = True
    app = create_app(midday.feed, clock=midday.clock, interval=600)

    async def body(pilot: Any) -> None:
        await wait_until(pilot, lambda: app.feed_status.stream == "poll", timeout=20)
        line = status_line(app)
        assert " POLL " in line and "stream unreachable" in line
        assert app.refresh_loop.current_interval() == 600  # polling at the interval again
        midday.stream.refusing = False
        await wait_until(pilot, lambda: app.feed_status.stream == "stream", timeout=10)
        assert " STREAM " in status_line(app)

    run_pilot(app, body)


def test_pre_market_prices_show_beside_the_close_with_their_marker(pre_market: Live) -> None:
    live = pre_market
    app = create_app(live.feed, clock=live.clock, interval=600)

    async def body(pilot: Any) -> None:
        await wait_until(pilot, lambda: app.feed_status.refreshes >= 1, timeout=20)
        table = app.query_one(IndicesTable)

        # The column appears with the first row that has a pre-market price; wait for SPY's own tick.
        def spy_pre_market_shown() -> bool:
            quote = app.snapshot.get("SPY")
            shown = EXTENDED_COLUMN.key in table.columns
            return shown and quote is not None and quote.extended_session == "pre"

        await wait_until(pilot, spy_pre_market_shown, timeout=10)
        await pilot.pause(0.4)  # the next tick timer writes the cell
        spy = app.snapshot.get("SPY")
        assert spy is not None and spy.extended_session == "pre" and spy.extended_price is not None
        assert spy.extended_change_pct == pytest.approx(100 * (spy.extended_price / spy.last - 1))
        expected = live.stream.price("SPY", live.clock.now)
        assert expected is not None and spy.extended_price == pytest.approx(expected[0])
        text = cell(app, "SPY", "ext")
        assert text.startswith("PRE ") and fmt.price(spy.extended_price, "") in text
        assert fmt.pct(spy.extended_change_pct) in text
        # The regular figures stay on the last close (Friday's): 1D is Friday's change.
        friday = close_of("SPY", date(2026, 3, 6))
        assert spy.last == friday and spy.last_date == date(2026, 3, 6)
        assert cell(app, "SPY", "last") == fmt.price(friday, "")
        assert cell(app, "^GSPC", "ext") == ""  # an index has no pre-market
        # A poll keeps what the stream said.
        app.refresh_loop.request()
        refreshes = app.feed_status.refreshes
        await wait_until(pilot, lambda: app.feed_status.refreshes > refreshes, timeout=20)
        assert cell(app, "SPY", "ext").startswith("PRE ")

    run_pilot(app, body)


def test_extended_hours_can_be_hidden(post_market_hidden: Live) -> None:
    live = post_market_hidden
    app = create_app(live.feed, clock=live.clock, interval=600)

    async def body(pilot: Any) -> None:
        await wait_until(pilot, lambda: app.feed_status.refreshes >= 1, timeout=20)
        await wait_until(pilot, lambda: app.feed_status.last_tick is not None, timeout=10)
        await pilot.pause(0.5)
        assert EXTENDED_COLUMN.key not in app.query_one(IndicesTable).columns
        spy = app.snapshot.get("SPY")
        assert spy is not None and spy.extended_price is None
        assert spy.last == close_of("SPY", date(2026, 3, 9))  # the official close

    run_pilot(app, body)


def test_ticks_wait_while_paused(midday: Live) -> None:
    app = create_app(midday.feed, clock=midday.clock, interval=600)

    async def body(pilot: Any) -> None:
        await wait_until(pilot, lambda: app.feed_status.stream == "stream", timeout=20)
        await pilot.press("p")
        before = cell(app, "SPY", "last")
        midday.clock.now += timedelta(minutes=5)
        expected = midday.stream.price("SPY", midday.clock.now)
        assert expected is not None
        await pilot.pause(1.0)
        assert cell(app, "SPY", "last") == before
        await pilot.press("p")
        await wait_until(pilot, lambda: cell(app, "SPY", "last") == fmt.price(expected[0], ""), timeout=1.0)

    run_pilot(app, body)
