"""Fault-injection soak through the app: 200 refreshes against a provider that randomly raises, hangs,
and returns empty, partial or corrupt data. Zero crashes, the panes always show the last good values,
and once the faults stop the app is current and not stale within one interval. bench/soak.py runs the
data layer for 5,000 refreshes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
from rotor.data.render import formatting as fmt
from rotor.data.sources.fake import FakeProvider, FaultyProvider
from rotor.data.symbols import lookup
from rotor.tui.app import create_app
from rotor.tui.widgets.indices import IndicesTable
from rotor.tui.widgets.status import StatusBar

from support import run_pilot, wait_until

TICKERS = ("^GSPC", "^VIX", "SPY", "RSP", "IWM", "XLK", "XLE", "XLU", "GC=F", "NG=F", "^TNX")
START = date(2025, 9, 1)
REFRESHES = 200
PER_DAY = 10


class Clock:
    """Evening UTC on a day the test moves forward, so every day brings new bars to fetch."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> datetime:
        return datetime.combine(self.day, time(21, 0), tzinfo=UTC)


def test_the_app_survives_200_faulty_refreshes_and_recovers(tmp_path: Path) -> None:
    symbols = tuple(s for s in (lookup(t) for t in TICKERS) if s is not None)
    clock = Clock(START)
    provider = FaultyProvider(seed=11, rate=0.6, today=START, timeout=0.02)
    seed = FakeProvider(START - timedelta(days=28), source="snapshot")
    service = LiveFeed(Cache(tmp_path), provider, mode="auto", clock=clock, seed=seed, symbols=symbols)
    app = create_app(service, clock=clock, interval=0.02, closed_interval=0.02, retry_base=0.01)
    seen_failures = 0
    checks = 0

    async def body(pilot: Any) -> None:
        nonlocal seen_failures, checks
        await wait_until(pilot, lambda: bool(pilot.app.late_panes))  # the table replaced the first frame's
        table = pilot.app.query_one(IndicesTable)
        while pilot.app.feed_status.refreshes < REFRESHES:
            await pilot.pause(0.01)
            day = START + timedelta(days=pilot.app.feed_status.refreshes // PER_DAY)
            clock.day = provider.today = day
            seen_failures = max(seen_failures, pilot.app.feed_status.failures)
            good = pilot.app.snapshot
            if good is not None and "^GSPC" in table.rows:
                # Whatever happened to the feed, the pane shows the last good snapshot's figure.
                assert table.get_cell("^GSPC", "last").plain == fmt.price(good.get("^GSPC").last)
                checks += 1
        provider.rate = 0.0
        done = pilot.app.feed_status.refreshes
        await wait_until(
            pilot,
            lambda: (
                pilot.app.feed_status.refreshes >= done + 2
                and pilot.app.feed_status.failures == 0
                and not pilot.app.feed_status.stale
            ),
            timeout=20,
        )
        snapshot = pilot.app.snapshot
        assert snapshot is not None and snapshot.source == "live" and not snapshot.stale_symbols
        line = pilot.app.query_one(StatusBar).render().plain
        assert "STALE" not in line and "LIVE" in line

    run_pilot(app, body, size=(200, 50))
    assert app.feed_status.refreshes >= REFRESHES
    assert sum(provider.injected.values()) > 50  # the faults really happened
    assert checks > 100
    assert app.return_code in (None, 0)
