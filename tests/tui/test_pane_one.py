"""Pane 1's first frame: ``IndicesPreview`` draws the table's header, rows and cells as lines of text, and
the interactive ``IndicesTable`` takes its place just after, with the focus."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import rotor.tui.app
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import MarketSnapshot
from rotor.tui.app import RotorApp
from rotor.tui.tones import Tones
from rotor.tui.widgets.indices import IndicesTable
from rotor.tui.widgets.pane_one import EXTENDED_COLUMN, IndicesPreview
from textual.app import App, ComposeResult

from support import ScriptedService, frozen_clock, run_pilot, settle, snapshot_at, wait_until


class Both(App[None]):
    """The preview and the table side by side, the same width."""

    CSS = "IndicesPreview, IndicesTable { width: 150; height: 20; }"

    def compose(self) -> ComposeResult:
        yield IndicesPreview()
        yield IndicesTable(id="indices")


def lines(widget: Any, count: int) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(count)]


def with_extended(snapshot: MarketSnapshot) -> MarketSnapshot:
    """SPY with a post-market price: the pre/post-market column appears."""
    spy = snapshot.get("SPY")
    assert spy is not None and spy.last is not None
    moved = replace(
        spy, extended_price=round(spy.last * 1.004, 2), extended_change_pct=0.4, extended_session="post"
    )
    return snapshot.with_changes(instruments=tuple(moved if i is spy else i for i in snapshot.instruments))


@pytest.mark.parametrize(
    ("watchlist", "extended"),
    [(None, False), (("Watchlist", ()), False), (None, True)],
    ids=["all-rows", "empty-watchlist", "post-market-column"],
)
def test_the_preview_draws_what_the_table_draws(
    watchlist: tuple[str, tuple[str, ...]] | None, extended: bool
) -> None:
    """Line by line, the same header, rows and cells (text), whatever rows and columns the pane has."""
    snapshot = with_extended(snapshot_at()) if extended else snapshot_at()

    async def body(pilot: Any) -> None:
        app = pilot.app
        preview, table = app.query_one(IndicesPreview), app.query_one(IndicesTable)
        tones = Tones.from_variables(app.theme_variables)
        for view in (preview, table):
            if watchlist is not None:
                view.show_watchlist(*watchlist)
            view.show(snapshot, tones)
        await pilot.pause()
        count = table.row_count + 1
        assert preview.row_count == table.row_count > 0
        assert lines(preview, count) == lines(table, count)
        assert (EXTENDED_COLUMN.label.strip() in lines(preview, 1)[0]) is extended

    run_pilot(Both(), body)


class HeldApp(RotorApp):
    """The app with panes 2-5 and the table held back until the test lets them in: its first frame."""

    CSS_PATH = str(Path(rotor.tui.app.__file__).with_name("app.tcss"))  # relative paths are per class

    def __init__(self, **options: Any) -> None:
        # The snapshot an earlier run saved, as a warm start paints it.
        saved = snapshot_at()
        super().__init__(ScriptedService([saved], initial=saved), clock=frozen_clock, **options)
        self.held = True

    async def _mount_panes(self) -> None:
        if not self.held:
            await super()._mount_panes()

    def let_in(self) -> None:
        self.held = False
        self.call_later(self._mount_panes)


def test_the_first_frame_shows_the_figures_and_the_table_takes_over_with_the_focus() -> None:
    async def body(pilot: Any) -> None:
        app = pilot.app
        await pilot.pause()
        preview = app.query_one(IndicesPreview)
        shown = app.snapshot
        assert shown is not None and not app.query(IndicesTable)
        assert preview.row_count == 9 and app.focused is preview
        text = preview.render().plain
        for symbol in ("^GSPC", "SPY"):
            stats = shown.get(symbol)
            assert stats is not None and stats.last is not None
            assert fmt.price(stats.last) in text
        app.let_in()
        await wait_until(pilot, lambda: bool(app.late_panes))
        await settle(pilot)
        table = app.query_one(IndicesTable)
        assert not app.query(IndicesPreview)
        assert app.focused is table and app.active_pane == 1 and table.row_count == 9

    run_pilot(HeldApp(), body)
