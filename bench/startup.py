"""Start-up: time to the first frame showing real figures, against a bare Textual app (one Static).

Each start is a separate process, run headless (no terminal) at 160x48 and launched from here. The parent
reads the monotonic clock (system-wide on Linux, so comparable across processes) just before the launch;
the child reads it when the first frame with real figures is rendered for the terminal (``App._display``
called with a frame; for rotor, the first one after pane 1 shows the snapshot's rows, drawn on the first
frame by ``IndicesPreview`` and then by the table that replaces it; for the bare app, its first frame),
and again once the screen has settled (a ``call_after_refresh`` scheduled then), and exits at once.
Interpreter start and imports count; tear-down does not. Bytecode caching is on (see ``compiled_env``).

- warm start: the cache already holds a persisted snapshot (left by one complete refresh, run before the
  timed starts), so ``on_mount`` reads it from SQLite and paints it at once. Target: at most 1.3x the bare
  app. Also checks that pandas, yfinance and exchange_calendars are not imported by the time that frame
  is rendered.
- cold start: an empty cache (a new directory per run) and a provider that fails at once, so the first
  figures are the bundled data's precomputed snapshot; the refresh worker seeds the cache afterwards.
  Target: at most 3x.

The rotor child starts as ``rotor.cli.run_app`` does: the garbage collector held (``rotor.tui.startup``)
from before textual is imported until every pane is up; the bare child is a plain Textual app.

Each rotor child also reports whether its cache file existed at its first frame, and the run stops with
an error if a warm start found none or a cold start found one (so each start is the one it claims).

Each ratio is the median over ``--runs`` rounds (default 25, after one warm-up of each) of one start's time
over the bare app's in the same round: a round runs a warm start, the bare app and a cold start back to
back, so each ratio compares starts made under the same load of a shared machine, whose speed drifts by
more than the difference measured. The medians of the times themselves, and the settled ratios, are
shown alongside.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, Result, compiled_env, report

#: A child's report: ``FIRST_FRAME <first frame> <settled> <heavy modules loaded at the first frame>
#: <whether its cache held data then>``.
MARK = "FIRST_FRAME"
HEAVY = ("pandas", "yfinance", "exchange_calendars")

#: Shared by both children: the hook on ``App._display``; ``ready(app)`` says the figures are in.
HOOK = f"""
import os, sys, time
from textual.app import App

first = {{}}

def settled():
    print({MARK!r}, first["at"], time.monotonic(), first["heavy"], first["cached"], flush=True)
    os._exit(0)  # tear-down (and rotor's refresh worker, still running) is not part of start-up

display = App._display

def display_and_mark(self, screen, renderable):
    display(self, screen, renderable)
    if renderable is not None and not self._batch_count and not first and ready(self):
        first["at"] = time.monotonic()
        first["heavy"] = ",".join(m for m in {HEAVY!r} if m in sys.modules) or "-"
        first["cached"] = cached()
        self.call_after_refresh(settled)

App._display = display_and_mark
"""

BARE_APP = (
    HOOK
    + """
from textual.widgets import Static

def ready(app):
    return True

def cached():
    return "-"

class Bare(App):
    def compose(self):
        yield Static("rotor")

Bare().run(headless=True, size=(160, 48))
"""
)

#: As ``rotor.cli.run_app`` does: the collector held from before textual is imported (``HOOK`` imports it)
#: until every pane is up.
ROTOR_APP = (
    """
from rotor.tui.startup import collector_held

release = collector_held().__enter__()  # never left: the child ends with os._exit
"""
    + HOOK
    + """

def ready(app):
    # Pane 1's view: the lines of IndicesPreview on the first frame, the table after.
    return app.screen_stack[0].query_one("#pane-indices").children[0].row_count > 0

def cached():
    return "cache" if os.path.exists(os.path.join(sys.argv[1], CACHE_FILE_NAME)) else "empty"

from rotor.data.cache import CACHE_FILE_NAME
from rotor.data.feed import open_feed
from rotor.data.sources.fake import FakeProvider
from rotor.tui.startup import run

