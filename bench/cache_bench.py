"""The cache: a cold start (empty cache) against a warm start (the cache a cold start left), each a fresh
process running ``open_service("auto", ...)`` and one ``refresh()`` with the default Yahoo provider, with
``yfinance.download`` replaced by the recording ``FakeYahooDownload`` (bundled bars in yfinance's exact
shape; "today" is 2026-07-01, the bundle's last day, 21:00 UTC), so every request is counted at the
yfinance boundary.

- warm / cold start time (open the cache, seed or read it, fetch, compute, persist; imports excluded),
  medians of ``--runs`` alternating runs. Target: a warm start is never slower than a cold one.
- a warm start never re-downloads history it has: per symbol, the daily rows the requests cover that lie
  before the symbol's last cached day (that day itself is asked again, as it may have been a partial
  session). Target: 0.
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
NOW = datetime(2026, 7, 1, 21, 0, tzinfo=UTC)


def child(cache_dir: str) -> dict[str, Any]:
    """One start over ``cache_dir``: its time, the requests it made and the rows they cover."""
    import exchange_calendars  # noqa: F401 - imports are not part of the figure
    import pandas as pd
    import rotor.data.build  # noqa: F401
    import yfinance
    from rotor.data.cache import CACHE_FILE_NAME, Cache
    from rotor.data.feed import LiveService, open_service
    from rotor.data.sources.bundled import load_bundled_bars
    from rotor.data.sources.fake import FakeYahooDownload

    fake = FakeYahooDownload(TODAY)
    yfinance.download = fake
    cached: dict[str, date] = {}
    if (Path(cache_dir) / CACHE_FILE_NAME).exists():
        with Cache(Path(cache_dir)) as cache:
            cached = cache.last_dates()
    started = time.perf_counter()
    service = open_service("auto", cache_dir=cache_dir, as_of=None, clock=lambda: NOW)
    snapshot = service.refresh()
    seconds = time.perf_counter() - started
    assert isinstance(service, LiveService)
    service.cache.close()

    bars = load_bundled_bars()
    daily = [(tickers, kw) for tickers, kw in fake.calls if kw.get("interval", "1d") == "1d"]
    rows = 0
    redundant: dict[str, int] = {}
    for tickers, kw in daily:
        mask = bars["symbol"].isin(tickers) & (bars["date"] <= pd.Timestamp(TODAY))
        mask &= bars["date"] >= pd.Timestamp(kw["start"])
        if kw.get("end"):
            mask &= bars["date"] < pd.Timestamp(kw["end"])  # yfinance's end is exclusive
        covered = bars.loc[mask, ["symbol", "date"]]
        rows += len(covered)
        for symbol, day in zip(covered["symbol"], covered["date"], strict=True):
            last = cached.get(str(symbol))
            if last is not None and day.date() < last:
                redundant[str(symbol)] = redundant.get(str(symbol), 0) + 1
    return {
        "seconds": seconds,
        "history_requests": len(daily),
        "quote_requests": len(fake.calls) - len(daily),
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
                f"{t_warm * 1000:.0f} ms vs {t_cold * 1000:.0f} ms, median of {runs}; history requests "
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
                f"rows before a symbol's last cached day, by symbol: {worst}; "
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
