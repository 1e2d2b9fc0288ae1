"""Refresh cost and scaling: compute metrics, rotation and risk for the default universe and for a
synthetic 500-symbol watchlist built from the bundled series (each a real series scaled by a constant,
so every value is a real price shape; no invented moves).

Targets: the default-universe refresh costs at most 10% of a cold `import pandas` (measured in a
subprocess in the same run); 500 symbols cost at most 6x the default universe.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pandas as pd
from common import PYTHON, Result, report, time_command
from rotor.data.build import compute_snapshot
from rotor.data.panel import Panel
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.symbols import UNIVERSE, Symbol

AS_OF = date(2026, 1, 23)
NOW = datetime(2026, 1, 23, 21, tzinfo=UTC)


def watchlist_of(size: int, bars: pd.DataFrame) -> tuple[list[Symbol], pd.DataFrame]:
    """``size`` extra watchlist symbols, each a bundled series scaled by a constant factor."""
    extra_syms, frames = [], []
    base = list(UNIVERSE)
    for k in range(size):
        src = base[k % len(base)]
        ticker = f"W{k:03d}"
        frame = bars[bars["symbol"] == src.ticker].copy()
        factor = 1.0 + (k % 7) / 10.0
        for col in ("open", "high", "low", "close"):
            frame[col] = frame[col] * factor
        frame["symbol"] = ticker
        frames.append(frame)
        extra_syms.append(replace(src, ticker=ticker, name=f"{src.name} x{factor:g}", group="watchlist"))
    return extra_syms, pd.concat(frames, ignore_index=True)


def time_refresh(panel: Panel, symbols: list[Symbol], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        compute_snapshot(panel, requested_as_of=AS_OF, source="snapshot", now=NOW, symbols=symbols)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run() -> list[Result]:
    bars = load_bundled_bars()
    default_syms = list(UNIVERSE)
    panel = Panel.from_bars(bars, [s.ticker for s in default_syms])
    extra, extra_bars = watchlist_of(500 - len(default_syms), bars)
    big_syms = default_syms + extra
    big_panel = Panel.from_bars(pd.concat([bars, extra_bars]), [s.ticker for s in big_syms])
    t_default = time_refresh(panel, default_syms)
    t_big = time_refresh(big_panel, big_syms, repeats=3)
    t_pandas = statistics.median(time_command([PYTHON, "-c", "import pandas"]) for _ in range(5))
    return [
        Result(
            "refresh (27 symbols) / import pandas",
            t_default / t_pandas,
            0.10,
            detail=f"{t_default * 1000:.1f} ms vs {t_pandas * 1000:.0f} ms",
        ),
        Result(
            "refresh 500 / refresh 27 symbols",
            t_big / t_default,
            6.0,
            detail=f"{t_big * 1000:.1f} ms vs {t_default * 1000:.1f} ms",
        ),
    ]


if __name__ == "__main__":
    sys.exit(report(run()))
