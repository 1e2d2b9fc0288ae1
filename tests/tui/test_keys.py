"""Every key the help screen lists does what the help says, and the focused pane is obvious at a glance.

``CHECKS`` holds one pilot check per row of ``rotor.tui.keys.HELP`` (by where and key: ``t`` is one key
in the heatmap and another in the detail screen); a row without a check fails the first test, so a key
cannot be documented without being tried here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rotor.data.feed import BUNDLED_NO_INTRADAY
from rotor.tui.app import create_app
from rotor.tui.keys import HELP, TIMEFRAME_KEYS
from rotor.tui.layout import PANES
from rotor.tui.screens.detail import DetailScreen
from rotor.tui.screens.evidence import EvidenceScreen
from rotor.tui.screens.help import HelpScreen
from rotor.tui.widgets.heatmap import SectorHeatmap
from rotor.tui.widgets.indices import IndicesTable
from rotor.tui.widgets.price_chart import PriceChart
from rotor.tui.widgets.risk import RiskNotes
from rotor.tui.widgets.rotation import RotationView
from rotor.tui.widgets.status import StatusBar
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input

from support import ScriptedService, bundled, frozen_clock, run_pilot, settle, snapshot_at, wait_until

Check = Callable[[Any], Awaitable[None]]


async def panes(pilot: Any) -> None:
    app = pilot.app
    for number, _, _, widget_id in PANES:
        await pilot.press(str(number))
        assert app.focused.id == widget_id and app.active_pane == number
    await pilot.press("tab")
    assert app.active_pane == 1
    await pilot.press("shift+tab", "shift+tab")
    assert app.active_pane == 4


async def arrows(pilot: Any) -> None:
    app = pilot.app
    indices = app.query_one(IndicesTable)
    await pilot.press("1", "j", "down")
    assert indices.cursor_row == 2
    await pilot.press("k", "up")
    assert indices.cursor_row == 0
    heatmap = app.query_one(SectorHeatmap)
    await pilot.press("2", "l", "right", "j")
    moved = heatmap.cursor
    assert moved > 2
    await pilot.press("h", "left", "k")
    assert heatmap.cursor < moved
    commodities = app.query_one("#commodities", DataTable)
    await pilot.press("3", "j", "down")
    assert commodities.cursor_row == 2
    rrg = app.query_one(RotationView)
    first = rrg.highlight
    await pilot.press("4", "j")
    assert rrg.highlight != first
    await pilot.press("k")
    assert rrg.highlight == first
    risk = app.query_one(RiskNotes)
    await pilot.press("5", "j")
    assert risk.highlighted == 1


async def enter(pilot: Any) -> None:
    await pilot.press("1", "enter")
    assert isinstance(pilot.app.screen, DetailScreen) and pilot.app.screen.symbol == "^GSPC"
    await pilot.press("escape", "5", "enter")
    assert isinstance(pilot.app.screen, EvidenceScreen)
    await pilot.press("escape")


async def escape(pilot: Any) -> None:
    for keys, screen in (
        (("1", "enter"), DetailScreen),
        (("?",), HelpScreen),
        (("5", "enter"), EvidenceScreen),
    ):
        await pilot.press(*("question_mark" if k == "?" else k for k in keys))
        assert isinstance(pilot.app.screen, screen)
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, screen)


async def mouse(pilot: Any) -> None:
    app = pilot.app
    await pilot.click("#heatmap", offset=(2, 2))
    assert app.active_pane == 2 and app.focused.id == "heatmap"
    await pilot.click("#indices", offset=(3, 3))
    assert app.active_pane == 1 and app.query_one(IndicesTable).cursor_row == 2
    heatmap = app.query_one(SectorHeatmap)
    await pilot.double_click("#heatmap", offset=(2, 2))
    assert isinstance(app.screen, DetailScreen) and app.screen.symbol == heatmap.cursor_symbol


async def open_detail(pilot: Any) -> DetailScreen:
    await pilot.press("1", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen)
    await wait_until(pilot, lambda: shown(screen) is not None and not chart_of(screen).loading)
    return screen


def chart_of(screen: DetailScreen) -> PriceChart:
    return screen.query_one(PriceChart)


def shown(screen: DetailScreen) -> str | None:
    """The code of the timeframe the chart shows (None before it shows one)."""
    content = chart_of(screen).content
    return None if content is None else content.timeframe.code


async def chart_timeframes(pilot: Any) -> None:
    screen = await open_detail(pilot)
    assert shown(screen) == "260"
    for key, timeframe in TIMEFRAME_KEYS:
        await pilot.press(key)
        await wait_until(pilot, lambda t=timeframe: shown(screen) == t.code and not chart_of(screen).loading)
        content = chart_of(screen).content
        assert content is not None
        if timeframe.kind == "intraday":  # the bundled data: no minutes, and the chart says why
            assert content.chart is None and content.message == BUNDLED_NO_INTRADAY and not content.failed
        else:
            assert content.chart is not None and content.chart.timeframe == timeframe
        assert timeframe.code in str(chart_of(screen).border_title)


async def next_chart_timeframe(pilot: Any) -> None:
    screen = await open_detail(pilot)
    order = [t.code for _, t in TIMEFRAME_KEYS]
    for expected in (*order, order[0]):  # from the default (last) round to 1D again
        await pilot.press("t")
        await wait_until(pilot, lambda e=expected: shown(screen) == e and not chart_of(screen).loading)
    heatmap = pilot.app.screen_stack[0].query_one(SectorHeatmap)
    assert heatmap.timeframe == "1D"  # the heatmap's t did not run underneath


async def since_a_date(pilot: Any) -> None:
    screen = await open_detail(pilot)
    await pilot.press("s")
    field = screen.query_one("#since-date", Input)
    assert field.display and field.has_focus


async def timeframe(pilot: Any) -> None:
    heatmap = pilot.app.query_one(SectorHeatmap)
    await pilot.press("t")
    assert heatmap.timeframe == "1W"


async def sort(pilot: Any) -> None:
    heatmap = pilot.app.query_one(SectorHeatmap)
    await pilot.press("s")
    assert heatmap.sort_by_return


async def colours(pilot: Any) -> None:
    await pilot.press("c")
    assert pilot.app.tones.palette == pilot.app.query_one(SectorHeatmap).palette == "blue-orange"


async def refresh(pilot: Any) -> None:
    feed = pilot.app.feed
    calls = feed.calls
    await pilot.press("r")
    await wait_until(pilot, lambda: feed.calls == calls + 1 and not pilot.app.feed_status.refreshing)


async def pause(pilot: Any) -> None:
    await pilot.press("p")
    assert pilot.app.feed_status.paused and "PAUSED" in status(pilot.app)
    await pilot.press("p")
    assert not pilot.app.feed_status.paused and "PAUSED" not in status(pilot.app)


def first_command(pilot: Any) -> str:
    """The command palette's first (highlighted) match, as text ("" while there is none)."""
    found = pilot.app.screen.query(CommandList)
    options = found.first().options if found else ()
    return str(options[0].prompt) if options else ""


