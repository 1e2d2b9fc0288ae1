"""Regenerate the SVG screenshots in screenshots/ (``make screenshots``).

Every picture is the real app on the bundled data (as of its last complete session) with a frozen
clock, driven with a pilot the way a person would use it: the keys pressed are listed per shot. The live
shots (``LIVE_SHOTS``) run the live feed through the real yfinance against the local fake Yahoo and its
price stream (rotor.data.sources.fake_yahoo and fake_stream), which serve the same bundled rows, at a
chosen New York moment.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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


#: The user's own monitor of the shots below: the repository's example (written to a config file in a
#: temporary directory, which the app may edit).
MONITOR = (Path(__file__).resolve().parent.parent / "examples" / "monitor.toml").read_text(encoding="utf-8")

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


NEW_YORK = ZoneInfo("America/New_York")

#: (file name, New York moment, terminal size, keys, what the picture waits for)
LIVE_SHOTS: tuple[tuple[str, datetime, tuple[int, int], Sequence[str], str], ...] = (
    # Monday before the open: streamed pre-market prices beside Friday's close, the STREAM badge.
    ("live-pre-market-stream", datetime(2026, 3, 9, 8, 45, tzinfo=NEW_YORK), (200, 50), (), "extended"),
    # Friday evening: SPY's 1D chart, pre-market, session and post-market minutes.
    ("detail-spy-1d", datetime(2026, 3, 6, 18, 0, 20, tzinfo=NEW_YORK), (160, 45),
     ("1", *"jjjjj", "enter", "1"), "chart"),
)  # fmt: skip


async def shoot_live(
    name: str, moment: datetime, size: tuple[int, int], keys: Sequence[str], wait: str, home: Path
) -> Path:
    """One live shot; ``home`` holds yfinance's cookie and time-zone caches, which yfinance opens once per
    process (so every shot shares it) and each shot's own rotor cache."""
    from rotor.data.cache import Cache
    from rotor.data.feed import LiveFeed
    from rotor.data.sources.fake import FakeProvider
    from rotor.data.sources.fake_stream import FakeStream
    from rotor.data.sources.fake_yahoo import FakeYahoo, keep_yahoo_cookies
    from rotor.data.sources.yahoo import YahooSource
    from rotor.tui.widgets.price_chart import PriceChart

    def at() -> datetime:
        return moment

    with FakeYahoo(at) as yahoo, FakeStream(yahoo, at, rate=50) as stream:
        source = YahooSource(cache_dir=home, rewrite=yahoo.rewrite, on_response=keep_yahoo_cookies, clock=at)
        feed = LiveFeed(
            Cache(home / name),
            source,
            clock=at,
            seed=FakeProvider(moment.date() - timedelta(days=4), source="snapshot"),
            stream_url=stream.url if wait == "extended" else None,
        )
        try:
            app = create_app(feed, clock=at, interval=600)
            async with app.run_test(size=size) as pilot:

                async def until(condition: Callable[[], bool]) -> None:
                    deadline = time.monotonic() + 30
                    while not condition():
                        if time.monotonic() > deadline:
                            raise SystemExit(f"{name}: the app did not get there in 30 s")
                        await pilot.pause(0.05)

                await until(lambda: app.snapshot is not None and app.snapshot.source == "live")
                for key in keys:
                    await pilot.press(key)
                if wait == "extended":
                    await until(lambda: app.feed_status.last_tick is not None)
                    await pilot.pause(1.0)  # a few more ticks on screen
                else:
                    chart = app.screen.query_one(PriceChart)
                    await until(lambda: chart.content is not None and not chart.loading)
                await pilot.pause(0.1)
                app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        finally:
            feed.close()
    return OUT / f"{name}.svg"


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
    with tempfile.TemporaryDirectory() as home:
        for name, moment, size, keys, wait in LIVE_SHOTS:
            path = await shoot_live(name, moment, size, keys, wait, Path(home))
            print(f"wrote {path.relative_to(OUT.parent)}")


if __name__ == "__main__":
    asyncio.run(main())
