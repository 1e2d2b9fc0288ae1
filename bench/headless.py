"""Headless start: `rotor report --source snapshot --format json` against `python -c "import pandas"`.

Target: at most 1.5x, median of 10 alternating runs. Also checks that yfinance is never imported on
the snapshot path.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile

from common import PYTHON, Result, alternating_medians, bench_env, report


def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(ROTOR_CACHE_DIR=f"{tmp}/cache", ROTOR_CONFIG=f"{tmp}/config.toml")
        report_cmd = [PYTHON, "-m", "rotor", "report", "--source", "snapshot", "--format", "json"]
        t_report, t_pandas = alternating_medians(report_cmd, [PYTHON, "-c", "import pandas"], 10, env)
        probe = subprocess.run(
            [
                PYTHON,
                "-c",
                "import sys, runpy; sys.argv=['rotor','report','--source','snapshot','--format','json'];"
                "import io, contextlib\n"
                "with contextlib.redirect_stdout(io.StringIO()):\n"
                "    try: runpy.run_module('rotor', run_name='__main__')\n"
                "    except SystemExit: pass\n"
                "print(sorted(m for m in ('yfinance','textual','exchange_calendars') if m in sys.modules))",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
    heavy = probe.stdout.strip().splitlines()[-1]
    return [
        Result(
            "headless report / import pandas",
            t_report / t_pandas,
            1.5,
            detail=f"{t_report * 1000:.0f} ms vs {t_pandas * 1000:.0f} ms; heavy modules imported: {heavy}",
        ),
        Result("headless imports yfinance", float("yfinance" in heavy), 0.0, unit="", detail=heavy),
    ]


if __name__ == "__main__":
    sys.exit(report(run()))
