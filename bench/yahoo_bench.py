"""Kind to Yahoo, honest when it fails: the live path through the real yfinance over HTTP, against the fake
Yahoo (``python -m rotor.data.sources.fake_yahoo``) running in its own process, on a clock shifted to
Monday 2026-03-09 (every market of the universe trading at 11:00 New York time).

- requests per polling refresh, default universe (a refresh a minute after a first one): <= 27;
- the wall time of that refresh with 100 ms added to every request: <= 1.5 s;
- requests in one refresh attempt under HTTP 429 on everything, from a fresh process (no cookie or
  crumb yet): <= 10; and over ten simulated minutes of refreshes every 5 s, one attempt per backoff step;
- a hung Yahoo: ``rotor report --source live`` answers (with the reason) within 20 s; the app at
  ``--interval 5`` shows stale prices within one interval of the refresh that met the hang;
- CPU of the live app at ``--interval 5`` during the session: <= 5% of a core;
- the offline app (``--source auto``, Yahoo unreachable) at ``--interval 5``: <= 1% of a core, and RSS flat
  (<= 2% growth from 20 s to the end of the run).

Request counts are rotor's own (every HTTP request its session sends, yfinance's cookie and crumb
included). CPU and RSS are read from ``/proc`` for the app's process, from outside it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from common import PYTHON, ROOT, Result, child_figures, compiled_env, report

NEW_YORK = ZoneInfo("America/New_York")
#: The moment the shifted clocks start from: every market of the universe trades at 11:00 ET on a Monday.
START = datetime(2026, 3, 9, 11, 0, tzinfo=NEW_YORK)
INTERVAL = 5.0

#: rotor's side, in a child process: the feed (and, for "app", the Textual app headless) over a fresh
#: cache seeded with the bundled rows to five days before START, talking to the fake at BASE.
CHILD = """
import json, sys, time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
from rotor.data.sources.fake import FakeProvider
from rotor.data.sources.fake_yahoo import keep_yahoo_cookies, rewrite_to
from rotor.data.sources.yahoo import YahooSource

what, base, cache_dir = sys.argv[1], sys.argv[2], sys.argv[4]
offset, interval = float(sys.argv[3]), float(sys.argv[5])
shift = timedelta(seconds=offset)
state = {"shift": shift}

def clock():
    return datetime.now(UTC) + state["shift"]

source = YahooSource(
    cache_dir=Path(cache_dir), rewrite=partial(rewrite_to, base), on_response=keep_yahoo_cookies, clock=clock
)
start = clock()
seed = FakeProvider(start.date() - timedelta(days=5), source="snapshot")
mode = "live" if what == "report" else "auto"
feed = LiveFeed(
    Cache(Path(cache_dir) / "cache"), source, mode=mode, clock=clock, seed=seed, refresh_interval=interval
)

if what == "polling":
    feed.refresh()
    state["shift"] += timedelta(seconds=60)
    sent = source.gate.sent
    began = time.perf_counter()
    snapshot = feed.refresh()
    print(json.dumps({"requests": source.gate.sent - sent, "seconds": time.perf_counter() - began,
                      "stale": len(snapshot.stale_symbols), "max_in_flight": source.gate.max_in_flight}))
elif what == "storm":
    attempts = []
    for step in range(int(600 / interval)):
        sent = source.gate.sent
        feed.refresh()
        if source.gate.sent > sent:
            attempts.append((step * interval, source.gate.sent - sent))
        state["shift"] += timedelta(seconds=interval)
    print(json.dumps({"attempts": attempts}))
elif what == "report":
    from rotor.data.errors import RotorError
    from rotor.data.render.report import to_json
    began = time.perf_counter()
    try:
        to_json(feed.refresh())
        outcome = "answered"
    except RotorError as exc:
        outcome = str(exc)
    print(json.dumps({"seconds": time.perf_counter() - began, "outcome": outcome}))
else:
    from rotor.tui.app import create_app
    app = create_app(feed, clock=clock, interval=interval, closed_interval=interval)
    app.run(headless=True, size=(160, 48))
