"""Pane 4: rotation: the Relative Rotation Graph of the sectors against SPY, the rotation spreads and
sector breadth. Arrows/hjkl pick a sector on the graph; ``enter`` opens its detail."""

from __future__ import annotations

from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import MarketSnapshot, Rotation, Spread
from rotor.tui import cells
from rotor.tui.messages import SymbolChosen
from rotor.tui.tones import Tones
from rotor.tui.widgets.charts import QUADRANT_ROLES, RotationGraph
from rotor.tui.widgets.columns import Column
from rotor.tui.widgets.table import KeyedTable
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static


class RotationView(RotationGraph, can_focus=True):
    """The graph as a focusable pane: the highlighted sector moves with the keys."""

    BINDINGS = [
        Binding("down,j,right,l", "step(1)", "Next sector", show=False),
        Binding("up,k,left,h", "step(-1)", "Previous sector", show=False),
        Binding("enter", "choose", "Detail", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._symbols: tuple[str, ...] = ()

    def show_rotation(self, rotation: Rotation | None, tones: Tones) -> None:
        if rotation == self.rotation and tones == self._tones and self._symbols:
            return  # unchanged: no repaint
        self._symbols = tuple(e.symbol for e in rotation.rrg) if rotation else ()
        if self._symbols and self.highlight not in self._symbols:
            self.highlight = self._symbols[0]
        self.set_rotation(rotation, tones)

    def action_step(self, delta: int) -> None:
        if not self._symbols:
            return
        i = self._symbols.index(self.highlight) if self.highlight in self._symbols else -delta
        self.highlight = self._symbols[(i + delta) % len(self._symbols)]

    def action_choose(self) -> None:
        if self.highlight:
            self.post_message(SymbolChosen(self.highlight))


def spread_value(spread: Spread, value: float | None, tones: Tones, stale: bool) -> Text:
    if spread.unit == "pts":
        text = Text(fmt.points(value), style=tones.change(value), justify="right")
        if stale:
            text.stylize(cells.STALE_STYLE)
        return text
    return cells.change(value, tones, stale=stale)


SPREAD_COLUMNS = (
    Column("label", "Spread", 30, right=False),
    Column("1w", cells.timeframe_label("1W"), 11),
    Column("1m", "1M", 11),
    Column("ytd", "YTD", 11),
)


def quadrant_summary(rotation: Rotation, tones: Tones) -> Text:
    """One line per quadrant with its sectors: ``Leading  XLC XLE``."""
    text = Text()
    for quadrant, role in QUADRANT_ROLES.items():
        members = [e.symbol for e in rotation.rrg if e.quadrant == quadrant]
        text.append(f"{quadrant:<10}", style=f"bold {tones.text[role]}")
        text.append(" ".join(members) if members else "-", style="" if members else "dim")
        text.append("\n")
    text.rstrip()
    return text


class RotationPane(Vertical):
    """Graph on top; spreads, quadrants and breadth under it."""

    DEFAULT_CSS = """
    RotationPane { height: 1fr; }
    RotationPane RotationView { height: 1fr; min-height: 8; }
    RotationPane #rotation-side { height: auto; }
    RotationPane #spreads { height: auto; max-height: 7; }
    RotationPane .rotation-text { height: auto; }
    RotationPane.side { layout: horizontal; }
    RotationPane.side RotationView { width: 1fr; height: 100%; min-height: 4; }
    RotationPane.side #rotation-side { width: 64; height: 100%; padding-left: 1; }
    """

    def on_resize(self, event: events.Resize) -> None:
        # Short and wide (the medium layout's bottom row): the graph beside the figures.
        self.set_class(event.size.width >= 100 and event.size.height < 24, "side")

    def compose(self) -> ComposeResult:
        yield RotationView(id="rrg")
        with Vertical(id="rotation-side"):
            spreads = KeyedTable(SPREAD_COLUMNS, id="spreads")
            spreads.can_focus = False
            spreads.cursor_type = "none"
            spreads.zebra_stripes = False
            yield spreads
            yield Static(id="quadrants", classes="rotation-text")
            yield Static(id="breadth", classes="rotation-text")

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        rotation = snapshot.rotation
        if self._shown is not None and self._shown[0] is rotation and self._shown[1:] == (tones, stale):
            return  # a streamed tick: the rotation is recomputed by the polls only
        self._shown = (rotation, tones, stale)
        self.query_one(RotationView).show_rotation(rotation, tones)
        table = self.query_one("#spreads", KeyedTable)
        quadrants = self.query_one("#quadrants", Static)
        breadth = self.query_one("#breadth", Static)
        if rotation is None:
            table.sync([])
            quadrants.update(Text("no rotation data", style="dim"))
            breadth.update("")
            self._texts = ()
            return
        table.sync(
            (
                s.id,
                {
                    "label": Text(s.label),
                    "1w": spread_value(s, s.change_1w, tones, stale),
                    "1m": spread_value(s, s.change_1m, tones, stale),
                    "ytd": spread_value(s, s.change_ytd, tones, stale),
                },
            )
            for s in rotation.spreads
        )
        basis = f"RS vs {rotation.benchmark}, {rotation.basis}, {rotation.window}-point window"
        detail = rotation.breadth.detail if rotation.breadth else ""
        texts = (
            Text.assemble((basis + "\n", "dim"), quadrant_summary(rotation, tones)),
            Text(f"Breadth: {detail}" if detail else "", style="dim"),
        )
        if texts != self._texts:  # a changed text may change its height: only then a layout pass
            self._texts = texts
            quadrants.update(texts[0])
            breadth.update(texts[1])

    _texts: tuple[Text, ...] = ()
    _shown: tuple[object, Tones, bool] | None = None
