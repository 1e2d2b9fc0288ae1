"""The app as a person uses it: driven with a pilot, read back from the widgets."""

from __future__ import annotations

from typing import Any

import pytest
from rotor.data.errors import ProviderUnavailable
from rotor.data.render import formatting as fmt
from rotor.tui.app import RotorApp, create_app
from rotor.tui.keys import HELP
from rotor.tui.layout import PANES, size_class
from rotor.tui.screens.detail import DetailScreen
from rotor.tui.screens.evidence import EvidenceScreen
from rotor.tui.screens.help import HelpScreen
from rotor.tui.widgets.commodities import CommoditiesTable
from rotor.tui.widgets.heatmap import SectorHeatmap
from rotor.tui.widgets.indices import IndicesTable
from rotor.tui.widgets.risk import RiskNotes
from rotor.tui.widgets.rotation import RotationView
from rotor.tui.widgets.status import StatusBar, TickerTape

from support import (
    ScriptedService,
    bundled,
    frozen_clock,
    run_pilot,
    settle,
    snapshot_at,
    wait_until,
    with_last,
)


def cell(table: Any, row: str, column: str) -> str:
    return str(table.get_cell(row, column).plain)


def status(app: RotorApp) -> str:
    return str(app.screen_stack[0].query_one(StatusBar).render().plain)  # type: ignore[attr-defined]


def bundled_app(**kwargs: Any) -> RotorApp:
    return create_app(bundled(), clock=frozen_clock, **kwargs)


