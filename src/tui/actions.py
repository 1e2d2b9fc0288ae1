"""What the main screen's keys do: the feed, the panes, the pushed screens, the heatmap, the palette.

``ScreenActions`` is mixed into ``RotorApp`` (as ``rotor.tui.monitor.MonitorActions`` is for the user's
monitor): the keys of ``rotor.tui.keys`` that refresh now or pause (the ``RefreshLoop`` decides), move
between the panes, open the help, detail and evidence screens, switch the heatmap's timeframe, sort and
palette; and the command palette's entries for all of them. The screens and the heatmap are imported
when first used: none is on the first frame's path.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from rotor.tui.keys import COMMANDS, DETAIL_COMMANDS
from rotor.tui.layout import PANES, PaneGrid, PaneView
from rotor.tui.messages import SymbolChosen
from rotor.tui.tones import PALETTES, Tones
from textual.app import App, SystemCommand
from textual.screen import Screen

if TYPE_CHECKING:
    from rotor.data.feed import Feed
    from rotor.data.snapshot import MarketSnapshot
    from rotor.tui.refresh import RefreshLoop
    from rotor.tui.widgets.heatmap import SectorHeatmap
    from rotor.tui.widgets.risk import RiskNotes
    from textual.css.query import DOMQuery


class ScreenActions:
    """The keys of the feed, the panes, the screens and the heatmap, mixed into ``RotorApp`` (which gives
    ``feed``, ``refresh_loop``, ``snapshot``, ``tones``, ``late_panes`` and textual's ``App``)."""

    feed: Feed
    refresh_loop: RefreshLoop
    snapshot: MarketSnapshot | None
    tones: Tones
    #: The widgets of panes 2-5, once mounted (just after the first frame).
    late_panes: list[PaneView]

    def _app(self) -> App[Any]:
        return self  # type: ignore[return-value]

    def action_refresh_now(self) -> None:
        if refused := self.refresh_loop.request_now():
            self._app().notify(refused, timeout=3)

    def action_toggle_pause(self) -> None:
        self.refresh_loop.toggle_pause()

    @property
    def active_pane(self) -> int:
        """The number of the pane holding the focus (or that last held it)."""
        return self._app().screen_stack[0].query_one(PaneGrid).active

    def action_pane(self, number: int) -> None:
        app = self._app()
        if len(app.screen_stack) == 1 and self.late_panes:  # no modal, and panes 2-5 are in
            app.screen.query_one(PaneGrid).focus_pane(number)

    def action_pane_step(self, delta: int) -> None:
        app = self._app()
        if len(app.screen_stack) > 1:  # inside a pushed screen tab keeps its usual meaning
            app.screen.focus_next() if delta > 0 else app.screen.focus_previous()
        else:
            self.action_pane((self.active_pane - 1 + delta) % len(PANES) + 1)

    def action_help(self) -> None:
        from rotor.tui.screens.help import HelpScreen

        app = self._app()
        if not isinstance(app.screen, HelpScreen):
            app.push_screen(HelpScreen(self.tones))

    def on_symbol_chosen(self, message: SymbolChosen) -> None:
        from rotor.tui.screens.detail import DetailScreen

        snapshot = self.snapshot
        if snapshot is not None and snapshot.get(message.symbol) is not None:
            self._app().push_screen(DetailScreen(self.feed, snapshot, message.symbol, self.tones))

    def on_risk_notes_evidence_requested(self, message: RiskNotes.EvidenceRequested) -> None:
        from rotor.tui.screens.evidence import EvidenceScreen

        self._app().push_screen(EvidenceScreen(message.note, self.tones))

    # --- the heatmap ------------------------------------------------------------------------------

    def _heatmap(self) -> DOMQuery[SectorHeatmap]:
        """The heatmap, once mounted (with panes 2-5, just after the first frame)."""
        from rotor.tui.widgets.heatmap import SectorHeatmap

        return self._app().screen_stack[0].query(SectorHeatmap)

    def action_cycle_timeframe(self) -> None:
        for heatmap in self._heatmap():
            heatmap.cycle_timeframe()

    def action_toggle_sort(self) -> None:
        for heatmap in self._heatmap():
            heatmap.toggle_sort()

    def action_cycle_palette(self) -> None:
        names = list(PALETTES)
        palette = names[(names.index(self.tones.palette) + 1) % len(names)]
        self.tones = Tones.from_variables(self._app().theme_variables, palette)
        self._app().notify(f"Heatmap palette: {palette}", timeout=2)

    # --- the command palette ------------------------------------------------------------------------

    def screen_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette's entries for rotor's keys (after textual's own): the detail chart's timeframes
        first where they apply, then every key of ``COMMANDS`` and the panes."""
        from rotor.tui.screens.detail import DetailScreen

        if isinstance(screen, DetailScreen):
            for c in DETAIL_COMMANDS:
                yield SystemCommand(c.title, f"{c.does} ({c.shown})", partial(screen.run_action, c.action))
        for c in COMMANDS:
            yield SystemCommand(c.title, f"{c.does} ({c.shown})", getattr(self, f"action_{c.action}"))
        for n, _, title, _ in PANES:
            yield SystemCommand(f"Go to {title}", f"Focus pane {n} ({n})", lambda n=n: self.action_pane(n))
