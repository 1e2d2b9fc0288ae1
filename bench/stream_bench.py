"""Streaming prices: the app headless in its own process, streaming from the fake price stream (yfinance's own
``PricingData`` frames over a real WebSocket, prices from the bundled real rows) served with the fake Yahoo
by ``python -m rotor.data.sources.fake_yahoo --stream-rate 20`` in another process.

- tick to screen: from the moment the fake sends a frame to the moment the app's screen has been refreshed
  with it (a callback after the next screen refresh; monotonic clocks, system-wide on Linux), at 20 frames a
  second across the default universe: median <= 250 ms, 95th percentile <= 500 ms;
- CPU of the app while streaming 20 ticks a second: <= 5% of a core (from /proc, outside the process);
- polls while the stream is healthy: requests for symbols the stream prices <= 0 (only the daily bars the
  stream cannot give are asked for);
- RSS over 1,000,000 ticks fed to the app without the network (the stream's receiver called directly, with
  prices of the fake's real-row path): growth from 100,000 to 1,000,000 ticks <= 2%;
- per tick, the share of rotor's time spent parsing (decoding frames), computing (applying ticks to the
  snapshot) and painting (writing the cells that changed), for information.

Both processes run a clock shifted to Monday 2026-03-09 11:00 New York time and sixty times as fast (a real
second is a market minute, so each frame of a symbol carries a new price: the fake's prices move once a
minute).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import PYTHON, ROOT, Result, child_figures, compiled_env, report
from yahoo_bench import offset_now, proc_cpu

RATE = 20.0
SPEED = 60.0

#: The app in a child process: a LiveFeed over a fresh cache seeded to five days before, polling the fake
#: Yahoo and streaming from the fake stream; it records when each tick reached the screen and how long
#: parsing, computing and painting took, and prints them as JSON when told to stop (SIGTERM).
APP = """
import json, signal, sys, time
from datetime import timedelta
from functools import partial
from pathlib import Path
from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
from rotor.data.sources import stream as stream_module
from rotor.data.sources.fake import FakeProvider
from rotor.data.sources.fake_yahoo import keep_yahoo_cookies, rewrite_to, shifted_clock
from rotor.data.sources.yahoo import YahooSource
from rotor.tui.app import RotorApp, create_app

base, url, cache_dir = sys.argv[1], sys.argv[2], sys.argv[3]
offset, speed, anchor = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
clock = shifted_clock(offset, speed, anchor)
source = YahooSource(
    cache_dir=Path(cache_dir), rewrite=partial(rewrite_to, base), on_response=keep_yahoo_cookies, clock=clock
)
seed = FakeProvider(clock().date() - timedelta(days=5), source="snapshot")
feed = LiveFeed(Cache(Path(cache_dir) / "cache"), source, clock=clock, seed=seed, stream_url=url)
spent = {"parse": 0.0, "compute": 0.0, "paint": 0.0, "frames": 0, "takes": 0}
shown = []
polls = []

decode = stream_module.decode_frame
def timed_decode(frame):
    began = time.perf_counter()
    try:
        return decode(frame)
    finally:
        spent["parse"] += time.perf_counter() - began
        spent["frames"] += 1
stream_module.decode_frame = timed_decode

take_ticks = feed.take_ticks
def timed_take(now=None):
    taken = feed.prices.take()
    feed.prices.take = lambda: taken  # the batch the feed applies is the one recorded here
    began = time.perf_counter()
    try:
        outcome = take_ticks(now)
    finally:
        spent["compute"] += time.perf_counter() - began
        del feed.prices.take
    if outcome is not None:
        if not spent["takes"]:
            print("streaming", flush=True)  # the parent starts its clock from here
        spent["takes"] += 1
        keys = [(t.symbol, int(t.time.timestamp() * 1000)) for t in taken]
        app.call_after_refresh(lambda: shown.extend((s, m, time.monotonic()) for s, m in keys))
    return outcome
feed.take_ticks = timed_take

paint = RotorApp._paint
def timed_paint(self):
    began = time.perf_counter()
    paint(self)
    spent["paint"] += time.perf_counter() - began
RotorApp._paint = timed_paint

ready = RotorApp.on_refresh_loop_snapshot_ready
def counted(self, message):
    polls.append(time.monotonic())
    ready(self, message)
RotorApp.on_refresh_loop_snapshot_ready = counted

app = create_app(feed, clock=clock, interval=60.0, closed_interval=60.0)

def finish(*_):
    print(json.dumps({"shown": shown, "spent": spent, "polls": polls,
                      "malformed": feed.stream_status().malformed}), flush=True)
    feed.close()
    import os
    os._exit(0)