provider = FakeProvider()
provider.failing = True  # offline at once: the first figures are the persisted or the bundled ones
service = open_feed("auto", cache_dir=sys.argv[1], as_of=None, provider=provider)
run(service, interval=60.0, on_started=release, run_options={"headless": True, "size": (160, 48)})
"""
)


#: Leaves a warm cache in ``argv[1]``: one complete refresh (offline, from the bundled data), which
#: persists the snapshot a warm start paints.
PREPARE_WARM = """
import sys
from rotor.data.feed import open_feed
from rotor.data.sources.fake import FakeProvider

provider = FakeProvider()
provider.failing = True
service = open_feed("auto", cache_dir=sys.argv[1], as_of=None, provider=provider)
service.refresh()
assert service.cache.load_snapshot() is not None, "the refresh persisted no snapshot"
"""


def launch(code: str, *args: str, timeout: float = 120.0) -> tuple[float, float, str, str]:
    """Seconds from launching ``python -c code *args`` to its first frame with figures and to the settled
    screen, the heavy modules loaded at that first frame, and whether the cache held data then."""
    start = time.monotonic()
    done = subprocess.run(
        [PYTHON, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=compiled_env(),
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            _, shown, settled, heavy, cached = line.split()
            return float(shown) - start, float(settled) - start, heavy, cached
    raise RuntimeError(f"no first frame (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def medians(starts: list[tuple[float, float, str, str]]) -> tuple[float, float]:
    """The median first-frame and settled times of ``starts``."""
    return statistics.median(s[0] for s in starts), statistics.median(s[1] for s in starts)


def paired(starts: list[tuple[float, float, str, str]], bare: list[tuple[float, float, str, str]]) -> float:
    """The median over the rounds of a start's first frame over the bare app's of the same round."""
    return statistics.median(s[0] / b[0] for s, b in zip(starts, bare, strict=True))


def run(runs: int = 25) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="rotor-startup-") as tmp:
        warm_dir = str(Path(tmp) / "warm")
        subprocess.run([PYTHON, "-c", PREPARE_WARM, warm_dir], cwd=ROOT, env=compiled_env(), check=True)
        launch(ROTOR_APP, warm_dir)  # warm-ups (and bytecode)
        launch(BARE_APP)
        bare, warm, cold = [], [], []
        for k in range(runs):
            warm.append(launch(ROTOR_APP, warm_dir))
            bare.append(launch(BARE_APP))
            cold.append(launch(ROTOR_APP, str(Path(tmp) / f"cold-{k}")))
    if any(s[3] != "cache" for s in warm) or any(s[3] != "empty" for s in cold):
        raise RuntimeError("a warm start found no cache, or a cold start found one")
    b_shown, b_settled = medians(bare)
    w_shown, w_settled = medians(warm)
    c_shown, c_settled = medians(cold)
    warm_heavy = {m for _, _, heavy, _ in warm for m in heavy.split(",") if m != "-"}
    heavy_text = ",".join(sorted(warm_heavy)) or "none"
    return [
        Result(
            "startup warm / bare textual app",
            paired(warm, bare),
            1.3,
            detail=(
                f"first frame {w_shown * 1000:.0f} ms vs {b_shown * 1000:.0f} ms (medians); settled "
                f"{w_settled * 1000:.0f} vs {b_settled * 1000:.0f} ms = {w_settled / b_settled:.2f}x; "
                f"median of {runs} rounds"
            ),
        ),
        Result(
            "startup cold / bare textual app",
            paired(cold, bare),
            3.0,
            detail=(
                f"first frame {c_shown * 1000:.0f} ms vs {b_shown * 1000:.0f} ms (medians); settled "
                f"{c_settled * 1000:.0f} vs {b_settled * 1000:.0f} ms = {c_settled / b_settled:.2f}x; "
                f"median of {runs} rounds"
            ),
        ),
        Result(
            "warm first frame imports heavy modules",
            float(bool(warm_heavy)),
            0.0,
            unit="",
            detail=f"loaded by the first frame: {heavy_text}",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25, help="rounds of the three starts (default 25)")
    return report(run(parser.parse_args().runs))


if __name__ == "__main__":
    sys.exit(main())
