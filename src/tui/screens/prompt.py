"""The monitor's views (alerts, watchlists, positions) share this: a modal box with a title, its tables,
a message line and its keys (``rotor.tui.keys.VIEW_KEYS``), and a one-line prompt for what the user types
(an alert, a ticker, a lot, a file name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from rotor.tui.keys import view_bindings
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

if TYPE_CHECKING:
    from rotor.tui.monitor import MonitorActions


class PromptScreen(ModalScreen[str | None]):
    """One line of input: ``enter`` gives the text, ``escape`` gives ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 80; max-width: 100%; height: auto;
        border: round $accent; background: $surface; padding: 0 1;
    }
    PromptScreen Input { margin: 1 0 0 0; }
    """

    def __init__(self, title: str, hint: str, value: str = "") -> None:
        super().__init__()
        self._title, self._hint, self._value = title, hint, value

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            box.border_subtitle = "enter: ok · escape: cancel"
            yield Static(Text(self._hint, style="dim"))
            yield Input(value=self._value, id="prompt")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def bindings_of(view: str) -> list[BindingType]:
    """A view's ``BINDINGS``: its keys in ``VIEW_KEYS`` and ``escape``, which closes it."""
    return [
        Binding("escape", "close", "Close"),
        *(Binding(k, a, label) for k, a, label in view_bindings(view)),
    ]


class MonitorView(ModalScreen[None]):
    """A view of the user's monitor (``BINDINGS = bindings_of(name)``); ``escape`` closes it."""

    TITLE_TEXT = ""
    DEFAULT_CSS = """
    MonitorView { align: center middle; }
    MonitorView > #view {
        width: 96%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    MonitorView #view > DataTable { height: 1fr; }
    MonitorView #message { height: auto; min-height: 1; }
    """

    def __init__(self, app: MonitorActions) -> None:
        super().__init__()
        self.actions = app

    def compose(self) -> ComposeResult:
        with Vertical(id="view") as box:
            box.border_title = self.TITLE_TEXT
            box.border_subtitle = "escape closes"
            yield from self.body()
            yield Static(id="message")
        yield Footer()

    def body(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.show()
        # A snapshot the app applies while the view is open (a refresh, a tick) shows here too.
        self.watch(self.app, "snapshot", lambda _snapshot: self.show(), init=False)

    def show(self) -> None:
        """Bring the view's tables up to date."""

    def say(self, text: str, *, error: bool = False) -> None:
        """A line under the tables: what just happened, or why not (``error``)."""
        style = f"bold {self.actions.tones.down}" if error else self.actions.tones.info
        self.query_one("#message", Static).update(Text(text, style=style))

    def ask(self, title: str, hint: str, then: Any, value: str = "") -> None:
        """Prompt for one line; ``then(text)`` with what was typed (not called on escape or empty)."""

        def answered(text: str | None) -> None:
            if text is not None and text.strip():
                then(text.strip())

        self.app.push_screen(PromptScreen(title, hint, value), answered)

    def action_close(self) -> None:
        self.dismiss(None)
