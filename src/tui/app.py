"""RotorApp: the monitor's main screen, its keys, and the one place a snapshot reaches the panes.

What is on screen lives in reactives whose watchers repaint what depends on them (as in memray's live
TUI): ``snapshot`` (the ``MarketSnapshot`` shown), ``feed_status`` (the refresh loop's ``FeedStatus``:
the status bar, and the stale marks when a refresh failed) and ``tones`` (the theme's colours and the
heatmap palette, rebuilt when the user picks either). When to refresh is the business of the ``RefreshLoop``
(refresh.py), which the app owns and which posts each new snapshot to it; the grid of panes is
``PaneGrid``'s (layout.py); every key is declared in keys.py, and what the keys do is in the mixins
``ScreenActions`` (actions.py: the feed, panes, screens, heatmap, palette) and ``MonitorActions``
(monitor.py: the user's watchlists, positions and alerts). ``rotor.tui.startup.run`` is the entry the
CLI calls.

The first frame shows pane 1 with real figures (the snapshot saved by the last run), drawn as lines of
text (``IndicesPreview``); the interactive table takes their place, and panes 2-5 and the key footer are
mounted, just after it; then the first refresh starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rotor.data.snapshot import MarketSnapshot
from rotor.tui.actions import ScreenActions
from rotor.tui.keys import COMMANDS
from rotor.tui.layout import PANES, MainScreen, Pane, PaneGrid, PaneView
from rotor.tui.monitor import MonitorActions, UserMonitor
from rotor.tui.preferences import LookMemory
from rotor.tui.refresh import RETRY_BASE, Clock, FeedStatus, RefreshLoop, utc_now
from rotor.tui.tones import Tones
from rotor.tui.widgets.pane_one import IndicesPreview
from rotor.tui.widgets.status import StatusBar, TickerTape, status_text, tape_text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen
from textual.theme import Theme

if TYPE_CHECKING:
    from rotor.data.feed import Feed
    from rotor.tui.widgets.indices import IndicesTable


#: How often the app takes the streamed ticks and repaints what they changed (seconds): at most a few
#: repaints a second, whatever the rate of ticks.
TICK_EVERY = 0.4


class RotorApp(MonitorActions, ScreenActions, App[int]):
    """The market monitor. Built by ``create_app`` with its dependencies (feed, clock, intervals)."""

    CSS_PATH = "app.tcss"
    TITLE = "rotor"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        *(Binding(c.key or c.shown, c.action, c.label, key_display=c.shown) for c in COMMANDS),
        Binding("tab", "pane_step(1)", "Next pane", show=False, priority=True),
        Binding("shift+tab", "pane_step(-1)", "Previous pane", show=False, priority=True),
        *(Binding(str(n), f"pane({n})", title, show=False) for n, _, title, _ in PANES),
    ]

    snapshot: var[MarketSnapshot | None] = var(None, init=False)
    feed_status: var[FeedStatus] = var(FeedStatus(live=False, replay=False), init=False)
    tones: var[Tones] = var(lambda: Tones.from_variables({}), init=False)  # set in __init__

    def __init__(
        self,
        feed: Feed,
        *,
        interval: float | None = None,
        closed_interval: float | None = None,
        first: MarketSnapshot | None = None,
        clock: Clock = utc_now,
        theme: str | None = None,
        palette: str | None = None,
        retry_base: float = RETRY_BASE,
        state_file: Path | None = None,
        on_started: Callable[[], None] | None = None,
        monitor: UserMonitor | None = None,
    ) -> None:
        super().__init__()
        self.feed = feed
        #: The user's watchlists, positions and alerts (rotor.tui.monitor; keys and views there).
        self.monitor = monitor or UserMonitor()
        self.clock = clock
        self._first = first
        self._on_started = on_started
        self.refresh_loop = RefreshLoop(
            self,
            feed,
            clock=clock,
            interval=interval,
            closed_interval=closed_interval,
            retry_base=retry_base,
            replay=first is not None,
            on_status=self._loop_changed,
        )
        self.set_reactive(RotorApp.feed_status, self.refresh_loop.status)
        if theme and theme != self.theme and theme in self.available_themes:
            self.theme = theme  # before the first frame, so it is drawn once, in this theme
            self.get_css_variables()
        self.set_reactive(RotorApp.tones, Tones.from_variables(self.theme_variables, palette or ""))
        self._memory = LookMemory(state_file, self.theme, self.tones.palette)
        self.late_panes: list[PaneView] = []  # the widgets of panes 2-5, mounted after the first frame
        #: Pane 1's view: the first frame's preview, then the table (``_mount_panes``).
        self.pane_one: IndicesPreview | IndicesTable = IndicesPreview()
        self._tape, self._status = TickerTape(id="tape"), StatusBar(id="status")

    # --- layout ----------------------------------------------------------------------------------

    def get_default_screen(self) -> MainScreen:
        # A refresh that came due while another screen covered the panes runs when they show again.
        return MainScreen(on_uncovered=self.refresh_loop.modal_closed)

    def compose(self) -> ComposeResult:
        yield self._tape
        with PaneGrid(*self.size):
            yield Pane(1, self.pane_one)
        yield self._status

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.show_monitor()  # the watchlist shown and the positions group, before the first paint
        # A replay was computed before the screen opened; otherwise the snapshot the last run saved.
        self.snapshot = self._first or self.refresh_loop.saved_snapshot()
        self._show_status()
        self.call_after_refresh(self._mount_panes)

    async def _mount_panes(self) -> None:
        """After the first frame: panes 2-5 and the key footer; then the collector may run again and the
        first refresh starts (a worker importing pandas holds the GIL for a while)."""
        from textual.widgets import Footer

        if not self.screen_stack:
            return  # shutting down
        main = self.screen_stack[0]
        grid = main.query_one(PaneGrid)
        self.late_panes = await grid.mount_later_panes()
        self.pane_one = await grid.table_for(self.pane_one)
        self.show_monitor()  # the watchlist and positions, now on the table
        await main.mount(Footer())
        self._paint()
        if self._on_started is not None:
            self._on_started()
        self.call_after_refresh(self.refresh_loop.start)
        if self.feed.stream_status() is not None and not self.feed_status.replay:
            self.set_interval(TICK_EVERY, self.take_ticks, name="ticks")

    def take_ticks(self) -> None:
        """The prices streamed since the last call, on screen: the feed applies them to the snapshot
        (only the figures a price moves), the panes write the cells whose text changed. While paused,
        the ticks wait in the feed's queue."""
        status = self.feed.stream_status()
        if status is not None:
            self.refresh_loop.stream_changed(status.mode, status.last_tick, status.reason)
        if self.feed_status.paused:
            return
        outcome = self.feed.take_ticks(self.clock())
        if outcome is None:
            return
        if outcome.snapshot is not None:
            self.snapshot = outcome.snapshot
        if outcome.refresh:
            self.refresh_loop.poll_soon()

    # --- what is on screen (the one place a snapshot reaches the panes) ---------------------------

    def watch_snapshot(self) -> None:
        self._paint()
        # The user's alerts, at each snapshot a refresh brought: never in a replay, nor on the saved one.
        if self.snapshot is not None and not self.feed_status.replay and self.feed_status.refreshes:
            self.check_alerts(self.snapshot)

    def watch_feed_status(self, old: FeedStatus, new: FeedStatus) -> None:
        if old.stale != new.stale:
            self._paint()  # the stale marks come or go
        else:
            self._show_status()

    def _loop_changed(self, status: FeedStatus) -> None:
        self.feed_status = status

    def _paint(self) -> None:
        """Show the snapshot in every mounted pane; only the cells whose text changed are written."""
        snapshot, tones, stale = self.snapshot, self.tones, self.feed_status.stale
        if not self._tape.is_attached:
            return  # not composed yet, or shutting down: a late snapshot finds the widgets gone
        with self.batch_update():
            if snapshot is not None:
                self._tape.show(tape_text(snapshot, tones, stale=stale))
                for view in (self.pane_one, *self.late_panes):
                    if view.is_mounted:
                        view.show(snapshot, tones, stale=stale)
            self._show_status()

    def _show_status(self) -> None:
        if self._status.is_attached:
            self._status.show(status_text(self.snapshot, self.feed_status, self.clock(), self.tones))

    def on_refresh_loop_snapshot_ready(self, message: RefreshLoop.SnapshotReady) -> None:
        self.refresh_loop.succeeded(message.snapshot)
        self.snapshot = message.snapshot

    def on_refresh_loop_refresh_failed(self, message: RefreshLoop.RefreshFailed) -> None:
        self.refresh_loop.failed(message.reason)

    # --- theme and palette ------------------------------------------------------------------------

    def _theme_changed(self, _theme: Theme) -> None:
        self.tones = Tones.from_variables(self.theme_variables, self.tones.palette)

    def watch_tones(self, tones: Tones) -> None:
        """A theme or palette the user chose: every pane in the new colours, and remember the choice."""
        self._paint()
        try:
            self._memory.choose(self.theme, tones.palette)
        except OSError as exc:
            self.notify(f"Could not remember the theme: {exc}", severity="warning", timeout=4)

    # --- the command palette ------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from self.screen_commands(screen)


def create_app(feed: Feed, **options: Any) -> RotorApp:
    """The app with its dependencies injected: ``RotorApp``'s keyword options (tests and screenshots
    pass a scripted feed and a frozen clock)."""
    return RotorApp(feed, **options)
