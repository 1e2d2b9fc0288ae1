"""Every key the help screen lists does what the help says, and the focused pane is obvious at a glance.

``CHECKS`` holds one pilot check per row of ``rotor.tui.keys.HELP`` (by where and key: ``t`` is one key
in the heatmap and another in the detail screen); a row without a check fails the first test, so a key
cannot be documented without being tried here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rotor.data.config import load_config
from rotor.data.feed import BUNDLED_NO_INTRADAY
from rotor.tui.app import create_app
from rotor.tui.keys import HELP, TIMEFRAME_KEYS
from rotor.tui.layout import PANES
from rotor.tui.monitor import UserMonitor
from rotor.tui.screens.alerts import AlertsScreen
from rotor.tui.screens.detail import DetailScreen
from rotor.tui.screens.evidence import EvidenceScreen
from rotor.tui.screens.help import HelpScreen
from rotor.tui.screens.positions import PositionsScreen
from rotor.tui.screens.watchlists import WatchlistsScreen
from rotor.tui.widgets.heatmap import SectorHeatmap
from rotor.tui.widgets.indices import IndicesTable
from rotor.tui.widgets.positions import PositionsTable
from rotor.tui.widgets.price_chart import PriceChart
from rotor.tui.widgets.risk import RiskNotes
from rotor.tui.widgets.rotation import RotationView
from rotor.tui.widgets.status import StatusBar
from rotor.tui.widgets.table import KeyedTable
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


# --- the user's monitor: tables, watchlists, positions, alerts ----------------------------------------


def rows(table: Any) -> list[str]:
    return [row.key.value for row in table.ordered_rows]


async def sort_column(pilot: Any) -> None:
    indices = pilot.app.query_one(IndicesTable)
    natural = rows(indices)
    await pilot.press("1", "o")  # by name, A to Z
    assert indices.sort_column == "name" and rows(indices)[:3] == ["^DJI", "IWM", "^IXIC"]
    await pilot.press("o")  # by the last level, largest first
    # Largest first; AAPL has no data (n/a): last either way.
    assert indices.sort_column == "last" and rows(indices)[:2] == ["^DJI", "^IXIC"]
    assert rows(indices)[-2:] == ["^VIX", "AAPL"]
    assert "Last▼" in indices.columns[next(iter(k for k in indices.columns if k.value == "last"))].label.plain
    for _ in range(11):
        await pilot.press("o")
    assert indices.sort_column is None and rows(indices) == natural


async def sort_reverse(pilot: Any) -> None:
    indices = pilot.app.query_one(IndicesTable)
    await pilot.press("1", "o", "o", "O")
    assert indices.sort_reverse and rows(indices)[0] == "^VIX" and indices.sort_text == "Last ▲"
    assert rows(indices)[-2:] == ["^DJI", "AAPL"]


def config_of(pilot: Any) -> Any:
    return load_config(str(pilot.app.monitor.config_path), {})


async def next_watchlist(pilot: Any) -> None:
    indices = pilot.app.query_one(IndicesTable)
    assert pilot.app.monitor.watchlist == "Watchlist" and "AAPL" in rows(indices)
    await pilot.press("w")
    assert pilot.app.monitor.watchlist == "Tech" and indices.watchlist == ("Tech", ("MSFT",))
    assert "AAPL" not in rows(indices) and "MSFT" in rows(indices)
    await pilot.press("w")
    assert pilot.app.monitor.watchlist == "Watchlist"


async def watchlists(pilot: Any) -> None:
    await pilot.press("W")
    assert isinstance(pilot.app.screen, WatchlistsScreen)
    assert rows(pilot.app.screen.query_one("#symbols", KeyedTable)) == ["AAPL"]
    await pilot.press("escape")
    assert not isinstance(pilot.app.screen, WatchlistsScreen)


async def positions(pilot: Any) -> None:
    await pilot.press("P")
    screen = pilot.app.screen
    assert isinstance(screen, PositionsScreen)
    assert rows(screen.query_one("#positions", PositionsTable)) == ["SPY|USD", "total:USD"]
    await pilot.press("escape")


async def alerts(pilot: Any) -> None:
    await pilot.press("a")
    screen = pilot.app.screen
    assert isinstance(screen, AlertsScreen)
    assert rows(screen.query_one("#alerts", KeyedTable)) == ["GC=F-above-5000"]
    await pilot.press("escape")


async def typed(pilot: Any, *keys: str, text: str) -> None:
    """Press ``keys`` (opening a prompt), type ``text`` and enter."""
    await pilot.press(*keys)
    await pilot.press(*text)
    await pilot.press("enter")
    await settle(pilot)


def message(pilot: Any) -> str:
    return str(pilot.app.screen.query_one("#message").render())


async def new_alert(pilot: Any) -> None:
    await typed(pilot, "a", "n", text="SPY move 3 1W")
    assert [r.id for r in config_of(pilot).alerts] == ["GC=F-above-5000", "SPY-move-3-1W"]
    assert "SPY-move-3-1W" in rows(pilot.app.screen.query_one("#alerts", KeyedTable))
    await typed(pilot, "n", text="SPY fly")
    assert message(pilot).startswith("not an alert; type e.g.")


async def silence(pilot: Any) -> None:
    await pilot.press("a", "s")
    assert pilot.app.monitor.is_silenced("GC=F-above-5000")
    assert "silenced" in str(pilot.app.screen.query_one("#alerts", KeyedTable).get_row_at(0)[2])
    await pilot.press("s")
    assert not pilot.app.monitor.is_silenced("GC=F-above-5000")


async def delete_alert(pilot: Any) -> None:
    await pilot.press("a", "d")
    assert config_of(pilot).alerts == () and pilot.app.monitor.config.alerts == ()


async def next_list(pilot: Any) -> None:
    await pilot.press("W", "w")
    assert pilot.app.monitor.watchlist == "Tech"
    assert rows(pilot.app.screen.query_one("#symbols", KeyedTable)) == ["MSFT"]


async def add_symbol(pilot: Any) -> None:
    await typed(pilot, "W", "a", text="nvda")
    assert [e.symbol for e in config_of(pilot).watchlist.symbols] == ["AAPL", "NVDA"]
    assert "Added to Watchlist: NVDA (not checked with Yahoo" in message(pilot)
    await typed(pilot, "a", text="spy")
    assert message(pilot) == "Refused: SPY: SPY is already a built-in symbol (etfs)"
    await pilot.press("escape")
    await wait_until(pilot, lambda: "NVDA" in rows(pilot.app.query_one(IndicesTable)))


async def remove_symbol(pilot: Any) -> None:
    await pilot.press("W", "d")
    assert config_of(pilot).watchlist.symbols == ()
    assert message(pilot) == "Removed AAPL from Watchlist"


async def import_symbols(pilot: Any) -> None:
    path = Path(pilot.app.monitor.config_path).parent / "tickers.csv"
    path.write_text("Symbol,Name\nNVDA,Nvidia\nAMD,AMD\nSPY,SPDR\n", encoding="utf-8")
    await typed(pilot, "W", "i", text=str(path))
    assert [e.symbol for e in config_of(pilot).watchlist.symbols] == ["AAPL", "NVDA", "AMD"]
    assert "refused: line 4: SPY is already a built-in symbol" in message(pilot)


async def new_list(pilot: Any) -> None:
    await typed(pilot, "W", "n", text="Energy")
    assert config_of(pilot).watchlist_names == ("Watchlist", "Tech", "Energy")
    assert pilot.app.monitor.watchlist == "Energy"
    await typed(pilot, "a", text="XOM")
    assert [e.symbol for e in config_of(pilot).watchlist_entries("Energy")] == ["XOM"]


async def delete_list(pilot: Any) -> None:
    await pilot.press("W", "w", "D")
    assert config_of(pilot).watchlist_names == ("Watchlist",)
    assert pilot.app.monitor.watchlist == "Watchlist"
    await pilot.press("D")
    assert "remove its symbols instead" in message(pilot)


async def new_lot(pilot: Any) -> None:
    await typed(pilot, "P", "n", text="GC=F 2 2650 2024-11-01")
    lots = config_of(pilot).positions
    assert [(lot.symbol, lot.quantity, lot.cost) for lot in lots] == [
        ("SPY", 10.0, 600.0),
        ("GC=F", 2.0, 2650.0),
    ]
    assert rows(pilot.app.screen.query_one("#positions", PositionsTable)) == [
        "SPY|USD",
        "GC=F|USD",
        "total:USD",
    ]
    await pilot.press("escape")
    group = pilot.app.query_one("#positions-group", PositionsTable)
    assert rows(group) == ["SPY|USD", "GC=F|USD", "total:USD"]


async def delete_lot(pilot: Any) -> None:
    await pilot.press("P", "d")
    assert config_of(pilot).positions == ()
    await pilot.press("escape")
    await settle(pilot)
    assert not pilot.app.query("#positions-group")


#: One check per key of the help, by where the help lists it and the key's column there.
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
    ("Tables", "o"): sort_column,
    ("Tables", "O"): sort_reverse,
    ("Monitor", "w"): next_watchlist,
    ("Monitor", "W"): watchlists,
    ("Monitor", "P"): positions,
    ("Monitor", "a"): alerts,
    ("Alerts view", "n"): new_alert,
    ("Alerts view", "s"): silence,
    ("Alerts view", "d"): delete_alert,
    ("Watchlists view", "w"): next_list,
    ("Watchlists view", "a"): add_symbol,
    ("Watchlists view", "d"): remove_symbol,
    ("Watchlists view", "i"): import_symbols,
    ("Watchlists view", "n"): new_list,
    ("Watchlists view", "D"): delete_list,
    ("Positions view", "n"): new_lot,
    ("Positions view", "d"): delete_lot,
    ("Feed", "r"): refresh,
    ("Feed", "p"): pause,
    ("App", "ctrl+p"): palette,
    ("App", "?"): help_,
    ("App", "q"): quit_,
}

#: The user's monitor every check runs with (written to a config file of the test's own).
CONFIG = """\
[watchlist]
symbols = ["AAPL"]

