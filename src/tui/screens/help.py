"""The help screen: every binding, generated from ``rotor.tui.keys.HELP``."""

from __future__ import annotations

from rich.table import Table
from rotor.tui.keys import HELP
from rotor.tui.screens.modal import InfoModal
from rotor.tui.tones import Tones
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static


def help_table(tones: Tones) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
    table.add_column("Where", style="dim", no_wrap=True)
    table.add_column("Key", style=f"bold {tones.accent}", no_wrap=True)
    table.add_column("Does")
    for where, key, does in HELP:
        table.add_row(where, key, does)
    return table


class HelpScreen(InfoModal):
    """``?``: the key list; ``escape``, ``q`` or ``?`` closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    TITLE_TEXT = "rotor keys"

    def __init__(self, tones: Tones) -> None:
        super().__init__()
        self.tones = tones

    def body(self) -> ComposeResult:
        yield Static(help_table(self.tones))
        yield Static(
            "\nFigures: returns use sessions from the data (1W = 5 sessions); averages are simple "
            "20/50/200-session means of closes; the 50-session range uses daily lows/highs. "
            "See the README for every definition.",
            classes="dim",
        )
