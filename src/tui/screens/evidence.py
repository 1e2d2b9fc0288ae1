"""A risk note's evidence: the figures and symbols that triggered it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import RiskNote
from rotor.tui.screens.modal import InfoModal
from rotor.tui.tones import Tones
from rotor.tui.widgets.risk import severity_badge
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static


def evidence_table(note: RiskNote, tones: Tones) -> Table:
    table = Table(box=None, header_style="bold", expand=True, pad_edge=False)
    table.add_column("Symbol", style=tones.info, no_wrap=True)
    table.add_column("Figure")
    table.add_column("Value", justify="right", no_wrap=True)
    for e in note.evidence:
        value = fmt.evidence("", e.value, None, e.unit).strip()
        table.add_row(e.symbol or "", e.label, value)
    return table


class EvidenceScreen(InfoModal):
    """A risk note's title, detail and evidence table; ``escape``, ``q`` or ``enter`` closes it."""

    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]

    def __init__(self, note: RiskNote, tones: Tones) -> None:
        super().__init__()
        self.note = note
        self.tones = tones
        self.TITLE_TEXT = f"risk note: {note.id}"

    def body(self) -> ComposeResult:
        note = self.note
        yield Static(Text.assemble(severity_badge(note.severity, self.tones), " ", (note.title, "bold")))
        yield Static(Text(note.detail))
        yield Static(Text("\nEvidence", style="bold"))
        yield Static(evidence_table(note, self.tones))
