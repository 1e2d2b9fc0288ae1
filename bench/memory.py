"""Memory over many refreshes: 10,000 refresh cycles through a headless pilot (``app.run_test()``).

Each cycle posts ``RefreshLoop.SnapshotReady`` with one of two real snapshots (the bundled data as of
2026-03-05 and 2026-03-06, alternating, so every apply rewrites real cells in every pane), exactly as the
refresh worker does, then lets the pilot process it and repaint (``pilot.pause()``): the handler applies
the snapshot, re-arms the refresh timer and updates the status bar. The resident set size (after a
``gc.collect()``) after the first tenth of the cycles is compared with the one after the last cycle.
Target: grows by at most 5%. Runs in a child process so nothing else lives in the measured heap.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from common import PYTHON, Result, bench_env, child_figures, report

HERE = Path(__file__).resolve()


def rss_bytes() -> int:
    """The current resident set size of this process (Linux: ``/proc/self/statm``)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


async def cycle_app(cycles: int) -> dict[str, Any]:
    from rotor.data.feed import BundledFeed
    from rotor.data.snapshot import MarketSnapshot
    from rotor.tui.app import create_app
    from rotor.tui.refresh import RefreshLoop
    from rotor.tui.widgets.indices import IndicesTable

    snapshots = (BundledFeed(date(2026, 3, 5)).refresh(), BundledFeed(date(2026, 3, 6)).refresh())

    class Alternating:
        """A live service whose own refreshes (only the one at mount) give the first snapshot."""

        live = True

        def initial(self) -> MarketSnapshot | None:
            return None

        def refresh(self) -> MarketSnapshot:
            return snapshots[0]

        def detail(self, snapshot: MarketSnapshot, symbol: str) -> object:
            raise NotImplementedError

        def stream_status(self) -> None:
            return None

        def take_ticks(self, now: object = None) -> None:
            return None

        def close(self) -> None:
            pass

    # The timer is re-armed on every cycle but never fires: only the posted snapshots refresh.
    app = create_app(Alternating(), interval=1e6, closed_interval=1e6)  # type: ignore[arg-type]
    block = max(1, cycles // 10)
    figures: dict[str, Any] = {}
    curve: list[tuple[int, int, float]] = []  # (cycles done, RSS, seconds) after each tenth
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        while app.feed_status.refreshes < 1:  # the refresh started at mount
            await pilot.pause(0.01)
        table = app.query_one(IndicesTable)
        writes = 0
        started = time.perf_counter()
        for k in range(1, cycles + 1):
            app.post_message(RefreshLoop.SnapshotReady(snapshots[k % 2], 0.0))
            await pilot.pause(0)  # process the message, then lay out and repaint (no idle wait)
            writes += table.last_writes
            if k % block == 0:
                gc.collect()
                curve.append((k, rss_bytes(), time.perf_counter() - started))
        figures["rss_first"] = curve[0][1]
        figures["rss_last"] = curve[-1][1]
        figures["seconds"] = time.perf_counter() - started
        figures["cycles"] = cycles
        figures["block"] = block
        figures["refreshes"] = app.feed_status.refreshes
        figures["index_cell_writes"] = writes
        figures["curve"] = curve
    return figures


def measure(cycles: int) -> dict[str, Any]:
    return child_figures([PYTHON, str(HERE), "--child", "--cycles", str(cycles)], "memory", bench_env())


def run(cycles: int = 10_000) -> list[Result]:
    f = measure(cycles)
    growth = 100.0 * (f["rss_last"] / f["rss_first"] - 1.0)
    mib = 1024 * 1024
    return [
        Result(
            f"RSS growth over {cycles:,} refreshes",
            growth,
            5.0,
            unit="%",
            detail=(
                f"{f['rss_first'] / mib:.1f} MiB after {f['block']:,.0f} -> {f['rss_last'] / mib:.1f} MiB "
                f"after {cycles:,}; {f['seconds'] / cycles * 1000:.1f} ms/cycle, "
                f"{f['index_cell_writes'] / cycles:.0f} index cells written per cycle"
            ),
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10_000, help="refresh cycles (default 10,000)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(cycle_app(args.cycles))), flush=True)
        return 0
    return report(run(args.cycles))


if __name__ == "__main__":
    sys.exit(main())
