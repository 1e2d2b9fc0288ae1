"""Soak: LiveFeed driven by a FaultyProvider for hundreds of refreshes.

Zero unhandled exceptions (a refresh may raise a RotorError: the caller keeps its last snapshot), the
cache never holds a bad bar (every stored close equals the real bundled close of that day, and the
stored rows satisfy the sanitizer's rules), and once the faults stop the next refresh is clean.
bench/soak.py runs the same for 5,000 refreshes.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from rotor.data.cache import Cache
from rotor.data.errors import RotorError
from rotor.data.feed import FeedMode, LiveFeed
from rotor.data.snapshot import MarketSnapshot
from rotor.data.sources.bundled import BundledProvider, load_bundled_bars
from rotor.data.sources.fake import BAR_FAULTS, CALL_FAULTS, QUOTE_FAULTS, FakeProvider, FaultyProvider
from rotor.data.sources.sanitize import MAX_PRICE
from rotor.data.symbols import lookup

#: A cross-section of the universe (indices incl. VIX, ETFs, sectors, futures incl. natural gas, a rate),
#: small enough to keep 200 refreshes quick.
SOAK_TICKERS = ("^GSPC", "^VIX", "SPY", "RSP", "IWM", "XLK", "XLE", "XLU", "GC=F", "NG=F", "^TNX")
START = date(2025, 9, 1)


class Clock:
    """Evening UTC on a settable day."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> datetime:
        return datetime.combine(self.day, time(21, 0), tzinfo=UTC)


@dataclass
class SoakResult:
    refreshes: int = 0
    crashes: list[str] = field(default_factory=list)
    raised: Counter[str] = field(default_factory=Counter)
    last: MarketSnapshot | None = None


def bad_bars_in_cache(cache: Cache, bundled_closes: dict[tuple[str, str], float]) -> list[tuple[object, ...]]:
    """Stored bars that break a sanitizer rule or differ from the real bundled close of their day."""
    assert cache.path is not None
    with sqlite3.connect(cache.path) as conn:
        rows = conn.execute("SELECT symbol, date, open, high, low, close FROM bars").fetchall()
    bad = []
    for symbol, day, open_, high, low, close in rows:
        ok = isinstance(close, float) and math.isfinite(close) and 0 < close <= MAX_PRICE
        ok = ok and (high is None or low is None or high >= low)
        ok = ok and bundled_closes.get((symbol, day)) == close
        ok = ok and all(v is None or (math.isfinite(v) and v > 0) for v in (open_, high, low))
        if not ok:
            bad.append((symbol, day, open_, high, low, close))
    return bad


def soak(
    cache_dir: Path,
    refreshes: int,
    *,
    seed: int = 7,
    rate: float = 0.5,
    mode: FeedMode = "auto",
    refreshes_per_day: int = 2,
    snapshot_provider: BundledProvider | None = None,
) -> tuple[SoakResult, LiveFeed, FaultyProvider, Clock]:
    """Run ``refreshes`` refreshes against a FaultyProvider; the clock stays on a day for
    ``refreshes_per_day`` refreshes, then moves to the next."""
    snapshot_provider = snapshot_provider or BundledProvider()
    clock = Clock(START)
    seeder = FakeProvider(START - timedelta(days=28), source="snapshot", bundled=snapshot_provider)
    faulty = FaultyProvider(seed, rate, today=START, bundled=snapshot_provider, timeout=0.005)
    symbols = [s for s in (lookup(t) for t in SOAK_TICKERS) if s is not None]
    service = LiveFeed(Cache(cache_dir), faulty, mode=mode, clock=clock, seed=seeder, symbols=symbols)
    result = SoakResult()
    for n in range(refreshes):
        if n and n % refreshes_per_day == 0:
            clock.day += timedelta(days=1)
            faulty.today = clock.day
        try:
            result.last = service.refresh()
        except RotorError as exc:  # allowed: the app keeps its last snapshot
            result.raised[type(exc).__name__] += 1
        except Exception as exc:  # an unhandled exception is what the soak hunts for
            result.crashes.append(f"refresh {n}: {type(exc).__name__}: {exc}")
        result.refreshes += 1
    return result, service, faulty, clock


@pytest.fixture(scope="module")
def bundled_closes() -> dict[tuple[str, str], float]:
    bars = load_bundled_bars()
    return {
        (str(s), d.date().isoformat()): float(c)
        for s, d, c in zip(bars["symbol"], bars["date"], bars["close"], strict=True)
    }


@pytest.mark.parametrize(("mode", "refreshes", "seed"), [("auto", 200, 7), ("live", 60, 11)])
def test_soak_with_faults_then_recovery(
    tmp_path: Path,
    bundled_closes: dict[tuple[str, str], float],
    mode: FeedMode,
    refreshes: int,
    seed: int,
) -> None:
    result, service, faulty, clock = soak(tmp_path, refreshes, seed=seed, mode=mode)
    assert result.crashes == []
    assert result.refreshes == refreshes
    if mode == "auto":
        # Every fault kind was exercised at least once over the run.
        wanted = {*CALL_FAULTS, *BAR_FAULTS}
        assert set(faulty.injected) >= wanted - {"partial", "high_below_low"}
        assert not result.raised  # auto falls back to the cache instead of raising
    else:
        assert result.raised  # live mode raises when nothing was served; the caller keeps its snapshot
    assert bad_bars_in_cache(service.cache, bundled_closes) == []

    faulty.rate = 0.0
    recovered = service.refresh()
    assert recovered.source == "live"
    assert recovered.errors == ()
    assert recovered.as_of == max(d for d in (i.last_date for i in recovered.instruments) if d is not None)
    assert all(i.source == "live" and i.last is not None for i in recovered.instruments)
    assert recovered.as_of <= clock.day and (clock.day - recovered.as_of).days <= 4
    assert bad_bars_in_cache(service.cache, bundled_closes) == []


def test_bad_quotes_never_reach_the_cache_or_the_snapshot(tmp_path: Path) -> None:
    result, service, faulty, _ = soak(tmp_path, 80, seed=5, rate=0.9)
    assert result.crashes == []
    assert set(faulty.injected) >= set(QUOTE_FAULTS)
    stored = service.cache.read_quotes()
    assert all(math.isfinite(q.price) and 0 < q.price <= MAX_PRICE for q in stored.values())
    assert result.last is not None
    assert all(
        i.last is None or (math.isfinite(i.last) and 0 < i.last <= MAX_PRICE) for i in result.last.instruments
    )
