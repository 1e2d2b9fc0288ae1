"""The cache: a cold start (empty cache) against a warm start (the cache a cold start left), each a fresh
process running ``open_feed("auto", ...)`` and one ``refresh()`` with a recording ``FakeProvider`` (bundled
bars; "today" is 2026-07-01, the bundle's last day, 21:30 UTC, after every close), so every symbol asked
and every row served is counted at the source boundary.

- warm / cold start time (open the cache, seed or read it, fetch, compute, persist; imports excluded),
  medians of ``--runs`` alternating runs. Target: a warm start is never slower than a cold one.
- a warm start never re-downloads history it has: per symbol, the daily rows the requests cover that lie
  on or before the symbol's last settled day in the cache. Target: 0.
- the cache's size on disk for the default universe after a cold start (information).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from common import PYTHON, Result, child_figures, compiled_env, report

HERE = Path(__file__).resolve()
TODAY = date(2026, 7, 1)
NOW = datetime(2026, 7, 1, 21, 30, tzinfo=UTC)


def child(cache_dir: str) -> dict[str, Any]:
    """One start over ``cache_dir``: its time, the requests it made and the rows they cover."""
    import exchange_calendars  # noqa: F401 - imports are not part of the figure
    import pandas as pd
    import rotor.data.build  # noqa: F401
    from rotor.data.cache import CACHE_FILE_NAME, Cache
    from rotor.data.feed import LiveFeed, open_feed
    from rotor.data.sources.bundled import load_bundled_bars
    from rotor.data.sources.fake import FakeProvider

    fake = FakeProvider(TODAY)
    cached: dict[str, date] = {}
    if (Path(cache_dir) / CACHE_FILE_NAME).exists():
        with Cache(Path(cache_dir)) as cache:
            cached = cache.last_settled_dates()
    started = time.perf_counter()
    feed = open_feed("auto", cache_dir=cache_dir, as_of=None, clock=lambda: NOW, provider=fake)
    snapshot = feed.refresh()
    seconds = time.perf_counter() - started
    assert isinstance(feed, LiveFeed)
    feed.cache.close()

    bars = load_bundled_bars()
    rows = 0
    redundant: dict[str, int] = {}
    for request in fake.requests:
        for symbol, first in request.wanted.items():
            mask = (bars["symbol"] == symbol) & (bars["date"] <= pd.Timestamp(TODAY))
            covered = bars.loc[mask & (bars["date"] >= pd.Timestamp(first)), "date"]
            rows += len(covered)
            last = cached.get(symbol)
            stale = int((covered <= pd.Timestamp(last)).sum()) if last is not None else 0
            if stale:
                redundant[symbol] = redundant.get(symbol, 0) + stale
    return {
        "seconds": seconds,
        "history_requests": fake.asked,
        "rows": rows,
        "symbols_cached": len(cached),
        "redundant": redundant,
        "source": snapshot.source,
    }


def start(cache_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    return child_figures([PYTHON, str(HERE), "--child", str(cache_dir)], "cache", env, timeout=300)


def size_on_disk(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file())


def run(runs: int = 5) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="rotor-cache-bench-") as tmp:
        env = compiled_env()
        warm_dir = Path(tmp) / "warm"
        # The cold start whose cache the warm starts read; also the warm-up (bytecode, file caches).
        first = start(warm_dir, env)
        size = size_on_disk(warm_dir)
        cold, warm = [], []
        for k in range(runs):
            cold.append(start(Path(tmp) / f"cold-{k}", env))
            warm.append(start(warm_dir, env))
        size_after = size_on_disk(warm_dir)
    t_cold = statistics.median(r["seconds"] for r in cold)
    t_warm = statistics.median(r["seconds"] for r in warm)
    last = warm[-1]
    redundant: dict[str, int] = last["redundant"]
    worst = ", ".join(f"{s} {n}" for s, n in sorted(redundant.items(), key=lambda kv: -kv[1])) or "none"
    return [
        Result(
            "cache warm start / cold start time",
            t_warm / t_cold,
            1.0,
            detail=(
                f"{t_warm * 1000:.0f} ms vs {t_cold * 1000:.0f} ms, median of {runs}; symbols asked "
                f"{last['history_requests']} vs {first['history_requests']}, rows covered "
                f"{last['rows']} vs {first['rows']}"
            ),
        ),
        Result(
            "warm start re-downloads cached rows",
            float(sum(redundant.values())),
            0.0,
            unit="",
            detail=(
                f"rows up to a symbol's last settled day, by symbol: {worst}; "
                f"{last['rows']} rows for {last['symbols_cached']} cached symbols"
            ),
        ),
        Result(
            "cache size, default universe (MiB)",
            size / 2**20,
            None,
            unit="",
            detail=f"{size:,} bytes after a cold start; {size_after:,} after {runs} warm starts",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="alternating cold and warm starts (default 5)")
    parser.add_argument("--child", metavar="CACHE_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)), flush=True)
        return 0
    return report(run(args.runs))


if __name__ == "__main__":
    sys.exit(main())
