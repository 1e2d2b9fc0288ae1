"""Every key rotor understands, in one list: the help screen is generated from it and a test checks it
against the bindings, so the two cannot drift apart."""

from __future__ import annotations

from typing import Final

HELP: Final = (
    ("Panes", "tab / shift+tab", "next / previous pane"),
    ("Panes", "1 2 3 4 5", "indices, sector heatmap, commodities & rates, rotation, risk notes"),
    ("Panes", "arrows / h j k l", "move inside a pane"),
    ("Panes", "enter", "open the symbol's detail (chart, stats, recent bars), or a note's evidence"),
    ("Panes", "escape", "close a detail, help or evidence screen"),
    ("Panes", "mouse", "click a pane, row or tile; double-click a tile for its detail"),
    ("Heatmap", "t", "cycle the heatmap timeframe: 1D, 1W, 1M, YTD"),
    ("Heatmap", "s", "sector order / sorted by return"),
    ("Heatmap", "c", "colours: red-green / blue-orange (colour-blind safe); remembered"),
    ("Feed", "r", "refresh now"),
    ("Feed", "p", "pause / resume live updates"),
    ("App", "ctrl+p", "command palette: every action here, and the theme (remembered)"),
    ("App", "?", "this help"),
    ("App", "q", "quit"),
)
