"""A risk note's evidence: the figures and symbols that triggered it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from rotor.data import formatting as fmt
from rotor.data.snapshot import RiskNote
from rotor.tui.widgets.risk import SEVERITY_LABEL, SEVERITY_STYLE
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def evidence_table(note: RiskNote) -> Table:
    table = Table(box=None, header_style="bold", expand=True, pad_edge=False)
    table.add_column("Symbol", style="cyan", no_wrap=True)
    table.add_column("Figure")
    table.add_column("Value", justify="right", no_wrap=True)
    for e in note.evidence:
        value = fmt.evidence("", e.value, None, e.unit).strip()
        table.add_row(e.symbol or "", e.label, value)
    return table


class EvidenceScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]

    DEFAULT_CSS = """
    EvidenceScreen { align: center middle; }
    EvidenceScreen > VerticalScroll {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, note: RiskNote) -> None:
        super().__init__()
        self.note = note

    def compose(self) -> ComposeResult:
        note = self.note
        with VerticalScroll() as box:
            box.border_title = f"risk note: {note.id}"
            box.border_subtitle = "escape closes"
            yield Static(
                Text.assemble(
                    (SEVERITY_LABEL.get(note.severity, note.severity), SEVERITY_STYLE.get(note.severity, "")),
                    " ",
                    (note.title, "bold"),
                )
            )
            yield Static(Text(note.detail))
            yield Static(Text("\nEvidence", style="bold"))
            yield Static(evidence_table(note))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
