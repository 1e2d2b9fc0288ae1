"""RotorApp: the live market monitor.

How a refresh flows (design.md): a one-shot timer only *signals*; ``request_refresh`` starts one thread
worker (``exclusive=True`` in the ``feed`` group, so refreshes never overlap) that calls
``Feed.refresh()`` off the UI thread and posts ``SnapshotReady`` or ``RefreshFailed``; the app
applies the snapshot in one place (``apply``), cell by cell, and re-arms the timer. While a modal screen
is open or the user paused (``p``), a due refresh waits. A failed refresh keeps the last good snapshot on
screen, marks it stale, and retries with a backoff that never exceeds the interval, so the app recovers
by itself within one interval of the feed coming back.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from rotor.data.snapshot import MarketSnapshot
from rotor.tui.messages import SymbolChosen
from rotor.tui.tones import Tones
from rotor.tui.widgets.indices import IndicesTable
from rotor.tui.widgets.status import FeedStatus, StatusBar, TickerTape, status_text, tape_text
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from rotor.data.feed import Feed
    from rotor.tui.widgets.commodities import CommoditiesPane
    from rotor.tui.widgets.heatmap import SectorHeatmap
    from rotor.tui.widgets.risk import RiskNotes
    from rotor.tui.widgets.rotation import RotationPane

Clock = Callable[[], datetime]

DEFAULT_INTERVAL = 60.0
DEFAULT_CLOSED_INTERVAL = 300.0
#: First retry after a failed refresh; doubles per failure, never more than the interval.
RETRY_BASE = 5.0
#: While a modal screen is open a due refresh is re-checked this often (cheap: no work is done).
MODAL_RECHECK = 2.0

#: (number, pane id, title, id of the widget that takes focus)
PANES: tuple[tuple[int, str, str, str], ...] = (
    (1, "pane-indices", "Indices", "indices"),
    (2, "pane-heatmap", "Sector heatmap", "heatmap"),
    (3, "pane-commodities", "Commodities & rates", "commodities"),
    (4, "pane-rotation", "Rotation", "rrg"),
    (5, "pane-risk", "Risk notes", "risk"),
)
#: Minimum sizes of the layouts (columns, rows).
WIDE = (160, 40)
MEDIUM = (100, 30)
MINIMUM = (60, 16)


def utc_now() -> datetime:
    return datetime.now(UTC)


def size_class(width: int, height: int) -> str:
    """The layout for a terminal size: wide, medium, narrow (one pane at a time) or too-small."""
    if width >= WIDE[0] and height >= WIDE[1]:
        return "wide"
    if width >= MEDIUM[0] and height >= MEDIUM[1]:
        return "medium"
    if width >= MINIMUM[0] and height >= MINIMUM[1]:
        return "narrow"
    return "too-small"


def short_error(exc: BaseException) -> str:
    """One short line for the status bar (no traceback, ever)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "…"


class Pane(Vertical):
    """A bordered, numbered pane; the focused one has a heavy accent border."""

    def __init__(self, number: int, title: str, *children: Widget, id: str, classes: str = "") -> None:
        super().__init__(*children, id=id, classes=f"pane {classes}".strip())
        self.number = number
        self.border_title = f"{number} {title}"

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        app = self.app
        if isinstance(app, RotorApp):
            app.set_active_pane(self.number)


