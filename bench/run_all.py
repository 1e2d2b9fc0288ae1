"""`make bench`: every benchmark, one line per result; exits non-zero when any target fails."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import headless
import refresh
from common import Result, report

BENCHMARKS = (headless, refresh)


def main() -> int:
    results: list[Result] = []
    for module in BENCHMARKS:
        results.extend(module.run())
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
