"""A live feed over the local fake Yahoo (rotor.data.sources.fake_yahoo) through the real yfinance: what the
intraday tests of the data layer and of the detail screen share. Nothing touches the network."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
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

    def minute_charts(self) -> list[LoggedRequest]:
        """The one-minute chart requests the fake has seen (since its log was last reset)."""
        return [r for r in self.yahoo.log if r.kind == "chart" and r.query.get("interval") == "1m"]


@contextmanager
def live_fake(now: datetime, directory: Path, **feed_options: object) -> Iterator[LiveFake]:
    """A ``LiveFeed`` on a cache in ``directory`` (seeded with the bundled rows on first use) whose
    source is a ``YahooSource`` talking to a ``FakeYahoo``, both on one clock starting at ``now``."""
    clock = Clock(now)
    with FakeYahoo(clock) as yahoo:
        source = YahooSource(
            cache_dir=directory,
            rewrite=yahoo.rewrite,
            on_response=keep_yahoo_cookies,
            clock=clock,
            jitter=lambda: 0.0,
        )
        feed = LiveFeed(Cache(directory / "cache"), source, clock=clock, **feed_options)  # type: ignore[arg-type]
        yield LiveFake(yahoo, source, feed, clock)
