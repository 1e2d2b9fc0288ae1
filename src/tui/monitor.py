"""The user's own monitor in the app: watchlists, positions and alerts, their edits and the alerts' firing.

``UserMonitor`` holds the config's watchlists, positions and alerts and the state the app remembers
(``rotor.data.state``: the watchlist shown, the silenced alerts, each alert's state). Edits go to the
config file (``rotor.data.config_edit``); the feed is told the new symbol list (``use_symbols``) and a
refresh fetches it.

``MonitorActions`` is the app's side (a mixin of ``RotorApp``): the keys of ``rotor.tui.keys`` that open
the alerts, watchlists and positions views, switch the watchlist and sort the focused table, and
``check_alerts``, which the app calls after each snapshot it applies: the pure ``rotor.data.alerts.evaluate``
(never in a replay, never on the snapshot saved by an earlier run), then for each firing a notification,
the terminal bell, a desktop notification (``desktop_notice``) and a line in the alert log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from rotor.data.errors import printable
from rotor.data.settings import DEFAULT_WATCHLIST, Config
from rotor.data.state import append_alert_log, load_state, save_state

if TYPE_CHECKING:
    from datetime import datetime

    from rotor.data.alerts import Firing
    from rotor.data.feed import Feed
    from rotor.data.snapshot import MarketSnapshot
    from rotor.tui.refresh import FeedStatus
    from rotor.tui.tones import Tones
    from rotor.tui.widgets.indices import IndicesTable
    from rotor.tui.widgets.pane_one import IndicesPreview
    from textual.app import App


class UserMonitor:
    """The config's watchlists, positions and alerts, and the app's memory of them (see the module
    docstring). ``config_path``: where edits are written (``None``: edits refused, nothing to write to);
    ``state_path``, ``alert_log``: ``None`` remembers and logs nothing."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        config_path: Path | None = None,
        state_path: Path | None = None,
        alert_log: Path | None = None,
    ) -> None:
        #: False for the monitor of an app built without a config (tests, benches): pane 1 then shows every
        #: user symbol of the feed, as before watchlists could be chosen.
        self.known = config is not None
        self.config = config or Config()
        self.config_path = config_path
        self.state_path = state_path
        self.alert_log = alert_log
        self.state = load_state(state_path)
        remembered = self.state.watchlist
        self.watchlist: str = (
            remembered if remembered in self.config.watchlist_names and remembered else DEFAULT_WATCHLIST
        )

    # --- watchlists ---------------------------------------------------------------------------------

    def tickers(self, name: str | None = None) -> tuple[str, ...]:
        return tuple(e.symbol for e in self.config.watchlist_entries(name or self.watchlist))

    def show_watchlist(self, name: str) -> None:
        """Show ``name`` in pane 1 from now on (remembered)."""
        self.watchlist = name if name in self.config.watchlist_names else DEFAULT_WATCHLIST
        self._remember(watchlist=self.watchlist)

    def next_watchlist(self) -> str:
        names = self.config.watchlist_names
        index = names.index(self.watchlist) if self.watchlist in names else -1
        self.show_watchlist(names[(index + 1) % len(names)])
        return self.watchlist

    # --- edits --------------------------------------------------------------------------------------

    def edit(self, change: Callable[[Path], Config]) -> Config:
        """Apply a ``rotor.data.config_edit`` function to the config file; the new config. Raises
        ``ConfigEditError`` (one line) when it cannot be made."""
        from rotor.data.config_edit import ConfigEditError

        if self.config_path is None:
            raise ConfigEditError("no config file to write to (no home directory: use --config PATH)")
        path = self.config_path
        new = change(path)
        # Sections the command line overrode (interval, cache dir) keep their effective values.
        from dataclasses import replace

        self.config = replace(
            self.config,
            watchlist=new.watchlist,
            watchlists=new.watchlists,
            positions=new.positions,
            alerts=new.alerts,
        )
        if self.watchlist not in self.config.watchlist_names:
            self.show_watchlist(DEFAULT_WATCHLIST)
        return self.config

    def silence(self, rule_id: str, silenced: bool) -> None:
        ids = set(self.state.silenced)
        ids.add(rule_id) if silenced else ids.discard(rule_id)
        self._remember(silenced=frozenset(ids))

    def is_silenced(self, rule_id: str) -> bool:
        return rule_id in self.state.silenced

    # --- alerts -------------------------------------------------------------------------------------

    def evaluate(self, snapshot: MarketSnapshot) -> tuple[Firing, ...]:
        """The alerts firing at ``snapshot``; the states move on and are remembered."""
        if not self.config.alerts and not self.state.alerts:
            return ()  # nothing to check, nothing to forget
        from rotor.data.alerts import evaluate, log_line  # not on the first frame's path

        result = evaluate(
            self.config.alerts,
            self.state.alerts,
            snapshot,
            hysteresis_pct=self.config.notify.hysteresis_pct,
            silenced=self.state.silenced,
        )
        if result.states != self.state.alerts:
            self._remember(alerts=dict(result.states))
        if result.fired and self.alert_log is not None:
            with contextlib.suppress(OSError):  # the notification still shows; the log is best effort
                append_alert_log(self.alert_log, [log_line(f) for f in result.fired])
        return result.fired

    def _remember(self, **changes: Any) -> None:
        from dataclasses import replace

        self.state = replace(self.state, **changes)
        if self.state_path is not None:
            with contextlib.suppress(OSError):  # forgetting costs the memory, never the session
                save_state(self.state_path, self.state)