async def palette(pilot: Any) -> None:
    await pilot.press("ctrl+p")
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press("escape")
    # In a detail screen the palette also offers its keys: the chart's timeframes.
    screen = await open_detail(pilot)
    await pilot.press("ctrl+p", *"Chart YTD")
    await wait_until(pilot, lambda: "Chart YTD" in first_command(pilot))
    await pilot.press("enter")
    await wait_until(pilot, lambda: shown(screen) == "YTD")


async def help_(pilot: Any) -> None:
    await pilot.press("question_mark")
    assert isinstance(pilot.app.screen, HelpScreen)
    await pilot.press("question_mark")
    assert not isinstance(pilot.app.screen, HelpScreen)


async def quit_(pilot: Any) -> None:
    await pilot.press("q")
    assert pilot.app.return_code == 0


def status(app: Any) -> str:
    return str(app.screen_stack[0].query_one(StatusBar).render().plain)


#: One check per row of the help, by its where and key columns.
CHECKS: dict[tuple[str, str], Check] = {
    ("Panes", "tab / shift+tab"): panes,
    ("Panes", "1 2 3 4 5"): panes,
    ("Panes", "arrows / h j k l"): arrows,
    ("Panes", "enter"): enter,
    ("Panes", "escape"): escape,
    ("Panes", "mouse"): mouse,
    ("Detail", "1-8, 0"): chart_timeframes,
    ("Detail", "t"): next_chart_timeframe,
    ("Detail", "s"): since_a_date,
    ("Heatmap", "t"): timeframe,
    ("Heatmap", "s"): sort,
    ("Heatmap", "c"): colours,
    ("Feed", "r"): refresh,
    ("Feed", "p"): pause,
    ("App", "?"): help_,
    ("App", "ctrl+p"): palette,
    ("App", "q"): quit_,
}


def test_every_key_in_the_help_has_a_check() -> None:
    assert sorted((where, key) for where, key, _ in HELP) == sorted(CHECKS)


@pytest.mark.parametrize(("where", "key"), [(where, key) for where, key, _ in HELP], ids=lambda v: v)
def test_the_key_does_what_the_help_says(where: str, key: str) -> None:
    async def body(pilot: Any) -> None:
        await settle(pilot)
        await CHECKS[where, key](pilot)

    feed = ScriptedService([snapshot_at()])
    run_pilot(create_app(feed, clock=frozen_clock, interval=600), body, size=(200, 50))


def test_h_and_l_scroll_a_table_too_wide_for_its_pane() -> None:
    async def body(pilot: Any) -> None:
        await settle(pilot)
        indices = pilot.app.query_one(IndicesTable)
        assert indices.max_scroll_x > 0
        await pilot.press("1", "l", "l")
        assert indices.scroll_target_x > 0
        await pilot.press("h", "h")
        assert indices.scroll_target_x == 0

    run_pilot(create_app(bundled(), clock=frozen_clock), body, size=(80, 24))


def test_the_focused_pane_alone_has_the_heavy_accent_border_and_a_title_badge() -> None:
    async def body(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        accent = app.theme_variables["accent"]
        for number, pane_id, _, _ in PANES:
            await pilot.press(str(number))
            await pilot.pause()
            for _, other, _, _ in PANES:
                styles = app.query_one(f"#{other}").styles
                focused = other == pane_id
                assert (styles.border_top[0] == "heavy") is focused, other
                assert bool(styles.border_title_style.reverse) is focused, other
                if focused:
                    assert styles.border_top[1].hex.lower() == accent.lower()

    run_pilot(create_app(bundled(), clock=frozen_clock), body, size=(200, 50))
