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


def clock() -> datetime:
    return NOW


async def shoot(
    service: BundledFeed, name: str, size: tuple[int, int], keys: Sequence[str], palette: str, theme: str
) -> Path:
    app = create_app(service, clock=clock, palette=palette, theme=theme)
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


if __name__ == "__main__":
    asyncio.run(main())