signal.signal(signal.SIGTERM, finish)
app.run(headless=True, size=(200, 50))
"""

#: RSS over a million ticks, in one child process without the network.
MEMORY = """
import asyncio, json, resource, sys, time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo
from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
from rotor.data.sources.fake import FakeProvider
from rotor.data.sources.fake_stream import FakeStream
from rotor.data.sources.fake_yahoo import FakeYahoo
from rotor.data.sources.stream import StreamStatus, Tick
from rotor.data.streaming import LivePrices
from rotor.data.symbols import UNIVERSE
from rotor.tui.app import create_app

total, cache_dir = int(sys.argv[1]), sys.argv[2]
NY = ZoneInfo("America/New_York")
opens = datetime(2026, 3, 6, 9, 30, tzinfo=NY)
now = datetime(2026, 3, 6, 15, 59, tzinfo=NY)  # the bundle's last complete session, near its close

class Receiver:
    # The stream's place in LivePrices, fed by the bench (no network).
    def __init__(self, on_ticks, *, url):
        self.on_ticks = on_ticks
        self.status = StreamStatus(mode="stream")
    def subscribe(self, symbols):
        pass
    def stop(self):
        pass

# The real-row path of every symbol, minute by minute through the session (the fake's prices).
yahoo = FakeYahoo(lambda: now)
path = FakeStream(yahoo, lambda: now)
prices = []
for minute in range(0, 389):
    moment = opens + timedelta(minutes=minute)
    for symbol in UNIVERSE:
        quote = path.price(symbol.ticker, moment)
        if quote is not None and quote[1] == 1:
            prices.append((symbol.ticker, quote[0], moment))

feed = LiveFeed(Cache(Path(cache_dir)), FakeProvider(now.date()), clock=lambda: now, stream_url="ws://unused")
feed.prices = LivePrices("ws://unused", make_stream=Receiver)
receiver = feed.prices._stream
app = create_app(feed, clock=lambda: now, interval=1e6, closed_interval=1e6)

def rss():
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096

