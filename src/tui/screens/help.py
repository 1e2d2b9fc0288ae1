"""The help screen: every binding, generated from ``rotor.tui.keys.HELP``."""

from __future__ import annotations

from rich.table import Table
from rotor.tui.keys import HELP
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def help_table() -> Table:
    table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
    table.add_column("Where", style="dim", no_wrap=True)
    table.add_column("Key", style="bold cyan", no_wrap=True)
    table.add_column("Does")
    for where, key, does in HELP:
        table.add_row(where, key, does)
    return table


class HelpScreen(ModalScreen[None]):
    """``?``: the key list; ``escape``, ``q`` or ``?`` closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 86; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "rotor keys"
            box.border_subtitle = "escape closes"
            yield Static(help_table())
            yield Static(
                "\nFigures: returns use sessions from the data (1W = 5 sessions); averages are simple "
                "20/50/200-session means of closes; the 50-session range uses daily lows/highs. "
                "See the README for every definition.",
                classes="dim",
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
