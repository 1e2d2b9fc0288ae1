"""SVG snapshots of the screens at several terminal sizes (pytest-textual-snapshot).

Every app is built on the bundled data with a frozen clock, so the pictures are deterministic. After a
deliberate visual change: ``.venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update`` and look at
the new SVGs before committing them.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rotor.data.errors import ProviderUnavailable
from rotor.tui.app import create_app
from rotor.tui.screens.detail import DetailScreen
from rotor.tui.widgets.price_chart import PriceChart

from support import ScriptedService, bundled, frozen_clock, settle, snapshot_at, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from live_fake import live_fake

NY = ZoneInfo("America/New_York")


def chart_of(screen: DetailScreen) -> PriceChart:
    return screen.query_one(PriceChart)


def shown(screen: DetailScreen) -> str | None:
    content = chart_of(screen).content
    return None if content is None or chart_of(screen).loading else content.timeframe.code


def app(**kwargs: Any) -> Any:
    return create_app(bundled(), clock=frozen_clock, **kwargs)


async def ready(pilot: Any) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app(), terminal_size=size, run_before=ready)


def test_heatmap_weekly_sorted_colour_blind_palette(snap_compare: Any) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("2", "t", "s")

    assert snap_compare(app(palette="blue-orange"), terminal_size=(120, 40), run_before=before)


def test_detail_screen(snap_compare: Any) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("3", "enter")  # gold
        screen = pilot.app.screen
        assert isinstance(screen, DetailScreen)
        await wait_until(pilot, lambda: screen.detail is not None)
        await pilot.pause()

    assert snap_compare(app(), terminal_size=(160, 45), run_before=before)


def test_detail_screen_one_month(snap_compare: Any) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("1", "j", "j", "j", "enter", "3")  # the Russell 2000, 1M
        screen = pilot.app.screen
        assert isinstance(screen, DetailScreen)
        await wait_until(pilot, lambda: shown(screen) == "1M")
        await pilot.pause()

    assert snap_compare(app(), terminal_size=(160, 45), run_before=before)


def test_detail_screen_one_day_with_pre_and_post_market(snap_compare: Any, tmp_path: Path) -> None:
    """SPY's Friday 6 March 2026 at 18:00 ET from the fake Yahoo, through the real yfinance."""
    with live_fake(datetime(2026, 3, 6, 18, 0, 20, tzinfo=NY), tmp_path) as fake:

        async def before(pilot: Any) -> None:
            await settle(pilot)
            screen = DetailScreen(fake.feed, snapshot_at(), "SPY", pilot.app.tones)
            await pilot.app.push_screen(screen)
            await wait_until(pilot, lambda: screen.detail is not None)
            await pilot.press("1")
            await wait_until(pilot, lambda: shown(screen) == "1D" and not chart_of(screen).loading, 15)
            await pilot.pause()

        assert snap_compare(app(), terminal_size=(160, 45), run_before=before)


def test_help_screen(snap_compare: Any) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(app(), terminal_size=(120, 40), run_before=before)


def test_risk_evidence(snap_compare: Any) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("5", "enter")

    assert snap_compare(app(), terminal_size=(120, 40), run_before=before)


def test_stale_after_a_failed_refresh(snap_compare: Any) -> None:
    service = ScriptedService(
        [snapshot_at(), ProviderUnavailable("Yahoo unreachable (could not resolve host)")]
    )

    async def before(pilot: Any) -> None:
        await wait_until(
            pilot, lambda: pilot.app.feed_status.refreshes == 1 and not pilot.app.feed_status.refreshing
        )
        await pilot.press("r")
        await wait_until(pilot, lambda: pilot.app.feed_status.failures == 1)
        await settle(pilot)

    stale_app = create_app(service, clock=frozen_clock, interval=600, retry_base=600)
    assert snap_compare(stale_app, terminal_size=(200, 50), run_before=before)


#: The user's monitor of the snapshots of its views: two watchlists, positions (one in yen, without
#: bundled data), alerts (one silenced): the example config of the repository.
MONITOR = (Path(__file__).resolve().parents[2] / "examples" / "monitor.toml").read_text(encoding="utf-8")


def monitor_app(tmp_path: Path) -> Any:
    from rotor.data.config import load_config
    from rotor.data.feed import BundledFeed
    from rotor.tui.monitor import UserMonitor

    from support import AS_OF

    path = tmp_path / "config.toml"
    path.write_text(MONITOR, encoding="utf-8")
    config = load_config(str(path), {})
    monitor = UserMonitor(config, config_path=path, state_path=tmp_path / "monitor.json")
    monitor.silence("risk-warning", True)
    feed = BundledFeed(AS_OF, symbols=config.symbols, clock=frozen_clock)
    return create_app(feed, clock=frozen_clock, monitor=monitor)


@pytest.mark.parametrize(
    "keys", [(), ("W",), ("P",), ("a",)], ids=["main", "watchlists", "positions", "alerts"]
)
def test_the_users_monitor(snap_compare: Any, tmp_path: Path, keys: tuple[str, ...]) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    assert snap_compare(monitor_app(tmp_path), terminal_size=(200, 50), run_before=before)


def test_a_sorted_table(snap_compare: Any) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("3", "o", "o", "o")  # commodities by 1D, largest first

    assert snap_compare(app(), terminal_size=(120, 40), run_before=before)
