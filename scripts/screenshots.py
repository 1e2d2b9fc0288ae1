"""Regenerate the SVG screenshots in screenshots/ (``make screenshots``).

Every picture is the real app on the bundled data (as of its last complete session) with a frozen
clock, driven with a pilot the way a person would use it: the keys pressed are listed per shot.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rotor.data.feed import BundledFeed
from rotor.tui.app import create_app
from rotor.tui.screens.detail import DetailScreen

OUT = Path(__file__).resolve().parent.parent / "screenshots"
NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)

#: (file name, terminal size, keys, palette, theme)
SHOTS: tuple[tuple[str, tuple[int, int], Sequence[str], str, str], ...] = (
    ("main-200x50", (200, 50), (), "red-green", "textual-dark"),
    ("main-120x40", (120, 40), (), "red-green", "textual-dark"),
    ("main-80x24", (80, 24), (), "red-green", "textual-dark"),
    ("heatmap-1w-sorted-blue-orange", (120, 40), ("2", "t", "s"), "blue-orange", "textual-dark"),
    ("rotation-xlk", (200, 50), ("4", "j", "j", "j", "j", "j"), "red-green", "textual-dark"),
    ("detail-gold", (160, 45), ("3", "enter"), "red-green", "textual-dark"),
    ("detail-sp500-5y", (160, 45), ("1", "enter", "7"), "red-green", "textual-dark"),
    ("risk-evidence", (120, 40), ("5", "enter"), "red-green", "textual-dark"),
    ("help", (120, 40), ("question_mark",), "red-green", "textual-dark"),
    ("main-120x40-gruvbox", (120, 40), ("2",), "red-green", "gruvbox"),
)


#: The user's own monitor of the shots below (written to a config file in a temporary directory).
MONITOR = """\
[watchlist]
symbols = ["AAPL"]

[[watchlists]]
name = "Tech"
symbols = ["MSFT", "NVDA"]

[[positions]]
symbol = "SPY"
quantity = 10
cost = 600.0
date = 2025-06-02

[[positions]]
symbol = "GC=F"
quantity = 2
cost = 2650

[[positions]]
symbol = "XLE"
quantity = 100
cost = 85.25

[[alerts]]
symbol = "GC=F"
above = 5000

[[alerts]]
symbol = "SPY"
move_pct = 1.0
over = "1W"

[[alerts]]
symbol = "XLK"
quadrant = "Leading"
"""

#: (file name, terminal size, keys): the app with the monitor above.
MONITOR_SHOTS: tuple[tuple[str, tuple[int, int], Sequence[str]], ...] = (
    ("monitor-200x50", (200, 50), ()),
    ("monitor-positions", (160, 40), ("P",)),
    ("monitor-alerts", (160, 40), ("a",)),
    ("monitor-watchlists", (160, 40), ("W", "w")),
    ("table-sorted-by-1d", (120, 40), ("3", "o", "o", "o")),
)


def clock() -> datetime:
    return NOW


async def shoot(
    service: BundledFeed,
    name: str,
    size: tuple[int, int],
    keys: Sequence[str],
    palette: str,
    theme: str,
    monitor: object = None,
) -> Path:
    app = create_app(service, clock=clock, palette=palette, theme=theme, monitor=monitor)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        screen = app.screen
        if isinstance(screen, DetailScreen):
            while screen.detail is None:
                await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        path = OUT / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(OUT))
    return path


async def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    OUT.mkdir(exist_ok=True)
    service = BundledFeed(clock=clock)
    for name, size, keys, palette, theme in SHOTS:
        path = await shoot(service, name, size, keys, palette, theme)
        print(f"wrote {path.relative_to(OUT.parent)}")
    import tempfile

    from rotor.data.config import load_config
    from rotor.tui.monitor import UserMonitor

    for name, size, keys in MONITOR_SHOTS:
        with tempfile.TemporaryDirectory() as directory:
            config_path = Path(directory) / "config.toml"
            config_path.write_text(MONITOR, encoding="utf-8")
            config = load_config(str(config_path), {})
            monitor = UserMonitor(
                config, config_path=config_path, state_path=Path(directory) / "monitor.json"
            )
            feed = BundledFeed(clock=clock, symbols=config.symbols)
            path = await shoot(feed, name, size, keys, "red-green", "textual-dark", monitor)
        print(f"wrote {path.relative_to(OUT.parent)}")


if __name__ == "__main__":
    asyncio.run(main())
