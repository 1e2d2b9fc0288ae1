"""Shared pieces of the benchmarks: side-by-side timing of commands and one result line per figure.

Benchmarks report ratios measured in one run (absolute times on a shared machine are noise).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Result:
    """One benchmark figure against its target (``value <= target`` passes). A figure reported for
    information only has ``target=None``: it prints ``info`` and never fails the run."""

    name: str
    value: float
    target: float | None
    unit: str = "x"
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.target is None or self.value <= self.target

    def line(self) -> str:
        verdict = "info" if self.target is None else "pass" if self.passed else "FAIL"
        extra = f"  ({self.detail})" if self.detail else ""
        target = "" if self.target is None else f"target <= {self.target:g}{self.unit}"
        return f"{self.name:<38} {self.value:>8.3f}{self.unit:<2} {target:<16} {verdict}{extra}"


def time_command(cmd: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one run of ``cmd`` (stdout discarded); raises if it fails."""
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, env=env, cwd=ROOT)
    return time.perf_counter() - start


def alternating_medians(
    a: Sequence[str], b: Sequence[str], runs: int = 10, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Median wall times of ``a`` and ``b`` run alternately ``runs`` times each (after one warm-up)."""
    time_command(a, env)
    time_command(b, env)
    ta, tb = [], []
    for _ in range(runs):
        ta.append(time_command(a, env))
        tb.append(time_command(b, env))
    return statistics.median(ta), statistics.median(tb)


def child_figures(
    cmd: Sequence[str], what: str, env: dict[str, str], timeout: float | None = None
) -> dict[str, Any]:
    """Run a benchmark's child process ``cmd`` and return the figures it printed as its last JSON line;
    raises with the end of its stderr (named ``what``) when it printed none."""
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{what} child failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def report(results: Sequence[Result]) -> int:
    """Print the results; the exit status is 1 when any target failed."""
    for r in results:
        print(r.line(), flush=True)
    return 0 if all(r.passed for r in results) else 1


#: Where child interpreters timed with ``compiled_env`` keep their bytecode (outside the source tree;
#: Python checks each file's source mtime, so a stale entry is never used).
PYCACHE = Path(tempfile.gettempdir()) / "rotor-bench-pycache"


def compiled_env(**extra: str) -> dict[str, str]:
    """``bench_env`` for timing a child interpreter as users run rotor: with bytecode caching on.

    Installed packages ship compiled bytecode, but the environment may set ``PYTHONDONTWRITEBYTECODE``,
    which makes every start recompile rotor's own (editable) modules, a cost no user pays. The bytecode
    goes to ``PYCACHE`` (``PYTHONPYCACHEPREFIX``), never into the source tree; a warm-up run fills it.
    """
    env = bench_env(PYTHONPYCACHEPREFIX=str(PYCACHE), **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