[[watchlists]]
name = "Tech"
symbols = ["MSFT"]

[[positions]]
symbol = "SPY"
quantity = 10
cost = 600.0

[[alerts]]
symbol = "GC=F"
above = 5000
"""


def test_every_key_in_the_help_has_a_check() -> None:
    assert sorted((where, key) for where, key, _ in HELP) == sorted(CHECKS)


@pytest.mark.parametrize(
    "where_key", [(where, key) for where, key, _ in HELP], ids=lambda w: f"{w[0]}:{w[1]}"
)
def test_the_key_does_what_the_help_says(where_key: tuple[str, str], tmp_path: Path) -> None:
    from rotor.data.feed import BundledFeed

    from support import AS_OF

    async def body(pilot: Any) -> None:
        await settle(pilot)
        await CHECKS[where_key](pilot)

    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(str(path), {})
    monitor = UserMonitor(config, config_path=path, state_path=tmp_path / "state.json")
    feed = FollowingService(BundledFeed(AS_OF, symbols=config.symbols, clock=frozen_clock))
    run_pilot(create_app(feed, clock=frozen_clock, interval=600, monitor=monitor), body, size=(200, 50))


class FollowingService(ScriptedService):
    """A live feed counting its refreshes, whose snapshots are a bundled feed's: it follows the symbols
    the user adds in the app (``use_symbols``) and checks a ticker as the bundled feed does."""

    def __init__(self, feed: Any) -> None:
        super().__init__([snapshot_at()])
        self.bundled = feed
        self.use_symbols = feed.use_symbols
        self.check_symbol = feed.check_symbol

    def refresh(self) -> Any:
        super().refresh()
        return self.bundled.refresh()


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
