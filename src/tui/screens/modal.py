"""A centred, bordered box over the main screen that any of ``escape``/``q`` closes (help, evidence)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen


class InfoModal(ModalScreen[None]):
    """Subclasses give ``TITLE_TEXT`` and ``body()``; updates wait while one is open."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    DEFAULT_CSS = """
    InfoModal { align: center middle; }
    InfoModal > VerticalScroll {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    TITLE_TEXT = ""

    def body(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = self.TITLE_TEXT
            box.border_subtitle = "escape closes"
            yield from self.body()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
