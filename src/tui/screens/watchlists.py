"""``W``: the watchlists. The tabs name every watchlist, the one pane 1 shows highlighted; the table lists
its symbols with their last price and day's move. ``w`` the next watchlist, ``a`` adds a symbol (the
strict pattern, then Yahoo's answer, in a worker: a symbol Yahoo does not know is refused with Yahoo's
reason), ``d`` removes the one under the cursor, ``i`` imports a text or CSV file of tickers, ``n`` makes a
new watchlist, ``D`` deletes this one. Every change is written to the config file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.settings import DEFAULT_WATCHLIST
from rotor.data.watchlists import SymbolCheck
from rotor.tui import cells
from rotor.tui.screens.prompt import MonitorView, bindings_of
from rotor.tui.widgets.columns import Column
from rotor.tui.widgets.table import KeyedTable
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

COLUMNS = (
    Column("symbol", "Symbol", 12, right=False),
    Column("name", "Name", 26, right=False),
    Column("last", "Last", 12),
    Column("1d", "1D", 9),
    Column("ytd", "YTD", 9),
    Column("status", " Status", 50, right=False),
)


class WatchlistsScreen(MonitorView):
    """The watchlists view (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_of("Watchlists")
    TITLE_TEXT = "Watchlists"

    def body(self) -> ComposeResult:
        yield Static(id="tabs")
        yield KeyedTable(COLUMNS, id="symbols")

    @property
    def current(self) -> str:
        return self.actions.monitor.watchlist

    def show(self) -> None:
        monitor = self.actions.monitor
        tones = self.actions.tones
        tabs = Text()
        for name in monitor.config.watchlist_names:
            count = len(monitor.tickers(name))
            style = f"bold reverse {tones.accent}" if name == self.current else "dim"
            tabs.append(f" {name} ({count}) ", style=style)
            tabs.append(" ")
        self.query_one("#tabs", Static).update(tabs)
        snapshot = self.actions.snapshot
        rows = []
        for entry in monitor.config.watchlist_entries(self.current):
            stats = snapshot.get(entry.symbol) if snapshot is not None else None
            status = "waiting for the next refresh"
            if stats is not None:
                status = stats.error or ("stale" if stats.stale else f"as of {stats.last_date}")
            rows.append(
                (
                    entry.symbol,
                    {
                        "symbol": Text(entry.symbol),
                        "name": Text(entry.name),
                        "last": Text(fmt.price(stats.last if stats else None), justify="right"),
                        "1d": cells.change(stats.change_1d_pct if stats else None, tones),
                        "ytd": cells.change(stats.change_ytd_pct if stats else None, tones),
                        "status": Text(" " + status, style="dim"),
                    },
                )
            )
        self.query_one("#symbols", KeyedTable).sync(rows)

    def action_next_list(self) -> None:
        self.actions.action_next_watchlist()
        self.show()

    # --- symbols ------------------------------------------------------------------------------------

    def action_add_symbol(self) -> None:
        self.ask(
            f"Add a symbol to {self.current}",
            "a Yahoo ticker: AAPL, 7203.T, BTC-USD, ZC=F ... (checked with Yahoo)",
            self._check,
        )

    def action_import_symbols(self) -> None:
        self.ask(
            f"Import tickers into {self.current}",
            "a text file (tickers separated by spaces, commas or lines) or a CSV file with a Symbol column",
            self._import,
        )

    def _check(self, text: str) -> None:
        self.say(f"Checking {text.strip().upper()} with Yahoo ...")
        self._check_worker([text], self.current)

    def _import(self, text: str) -> None:
        from rotor.data.watchlists import read_ticker_file

        try:
            found = read_ticker_file(Path(text))
        except (OSError, ValueError) as exc:
            self.say(str(exc), error=True)
            return
        if not found.tickers:
            self.say(
                "No ticker in that file" + (f": {found.problems[0]}" if found.problems else ""), error=True
            )
            return
        self.say(f"Checking {len(found.tickers)} tickers with Yahoo ...")
        self._check_worker(list(found.tickers), self.current, found.problems)

    @work(thread=True, exclusive=True, group="check-symbols", exit_on_error=False)
    def _check_worker(self, texts: Sequence[str], watchlist: str, problems: Sequence[str] = ()) -> None:
        """Each ticker checked (one request each, one at a time with the refresh), then added at once."""
        from rotor.data.watchlists import check_symbol

        checker = getattr(self.actions.feed, "check_symbol", None)
        answers = []
        for text in texts:
            answers.append(
                checker(text) if checker is not None else check_symbol(None, text, self.actions.clock())
            )
        self.app.call_from_thread(self._checked, answers, watchlist, list(problems))

    def _checked(self, answers: list[SymbolCheck], watchlist: str, problems: list[str]) -> None:
        from rotor.data.config_edit import ConfigEditError, add_symbols

        have = set(self.actions.monitor.tickers(watchlist))
        refused = [a for a in answers if not a.ok]
        fresh = [a for a in answers if a.ok and a.ticker not in have]
        notes = [f"{a.ticker}: {a.reason}" for a in refused] + problems
        if fresh:
            try:
                config = self.actions.monitor.edit(
                    lambda path: add_symbols(path, watchlist, [a.ticker for a in fresh])
                )
            except ConfigEditError as exc:
                self.say(str(exc), error=True)
                return
            self.actions.monitor_changed(config)
            unchecked = [a for a in fresh if not a.checked]
            added = ", ".join(a.ticker for a in fresh)
            text = f"Added to {watchlist}: {added}"
            if unchecked:
                text += f" ({unchecked[0].reason})"
            if notes:
                text += f"; refused: {'; '.join(notes[:3])}" + (" ..." if len(notes) > 3 else "")
            self.show()
            self.say(text, error=bool(notes))
            return
        already = [a.ticker for a in answers if a.ok and a.ticker in have]
        if notes:
            self.say("Refused: " + "; ".join(notes[:3]) + (" ..." if len(notes) > 3 else ""), error=True)
        elif already:
            self.say(f"Already on {watchlist}: {', '.join(already)}")

    def action_remove_symbol(self) -> None:
        from rotor.data.config_edit import ConfigEditError, remove_symbol

        ticker = self.query_one("#symbols", KeyedTable).cursor_symbol
        if ticker is None:
            return
        watchlist = self.current
        try:
            config = self.actions.monitor.edit(lambda path: remove_symbol(path, watchlist, ticker))
        except ConfigEditError as exc:
            self.say(str(exc), error=True)
            return
        self.actions.monitor_changed(config)
        self.show()
        self.say(f"Removed {ticker} from {watchlist}")

    # --- lists --------------------------------------------------------------------------------------

    def action_new_list(self) -> None:
        self.ask("New watchlist", "its name (shown on its tab)", self._new_list)

    def _new_list(self, name: str) -> None:
        from rotor.data.config_edit import ConfigEditError, add_watchlist

        try:
            config = self.actions.monitor.edit(lambda path: add_watchlist(path, name))
        except ConfigEditError as exc:
            self.say(str(exc), error=True)
            return
        self.actions.monitor.show_watchlist(name)
        self.actions.monitor_changed(config)
        self.show()
        self.say(f"New watchlist {name}: a adds symbols, i imports a file of tickers")

    def action_delete_list(self) -> None:
        from rotor.data.config_edit import ConfigEditError, remove_watchlist

        name = self.current
        if name == DEFAULT_WATCHLIST:
            self.say(
                f"{DEFAULT_WATCHLIST} is the config's [watchlist]: remove its symbols instead", error=True
            )
            return
        try:
            config = self.actions.monitor.edit(lambda path: remove_watchlist(path, name))
        except ConfigEditError as exc:
            self.say(str(exc), error=True)
            return
        self.actions.monitor_changed(config)
        self.show()
        self.say(f"Deleted the watchlist {name}")
