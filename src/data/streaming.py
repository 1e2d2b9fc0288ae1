"""Streamed prices for the live feed: which symbols to stream, the ticks received, the latest per symbol.

``LivePrices`` owns one ``YahooStream`` (rotor.data.sources.stream): the feed tells it, after each poll,
which symbols are worth streaming now (``stream_symbols``: their market trades, or a US stock or ETF is in
its pre- or post-market); the stream's thread queues every tick here; the app takes them a few times a
second (``take``), and the feed applies them (``rotor.data.ticks``). The latest regular-session tick of
each symbol is kept (``latest``) so the next poll folds it into the panel and does not ask Yahoo for a
price the stream already gives (``fresh``).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from rotor.data.sources.stream import StreamStatus, Tick, YahooStream
from rotor.data.ticks import EXTENDED_KINDS, EXTENDED_SESSIONS

if TYPE_CHECKING:
    from rotor.data.sessions import Markets
    from rotor.data.symbols import Symbol

#: A symbol whose last streamed price is younger than this does not need a polled one.
FRESH_FOR: Final = timedelta(minutes=2)
#: Ticks kept at most between two takes (the oldest go first: only the latest per symbol matter).
MAX_QUEUED: Final = 100_000


def stream_symbols(symbols: Iterable[Symbol], markets: Markets, now: datetime) -> frozenset[str]:
    """The symbols worth streaming at ``now``: their market trades (a session in progress and not paused),
    or, for a US stock or ETF, the NYSE is in its pre- or post-market."""
    out = set()
    for symbol in symbols:
        market = markets.get(symbol.ticker)
        if market is None:
            continue
        current = market.current(now)
        trading = current is not None and current.trading(now)
        extended = symbol.kind in EXTENDED_KINDS and market.state(now).state in EXTENDED_SESSIONS
        if trading or extended:
            out.add(symbol.ticker)
    return frozenset(out)


class LivePrices:
    """One stream and what it brought (see the module docstring). Thread-safe."""

    def __init__(self, url: str, *, make_stream: Callable[..., Any] = YahooStream) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Tick] = deque(maxlen=MAX_QUEUED)
        self._latest: dict[str, Tick] = {}
        self._extended: dict[str, Tick] = {}
        self._stream = make_stream(self._received, url=url)
        self.received = 0

    def _received(self, ticks: list[Tick]) -> None:
        with self._lock:
            self._queue.extend(ticks)
            self.received += len(ticks)
            for tick in ticks:
                if tick.session == "regular":
                    self._latest[tick.symbol] = tick
                    extended = self._extended.get(tick.symbol)
                    if extended is not None and extended.time <= tick.time:
                        del self._extended[tick.symbol]  # the regular session took over
                elif tick.session in EXTENDED_SESSIONS:
                    self._extended[tick.symbol] = tick

    def update(self, symbols: frozenset[str]) -> None:
        """Stream exactly ``symbols`` (none: the stream closes)."""
        self._stream.subscribe(symbols)

    def take(self) -> list[Tick]:
        """Every tick received since the last take, oldest first."""
        with self._lock:
            ticks = list(self._queue)
            self._queue.clear()
        return ticks

    def latest(self) -> dict[str, Tick]:
        """The latest regular-session tick of each symbol."""
        with self._lock:
            return dict(self._latest)

    def recent(self) -> list[Tick]:
        """The latest regular-session tick of each symbol and its pre- or post-market tick when that is
        later: what the stream says now, for a snapshot built from polled data (``LiveFeed.refresh``)."""
        with self._lock:
            return [*self._latest.values(), *self._extended.values()]

    def fresh(self, now: datetime) -> frozenset[str]:
        """Symbols the stream gave a price for within ``FRESH_FOR``, while it is streaming."""
        if self.status.mode != "stream":
            return frozenset()
        with self._lock:
            return frozenset(s for s, t in self._latest.items() if now - t.time <= FRESH_FOR)

    @property
    def status(self) -> StreamStatus:
        status: StreamStatus = self._stream.status
        return status

    def stop(self) -> None:
        self._stream.stop()
