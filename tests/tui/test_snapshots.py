"""SVG snapshots of the screens at several terminal sizes (pytest-textual-snapshot).

Every app is built on the bundled data with a frozen clock, so the pictures are deterministic. After a
deliberate visual change: ``.venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update`` and look at
the new SVGs before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
from rotor.data.errors import ProviderUnavailable
from rotor.tui.app import create_app
from rotor.tui.screens.detail import DetailScreen

from support import ScriptedService, bundled, frozen_clock, settle, snapshot_at, wait_until


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