def test_first_refresh_fills_every_pane_with_the_snapshot_figures() -> None:
    snap = snapshot_at()

    async def body(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        indices = app.query_one(IndicesTable)
        assert indices.row_count == 9
        spx = snap.get("^GSPC")
        assert cell(indices, "^GSPC", "last") == fmt.price(spx.last)
        assert cell(indices, "^GSPC", "1d") == fmt.pct(spx.change_1d_pct)
        assert cell(indices, "^GSPC", "ytd") == fmt.pct(spx.change_ytd_pct)
        assert cell(indices, "^GSPC", "ma200") == fmt.pct(spx.distance_pct(spx.ma200), 1)
        commodities = app.query_one(CommoditiesTable)
        assert commodities.row_count == 7
        gold = snap.get("GC=F")
        assert cell(commodities, "GC=F", "last") == fmt.price(gold.last)
        tnx = snap.get("^TNX")
        bp = fmt.yield_change_bp(tnx.last, fmt.base_from_change(tnx.last, tnx.change_1w_pct))
        assert cell(commodities, "^TNX", "1w") == fmt.basis_points(bp)
        assert cell(commodities, "^TNX", "last") == fmt.price(tnx.last, "%")
        heatmap = app.query_one(SectorHeatmap)
        assert [t.symbol for t in heatmap.tiles] == [s.symbol for s in snap.group("sectors")]
        risk = app.query_one(RiskNotes)
        assert risk.notes == snap.risk_notes and risk.option_count == len(snap.risk_notes)
        tape = app.query_one(TickerTape).render().plain
        assert "S&P 500" in tape and fmt.price(spx.last) in tape
        line = status(app)
        assert "BUNDLED" in line and "as of 2026-03-06 (3 days old)" in line and "live updates off" in line

    run_pilot(bundled_app(), body)


def test_number_keys_and_tab_move_between_the_five_panes() -> None:
    async def body(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        for number, _, _, widget_id in PANES:
            await pilot.press(str(number))
            assert app.focused.id == widget_id
            assert app.active_pane == number
        await pilot.press("1")
        for number in (2, 3, 4, 5, 1):
            await pilot.press("tab")
            assert app.active_pane == number
        await pilot.press("shift+tab")
        assert app.active_pane == 5

    run_pilot(bundled_app(), body)


def test_heatmap_timeframe_and_sort_keys() -> None:
    snap = snapshot_at()

    async def body(pilot: Any) -> None:
        await settle(pilot)
        heatmap = pilot.app.query_one(SectorHeatmap)
        assert heatmap.timeframe == "1D"
        await pilot.press("t")
        assert heatmap.timeframe == "1W"
        await pilot.press("s")
        expected = sorted(snap.group("sectors"), key=lambda s: -(s.change_1w_pct or 0.0))
        assert [t.symbol for t in heatmap.tiles] == [s.symbol for s in expected]
        rendered = heatmap.render().plain
        assert "sorted by return" in rendered and fmt.pct(expected[0].change_1w_pct) in rendered
        await pilot.press("t", "t", "t")
        assert heatmap.timeframe == "1D"
        await pilot.press("2", "l", "j")
        assert heatmap.cursor > 0

    run_pilot(bundled_app(), body)


def test_enter_opens_the_detail_with_chart_stats_and_recent_bars() -> None:
    snap = snapshot_at()

    async def body(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("1", "j", "enter")  # second row: Nasdaq
        screen = pilot.app.screen
        assert isinstance(screen, DetailScreen) and screen.symbol == "^IXIC"
        await wait_until(pilot, lambda: screen.detail is not None)
        bars = screen.query_one("#bars")
        assert bars.row_count == 15
        last_bar = screen.detail.bars[-1]
        assert last_bar.on == snap.as_of and last_bar.close == snap.get("^IXIC").last
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, DetailScreen)
        await pilot.press("2", "enter")
        assert isinstance(pilot.app.screen, DetailScreen) and pilot.app.screen.symbol == "XLB"
        await pilot.press("escape", "4", "enter")
        assert isinstance(pilot.app.screen, DetailScreen)
        assert pilot.app.screen.symbol == snap.rotation.rrg[0].symbol

    run_pilot(bundled_app(), body)


def test_enter_on_a_risk_note_shows_its_evidence() -> None:
    snap = snapshot_at()

    async def body(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("5", "enter")
        screen = pilot.app.screen
        assert isinstance(screen, EvidenceScreen)
        assert screen.note == snap.risk_notes[0]
        await pilot.press("escape", "j", "enter")
        assert pilot.app.screen.note == snap.risk_notes[1]

    run_pilot(bundled_app(), body)


def test_help_lists_every_app_binding() -> None:
    documented = " ".join(key for _, key, _ in HELP)
    for binding in RotorApp.BINDINGS:
        key = binding.key_display or binding.key  # type: ignore[union-attr]
        for part in key.split(","):
            name = {"question_mark": "?"}.get(part, part)
            assert name in documented, f"{name} is bound but not in the help"

    async def body(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, HelpScreen)

    run_pilot(bundled_app(), body)


def test_command_palette_offers_the_actions() -> None:
    async def body(pilot: Any) -> None:
        await settle(pilot)
        titles = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        for title in ("Refresh now", "Pause or resume live updates", "Heatmap timeframe", "Keys", "Quit"):
            assert title in titles

    run_pilot(bundled_app(), body)


def test_a_refresh_updates_only_changed_cells_and_keeps_the_cursor() -> None:
    snap = snapshot_at()
    gold_moved = with_last(snap, "GC=F", 6_000.0)  # a new snapshot, the same figures in the indices
    changed = with_last(gold_moved, "^DJI", 50_000.0)
    service = ScriptedService([snap, gold_moved, changed])

    async def body(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        indices = app.query_one(IndicesTable)
        await pilot.press("1", "j", "j", "j")
        cursor = indices.cursor_coordinate
        await pilot.press("r")
        await settle(pilot)
        assert indices.last_writes == 0  # same figures in this table: nothing written
        await pilot.press("r")
        await settle(pilot)
        assert cell(indices, "^DJI", "last") == "50,000.00"
        # Only the Dow row's cells that depend on ``last`` changed.
        assert 1 <= indices.last_writes <= 6
        assert indices.cursor_coordinate == cursor
        assert service.calls == 3

    run_pilot(create_app(service, clock=frozen_clock, interval=600), body)


def test_a_failing_feed_keeps_values_marks_them_stale_and_recovers() -> None:
    snap = snapshot_at()
    later = with_last(snap, "^GSPC", 7000.0)
    service = ScriptedService(
        [snap, ProviderUnavailable("Yahoo unreachable"), ProviderUnavailable("x"), later]
    )

    async def body(pilot: Any) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: app.snapshot is not None and not app.feed_status.refreshing)
        await wait_until(pilot, lambda: app.feed_status.failures == 1)
        indices = app.query_one(IndicesTable)
        assert cell(indices, "^GSPC", "last") == fmt.price(snap.get("^GSPC").last)
        assert cell(indices, "^GSPC", "name") == "! S&P 500"
        line = status(app)
        assert "STALE" in line and "refresh failed" in line and "Yahoo unreachable" in line
        await wait_until(
            pilot,
            lambda: app.feed_status.failures == 0 and app.snapshot is not None and not app.feed_status.stale,
        )
        assert cell(indices, "^GSPC", "last") == "7,000.00"
        assert cell(indices, "^GSPC", "name") == "S&P 500"
        assert "STALE" not in status(app)

    run_pilot(create_app(service, clock=frozen_clock, interval=0.5, retry_base=0.05), body)


def test_refreshes_never_overlap() -> None:
    snap = snapshot_at()
    service = ScriptedService([snap], delay=0.15)

    async def body(pilot: Any) -> None:
        for _ in range(6):
            await pilot.press("r")
            await pilot.pause(0.03)
        await wait_until(pilot, lambda: service.calls >= 3, timeout=10)
        await settle(pilot)
        assert service.max_running == 1

    run_pilot(create_app(service, clock=frozen_clock, interval=0.1), body)


def test_updates_wait_while_a_modal_is_open_or_paused() -> None:
    snap = snapshot_at()
    service = ScriptedService([snap])

    async def body(pilot: Any) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: service.calls >= 1 and not app.feed_status.refreshing)
        await pilot.press("question_mark")
        await settle(pilot)
        calls = service.calls
        await pilot.pause(0.6)
        assert service.calls == calls  # due, but the help screen is open
        await pilot.press("escape")
        await wait_until(pilot, lambda: service.calls > calls)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert "PAUSED" in status(app)
        calls = service.calls
        await pilot.pause(0.6)
        assert service.calls == calls
        await pilot.press("p")
        await wait_until(pilot, lambda: service.calls > calls)

    run_pilot(create_app(service, clock=frozen_clock, interval=0.2), body)


def test_the_saved_snapshot_is_painted_before_the_first_refresh_finishes() -> None:
    import threading

    snap = snapshot_at()
    service = ScriptedService([snap], initial=snap)
    service.gate = threading.Event()

    async def body(pilot: Any) -> None:
        app = pilot.app
        await pilot.pause()
        indices = app.query_one(IndicesTable)
        assert indices.row_count == 9
        assert "saved snapshot" in status(app) and "refreshing" in status(app)
        service.gate.set()
        await wait_until(pilot, lambda: app.feed_status.refreshes == 1)
        assert "saved snapshot" not in status(app)

    run_pilot(create_app(service, clock=frozen_clock, interval=600), body)


def test_a_replay_shows_the_given_session_and_never_refreshes() -> None:
    snap = snapshot_at()
    service = ScriptedService([ProviderUnavailable("must not be called")])

    async def body(pilot: Any) -> None:
        await pilot.pause(0.3)
        assert service.calls == 0
        assert "REPLAY" in status(pilot.app)
        await pilot.press("r")
        await pilot.pause(0.1)
        assert service.calls == 0

    run_pilot(create_app(service, clock=frozen_clock, first=snap), body)


def test_layouts_by_terminal_size() -> None:
    assert size_class(200, 50) == "wide"
    assert size_class(120, 40) == "medium"
    assert size_class(100, 30) == "medium"
    assert size_class(99, 40) == "narrow"
    assert size_class(80, 24) == "narrow"
    assert size_class(50, 12) == "too-small"

    async def narrow(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        assert app.query_one("#pane-indices").display and not app.query_one("#pane-heatmap").display
        await pilot.press("2")
        assert app.query_one("#pane-heatmap").display and not app.query_one("#pane-indices").display

    run_pilot(bundled_app(), narrow, size=(80, 24))

    async def tiny(pilot: Any) -> None:
        await settle(pilot)
        message = pilot.app.query_one("#too-small")
        assert message.display and "Terminal too small: 50x12" in str(message.render())

    run_pilot(bundled_app(), tiny, size=(50, 12))


def test_rotation_pane_keys_walk_the_sectors() -> None:
    snap = snapshot_at()

    async def body(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("4")
        view = pilot.app.query_one(RotationView)
        symbols = [e.symbol for e in snap.rotation.rrg]
        assert view.highlight == symbols[0]
        await pilot.press("j", "j")
        assert view.highlight == symbols[2]
        await pilot.press("k")
        assert view.highlight == symbols[1]

    run_pilot(bundled_app(), body)


def test_a_watchlist_of_20_symbols_shows_in_the_indices_pane(tmp_path: Any) -> None:
    from pathlib import Path

    from rotor.data.config import load_config
    from rotor.data.feed import BundledFeed

    tickers = [f"WL{n:02d}" for n in range(20)]
    path = Path(tmp_path) / "config.toml"
    entries = ",\n".join(f'  {{ symbol = "{t}", name = "Watch {t}" }}' for t in tickers)
    path.write_text(f"[watchlist]\nsymbols = [\n{entries}\n]\n")
    config = load_config(str(path), {})
    service = BundledFeed(snapshot_at().as_of, symbols=config.symbols, clock=frozen_clock)

    async def body(pilot: Any) -> None:
        await settle(pilot)
        indices = pilot.app.query_one(IndicesTable)
        assert indices.row_count == 9 + 20
        for ticker in tickers:
            assert cell(indices, ticker, "name") == f"★ Watch {ticker}"
            assert cell(indices, ticker, "last") == "no data"
        assert cell(indices, "^GSPC", "last") == fmt.price(snapshot_at().get("^GSPC").last)

    run_pilot(create_app(service, clock=frozen_clock), body)


def test_live_source_with_no_data_at_all_says_why_and_keeps_retrying() -> None:
    snap = snapshot_at()
    service = ScriptedService([ProviderUnavailable("Yahoo unreachable (could not resolve host)"), snap])

    async def body(pilot: Any) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: app.feed_status.failures == 1)
        line = status(app)
        assert "NO DATA" in line and "Yahoo unreachable" in line and "retry" in line
        await wait_until(pilot, lambda: app.snapshot is not None and app.feed_status.failures == 0)
        assert app.query_one(IndicesTable).row_count == 9

    run_pilot(create_app(service, clock=frozen_clock, interval=600, retry_base=0.5), body)


def test_the_entry_holds_the_collector_and_the_first_frame_draws_pane_one_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``run`` (not ``run_test``) inside ``collector_held``, as the CLI runs it: at mount only pane 1 is
    there (the first frame draws it alone) and the collector is off; the app calls ``on_started`` once
    panes 2-5 are mounted and painted, which turns collection back on."""
    import gc
    from pathlib import Path

    import rotor.tui.app
    import rotor.tui.startup
    from rotor.tui.layout import Pane
    from rotor.tui.startup import collector_held

    snap = snapshot_at()
    service = ScriptedService([snap], initial=snap)
    seen: dict[str, object] = {}
    apps: list[RotorApp] = []

    class Probe(RotorApp):
        CSS_PATH = str(Path(rotor.tui.app.__file__).with_name("app.tcss"))  # relative paths are per class

        def on_mount(self) -> None:  # runs before RotorApp.on_mount (textual walks the MRO)
            seen["collecting at mount"] = gc.isenabled()
            seen["panes at mount"] = [p.id for p in self.query(Pane)]
            apps.append(self)

    def create(feed: Any, **options: Any) -> RotorApp:
        return Probe(feed, clock=frozen_clock, **options)

    async def auto_pilot(pilot: Any) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: app.feed_status.refreshes == 1)
        await settle(pilot)
        seen["collecting after"] = gc.isenabled()
        seen["heatmap tiles"] = len(app.query_one(SectorHeatmap).tiles)
        app.exit(0)

    monkeypatch.setattr(rotor.tui.app, "create_app", create)
    assert gc.isenabled()
    try:
        with collector_held() as release:

            def started() -> None:
                seen["collecting when started"] = gc.isenabled()
                seen["panes when started"] = sorted(p.id or "" for p in apps[0].query(Pane))
                release()

            options = {"headless": True, "size": (200, 50), "auto_pilot": auto_pilot}
            code = rotor.tui.startup.run(service, interval=600, on_started=started, run_options=options)
    finally:
        gc.unfreeze()  # the run froze this test process's objects; give them back to the collector
    assert code == 0
    assert seen == {
        "collecting at mount": False,
        "panes at mount": ["pane-indices"],
        "collecting when started": False,
        "panes when started": [pane_id for _, pane_id, _, _ in sorted(PANES, key=lambda p: p[1])],
        "collecting after": True,
        "heatmap tiles": 11,
    }
    assert gc.isenabled()


def test_the_collector_hold_releases_once_and_leaves_an_off_collector_off() -> None:
    import gc

    from rotor.tui.startup import collector_held

    try:
        with collector_held() as release:
            assert not gc.isenabled()
            release()
            assert gc.isenabled()
            gc.disable()
            release()  # a second release changes nothing
            assert not gc.isenabled()
        gc.enable()
        gc.disable()
        with collector_held() as release:
            release()
            assert not gc.isenabled()  # it was off before: it stays off
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_narrow_heatmap_tiles_mark_cut_names_and_keep_whole_figures() -> None:
    import re

    xlre = snapshot_at().get("XLRE")
    assert xlre is not None

    async def body(pilot: Any) -> None:
        await settle(pilot)
        text = pilot.app.query_one(SectorHeatmap).render().plain
        assert "Financia…" in text and "Cons Disc" in text  # cut names say so; short ones stay whole
        assert f"XLRE {fmt.pct(xlre.change_1d_pct, 1)}" in text  # one decimal rather than a cut figure
        assert re.findall(r"XL[A-Z]{1,2} +[+-]\d+\.\d+(?!\d*%)", text) == []

    run_pilot(bundled_app(), body, size=(120, 40))


def test_sparklines_show_as_many_sessions_as_their_header_says_and_tables_fit_at_200x50() -> None:
    from textual.widgets.data_table import ColumnKey

    snap = snapshot_at()

    async def body(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        tables = ((app.query_one(IndicesTable), "^GSPC"), (app.query_one(CommoditiesTable), "GC=F"))
        for table, symbol in tables:
            stats = snap.get(symbol)
            assert stats is not None
            label = table.columns[ColumnKey("spark")].label.plain
            sessions = int(label.split()[0])
            assert label.strip() == f"{sessions} sessions" and sessions >= 10
            shown = cell(table, symbol, "spark").strip()
            assert shown == fmt.spark(stats.spark[-sessions:])
            assert len(shown) == sessions
            assert table.max_scroll_x == 0, type(table).__name__  # every column visible, no scrolling

    run_pilot(bundled_app(), body, size=(200, 50))