async def main():
    async with app.run_test(size=(200, 50)) as pilot:
        while app.feed_status.refreshes < 1:
            await pilot.pause(0.05)
        batch, done, changed, marks = 1000, 0, 0, {}
        began = time.perf_counter()
        k = 0
        while done < total:
            ticks = []
            for _ in range(batch):
                symbol, price, moment = prices[k % len(prices)]
                ticks.append(Tick(symbol, price, moment, "regular"))
                k += 1
            receiver.on_ticks(ticks)
            outcome = feed.take_ticks(now)
            if outcome is not None and outcome.snapshot is not None:
                app.snapshot = outcome.snapshot
                changed += len(outcome.changed)
            await pilot.pause()
            done += batch
            if done in (total // 10, total):
                marks[done] = rss()
        print(json.dumps({"marks": marks, "changed": changed, "seconds": time.perf_counter() - began,
                          "distinct": len(prices)}))

asyncio.run(main())
"""


@contextmanager
def fake_with_stream(offset: float, anchor: float, log: dict[str, Any]) -> Iterator[tuple[str, str]]:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "rotor.data.sources.fake_yahoo",
            "--offset",
            f"{offset:.3f}",
            "--speed",
            f"{SPEED:g}",
            "--stream-rate",
            f"{RATE:g}",
            "--anchor",
            repr(anchor),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=compiled_env(),
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip(), server.stdout.readline().strip()
    finally:
        server.terminate()
        rest, _ = server.communicate(timeout=30)
        lines = [line for line in rest.splitlines() if line.startswith("{")]
        log.update(json.loads(lines[-1]) if lines else {})


def streaming(seconds: float, warmup: float) -> dict[str, Any]:
    """Run the app against the fake stream: latencies, CPU, polls' requests, time shares, measured over
    ``seconds`` from ``warmup`` seconds after the first ticks reached the screen."""
    offset = offset_now()
    anchor = time.monotonic()
    log: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="rotor-stream-bench-") as tmp,
        fake_with_stream(offset, anchor, log) as (base, url),
    ):
        app = subprocess.Popen(
            [PYTHON, "-c", APP, base, url, tmp, f"{offset:.3f}", f"{SPEED:g}", repr(anchor)],
            cwd=ROOT,
            env=compiled_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert app.stdout is not None
            if app.stdout.readline().strip() != "streaming":  # the first ticks are on screen
                raise RuntimeError("the app never streamed")
            time.sleep(warmup)
            cpu0, wall0 = proc_cpu(app.pid), time.monotonic()
            time.sleep(seconds)
            cpu1, wall1 = proc_cpu(app.pid), time.monotonic()
        finally:
            app.terminate()
            out, _ = app.communicate(timeout=30)
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    sent = {(symbol, millis): at for symbol, millis, at in log.get("sent", [])}
    latencies = [
        at - sent[(symbol, millis)]
        for symbol, millis, at in figures["shown"]
        if (symbol, millis) in sent and wall0 <= at <= wall1
    ]
    # Chart requests after the first poll, by symbol: what the polls asked for while the stream ran.
    first_poll = figures["polls"][0] if figures["polls"] else wall1
    charts = sorted(
        {symbol for at, kind, symbol, _ in log.get("log", []) if kind == "chart" and at > first_poll}
    )
    polls = [at for at in figures["polls"] if at > first_poll]
    streamed = {symbol for symbol, _, _ in figures["shown"]}
    return {
        "latencies": latencies,
        "cpu": 100.0 * (cpu1 - cpu0) / (wall1 - wall0),
        "spent": figures["spent"],
        "ticks": len(figures["shown"]),
        "frames_sent": len(sent),
        "polls": len(polls),
        "charts": charts,
        "charts_streamed": sorted(set(charts) & streamed),
        "malformed": figures["malformed"],
        "seconds": seconds,
    }


def memory(total: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rotor-stream-memory-") as tmp:
        cmd = [PYTHON, "-c", MEMORY, str(total), tmp]
        return child_figures(cmd, "stream memory", compiled_env(), timeout=1800)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(seconds: float = 60.0, warmup: float = 15.0, ticks: int = 1_000_000) -> list[Result]:
    live = streaming(seconds, warmup)
    latencies = live["latencies"]
    median = 1000 * statistics.median(latencies) if latencies else float("inf")
    p95 = 1000 * percentile(latencies, 0.95) if latencies else float("inf")
    spent = live["spent"]
    frames, takes = max(1, spent["frames"]), max(1, spent["takes"])
    total = spent["parse"] + spent["compute"] + spent["paint"]
    share = {k: 100 * spent[k] / total if total else 0.0 for k in ("parse", "compute", "paint")}
    per_tick_us = {k: 1e6 * spent[k] / frames for k in ("parse", "compute", "paint")}
    mem = memory(ticks)
    marks = {int(k): v for k, v in mem["marks"].items()}
    first, last = marks[ticks // 10], marks[ticks]
    growth = 100.0 * (last - first) / first
    rate = len(latencies) / live["seconds"]
    return [
        Result(
            "tick to screen, median (ms)",
            median,
            250.0,
            "",
            f"{len(latencies):,} ticks over {live['seconds']:.0f} s at {RATE:g} frames/s "
            f"(~{rate:.1f} shown/s); {live['frames_sent']:,} frames sent in all",
        ),
        Result("tick to screen, 95th percentile (ms)", p95, 500.0, "", f"max {1000 * max(latencies):.0f} ms"),
        Result(
            "CPU while streaming (% of a core)",
            live["cpu"],
            5.0,
            "%",
            f"{RATE:g} ticks/s, {live['polls']} poll(s) in the window, {live['malformed']} malformed frames",
        ),
        Result(
            "poll requests for streamed symbols",
            float(len(live["charts_streamed"])),
            0.0,
            "",
            f"polls asked only for {', '.join(live['charts']) or 'nothing'} (no price on the stream)",
        ),
        Result(
            "RSS growth over 1M ticks",
            growth,
            2.0,
            "%",
            f"{first / 2**20:.1f} MiB after {ticks // 10:,} -> {last / 2**20:.1f} MiB after {ticks:,} ticks; "
            f"{mem['changed']:,} prices moved on screen, {mem['distinct']:,} distinct real-path prices, "
            f"{mem['seconds']:.0f} s",
        ),
        Result(
            "time per tick: parse / compute / paint",
            total / frames * 1e6,
            None,
            "",
            f"µs per frame: parse {per_tick_us['parse']:.0f} ({share['parse']:.0f}%), compute "
            f"{per_tick_us['compute']:.0f} ({share['compute']:.0f}%), paint {per_tick_us['paint']:.0f} "
            f"({share['paint']:.0f}%); {1000 * (spent['compute'] + spent['paint']) / takes:.2f} ms per "
            f"repaint, {takes:,} repaints",
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured streaming window")
    parser.add_argument("--ticks", type=int, default=1_000_000, help="ticks fed for the RSS figure")
    args = parser.parse_args(argv)
    return report(run(args.seconds, ticks=args.ticks))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
