"""Pilot helpers: a frozen clock, real snapshots from the bundled data, and a scriptable service."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from rotor.data.detail import SymbolDetail
from rotor.data.feed import BundledFeed
from rotor.data.intraday import IntradayChart
from rotor.data.snapshot import MarketSnapshot
from rotor.data.timeframes import SymbolHistory
from rotor.tui.tones import Tones
from textual.app import App

# Times on screen are local: pin the zone so snapshots match on any machine.
os.environ["TZ"] = "UTC"
time.tzset()

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
AS_OF = date(2026, 3, 6)


def frozen_clock() -> datetime:
    return NOW


def tones_of(theme: str = "textual-dark", palette: str = "red-green") -> Tones:
    """The tones of an app in ``theme`` (built the way the app builds them)."""
    app: App[None] = App()
    app.theme = theme
    return Tones.from_variables(app.get_css_variables(), palette)


_SNAPSHOTS: dict[date, MarketSnapshot] = {}
_SERVICES: dict[date, BundledFeed] = {}


def bundled(as_of: date = AS_OF) -> BundledFeed:
    if as_of not in _SERVICES:
        _SERVICES[as_of] = BundledFeed(as_of, clock=frozen_clock)
    return _SERVICES[as_of]


def snapshot_at(as_of: date = AS_OF) -> MarketSnapshot:
    """A real snapshot (computed once per date per test session)."""
    if as_of not in _SNAPSHOTS:
        _SNAPSHOTS[as_of] = bundled(as_of).refresh()
    return _SNAPSHOTS[as_of]


def with_last(snapshot: MarketSnapshot, symbol: str, last: float) -> MarketSnapshot:
    """The snapshot with one symbol's last level changed (as a new live quote would)."""
    return snapshot.with_changes(
        instruments=tuple(replace(i, last=last) if i.symbol == symbol else i for i in snapshot.instruments)
    )


class ScriptedService:
    """A live Feed whose refreshes return (or raise) the scripted outcomes in order; the last
    outcome repeats. Records how many refreshes ran at once."""

    def __init__(
        self,
        outcomes: list[MarketSnapshot | Exception],
        *,
        initial: MarketSnapshot | None = None,
        delay: float = 0.0,
        live: bool = True,
    ) -> None:
        self.outcomes = list(outcomes)
        self._initial = initial
        self.delay = delay
        self._live = live
        self.calls = 0
        self.running = 0
        self.max_running = 0
        self.gate: threading.Event | None = None
        self._lock = threading.Lock()

    @property
    def live(self) -> bool:
        return self._live

    def initial(self) -> MarketSnapshot | None:
        return self._initial

    def refresh(self) -> MarketSnapshot:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.max_running = max(self.max_running, self.running)
            outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        try:
            if self.gate is not None:
                self.gate.wait(5)
            if self.delay:
                time.sleep(self.delay)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        finally:
            with self._lock:
                self.running -= 1

    def stream_status(self) -> None:
        return None  # polls only

    def take_ticks(self, now: object = None) -> None:
        return None

    def close(self) -> None:
        pass

    def detail(self, snapshot: MarketSnapshot, symbol: str) -> SymbolDetail:
        return bundled(snapshot.as_of).detail(snapshot, symbol)

    def history(self, snapshot: MarketSnapshot, symbol: str) -> SymbolHistory:
        return bundled(snapshot.as_of).history(snapshot, symbol)

    def intraday(self, snapshot: MarketSnapshot, symbol: str) -> IntradayChart:
        return bundled(snapshot.as_of).intraday(snapshot, symbol)


def run_pilot(app: Any, body: Callable[[Any], Awaitable[None]], size: tuple[int, int] = (200, 50)) -> None:
    """Run ``body(pilot)`` against ``app`` (no pytest-asyncio needed)."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await body(pilot)

    asyncio.run(main())


async def settle(pilot: Any) -> None:
    """Wait for running workers and the messages they posted."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def wait_until(pilot: Any, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


@pytest.fixture
def snapshot() -> Iterator[MarketSnapshot]:
    yield snapshot_at()
