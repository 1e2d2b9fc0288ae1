"""Every key rotor understands, declared once: the app's bindings and its command palette entries are
built from ``COMMANDS``, the detail screen's from ``DETAIL_COMMANDS``, and the help screen from ``HELP``
(which includes them), so none can drift. tests/tui/test_keys.py tries every row of the help."""

from __future__ import annotations

from typing import Final, NamedTuple

from rotor.data.timeframes import CHART_TIMEFRAMES, DEFAULT_CHART


class Command(NamedTuple):
    """An action and its key: where the help lists it (for a key of one of the monitor's views, the
    view), what it does, the footer label and the command palette title (none for a view's key).
    ``key`` is textual's name of the key when it differs from ``shown``."""

    where: str
    shown: str
    does: str
    action: str
    label: str
    title: str = ""
    key: str = ""
    footer: bool = True


#: In the footer's order.
COMMANDS: Final = (
    Command("App", "?", "this help: every key", "help", "Help", "Keys", key="question_mark"),
    Command("Feed", "r", "refresh now: fetch and recompute every figure", "refresh_now", "Refresh",
            "Refresh now"),
    Command("Feed", "p", "pause / resume live updates", "toggle_pause", "Pause",
            "Pause or resume live updates"),
    Command("Heatmap", "t", "cycle the heatmap timeframe: 1D, 5D (five sessions), 1M, YTD", "cycle_timeframe",
            "Timeframe", "Heatmap timeframe"),
    Command("Heatmap", "s", "sector order / sorted by return", "toggle_sort", "Sort", "Heatmap sort"),
    Command("Heatmap", "c", "colours: red-green / blue-orange (colour-blind safe); remembered",
            "cycle_palette", "Colours", "Heatmap palette"),
    Command("Tables", "o", "sort the focused table by its next column (or click a header; again: reverse)",
            "sort_column", "Sort table", "Sort the table by the next column"),
    Command("Tables", "O", "reverse the focused table's sort", "sort_reverse", "Reverse",
            "Reverse the table's sort"),
    Command("Monitor", "w", "show the next watchlist in pane 1 (remembered)", "next_watchlist", "Watchlist",
            "Next watchlist"),
    Command("Monitor", "W", "watchlists: add (checked with Yahoo), remove and import symbols; new lists",
            "watchlists", "Lists", "Edit watchlists"),
    Command("Monitor", "P", "positions: P&L per position and lot; add or delete lots", "positions",
            "Positions", "Positions and P&L"),
    Command("Monitor", "a", "alerts: which hold; add, silence or delete one", "alerts", "Alerts", "Alerts"),
)  # fmt: skip

#: The detail screen's chart timeframes by key: 1-8 for 1D ... Max, 0 for the chart it opens with.
TIMEFRAME_KEYS: Final = tuple(zip((*"12345678", "0"), (*CHART_TIMEFRAMES, DEFAULT_CHART), strict=True))

#: The detail screen's keys, in the footer's order (``escape`` closes it, as every screen).
DETAIL_COMMANDS: Final = (
    *(
        Command("Detail", key, f"chart {t.title}: {t.shows}", f"timeframe('{t.code}')", t.code,
                f"Chart {t.title}")
        for key, t in TIMEFRAME_KEYS
    ),
    Command("Detail", "t", "next chart timeframe", "next_timeframe", "Next", "Next chart timeframe",
            footer=False),
    Command("Detail", "s", "change since a date (YYYY-MM-DD, enter)", "ask_since", "Since",
            "Change since a date"),
)  # fmt: skip


#: The keys of the monitor's views (alerts, watchlists, positions): each view's bindings and its help rows.
VIEW_KEYS: Final = (
    Command("Alerts", "n", "new alert: GC=F above 5000, SPY below 600, SPY move 3 1D, risk warning, "
            "XLK quadrant Leading, CL=F stale", "new_alert", "New"),
    Command("Alerts", "s", "silence / unsilence the alert under the cursor (remembered)", "toggle_silence",
            "Silence"),
    Command("Alerts", "d", "delete the alert under the cursor (from the config file)", "delete_alert",
            "Delete"),
    Command("Watchlists", "w", "the next watchlist (pane 1 shows it too)", "next_list", "Next list"),
    Command("Watchlists", "a", "add a symbol: the strict pattern, then Yahoo's answer", "add_symbol", "Add"),
    Command("Watchlists", "d", "remove the symbol under the cursor", "remove_symbol", "Remove"),
    Command("Watchlists", "i", "import the tickers of a text or CSV file", "import_symbols", "Import"),
    Command("Watchlists", "n", "new watchlist", "new_list", "New list"),
    Command("Watchlists", "D", "delete this watchlist (not Watchlist itself)", "delete_list", "Delete list"),
    Command("Positions", "n", "add a lot: SYMBOL QUANTITY COST [YYYY-MM-DD] [CURRENCY]", "new_lot",
            "Add lot"),
    Command("Positions", "d", "delete the lot under the cursor", "delete_lot", "Delete lot"),
)  # fmt: skip


def view_bindings(view: str) -> list[tuple[str, str, str]]:
    """(key, action, footer label) of a view's keys, for its ``BINDINGS``."""
    return [(k.key or k.shown, k.action, k.label) for k in VIEW_KEYS if k.where == view]


HELP: Final = (
    ("Panes", "tab / shift+tab", "next / previous pane"),
    ("Panes", "1 2 3 4 5", "indices, sector heatmap, commodities & rates, rotation, risk notes"),
    ("Panes", "arrows / h j k l", "move inside a pane"),
    ("Panes", "enter", "open the symbol's detail (chart, stats, recent bars), or a note's evidence"),
    ("Panes", "escape", "close a detail, help, evidence, alerts, watchlists or positions screen"),
    ("Panes", "mouse", "click a pane, row or tile; double-click a tile for its detail"),
    (
        "Detail",
        "1-8, 0",
        f"chart timeframe: {TIMEFRAME_KEYS[0][0]} {TIMEFRAME_KEYS[0][1].title} (one-minute bars of the "
        "current or last session, pre/post shaded; live feed only), "
        + ", ".join(f"{key} {t.title}" for key, t in TIMEFRAME_KEYS[1:-1])
        + f" (daily closes), 0 the last {DEFAULT_CHART.length} sessions (the default)",
    ),
    *((c.where, c.shown, c.does) for c in DETAIL_COMMANDS if not c.action.startswith("timeframe")),
    *(
        (c.where, c.shown, c.does)
        for where in ("Heatmap", "Tables", "Monitor", "Feed", "App")
        for c in COMMANDS
        if c.where == where
    ),
    *((f"{k.where} view", k.shown, k.does) for k in VIEW_KEYS),
    ("App", "ctrl+p", "command palette: every action here, and the theme (remembered)"),
    ("App", "q", "quit"),
)
