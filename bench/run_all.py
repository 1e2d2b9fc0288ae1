"""`make bench`: every benchmark, one line per result; exits non-zero when any target fails.

The benchmarks run one after the other (each times its own child processes side by side, so none may run
alongside another). With the defaults this takes several minutes: the memory benchmark alone runs 10,000
refresh cycles, the idle one a minute of wall time. Each module also runs alone (``--help`` for its
options).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cache_bench
import headless
import idle
import memory
import refresh
import startup
import stream_bench
import yahoo_bench
from common import report

BENCHMARKS = (headless, refresh, startup, cache_bench, idle, memory, yahoo_bench, stream_bench)


def main() -> int:
    status = 0
    for module in BENCHMARKS:  # each module's lines as soon as it is done
        status |= report(module.run())
    return status


if __name__ == "__main__":
    sys.exit(main())
