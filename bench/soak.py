"""Soak: 5,000 refreshes of a LiveFeed whose provider injects faults at random (FaultyProvider: errors,
timeouts, hangs, empty/partial answers, NaN/zero/negative/absurd prices, high < low, duplicated,
shuffled and timezone-aware rows), with a fake clock that advances one day every few refreshes.

Pass: no unhandled exception (a RotorError from refresh is allowed: the app keeps its last snapshot),
no bad bar in the cache (every stored close equals the real bundled close of its day), and the first
refresh after the faults stop is clean and live. Prints one line; exits non-zero on failure.
Takes a few minutes (not part of `make bench`); `--refreshes N` for a shorter run.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import sys
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from rotor.data.cache import Cache
from rotor.data.errors import RotorError
from rotor.data.feed import LiveFeed
from rotor.data.sources.bundled import BundledProvider, load_bundled_bars
from rotor.data.sources.fake import FakeProvider, FaultyProvider
from rotor.data.sources.sanitize import MAX_PRICE
from rotor.data.symbols import lookup

TICKERS = ("^GSPC", "^VIX", "SPY", "RSP", "IWM", "XLK", "XLE", "XLU", "GC=F", "NG=F", "^TNX")
START = date(2024, 6, 3)
LAST_DAY = date(2026, 6, 23)  # the bundle's last session


class Clock:
    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> datetime:
        return datetime.combine(self.day, time(21, 0), tzinfo=UTC)


def bad_bars(cache: Cache, closes: dict[tuple[str, str], float]) -> int:
    assert cache.path is not None
    with sqlite3.connect(cache.path) as conn:
        rows = conn.execute("SELECT symbol, date, open, high, low, close FROM bars").fetchall()
    count = 0
    for symbol, day, open_, high, low, close in rows:
        ok = isinstance(close, float) and math.isfinite(close) and 0 < close <= MAX_PRICE
        ok = ok and (high is None or low is None or high >= low)
        ok = ok and all(v is None or (math.isfinite(v) and v > 0) for v in (open_, high, low))
        count += not (ok and closes.get((symbol, day)) == close)
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=0.5, help="probability of a fault per provider call")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    bundle = load_bundled_bars()
    closes = {
        (str(s), d.date().isoformat()): float(c)
        for s, d, c in zip(bundle["symbol"], bundle["date"], bundle["close"], strict=True)
    }
    per_day = max(1, math.ceil(args.refreshes / (LAST_DAY - START).days))
    snapshot = BundledProvider()
    clock = Clock(START)
    seeder = FakeProvider(START - timedelta(days=28), source="snapshot", bundled=snapshot)
    faulty = FaultyProvider(args.seed, args.rate, today=START, bundled=snapshot, timeout=0.005)
    symbols = [s for s in (lookup(t) for t in TICKERS) if s is not None]
    crashes: list[str] = []
    raised: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        service = LiveFeed(Cache(tmp), faulty, clock=clock, seed=seeder, symbols=symbols)
        for n in range(args.refreshes):
            if n and n % per_day == 0:
                clock.day += timedelta(days=1)
                faulty.today = clock.day
            try:
                service.refresh()
            except RotorError as exc:
                raised[type(exc).__name__] += 1
            except Exception as exc:
                crashes.append(f"refresh {n}: {type(exc).__name__}: {exc}")
        bad = bad_bars(service.cache, closes)
        faulty.rate = 0.0
        try:
            final = service.refresh()
            recovered = (
                final.source == "live"
                and not final.errors
                and all(i.source == "live" and i.last is not None for i in final.instruments)
            )
        except Exception as exc:
            crashes.append(f"recovery: {type(exc).__name__}: {exc}")
            recovered = False
        bad += bad_bars(service.cache, closes)
        service.cache.close()
    passed = not crashes and bad == 0 and recovered
    for crash in crashes[:5]:
        print(f"crash: {crash}", file=sys.stderr)
    print(
        f"soak  refreshes={args.refreshes} crashes={len(crashes)} bad_bars_in_cache={bad} "
        f"recovered={'yes' if recovered else 'no'}  {'PASS' if passed else 'FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
