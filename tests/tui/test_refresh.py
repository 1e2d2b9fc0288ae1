"""The refresh loop on its own: the scheduling rules as pure functions, and ``RefreshLoop`` in a bare
host app with a scripted feed and a clock the test moves (timers that must not fire are set far out)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from rotor.data.errors import ProviderUnavailable
from rotor.data.snapshot import MarketSnapshot, MarketState
from rotor.tui.refresh import (
    FeedStatus,
    RefreshLoop,
    not_before,
    polling_interval,
    retry_delay,
    short_error,
)
from textual.app import App
from textual.screen import Screen

from support import NOW, ScriptedService, snapshot_at, wait_until


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class Host(App[None]):
    """What the loop needs of an app: workers, timers, a screen stack, and the two messages handled."""

    def __init__(self, feed: Any, clock: Clock, **options: Any) -> None:
        super().__init__()
        self.statuses: list[FeedStatus] = []
        self.loop = RefreshLoop(self, feed, clock=clock, on_status=self.statuses.append, **options)
        self.shown: list[MarketSnapshot] = []

    def on_refresh_loop_snapshot_ready(self, message: RefreshLoop.SnapshotReady) -> None:
        self.loop.succeeded(message.snapshot)
        self.shown.append(message.snapshot)

    def on_refresh_loop_refresh_failed(self, message: RefreshLoop.RefreshFailed) -> None:
        self.loop.failed(message.reason)


def drive(host: Host, body: Callable[[Any], Awaitable[None]]) -> None:
    async def main() -> None:
        async with host.run_test() as pilot:
            await body(pilot)

    asyncio.run(main())


async def idle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def seconds_until(status: FeedStatus, now: datetime) -> float:
    assert status.next_at is not None
    return (status.next_at - now).total_seconds()


# --- the rules ------------------------------------------------------------------------------------


def test_polling_slows_down_while_every_market_is_closed_but_not_past_the_next_open() -> None:
    opens_soon = MarketState("XNYS", "closed", "NYSE closed", next_open=NOW + timedelta(seconds=120))
    closed = MarketState("XNYS", "closed", "NYSE closed")
    cme_open = MarketState("CMES", "open", "CME open")
    assert polling_interval((), NOW, 60, 900) == 60  # unknown markets count as open
    assert polling_interval((opens_soon,), NOW, 60, 900) == 120
    assert polling_interval((closed,), NOW, 60, 900) == 900
    assert polling_interval((opens_soon, cme_open), NOW, 60, 900) == 60
    soon = MarketState("XNYS", "closed", "NYSE closed", next_open=NOW + timedelta(seconds=10))
    assert polling_interval((soon,), NOW, 60, 900) == 60  # never faster than the interval


def test_retries_double_from_the_base_and_never_exceed_the_interval() -> None:
    assert [retry_delay(n, 5, 60) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


def test_never_before_the_source_allows() -> None:
    assert not_before(30, None, NOW) == 30
    assert not_before(30, NOW + timedelta(seconds=90), NOW) == 90
    assert not_before(30, NOW + timedelta(seconds=10), NOW) == 30
    assert not_before(30, NOW - timedelta(seconds=10), NOW) == 30


def test_short_error_is_one_line_of_at_most_80_characters() -> None:
    assert short_error(ValueError("first line\nsecond line")) == "first line"
    assert short_error(ValueError("")) == "ValueError"
    assert short_error(ValueError("x" * 80)) == "x" * 80
    assert short_error(ValueError("x" * 200)) == "x" * 79 + "…"


# --- the loop ---------------------------------------------------------------------------------------


def test_a_success_re_arms_the_timer_after_the_interval() -> None:
    clock = Clock()
    feed = ScriptedService([snapshot_at()])
    host = Host(feed, clock, interval=600)

    async def body(pilot: Any) -> None:
        host.loop.start()
        assert host.loop.status.refreshing
        await idle(pilot)
        status = host.loop.status
        assert feed.calls == 1 and status.refreshes == 1 and not status.refreshing
        assert seconds_until(status, clock.now) == 600
        assert host.shown == [snapshot_at()]
        assert host.statuses[-1] == status  # every change is handed on

    drive(host, body)


def test_failures_back_off_5_10_20_capped_at_the_interval_and_mark_the_shown_snapshot_stale() -> None:
    clock = Clock()
    feed = ScriptedService([ProviderUnavailable("Yahoo unreachable")], initial=snapshot_at())
    host = Host(feed, clock, interval=900, retry_base=100)  # 100, 200, 400, 800, 900 s: none fires

    async def body(pilot: Any) -> None:
        delays = []
        for _ in range(6):
            host.loop.request()
            await idle(pilot)
            delays.append(seconds_until(host.loop.status, clock.now))
        assert delays == [100, 200, 400, 800, 900, 900]
        status = host.loop.status
        assert status.failures == 6 and not status.last_ok and status.last_error == "Yahoo unreachable"
        assert not status.stale  # nothing on screen yet: nothing to mark stale
        assert host.loop.saved_snapshot() == snapshot_at()
        host.loop.request()
        await idle(pilot)
        assert host.loop.status.stale and host.loop.status.initial

    drive(host, body)


def test_no_refresh_before_the_feeds_retry_time() -> None:
    clock = Clock()
    feed = ScriptedService([snapshot_at()])
    feed.retry_at = NOW + timedelta(seconds=1800)  # type: ignore[attr-defined]
    host = Host(feed, clock, interval=60)

    async def body(pilot: Any) -> None:
        host.loop.start()
        await idle(pilot)
        assert seconds_until(host.loop.status, clock.now) == 1800

    drive(host, body)


def test_refreshes_never_overlap_and_a_request_during_one_is_dropped() -> None:
    clock = Clock()
    feed = ScriptedService([snapshot_at()])
    feed.gate = threading.Event()
    host = Host(feed, clock, interval=600)

    async def body(pilot: Any) -> None:
        host.loop.start()
        await wait_until(pilot, lambda: feed.running == 1)
        for _ in range(3):
            host.loop.request()
        await pilot.pause(0.1)
        assert feed.calls == 1
        feed.gate.set()
        await idle(pilot)
        assert feed.calls == 1 and feed.max_running == 1 and host.loop.status.refreshes == 1

    drive(host, body)


def test_a_due_refresh_waits_behind_a_modal_screen_and_runs_when_it_closes() -> None:
    clock = Clock()
    feed = ScriptedService([snapshot_at()])
    host = Host(feed, clock, interval=600)

    async def body(pilot: Any) -> None:
        await host.push_screen(Screen(), callback=host.loop.modal_closed)
        host.loop.request()
        await pilot.pause(0.1)
        assert feed.calls == 0 and not host.loop.status.refreshing
        host.pop_screen()
        host.loop.modal_closed()
        await idle(pilot)
        assert feed.calls == 1

    drive(host, body)


def test_a_due_refresh_waits_while_paused_and_runs_on_resume() -> None:
    clock = Clock()
    feed = ScriptedService([snapshot_at()])
    host = Host(feed, clock, interval=600)

    async def body(pilot: Any) -> None:
        assert host.loop.toggle_pause() is True
        assert host.loop.status.paused and host.loop.status.next_at is None
        host.loop.request()
        await pilot.pause(0.1)
        assert feed.calls == 0
        assert host.loop.toggle_pause() is False
        await idle(pilot)
        assert feed.calls == 1

    drive(host, body)


def test_a_feed_that_is_not_live_is_refreshed_once() -> None:
    clock = Clock()
    feed = ScriptedService([snapshot_at()], live=False)
    host = Host(feed, clock, interval=0.05)

    async def body(pilot: Any) -> None:
        host.loop.start()
        await idle(pilot)
        await pilot.pause(0.3)
        assert feed.calls == 1 and host.loop.status.next_at is None and not host.loop.status.live

    drive(host, body)


def test_a_replay_never_refreshes() -> None:
    clock = Clock()
    feed = ScriptedService([snapshot_at()])
    host = Host(feed, clock, interval=0.05, replay=True)

    async def body(pilot: Any) -> None:
        host.loop.start()
        host.loop.request()
        await pilot.pause(0.2)
        assert feed.calls == 0 and host.loop.status.replay and not host.loop.status.live

    drive(host, body)


def test_the_timer_keeps_refreshing_one_at_a_time() -> None:
    clock = Clock()
    feed = ScriptedService([snapshot_at()], delay=0.05)
    host = Host(feed, clock, interval=0.05, closed_interval=0.05)

    async def body(pilot: Any) -> None:
        host.loop.start()
        await wait_until(pilot, lambda: host.loop.status.refreshes >= 4, timeout=10)
        assert feed.max_running == 1

    drive(host, body)


def test_a_saved_snapshot_that_cannot_be_read_is_no_snapshot() -> None:
    class Broken(ScriptedService):
        def initial(self) -> MarketSnapshot | None:
            raise ValueError("corrupt")

    host = Host(Broken([snapshot_at()]), Clock())
    assert host.loop.saved_snapshot() is None and not host.loop.status.initial
    host = Host(ScriptedService([snapshot_at()], initial=snapshot_at()), Clock())
    assert host.loop.saved_snapshot() == snapshot_at() and host.loop.status.initial


def test_while_the_stream_is_healthy_polls_slow_to_once_a_minute_and_speed_up_when_it_stops() -> None:
    from rotor.tui.refresh import STREAMING_POLL, TICK_POLL_EVERY

    clock = Clock()
    feed = ScriptedService([snapshot_at()])
    host = Host(feed, clock, interval=10)

    async def body(pilot: Any) -> None:
        host.loop.stream_changed("stream", clock.now, None)
        host.loop.start()
        await idle(pilot)
        assert seconds_until(host.loop.status, clock.now) == STREAMING_POLL
        # A tick of a session without a bar asks for a poll, but not twice within TICK_POLL_EVERY.
        host.loop.poll_soon()
        assert feed.calls == 1 and not host.loop.status.refreshing
        clock.now += timedelta(seconds=TICK_POLL_EVERY)
        host.loop.poll_soon()
        await idle(pilot)
        assert feed.calls == 2
        # The stream gives up: the next poll comes after the interval, not a minute.
        host.loop.stream_changed("poll", clock.now, "stream unreachable")
        assert seconds_until(host.loop.status, clock.now) == 10
        assert host.loop.status.stream_reason == "stream unreachable"

    drive(host, body)
