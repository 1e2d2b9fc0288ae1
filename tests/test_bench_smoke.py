"""The benchmarks still run: each new one with the smallest workload, side by side (so the whole test
takes seconds). Nothing here looks at a timing; only that every figure came out."""

from __future__ import annotations

import importlib
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

#: module -> the keyword arguments of its smallest run
SMALLEST: dict[str, dict[str, Any]] = {
    "startup": {"runs": 1},
    "idle": {"seconds": 1.0},
    "memory": {"cycles": 4},
    "cache_bench": {"runs": 1},
    "yahoo_bench": {"seconds": 1.0, "warmup": 4.0, "hang_after": 8.0},
    "stream_bench": {"seconds": 2.0, "warmup": 1.0, "ticks": 20_000},
}


def bench_module(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory benchmark reads /proc")
def test_every_benchmark_runs_and_reports_finite_figures() -> None:
    modules = {name: bench_module(name) for name in SMALLEST}
    run_all = bench_module("run_all")
    assert {m.__name__ for m in run_all.BENCHMARKS} >= {"headless", "refresh", *SMALLEST}
    # The runs mostly wait on their child processes: run them side by side.
    with ThreadPoolExecutor(max_workers=len(modules)) as pool:
        futures = {name: pool.submit(m.run, **SMALLEST[name]) for name, m in modules.items()}
        results = {name: f.result(timeout=90) for name, f in futures.items()}
    for name, lines in results.items():
        assert lines, name
        for result in lines:
            assert math.isfinite(result.value), (name, result.line())
            assert result.line().startswith(result.name)
