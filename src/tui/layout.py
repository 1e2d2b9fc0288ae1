"""The main screen's layout: five numbered panes in a grid whose shape follows the terminal size.

``PaneGrid`` carries one size class (``wide``, ``medium``, ``narrow``, ``too-small``) and one ``show-N``
class naming the active pane, the one holding the focus, which the narrow layout shows alone under a
tab strip (app.tcss). A pane mounted later picks both up from the stylesheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol

from rich.text import Text
from textual import events
from textual.containers import Container, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from rotor.data.snapshot import MarketSnapshot
    from rotor.tui.tones import Tones
    from rotor.tui.widgets.indices import IndicesTable

#: (number, pane id, title, id of the widget that takes focus)
PANES: Final[tuple[tuple[int, str, str, str], ...]] = (
    (1, "pane-indices", "Indices", "indices"),
    (2, "pane-heatmap", "Sector heatmap", "heatmap"),
    (3, "pane-commodities", "Commodities & rates", "commodities"),
    (4, "pane-rotation", "Rotation", "rrg"),
    (5, "pane-risk", "Risk notes", "risk"),
)
#: Minimum sizes of the layouts (columns, rows).
WIDE: Final = (160, 40)
MEDIUM: Final = (100, 30)
MINIMUM: Final = (60, 16)
LAYOUTS: Final = ("wide", "medium", "narrow", "too-small")
#: The grid's extra widgets by id, and the layout that shows each.
_EXTRAS: Final = {"pane-tabs": "narrow", "too-small": "too-small"}


def size_class(width: int, height: int) -> str:
    """The layout for a terminal size: wide, medium, narrow (one pane at a time) or too-small."""
    if width >= WIDE[0] and height >= WIDE[1]:
        return "wide"
    if width >= MEDIUM[0] and height >= MEDIUM[1]:
        return "medium"
    if width >= MINIMUM[0] and height >= MINIMUM[1]:
        return "narrow"
    return "too-small"


def pane_tabs(active: int) -> Text:
    """The narrow layout's tab strip: every pane's number and title, the active one reversed."""
    text = Text()
    for n, _, title, _ in PANES:
        text.append(f" {n} {title} ", style="bold reverse" if n == active else "dim")
        text.append(" ")
    return text


class PaneView(Protocol):
    """The widget in a pane: shows a snapshot in the theme's tones (stale: the last refresh failed)."""

    @property
    def is_mounted(self) -> bool: ...

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None: ...


class Pane(Vertical):
    """A bordered, numbered pane; the one holding the focus has a heavy accent border (app.tcss)."""

    def __init__(self, number: int, *children: Widget) -> None:
        _, pane_id, title, _ = PANES[number - 1]
        super().__init__(*children, id=pane_id, classes="pane")
        self.number = number
        self.border_title = f"{number} {title}"


class PaneGrid(Container):
    """The panes, the narrow layout's tab strip and the message shown when the terminal is too small."""

    #: The number of the pane holding the focus (or that last held it).
    active: var[int] = var(1)

    def __init__(self, width: int, height: int) -> None:
        # The size class is set before mounting: one added later would restyle every pane again before
        # the first frame. The narrow layout's tab strip and the too-small message are mounted when a
        # layout first needs them (hidden, they take no grid cell).
        layout = size_class(width, height)
        needed = [Static(id=extra) for extra, shown_in in _EXTRAS.items() if shown_in == layout]
        super().__init__(*needed, id="panes", classes=f"{layout} show-1")

    def on_resize(self) -> None:
        self.fit(*self.app.size)  # the terminal's size, not the grid's

    def _extra(self, widget_id: str) -> Static:
        """The tab strip or the message, mounted on first use."""
        found = next(iter(self.query(f"#{widget_id}")), None)
        if isinstance(found, Static):
            return found
        widget = Static(id=widget_id)
        self.mount(widget)
        return widget

    def fit(self, width: int, height: int) -> None:
        """Shape the grid for a terminal of ``width`` x ``height``."""
        layout = size_class(width, height)
        for name in LAYOUTS:
            self.set_class(name == layout, name)
        if layout == "narrow":
            self._extra("pane-tabs").update(pane_tabs(self.active))
        elif layout == "too-small":
            self._extra("too-small").update(
                f"Terminal too small: {width}x{height}.\n"
                f"rotor needs at least {MINIMUM[0]}x{MINIMUM[1]} (best {WIDE[0]}x{WIDE[1]})."
            )

    def watch_active(self, number: int) -> None:
        for n, *_ in PANES:
            self.set_class(n == number, f"show-{n}")
        if self.has_class("narrow"):
            self._extra("pane-tabs").update(pane_tabs(number))

    async def mount_later_panes(self) -> list[PaneView]:
        """Panes 2-5, mounted after the first frame (which then styles and draws a third of the widgets,
        and imports none of theirs); their widgets, in pane order."""
        from rotor.tui.widgets.commodities import CommoditiesPane
        from rotor.tui.widgets.heatmap import SectorHeatmap
        from rotor.tui.widgets.risk import RiskNotes
        from rotor.tui.widgets.rotation import RotationPane

        heatmap, commodities = SectorHeatmap(id="heatmap"), CommoditiesPane()
        rotation, risk = RotationPane(), RiskNotes(id="risk")
        # Risk before rotation in the DOM: the medium layout puts rotation across the bottom row.
        await self.mount_all([Pane(2, heatmap), Pane(3, commodities), Pane(5, risk), Pane(4, rotation)])
        return [heatmap, commodities, rotation, risk]

    async def table_for(self, preview: Widget) -> IndicesTable:
        """Pane 1's interactive table in place of the first frame's preview (``IndicesPreview``), with
        the focus if the preview had it."""
        from rotor.tui.widgets.indices import IndicesTable

        table = IndicesTable(id="indices")
        await self.query_one("#pane-indices", Pane).mount(table, before=preview)
        focused = self.screen.focused is preview
        await preview.remove()
        if focused:
            self.screen.set_focus(table)
        return table

    def focus_pane(self, number: int) -> None:
        """Focus pane ``number``'s widget."""
        # At once, not after the queued keys: "1" then "enter" typed together must open the detail of
        # the pane just chosen (Widget.focus() defers the change until the queue is idle).
        self.screen.set_focus(self.query_one(f"#{PANES[number - 1][3]}"))
        self.active = number

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        for node in event.widget.ancestors_with_self:
            if isinstance(node, Pane):
                self.active = node.number
                return


class MainScreen(Screen[None]):
    """The screen of the panes (the app composes it); ``on_uncovered`` is called each time it shows
    again after another screen covered it (help, a detail, the command palette...)."""

    def __init__(self, on_uncovered: Callable[[], None]) -> None:
        super().__init__()
        self._on_uncovered = on_uncovered

    def on_screen_resume(self) -> None:
        self._on_uncovered()
