"""Pane 5: risk notes by severity; ``enter`` shows a note's evidence."""

from __future__ import annotations

from rich.text import Text
from rotor.data.snapshot import MarketSnapshot, RiskNote
from rotor.tui.tones import Tones
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

#: The badge of each severity: its label and its colour role (``Tones``).
SEVERITY_BADGE = {"warning": (" WARN ", "down"), "watch": (" WATCH", "warning"), "info": (" INFO ", "info")}


def severity_badge(severity: str, tones: Tones) -> tuple[str, str]:
    """The badge of a note's severity as (text, style)."""
    label, role = SEVERITY_BADGE.get(severity, (severity, ""))
    return label, tones.badge(role) if role else "bold"


def note_prompt(note: RiskNote, tones: Tones, *, stale: bool = False) -> Text:
    """Badge and title on the first line, the one-line detail under it."""
    text = Text.assemble(
        severity_badge(note.severity, tones),
        " ",
        (note.title, "bold"),
        "\n",
        (note.detail, "dim" if not stale else "dim italic"),
    )
    return text


class RiskNotes(OptionList):
    """The notes of the current snapshot, most severe first (the order risk.py gives them)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class EvidenceRequested(Message):
        """The user asked for the figures behind a note."""

        def __init__(self, note: RiskNote) -> None:
            self.note = note
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.notes: tuple[RiskNote, ...] = ()
        self._shown: tuple[bool, Tones] | None = None

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        """Replace the options only when the notes (or their look) changed, keeping the highlighted note."""
        if snapshot.risk_notes == self.notes and (stale, tones) == self._shown:
            return
        keep = self.notes[self.highlighted].id if self.highlighted is not None and self.notes else None
        self.notes = snapshot.risk_notes
        self._shown = (stale, tones)
        self.clear_options()
        if not self.notes:
            self.add_option(Option(Text("No rule fired for this session.", style="dim"), disabled=True))
            return
        self.add_options(Option(note_prompt(n, tones, stale=stale), id=n.id) for n in self.notes)
        ids = [n.id for n in self.notes]
        self.highlighted = ids.index(keep) if keep in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self.notes):
            self.post_message(self.EvidenceRequested(self.notes[event.option_index]))
