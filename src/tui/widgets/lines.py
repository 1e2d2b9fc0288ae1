"""A widget drawn from rich text, line by line, repainting only the lines that changed.

With prices streaming, the ticker tape, the status bar and the heatmap change a few times a second. A
``Static`` converts its whole text to Textual's content model and repaints all of it on every update;
``TextLines`` keeps one rich ``Text`` per screen line, compares what each looks like (``cells.look``),
refreshes only the regions of the lines that changed, and draws each straight from the text's segments
(Textual's Line API), over the widget's own background.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rotor.tui.cells import look
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


class TextLines(Widget):
    """Lines of rich text; ``render()`` gives them joined (what is on screen, for tests)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Text] = []
        self._looks: list[tuple[object, ...]] = []
        self._strips: dict[int, tuple[int, Style, Strip]] = {}

    def show_lines(self, lines: Sequence[Text]) -> None:
        """Show ``lines``, repainting only those that look different from before."""
        looks = [look(line) for line in lines]
        width = self.size.width
        for y in range(max(len(looks), len(self._looks))):
            if y >= len(looks) or y >= len(self._looks) or looks[y] != self._looks[y]:
                self._strips.pop(y, None)
                self.refresh(Region(0, y, width, 1))
        self._lines, self._looks = list(lines), looks

    def render(self) -> Text:
        return Text("\n").join(self._lines)

    def render_line(self, y: int) -> Strip:
        width, base = self.size.width, self.rich_style
        if y >= len(self._lines):
            return Strip.blank(width, base)
        kept = self._strips.get(y)
        if kept is not None and kept[0] == width and kept[1] == base:
            return kept[2]
        text = self._lines[y].copy()
        text.truncate(width, overflow="ellipsis")
        if text.justify in ("center", "right"):
            text.align(text.justify, width)
        segments = Segment.apply_style(text.render(self.app.console), base)
        strip = Strip(segments).extend_cell_length(width, base)
        self._strips[y] = (width, base, strip)
        return strip
