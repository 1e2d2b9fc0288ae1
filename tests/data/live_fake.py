"""A live feed over the local fake Yahoo (rotor.data.sources.fake_yahoo) through the real yfinance, and
optionally over the fake price stream (rotor.data.sources.fake_stream) through yfinance's WebSocket client:
what the intraday and streaming tests of the data layer and of the app share. Nothing touches the network."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
from rotor.data.sources.fake_stream import FakeStream
from rotor.data.sources.fake_yahoo import FakeYahoo, LoggedRequest, keep_yahoo_cookies
from rotor.data.sources.yahoo import YahooSource


@dataclass
class Clock:
    """One clock for rotor and the fake (``now`` moves both)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class LiveFake:
    yahoo: FakeYahoo
    source: YahooSource
    feed: LiveFeed
    clock: Clock
    stream: FakeStream | None = None

    def minute_charts(self) -> list[LoggedRequest]:
        """The one-minute chart requests the fake has seen (since its log was last reset)."""
        return [r for r in self.yahoo.log if r.kind == "chart" and r.query.get("interval") == "1m"]


@contextmanager
def live_fake(
    now: datetime, directory: Path, *, stream_rate: float | None = None, **feed_options: object
) -> Iterator[LiveFake]:
    """A ``LiveFeed`` on a cache in ``directory`` (seeded with the bundled rows on first use) whose
    source is a ``YahooSource`` talking to a ``FakeYahoo``, both on one clock starting at ``now``; with
    ``stream_rate``, it also streams from a ``FakeStream`` sending that many frames a second."""
    clock = Clock(now)
    with FakeYahoo(clock) as yahoo:
        streaming = FakeStream(yahoo, clock, rate=stream_rate) if stream_rate else nullcontext(None)
        with streaming as stream:
            source = YahooSource(
                cache_dir=directory,
                rewrite=yahoo.rewrite,
                on_response=keep_yahoo_cookies,
                clock=clock,
                jitter=lambda: 0.0,
            )
            if stream is not None:
                feed_options["stream_url"] = stream.url
            feed = LiveFeed(Cache(directory / "cache"), source, clock=clock, **feed_options)  # type: ignore[arg-type]
            try:
                yield LiveFake(yahoo, source, feed, clock, stream)
            finally:
                feed.close()
