"""The live feed with the price stream: the real yfinance over HTTP (fake Yahoo) for daily bars, yfinance's
WebSocket client (fake stream) for prices. Ticks reach the snapshot, a poll while the stream is healthy
asks Yahoo only for what daily bars need, the session's official close is still polled after the close,
and which symbols are streamed follows the markets (pre- and post-market for US ETFs)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from live_fake import Clock, live_fake
from rotor.data.feed import LiveFeed
from rotor.data.sessions import resolve_markets
from rotor.data.sources.fake import FakeProvider
from rotor.data.sources.fake_stream import FakeStream
from rotor.data.sources.fake_yahoo import FakeYahoo
from rotor.data.streaming import stream_symbols
from rotor.data.symbols import UNIVERSE

NY = ZoneInfo("America/New_York")


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[LiveFeed, FakeYahoo, FakeStream, Clock]]:
    seed = FakeProvider(date(2026, 3, 4), source="snapshot")
    with live_fake(datetime(2026, 3, 9, 11, 0, tzinfo=NY), tmp_path, stream_rate=200, seed=seed) as live:
        assert live.stream is not None
        yield live.feed, live.yahoo, live.stream, live.clock


def test_ticks_reach_the_snapshot_and_polls_ask_only_for_daily_bars(
    live: tuple[LiveFeed, FakeYahoo, FakeStream, Clock],
) -> None:
    feed, yahoo, stream, clock = live
    first = feed.refresh()
    assert feed.prices is not None
    wait_for(lambda: feed.prices is not None and feed.prices.status.mode == "stream")
    clock.now += timedelta(seconds=30)
    wait_for(lambda: {"SPY", "GC=F"} <= set(feed.prices.latest()) if feed.prices else False)
    wait_for(
        lambda: all(t.time == clock.now for s, t in feed.prices.latest().items() if s in ("SPY", "GC=F"))
    )
    outcome = feed.take_ticks(clock.now)
    assert outcome is not None and outcome.snapshot is not None and not outcome.refresh
    spy = outcome.snapshot.get("SPY")
    expected = stream.price("SPY", clock.now)
    assert spy is not None and expected is not None and spy.last == pytest.approx(expected[0])
    assert spy.price_state == "live" and spy.last != first.get("SPY").last  # type: ignore[union-attr]
    yahoo.reset_log()
    clock.now += timedelta(seconds=30)
    wait_for(lambda: feed.prices is not None and feed.prices.latest()["SPY"].time == clock.now)
    polled = feed.refresh()
    charts = sorted(r.symbol or "" for r in yahoo.log if r.kind == "chart")
    assert charts == ["DX-Y.NYB", "^TNX"]  # only the two the stream cannot give (no rows after 03-06)
    spy_polled = polled.get("SPY")
    assert spy_polled is not None and spy_polled.last == pytest.approx(feed.prices.latest()["SPY"].price)


def test_after_the_close_the_official_close_is_polled(
    live: tuple[LiveFeed, FakeYahoo, FakeStream, Clock],
) -> None:
    feed, yahoo, _, clock = live
    feed.refresh()
    assert feed.prices is not None
    wait_for(lambda: "SPY" in feed.prices.latest())
    clock.now = datetime(2026, 3, 9, 16, 30, tzinfo=NY)
    yahoo.reset_log()
    evening = feed.refresh()
    assert "SPY" in {r.symbol for r in yahoo.log if r.kind == "chart"}
    spy = evening.get("SPY")
    assert spy is not None and spy.last == 678.27 and spy.price_state == "close"  # the official close


def test_which_symbols_stream_follows_the_markets() -> None:
    markets = resolve_markets({s.ticker: s.venue for s in UNIVERSE})

    def at(text: str) -> frozenset[str]:
        return stream_symbols(UNIVERSE, markets, datetime.fromisoformat(text).replace(tzinfo=NY))

    assert at("2026-03-09 11:00") == {s.ticker for s in UNIVERSE}  # everything trades
    assert at("2026-03-07 12:00") == frozenset()  # Saturday: nothing, the stream closes
    sunday = at("2026-03-08 19:00")
    assert sunday == {"GC=F", "SI=F", "CL=F", "NG=F", "HG=F"}  # Globex only
    evening = at("2026-03-09 17:30")  # post-market for US ETFs; futures in their break
    assert evening == {s.ticker for s in UNIVERSE if s.kind in ("etf", "sector")}


def test_the_latest_extended_price_is_kept_until_the_regular_session_takes_over() -> None:
    from rotor.data.sources.stream import Tick
    from rotor.data.streaming import LivePrices

    class Quiet:
        status = None

        def __init__(self, on_ticks: Callable[[list[Tick]], None], *, url: str) -> None:
            self.on_ticks = on_ticks

        def subscribe(self, symbols: frozenset[str]) -> None: ...

        def stop(self) -> None: ...

    prices = LivePrices("ws://unused", make_stream=Quiet)
    stream: Quiet = prices._stream  # type: ignore[assignment]
    at = datetime(2026, 3, 9, 15, 59, tzinfo=NY)
    regular = Tick("SPY", 678.0, at, "regular")
    post = Tick("SPY", 678.5, at + timedelta(minutes=40), "post")
    stream.on_ticks([regular, post])
    assert prices.recent() == [regular, post]  # a poll re-applies both: the later one wins
    assert prices.latest() == {"SPY": regular}
    pre = Tick("SPY", 679.0, at + timedelta(hours=16), "pre")
    stream.on_ticks([pre])
    assert prices.recent() == [regular, pre]
    opening = Tick("SPY", 679.5, at + timedelta(hours=17, minutes=32), "regular")
    stream.on_ticks([opening])
    assert prices.recent() == [opening]  # the regular session took over: no pre-market price any more