"""


@contextmanager
def fake_yahoo(offset: float, *extra: str, log: list[Any] | None = None) -> Iterator[str]:
    """The fake Yahoo in its own process; yields its base URL. ``log`` receives, once it has stopped, what
    it was asked: (monotonic arrival time, kind, symbol, fault) per request."""
    server = subprocess.Popen(
        [PYTHON, "-m", "rotor.data.sources.fake_yahoo", "--offset", f"{offset:.3f}", *extra],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        rest, _ = server.communicate(timeout=10)
        if log is not None:
            lines = [line for line in rest.splitlines() if line.startswith("{")]
            log.extend(json.loads(lines[-1])["log"] if lines else [])


def offset_now() -> float:
    return (START - datetime.now(UTC)).total_seconds()


def child(what: str, base: str, offset: float, cache_dir: str, timeout: float = 300) -> dict[str, Any]:
    # ``rotor report`` runs with the default refresh interval (60 s), which sets its fetch budget.
    interval = 60.0 if what == "report" else INTERVAL
    cmd = [PYTHON, "-c", CHILD, what, base, f"{offset:.3f}", cache_dir, str(interval)]
    return child_figures(cmd, what, compiled_env(), timeout)


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def app_process(base: str, offset: float, cache_dir: str) -> Iterator[subprocess.Popen[bytes]]:
    app = subprocess.Popen(
        [PYTHON, "-c", CHILD, "app", base, f"{offset:.3f}", cache_dir, str(INTERVAL)],
        cwd=ROOT,
        env=compiled_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield app
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()


def app_cost(base: str, offset: float, seconds: float, warmup: float = 20.0) -> dict[str, float]:
    """CPU (% of a core) of the app after ``warmup`` s, over ``seconds`` s; RSS at the start and end."""
    with (
        tempfile.TemporaryDirectory(prefix="rotor-yahoo-bench-") as tmp,
        app_process(base, offset, tmp) as app,
    ):
        time.sleep(warmup)
        cpu0, rss0, wall0 = proc_cpu(app.pid), proc_rss(app.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, rss1, wall1 = proc_cpu(app.pid), proc_rss(app.pid), time.monotonic()
    return {
        "percent": 100.0 * (cpu1 - cpu0) / (wall1 - wall0),
        "rss0": rss0,
        "rss1": rss1,
        "cpu": cpu1 - cpu0,
    }


def time_to_stale(fail_after: float = 25.0) -> dict[str, float]:
    """The app on a healthy fake that starts hanging after ``fail_after`` s: seconds from the hang to the
    first saved snapshot with stale prices, and from the first request that met the hang (the start of
    the refresh that found it)."""
    from rotor.data.cache import Cache

    offset = offset_now()
    log: list[Any] = []
    stale_at = float("inf")
    hang = ("--fail", "hang", "--fail-after", str(fail_after))
    with (
        tempfile.TemporaryDirectory(prefix="rotor-yahoo-bench-") as tmp,
        fake_yahoo(offset, *hang, log=log) as base,
    ):
        onset = time.monotonic() + fail_after
        with app_process(base, offset, tmp):
            cache = Cache(Path(tmp) / "cache", lazy=True)
            deadline = onset + 60
            while time.monotonic() < deadline and stale_at == float("inf"):
                snapshot = cache.load_snapshot()
                stale = snapshot.stale_symbols if snapshot is not None else ()
                if time.monotonic() > onset and any(s in stale for s in ("SPY", "^GSPC")):
                    stale_at = time.monotonic()
                time.sleep(0.05)
    hung = [t for t, _, _, fault in log if fault == "hang"]
    met = min(hung) if hung else float("nan")
    return {"onset": stale_at - onset, "refresh": stale_at - met}


def run(seconds: float = 60.0, warmup: float = 20.0, hang_after: float = 25.0) -> list[Result]:
    """Every figure; ``seconds`` of measured app time (the offline app twice that), after ``warmup`` s;
    the hang starts ``hang_after`` s after the app."""
    results: list[Result] = []
    offset = offset_now()
    with tempfile.TemporaryDirectory(prefix="rotor-yahoo-bench-") as tmp, fake_yahoo(offset) as base:
        polling = child("polling", base, offset, f"{tmp}/p")
    results.append(
        Result(
            "requests per polling refresh (27 symbols)",
            polling["requests"],
            27,
            unit="",
            detail=f"before: 54 (a daily and a 1-minute request per symbol); stale: {polling['stale']}",
        )
    )
    offset = offset_now()
    with (
        tempfile.TemporaryDirectory(prefix="rotor-yahoo-bench-") as tmp,
        fake_yahoo(offset, "--delay", "0.1") as base,
    ):
        slow = child("polling", base, offset, f"{tmp}/s")
    results.append(
        Result(
            "refresh with 100 ms per request (s)",
            slow["seconds"],
            1.5,
            unit="s",
            detail=(
                f"{slow['requests']} requests, at most {slow['max_in_flight']} in flight; "
                "before: about 5 s with no latency"
            ),
        )
    )
    offset = offset_now()
    with (
        tempfile.TemporaryDirectory(prefix="rotor-yahoo-bench-") as tmp,
        fake_yahoo(offset, "--fail", "rate_limit") as base,
    ):
        storm = child("storm", base, offset, f"{tmp}/r")
    attempts = storm["attempts"]
    worst = max((n for _, n in attempts), default=0)
    results.append(
        Result(
            "requests per attempt under a 429 storm",
            worst,
            10,
            unit="",
            detail=(
                f"{len(attempts)} attempts in 10 simulated minutes at --interval 5 "
                f"(at {', '.join(f'{t:.0f}s' for t, _ in attempts)}), "
                f"{sum(n for _, n in attempts)} requests in all; before: 325 for one report"
            ),
        )
    )
    offset = offset_now()
    with (
        tempfile.TemporaryDirectory(prefix="rotor-yahoo-bench-") as tmp,
        fake_yahoo(offset, "--fail", "hang") as base,
    ):
        hung = child("report", base, offset, f"{tmp}/h")
    results.append(
        Result(
            "report under a hung Yahoo (s)",
            hung["seconds"],
            20.0,
            unit="s",
            detail=f"{hung['outcome']}; before: about 95 s",
        )
    )
    stale = time_to_stale(hang_after)
    results.append(
        Result(
            "app: refresh meeting a hang to stale (s)",
            stale["refresh"],
            INTERVAL,
            unit="s",
            detail=(
                f"--interval {INTERVAL:g}; {stale['onset']:.1f} s from the hang itself (the next poll comes "
                "within one interval); before: about 95 s"
            ),
        )
    )
    offset = offset_now()
    with fake_yahoo(offset) as base:
        live = app_cost(base, offset, seconds, warmup)
    results.append(
        Result(
            f"live app CPU, --interval {INTERVAL:g} (% of a core)",
            live["percent"],
            5.0,
            unit="%",
            detail=f"{live['cpu'] * 1000:.0f} ms CPU in {seconds:g} s while every market trades; before: 21%",
        )
    )
    offline = app_cost(closed_port(), offset_now(), seconds * 2, warmup)
    growth = 100.0 * (offline["rss1"] / offline["rss0"] - 1.0)
    results.append(
        Result(
            f"offline app CPU, --interval {INTERVAL:g} (% of a core)",
            offline["percent"],
            1.0,
            unit="%",
            detail=f"{offline['cpu'] * 1000:.0f} ms CPU in {seconds * 2:g} s; before: 4.3%",
        )
    )
    results.append(
        Result(
            "offline app RSS growth (%)",
            growth,
            2.0,
            unit="%",
            detail=(
                f"{offline['rss0'] / 2**20:.1f} -> {offline['rss1'] / 2**20:.1f} MiB; "
                "before: +5.3% in ten minutes"
            ),
        )
    )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="measured wall time of the live app (default 60)"
    )
    args = parser.parse_args(argv)
    return report(run(args.seconds))


if __name__ == "__main__":
    sys.exit(main())
