"""Idle cost: the app in live mode, refreshing every 5 s from a fake provider whose data never changes.

The app runs headless in a child process over a fresh cache (seeded from the bundled data on its first
refresh), with the provider serving the bundled bars and quotes (so every refresh fetches, recomputes,
persists and applies, and finds nothing new to show). Once start-up has settled (one second after the
first refresh was applied) the child reads its CPU time (user + system, every thread, from
``resource.getrusage``), waits ``--seconds`` (default 60), reads it again and reports the difference as a
percentage of one core over that wall time. Target: at most 1%.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from common import PYTHON, Result, child_figures, compiled_env, report

INTERVAL = 5.0

CHILD = """
import json, os, resource, sys, time
from datetime import date
from rotor.data.feed import open_feed
from rotor.data.sources.fake import FakeProvider
from rotor.tui.app import RotorApp, create_app

cache_dir, seconds, interval = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
SETTLE = 1.0

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

window = {}

def begin(app):
    window.update(cpu=cpu(), wall=time.monotonic(), refreshes=app.feed_status.refreshes)
    app.set_timer(seconds, lambda: end(app))

def end(app):
    wall = time.monotonic() - window["wall"]
    used = cpu() - window["cpu"]
    status = app.feed_status
    print(json.dumps({"wall": wall, "cpu": used, "refreshes": status.refreshes - window["refreshes"],
                      "failures": status.failures}), flush=True)
    os._exit(0)

watch = RotorApp.watch_snapshot

def shown_and_watched(self):
    watch(self)
    if self.feed_status.refreshes >= 1 and not window:
        window["armed"] = True
        self.set_timer(SETTLE, lambda: begin(self))

RotorApp.watch_snapshot = shown_and_watched
provider = FakeProvider(date(2026, 7, 1))  # the bundle's last day: every refresh serves the same data
service = open_feed("auto", cache_dir=cache_dir, as_of=None, provider=provider, refresh_interval=interval)
create_app(service, interval=interval, closed_interval=interval).run(headless=True, size=(160, 48))
"""


def measure(seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="rotor-idle-") as tmp:
        return child_figures(
            [PYTHON, "-c", CHILD, f"{tmp}/cache", str(seconds), str(INTERVAL)],
            "idle",
            compiled_env(),
            timeout=seconds + 120,
        )


def run(seconds: float = 60.0) -> list[Result]:
    figures = measure(seconds)
    percent = 100.0 * figures["cpu"] / figures["wall"]
    return [
        Result(
            f"idle CPU, live every {INTERVAL:g} s (% of a core)",
            percent,
            1.0,
            unit="%",
            detail=(
                f"{figures['cpu'] * 1000:.0f} ms CPU in {figures['wall']:.1f} s, "
                f"{figures['refreshes']:.0f} refreshes ({figures['failures']:.0f} failed)"
            ),
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured wall time (default 60)")
    return report(run(parser.parse_args().seconds))


if __name__ == "__main__":
    sys.exit(main())