# --- desktop notifications --------------------------------------------------------------------------

#: Terminals known to show an OSC 9 notification (``TERM_PROGRAM``) and those showing OSC 777's.
OSC9_TERMINALS: Final = ("iTerm.app", "WezTerm", "ghostty")
OSC777_TERMS: Final = ("foot", "rxvt-unicode", "xterm-ghostty")


def desktop_method(
    setting: str, env: Mapping[str, str], which: Callable[[str], str | None] = shutil.which
) -> str:
    """How to show a desktop notification: ``osc9``, ``osc777``, ``notify-send`` or ``off``. ``auto``
    picks the terminal's own where it is known to show one (iTerm2, WezTerm, ghostty, Windows Terminal:
    OSC 9; foot, urxvt: OSC 777), else ``notify-send`` when it is installed (and a desktop session runs),
    else nothing."""
    if setting != "auto":
        return setting
    if env.get("TERM_PROGRAM") in OSC9_TERMINALS or env.get("WT_SESSION"):
        return "osc9"
    if env.get("TERM", "").startswith(OSC777_TERMS):
        return "osc777"
    if which("notify-send") and (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "notify-send"
    return "off"


def osc_sequence(method: str, title: str, body: str, *, tmux: bool = False) -> str:
    """The escape sequence of an OSC 9 or OSC 777 notification; control characters (and ``;`` in OSC
    777's fields) are taken out of the texts, and inside tmux it is wrapped to pass through."""

    def clean(text: str) -> str:
        return "".join(ch for ch in printable(text) if ch not in "\x07\x1b")[:200]

    if method == "osc9":
        sequence = f"\x1b]9;{clean(title)}: {clean(body)}\x07"
    else:
        sequence = f"\x1b]777;notify;{clean(title).replace(';', ',')};{clean(body).replace(';', ',')}\x07"
    if tmux:
        sequence = "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence


def notify_desktop(app: App[Any], method: str, title: str, body: str, env: Mapping[str, str]) -> None:
    """Show a desktop notification by ``method`` (see ``desktop_method``); a failure is silent."""
    if method in ("osc9", "osc777"):
        driver = getattr(app, "_driver", None)  # textual writes its own escape sequences through it
        if driver is not None:
            driver.write(osc_sequence(method, title, body, tmux=bool(env.get("TMUX"))))
    elif method == "notify-send":
        with contextlib.suppress(OSError):
            subprocess.Popen(  # noqa: S603 - a fixed program, the texts as arguments
                ["notify-send", "--app-name=rotor", title, printable(body)],  # noqa: S607
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )


# --- the app's side ----------------------------------------------------------------------------------


class MonitorActions:
    """The keys and the alert check of the user's monitor, mixed into ``RotorApp`` (which gives
    ``monitor``, ``feed``, ``snapshot``, ``tones``, ``feed_status`` and textual's ``App``)."""

    monitor: UserMonitor
    feed: Feed
    snapshot: MarketSnapshot | None
    tones: Tones
    feed_status: FeedStatus
    clock: Callable[[], datetime]
    #: Pane 1's view: the first frame's preview, then the table.
    pane_one: IndicesTable | IndicesPreview
    #: Where the desktop notification method and tmux are read from (tests replace it).
    environment: Mapping[str, str] = os.environ

    def _app(self) -> App[Any]:
        return self  # type: ignore[return-value]

    # --- after each snapshot ------------------------------------------------------------------------

    def check_alerts(self, snapshot: MarketSnapshot) -> tuple[Firing, ...]:
        """Evaluate the alerts at a snapshot the app applied and tell the user of each firing."""
        fired = self.monitor.evaluate(snapshot)
        app = self._app()
        notify = self.monitor.config.notify
        method = desktop_method(notify.desktop, self.environment) if fired else "off"
        for firing in fired:
            app.notify(firing.message, title=f"Alert: {firing.rule}", severity="warning", timeout=12)
            notify_desktop(app, method, f"rotor: {firing.rule}", firing.message, self.environment)
        if fired and notify.bell:
            app.bell()
        return fired

    # --- the watchlist shown ------------------------------------------------------------------------

    def show_monitor(self) -> None:
        """Pane 1 shows the current watchlist and positions (at start and after every edit)."""
        if self.monitor.known:
            self.pane_one.show_watchlist(self.monitor.watchlist, self.monitor.tickers())
        self.pane_one.show_lots(self.monitor.config.positions)

    def action_next_watchlist(self) -> None:
        name = self.monitor.next_watchlist()
        self.show_monitor()
        count = len(self.monitor.tickers())
        self._app().notify(f"Watchlist: {name} ({count} symbol{'s' if count != 1 else ''})", timeout=2)

    def monitor_changed(self, config: Config) -> None:
        """After an edit of the config file: the feed's symbols and pane 1 follow, and a refresh runs."""
        use = getattr(self.feed, "use_symbols", None)
        if use is not None:
            use(config.symbols)
        self.show_monitor()
        request = getattr(getattr(self, "refresh_loop", None), "request_now", None)
        if request is not None:
            request()

    # --- the views ----------------------------------------------------------------------------------

    def action_alerts(self) -> None:
        from rotor.tui.screens.alerts import AlertsScreen

        app = self._app()
        if not isinstance(app.screen, AlertsScreen):
            app.push_screen(AlertsScreen(self))

    def action_watchlists(self) -> None:
        from rotor.tui.screens.watchlists import WatchlistsScreen

        app = self._app()
        if not isinstance(app.screen, WatchlistsScreen):
            app.push_screen(WatchlistsScreen(self))

    def action_positions(self) -> None:
        from rotor.tui.screens.positions import PositionsScreen

        app = self._app()
        if not isinstance(app.screen, PositionsScreen):
            app.push_screen(PositionsScreen(self))

    # --- sorting the focused table ------------------------------------------------------------------

    def _focused_table(self) -> Any:
        from rotor.tui.widgets.table import KeyedTable

        focused = self._app().focused
        return focused if isinstance(focused, KeyedTable) else None

    def action_sort_column(self) -> None:
        table = self._focused_table()
        if table is not None:
            table.cycle_sort()
            self._app().notify(f"Sorted by {table.sort_text}" if table.sort_text else "Own order", timeout=2)

    def action_sort_reverse(self) -> None:
        table = self._focused_table()
        if table is not None:
            table.reverse_sort()