class RotorApp(App[int]):
    """The market monitor. Built by ``create_app`` with its dependencies (feed, clock, intervals)."""

    CSS_PATH = "app.tcss"
    TITLE = "rotor"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("r", "refresh_now", "Refresh"),
        Binding("p", "toggle_pause", "Pause"),
        Binding("t", "cycle_timeframe", "Timeframe"),
        Binding("s", "toggle_sort", "Sort"),
        Binding("tab", "pane_step(1)", "Next pane", show=False, priority=True),
        Binding("shift+tab", "pane_step(-1)", "Previous pane", show=False, priority=True),
        *(Binding(str(n), f"pane({n})", title, show=False) for n, _, title, _ in PANES),
    ]

    class SnapshotReady(Message):
        """A worker computed a new snapshot."""

        def __init__(self, snapshot: MarketSnapshot, seconds: float) -> None:
            self.snapshot = snapshot
            self.seconds = seconds
            super().__init__()

    class RefreshFailed(Message):
        """A worker's refresh raised; the last good snapshot stays on screen."""

        def __init__(self, reason: str) -> None:
            self.reason = reason
            super().__init__()

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
    ) -> None:
        super().__init__()
        self.feed = feed
        self.interval = interval or DEFAULT_INTERVAL
        self.closed_interval = max(self.interval, closed_interval or DEFAULT_CLOSED_INTERVAL)
        self.clock = clock
        self.retry_base = retry_base
        self.palette_name = palette or "red-green"
        self.tones = Tones.from_variables(self.theme_variables, self.palette_name)
        self._theme_name = theme
        self._first = first
        self.snapshot: MarketSnapshot | None = None
        self.stale = False
        self.paused = False
        self.refreshing = False
        self.showing_initial = False
        self.failures = 0
        self.refresh_count = 0
        self.last_refresh: datetime | None = None
        self.last_error: str | None = None
        self.last_apply_seconds = 0.0
        self.next_at: datetime | None = None
        self.active_pane = 1
        self._refresh_after_mount = False
        # The widgets of panes 2-5: ``None`` until mounted, just after the first frame.
        self._heatmap: SectorHeatmap | None = None
        self._commodities: CommoditiesPane | None = None
        self._risk: RiskNotes | None = None
        self._rotation: RotationPane | None = None
        self._pending = False
        self._timer: Timer | None = None
        self._panes: Container | None = None
        self._gc_held = False

    async def run_async(self, **options: Any) -> int | None:
        """``App.run_async`` with the cyclic garbage collector held off until the first frames are up.

        Start-up allocates objects that live as long as the app (styles, widgets, the snapshot), so
        collections during it find next to nothing; they cost ~20 ms, a full pass over everything
        imported included (bench/startup.py). Collection resumes once all panes are mounted
        (``_release_gc``), with what start-up built frozen out of later passes, which keeps them short
        while the app idles. (``run_test`` does not come through here: tests collect as usual.)
        """
        self._gc_held = gc.isenabled()
        gc.disable()
        try:
            return await super().run_async(**options)
        finally:
            self._release_gc()

    def _release_gc(self) -> None:
        if self._gc_held:
            self._gc_held = False
            gc.freeze()
            gc.enable()

    # --- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The layout class is set here (``on_mount`` only shows the tab strip or the too-small message):
        # a class added after mounting would restyle every pane before the first frame.
        layout = size_class(self.size.width, self.size.height)
        yield TickerTape(id="tape")
        yield Static(id="pane-tabs")
        with Container(id="panes", classes=layout):
            yield Pane(1, "Indices", IndicesTable(id="indices"), id="pane-indices")
            # Panes 2-5 get their widgets just after the first frame (``_mount_panes``) and stay hidden
            # until then ("pending": laid out, not drawn): the first frame styles and draws a third of
            # the widgets, so real figures show sooner.
            yield Pane(2, "Sector heatmap", id="pane-heatmap", classes="pending")
            yield Pane(3, "Commodities & rates", id="pane-commodities", classes="pending")
            # Risk before rotation in the DOM: the medium layout puts rotation across the bottom row.
            yield Pane(5, "Risk notes", id="pane-risk", classes="pending")
            yield Pane(4, "Rotation", id="pane-rotation", classes="pending")
        yield Static(id="too-small")
        yield StatusBar(id="status")
        # The key footer is mounted after the first frame too (``_mount_panes``).

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._theme_name:
            self.theme = self._theme_name
        self._panes = self.query_one("#panes", Container)
        self._apply_size(self.size.width, self.size.height)
        self.query_one("#indices").focus()
        self.call_after_refresh(self._mount_panes)
        if self._first is not None:
            self.apply(self._first)
            return  # a replay: computed before the screen opened, nothing to refresh
        initial = None
        try:
            initial = self.feed.initial()
        except Exception:  # a bad persisted snapshot only costs the instant first frame
            initial = None
        if initial is not None:
            self.showing_initial = True
            self.apply(initial)
        else:
            self._show_status()
        self._refresh_after_mount = True

    async def _mount_panes(self) -> None:
        """The widgets of panes 2-5, mounted after the first frame; then every pane shows the data."""
        # Imported here, not at the top: the first frame needs none of them.
        from rotor.tui.widgets.commodities import CommoditiesPane
        from rotor.tui.widgets.heatmap import SectorHeatmap
        from rotor.tui.widgets.risk import RiskNotes
        from rotor.tui.widgets.rotation import RotationPane
        from textual.widgets import Footer

        main = self.screen_stack[0]
        self._heatmap = SectorHeatmap(id="heatmap")
        self._commodities = CommoditiesPane()
        self._risk = RiskNotes(id="risk")
        self._rotation = RotationPane(id="rotation")
        await main.query_one("#pane-heatmap").mount(self._heatmap)
        await main.query_one("#pane-commodities").mount(self._commodities)
        await main.query_one("#pane-risk").mount(self._risk)
        await main.query_one("#pane-rotation").mount(self._rotation)
        await main.mount(Footer())
        with self.batch_update():
            for pane in main.query(".pending"):
                pane.remove_class("pending")
        if self.snapshot is not None:
            self.apply(self.snapshot, stale=self.stale)
        self._release_gc()
        if self._refresh_after_mount:
            # The first refresh (a worker thread importing pandas holds the GIL for a while) starts only
            # once the first frames are on screen.
            self._refresh_after_mount = False
            self.call_after_refresh(self.request_refresh)

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        panes = self._panes
        if panes is None:
            return
        layout = size_class(width, height)
        for name in ("wide", "medium", "narrow", "too-small"):
            panes.set_class(name == layout, name)
        tabs = self.screen_stack[0].query_one("#pane-tabs", Static)
        tabs.display = layout == "narrow"
        message = self.screen_stack[0].query_one("#too-small", Static)
        message.display = layout == "too-small"
        if layout == "too-small":
            message.update(
                f"Terminal too small: {width}x{height}.\n"
                f"rotor needs at least {MINIMUM[0]}x{MINIMUM[1]} (best {WIDE[0]}x{WIDE[1]})."
            )
        self._show_tabs()

    def _show_tabs(self) -> None:
        text = Text()
        for n, _, title, _ in PANES:
            style = "bold reverse" if n == self.active_pane else "dim"
            text.append(f" {n} {title} ", style=style)
            text.append(" ")
        self.screen_stack[0].query_one("#pane-tabs", Static).update(text)

    def set_active_pane(self, number: int) -> None:
        """Called when focus enters a pane: the narrow layout shows only this one."""
        self.active_pane = number
        for n, pane_id, _, _ in PANES:
            self.screen_stack[0].query_one(f"#{pane_id}").set_class(n == number, "active")
        self._show_tabs()

    # --- applying a snapshot (the one place the screen changes for new data) ----------------------

    def apply(self, snapshot: MarketSnapshot, *, stale: bool = False) -> None:
        """Show ``snapshot`` in every pane; only the cells whose text changed are written."""
        started = time.perf_counter()
        self.snapshot = snapshot
        self.stale = stale
        main = self.screen_stack[0]
        tape = next(iter(main.query(TickerTape)), None)
        if tape is None:
            return  # shutting down: a late snapshot finds the widgets already gone
        with self.batch_update():
            tones = self.tones
            tape.show(tape_text(snapshot, tones, stale=stale))
            main.query_one(IndicesTable).show(snapshot, tones, stale=stale)
            if self._heatmap and self._commodities and self._rotation and self._risk:
                self._heatmap.show(snapshot, tones, stale=stale)
                self._commodities.show(snapshot, tones, stale=stale)
                self._rotation.show(snapshot, tones, stale=stale)
                self._risk.show(snapshot, tones, stale=stale)
            self._show_status()
        self.last_apply_seconds = time.perf_counter() - started

    def feed_status(self) -> FeedStatus:
        return FeedStatus(
            live=self.feed.live and self._first is None,
            replay=self._first is not None,
            paused=self.paused,
            refreshing=self.refreshing,
            last_refresh=self.last_refresh,
            last_ok=self.last_error is None,
            last_error=self.last_error,
            failures=self.failures,
            next_at=self.next_at,
            interval=self._interval(),
            stale=self.stale,
            initial=self.showing_initial,
        )

    def _show_status(self) -> None:
        if not self.screen_stack:
            return  # shutting down
        self.screen_stack[0].query_one(StatusBar).show(
            status_text(self.snapshot, self.feed_status(), self.clock(), self.tones)
        )

    def _theme_changed(self, _theme: Theme) -> None:
        """A new theme: every pane again, in its colours."""
        self.tones = Tones.from_variables(self.theme_variables, self.palette_name)
        if self.snapshot is not None:
            self.apply(self.snapshot, stale=self.stale)

    # --- the refresh loop -------------------------------------------------------------------------

    def _interval(self) -> float:
        """The configured interval while any market is open (or in extended hours, or unknown); the
        slower closed interval when every market is closed, but never past the earliest next open."""
        markets = self.snapshot.markets if self.snapshot else ()
        if not markets or any(m.state != "closed" for m in markets):
            return self.interval
        opens = [m.next_open for m in markets if m.next_open is not None]
        if not opens:
            return self.closed_interval
        until = (min(opens) - self.clock()).total_seconds()
        return min(self.closed_interval, max(self.interval, until))

    def _next_delay(self, delay: float) -> float:
        """``delay``, or longer when the source asked us to wait (a rate limit, an unreachable Yahoo):
        never a refresh before the feed's ``retry_at``."""
        retry_at: datetime | None = getattr(self.feed, "retry_at", None)
        if retry_at is None:
            return delay
        return max(delay, (retry_at - self.clock()).total_seconds())

    def _modal_open(self) -> bool:
        return len(self.screen_stack) > 1

    def request_refresh(self) -> None:
        """Start a refresh now unless one is running, the user paused, or a modal screen is open."""
        self._cancel_timer()
        if self.refreshing or not self.screen_stack or not self.is_running:
            return
        if self.paused or self._modal_open():
            self._pending = True
            if self._modal_open() and not self.paused:
                self._arm(MODAL_RECHECK, show=False)
            self._show_status()
            return
        self._pending = False
        self.refreshing = True
        self._show_status()
        self.run_worker(
            self._refresh_in_thread,
            name="refresh",
            group="feed",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _refresh_in_thread(self) -> None:
        """Runs in a worker thread: fetch and compute, then post the outcome. Never raises."""
        started = time.perf_counter()
        try:
            snapshot = self.feed.refresh()
        except Exception as exc:  # every failure becomes a status line, never a traceback
            self.post_message(self.RefreshFailed(short_error(exc)))
            return
        self.post_message(self.SnapshotReady(snapshot, time.perf_counter() - started))

    def on_rotor_app_snapshot_ready(self, message: SnapshotReady) -> None:
        self.refreshing = False
        self.showing_initial = False
        self.failures = 0
        self.last_error = None
        self.refresh_count += 1
        self.last_refresh = self.clock()
        self.apply(message.snapshot)
        if self.feed.live:
            self._arm(self._next_delay(self._interval()))
        else:
            self.next_at = None
            self._show_status()

    def on_rotor_app_refresh_failed(self, message: RefreshFailed) -> None:
        self.refreshing = False
        self.failures += 1
        self.refresh_count += 1
        self.last_refresh = self.clock()
        self.last_error = message.reason
        if self.snapshot is not None:
            self.apply(self.snapshot, stale=True)
        self._arm(self._next_delay(min(self._interval(), self.retry_base * 2 ** (self.failures - 1))))

    def _arm(self, delay: float, *, show: bool = True) -> None:
        """One-shot timer: re-armed after each refresh, so refreshes never pile up."""
        self._cancel_timer()
        self._timer = self.set_timer(delay, self.request_refresh, name="refresh-timer")
        if show:
            self.next_at = self.clock() + timedelta(seconds=delay)
            self._show_status()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _after_modal(self, _result: object = None) -> None:
        if self._pending and not self.paused:
            self.request_refresh()

    # --- actions ----------------------------------------------------------------------------------

    def action_refresh_now(self) -> None:
        if self._first is not None:
            self.notify("Replaying a past session: live updates are off.", timeout=3)
            return
        if self.refreshing:
            self.notify("A refresh is already running.", timeout=2)
            return
        self.request_refresh()

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._cancel_timer()
            self.next_at = None
            self._show_status()
        elif self._pending or (self._timer is None and not self.refreshing and self.feed.live):
            self.request_refresh()
        else:
            self._show_status()

    def action_cycle_timeframe(self) -> None:
        if self._heatmap is not None:
            self._heatmap.cycle_timeframe()

    def action_toggle_sort(self) -> None:
        if self._heatmap is not None:
            self._heatmap.toggle_sort()

    def action_pane(self, number: int) -> None:
        if self._modal_open() or self._heatmap is None:  # panes 2-5 not mounted yet
            return
        widget_id = next(w for n, _, _, w in PANES if n == number)
        self.set_active_pane(number)
        main = self.screen_stack[0]
        # Focus now, not after the queued keys: "1" then "enter" typed together must open the detail
        # of the pane just chosen (Widget.focus() defers the change until the queue is idle).
        main.set_focus(main.query_one(f"#{widget_id}"))

    def action_pane_step(self, delta: int) -> None:
        if self._modal_open():
            # Inside a pushed screen tab keeps its usual meaning.
            if delta > 0:
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return
        self.action_pane((self.active_pane - 1 + delta) % len(PANES) + 1)

    def action_help(self) -> None:
        from rotor.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.tones), callback=self._after_modal)

    def on_symbol_chosen(self, message: SymbolChosen) -> None:
        self.open_detail(message.symbol)

    def open_detail(self, symbol: str) -> None:
        from rotor.tui.screens.detail import DetailScreen

        if self.snapshot is None or self.snapshot.get(symbol) is None:
            return
        screen = DetailScreen(self.feed, self.snapshot, symbol, self.tones)
        self.push_screen(screen, callback=self._after_modal)

    def on_risk_notes_evidence_requested(self, message: RiskNotes.EvidenceRequested) -> None:
        from rotor.tui.screens.evidence import EvidenceScreen

        self.push_screen(EvidenceScreen(message.note, self.tones), callback=self._after_modal)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:  # type: ignore[type-arg]
        yield from super().get_system_commands(screen)
        yield SystemCommand("Refresh now", "Fetch and recompute every figure (r)", self.action_refresh_now)
        yield SystemCommand(
            "Pause or resume live updates", "Toggle live updates (p)", self.action_toggle_pause
        )
        yield SystemCommand("Heatmap timeframe", "Cycle 1D, 1W, 1M, YTD (t)", self.action_cycle_timeframe)
        yield SystemCommand("Heatmap sort", "Sector order or by return (s)", self.action_toggle_sort)
        yield SystemCommand("Keys", "Show every key binding (?)", self.action_help)
        for n, _, title, _ in PANES:
            yield SystemCommand(f"Go to {title}", f"Focus pane {n} ({n})", lambda n=n: self.action_pane(n))

    @property
    def focused_symbol(self) -> str | None:
        """The symbol under the cursor of the focused pane (for tests and the detail action)."""
        focused = self.focused
        if focused is not None and focused.id == "rrg":
            highlight: str | None = getattr(focused, "highlight", None)
            return highlight
        symbol: str | None = getattr(focused, "cursor_symbol", None)
        return symbol


def create_app(feed: Feed, **options: Any) -> RotorApp:
    """The app with its dependencies injected: ``RotorApp``'s keyword options (tests and screenshots
    pass a scripted feed and a frozen clock)."""
    return RotorApp(feed, **options)


def run(
    feed: Feed,
    *,
    interval: float | None = None,
    first: MarketSnapshot | None = None,
    closed_interval: float | None = None,
    theme: str | None = None,
    palette: str | None = None,
) -> int:
    """Run the app until the user quits; the exit code for the CLI."""
    app = create_app(
        feed, interval=interval, closed_interval=closed_interval, first=first, theme=theme, palette=palette
    )
    result = app.run()
    return result if isinstance(result, int) else 0
