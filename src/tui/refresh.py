"""The refresh loop: when the app asks its feed for a new snapshot, and what it does after a failure.

How a refresh flows (design.md): a one-shot timer only *signals*; ``request`` starts one thread worker
(``exclusive=True`` in the ``feed`` group; never a second while one runs) that calls ``Feed.refresh()``
off the UI thread and posts ``SnapshotReady`` or ``RefreshFailed`` to the app. The app shows the
snapshot and reports the outcome back (``succeeded`` / ``failed``), which re-arms the timer: refreshes
never pile up. While the user paused or a modal screen is open, a due refresh waits. A failed refresh
is retried after 5, 10, 20 ... seconds, never later than the interval, so the app recovers by itself
within one interval of the feed coming back; and never before the feed's ``retry_at`` (a rate limit,
an unreachable source).

Everything the status bar says about the loop is one ``FeedStatus``, handed to ``on_status`` on every
change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from rotor.data.settings import CLOSED_INTERVAL as DEFAULT_CLOSED_INTERVAL
from rotor.data.settings import DEFAULT_INTERVAL
from textual.message import Message

if TYPE_CHECKING:
    from rotor.data.feed import Feed
    from rotor.data.snapshot import MarketSnapshot, MarketState
    from textual.app import App
    from textual.timer import Timer

Clock = Callable[[], datetime]

#: First retry after a failed refresh; doubles per failure, never more than the interval.
RETRY_BASE = 5.0
#: While the stream is healthy the poll (daily bars, official closes, rotation and risk notes) runs at
#: most this often (seconds): the prices on screen come from the stream.
STREAMING_POLL = 60.0
#: A tick of a session rotor has no bar for asks for a poll, at most this often (seconds).
TICK_POLL_EVERY = 10.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class FeedStatus(NamedTuple):
    """What the app knows about its refresh loop (the snapshot knows the rest). A named tuple, not a
    frozen dataclass: it is built on the way to the first frame, in a tenth of the time."""

    live: bool
    replay: bool
    paused: bool = False
    refreshing: bool = False
    last_refresh: datetime | None = None
    last_ok: bool = True
    last_error: str | None = None
    failures: int = 0
    next_at: datetime | None = None
    interval: float | None = None
    stale: bool = False
    initial: bool = False
    #: Refreshes that ended (succeeded or failed).
    refreshes: int = 0
    #: The price stream's mode (``stream``, ``connecting``, ``poll``, ``off``; ``None``: a feed that does
    #: not stream), the time of its last tick, and why it is not streaming.
    stream: str | None = None
    last_tick: datetime | None = None
    stream_reason: str | None = None


def polling_interval(
    markets: Sequence[MarketState], now: datetime, interval: float, closed_interval: float
) -> float:
    """``interval`` while any market is open (or in extended hours, or unknown); the slower
    ``closed_interval`` when every market is closed, but never past the earliest next open."""
    if not markets or any(m.state != "closed" for m in markets):
        return interval
    opens = [m.next_open for m in markets if m.next_open is not None]
    if not opens:
        return closed_interval
    until = (min(opens) - now).total_seconds()
    return min(closed_interval, max(interval, until))


def retry_delay(failures: int, base: float, interval: float) -> float:
    """The wait after ``failures`` failures in a row: ``base``, doubled per failure, at most ``interval``."""
    return min(interval, base * 2.0 ** (failures - 1))


def not_before(delay: float, retry_at: datetime | None, now: datetime) -> float:
    """``delay``, or longer when the source asked to be left alone until ``retry_at``."""
    if retry_at is None:
        return delay
    return max(delay, (retry_at - now).total_seconds())


class RefreshLoop:
    """The refresh loop of one feed, owned by the app (which must be running to ``start`` it)."""

    class SnapshotReady(Message):
        """A worker computed a new snapshot."""

        def __init__(self, snapshot: MarketSnapshot, seconds: float) -> None:
            self.snapshot = snapshot
            self.seconds = seconds
            super().__init__()

    class RefreshFailed(Message):
        """A worker's refresh raised; the last good snapshot stays on screen."""

        def __init__(self, reason: str) -> None:
            self.reason = reason
            super().__init__()

    def __init__(
        self,
        app: App[Any],
        feed: Feed,
        *,
        clock: Clock = utc_now,
        interval: float | None = None,
        closed_interval: float | None = None,
        retry_base: float = RETRY_BASE,
        replay: bool = False,
        on_status: Callable[[FeedStatus], None] | None = None,
    ) -> None:
        self._app = app
        self._feed = feed
        self._clock = clock
        self.interval = interval or DEFAULT_INTERVAL
        self.closed_interval = max(self.interval, closed_interval or DEFAULT_CLOSED_INTERVAL)
        self.retry_base = retry_base
        self._on_status = on_status
        self._markets: Sequence[MarketState] = ()
        self._shown = False  # a snapshot is on screen (a failure then makes it stale)
        self._pending = False  # a refresh came due while paused or behind a modal
        self._timer: Timer | None = None
        self.status = FeedStatus(live=feed.live and not replay, replay=replay, interval=self.interval)

    def _set(self, **changes: Any) -> None:
        self.status = self.status._replace(**changes)
        if self._on_status is not None:
            self._on_status(self.status)

    def current_interval(self) -> float:
        """The polling interval for the markets of the last snapshot (see ``polling_interval``); at least
        ``STREAMING_POLL`` while the stream brings the prices."""
        interval = self.interval
        if self.status.stream == "stream":
            interval = max(interval, STREAMING_POLL)
        return polling_interval(self._markets, self._clock(), interval, max(interval, self.closed_interval))

    def stream_changed(self, mode: str | None, last_tick: datetime | None, reason: str | None) -> None:
        """The stream's state as the app last read it; the status bar follows, and the polling interval
        with it (a stream that stops streaming brings the poll back to the interval at once)."""
        status = self.status
        if (mode, last_tick, reason) == (status.stream, status.last_tick, status.stream_reason):
            return
        was_streaming = status.stream == "stream"
        self._set(stream=mode, last_tick=last_tick, stream_reason=reason)
        stopped = was_streaming and mode != "stream" and self._timer is not None
        if stopped and status.next_at is not None:
            until_next = (status.next_at - self._clock()).total_seconds()
            if until_next > self.current_interval():
                self._arm(self._wait(self.current_interval()))

    def poll_soon(self) -> None:
        """A streamed tick belongs to a session rotor has no bar for: poll now, unless one ran within
        ``TICK_POLL_EVERY`` seconds (a burst of such ticks asks once)."""
        last = self.status.last_refresh
        if last is not None and (self._clock() - last).total_seconds() < TICK_POLL_EVERY:
            return
        if not self.status.refreshing and not self.status.paused and self.status.live:
            self.request()

    # --- what the app tells the loop ---------------------------------------------------------------

    def saved_snapshot(self) -> MarketSnapshot | None:
        """The snapshot an earlier run saved, to paint at once (the first refresh replaces it); ``None``
        when there is none, or it cannot be read (that only costs the instant first frame)."""
        try:
            snapshot = self._feed.initial()
        except Exception:
            return None
        if snapshot is not None:
            self._markets = snapshot.markets
            self._shown = True
            self._set(initial=True)
        return snapshot

    def succeeded(self, snapshot: MarketSnapshot) -> None:
        """A refresh brought ``snapshot``: the next one after the interval (never before ``retry_at``)."""
        self._markets = snapshot.markets
        self._shown = True
        self._set(
            refreshing=False,
            initial=False,
            failures=0,
            last_ok=True,
            last_error=None,
            stale=False,
            last_refresh=self._clock(),
            refreshes=self.status.refreshes + 1,
            interval=self.current_interval(),
        )
        if self.status.live:
            self._arm(self._wait(self.current_interval()))
        else:
            self._set(next_at=None)

    def failed(self, reason: str) -> None:
        """A refresh failed: what is on screen goes stale; retry with a backoff capped at the interval."""
        failures = self.status.failures + 1
        self._set(
            refreshing=False,
            failures=failures,
            last_ok=False,
            last_error=reason,
            stale=self._shown,
            last_refresh=self._clock(),
            refreshes=self.status.refreshes + 1,
        )
        self._arm(self._wait(retry_delay(failures, self.retry_base, self.current_interval())))

    def modal_closed(self, _result: object = None) -> None:
        """The screens over the panes were dismissed: a refresh that came due meanwhile runs now."""
        if self._pending and not self.status.paused:
            self.request()

    # --- starting refreshes ------------------------------------------------------------------------

    def start(self) -> None:
        """The first refresh (nothing for a replay: it was computed before the app started)."""
        if not self.status.replay:
            self.request()

    def _modal_open(self) -> bool:
        return len(self._app.screen_stack) > 1

    def request_now(self) -> str | None:
        """The user asked for a refresh (``r``): start one, or say why not."""
        if self.status.replay:
            return "Replaying a past session: live updates are off."
        if self.status.refreshing:
            return "A refresh is already running."
        if self.status.paused:
            self._pending = True
            return "Paused: the refresh runs when you resume (p)."
        self.request()
        return None

    def request(self) -> None:
        """Start a refresh now unless one is running, the user paused, or a modal screen is open."""
        self._cancel_timer()
        if self.status.refreshing or self.status.replay or not self._app.is_running:
            return
        if self.status.paused or self._modal_open():
            self._pending = True  # run by ``toggle_pause`` or ``modal_closed``
            return
        self._pending = False
        self._set(refreshing=True)
        self._app.run_worker(
            self._refresh_in_thread,
            name="refresh",
            group="feed",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _refresh_in_thread(self) -> None:
        """Runs in a worker thread: fetch and compute, then post the outcome. Never raises."""
        started = time.perf_counter()
        try:
            snapshot = self._feed.refresh()
        except Exception as exc:  # every failure becomes a status line, never a traceback
            self._app.post_message(self.RefreshFailed(short_error(exc)))
            return
        self._app.post_message(self.SnapshotReady(snapshot, time.perf_counter() - started))

    def toggle_pause(self) -> bool:
        """Pause or resume; ``True`` when now paused. Resuming runs a refresh that came due."""
        paused = not self.status.paused
        if paused:
            self._cancel_timer()
            self._set(paused=True, next_at=None)
        else:
            self._set(paused=False)
            if self._pending or (self._timer is None and not self.status.refreshing and self.status.live):
                self.request()
        return paused

    # --- the timer ---------------------------------------------------------------------------------

    def _wait(self, delay: float) -> float:
        return not_before(delay, getattr(self._feed, "retry_at", None), self._clock())

    def _arm(self, delay: float) -> None:
        """One-shot timer: re-armed after each refresh, so refreshes never pile up."""
        self._cancel_timer()
        self._timer = self._app.set_timer(delay, self.request, name="refresh-timer")
        self._set(next_at=self._clock() + timedelta(seconds=delay))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None


#: The longest error line the status bar gets.
ERROR_WIDTH = 80


def short_error(exc: BaseException) -> str:
    """One line of at most ``ERROR_WIDTH`` characters for the status bar (no traceback, ever)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= ERROR_WIDTH else text[: ERROR_WIDTH - 1] + "…"
