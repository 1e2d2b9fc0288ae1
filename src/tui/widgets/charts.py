"""Braille charts sized to their pane: the Relative Rotation Graph, and what every chart shares (the
detail screen's price chart is price_chart.py).

Charts keep their data and draw it at whatever size they are given, on a ``BrailleCanvas`` (2x4 dots
per cell), so they stay legible in small panes. The drawing is done by pure functions (``rotation_lines``)
that return one rich ``Text`` per row; the widgets join them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from rotor.data.snapshot import Quadrant, Rotation, RRGEntry
from rotor.tui.braille import BrailleCanvas, Scale
from rotor.tui.tones import Tones
from textual.reactive import reactive
from textual.widget import Widget

#: The colour role (``Tones``) of each quadrant.
QUADRANT_ROLES: dict[Quadrant, str] = {
    "Leading": "up",
    "Weakening": "warning",
    "Lagging": "down",
    "Improving": "info",
}

#: Panes smaller than this (cells) show a short message instead of a chart.
MIN_WIDTH = 20
MIN_RRG_HEIGHT = 6

#: The RS-Ratio / RS-Momentum level where the quadrants meet.
RRG_CENTER = 100.0

#: Fraction of the data's half-range added on each side of the RRG axes.
RRG_PAD = 0.15

#: How many of a tail's newest segments are drawn in the full colour (older ones are dimmed).
RRG_RECENT_SEGMENTS = 2

AXIS_STYLE = "dim"


def quadrant_of(rs_ratio: float, rs_momentum: float) -> Quadrant:
    """The RRG quadrant of a point (see rotation.py): Leading, Weakening, Lagging or Improving."""
    if rs_ratio > RRG_CENTER:
        return "Leading" if rs_momentum > RRG_CENTER else "Weakening"
    return "Improving" if rs_momentum > RRG_CENTER else "Lagging"


def message_lines(message: str, width: int, height: int, style: str = "dim") -> list[Text]:
    """``height`` rows of ``width`` cells with ``message`` centred (cropped to the width)."""
    if width <= 0 or height <= 0:
        return []
    rows = [Text(" " * width, no_wrap=True, overflow="crop", end="") for _ in range(height)]
    shown = message[:width]
    left = (width - len(shown)) // 2
    rows[(height - 1) // 2] = Text.assemble(
        " " * left, (shown, style), " " * (width - left - len(shown)), no_wrap=True, overflow="crop", end=""
    )
    return rows


def join_lines(rows: Sequence[Text]) -> Text:
    """Rows as one ``Text`` separated by newlines (what ``Widget.render`` returns)."""
    return Text("\n", no_wrap=True, overflow="crop", end="").join(rows)


# --- Relative Rotation Graph ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Track:
    """One RRG entry ready to draw: its finite points (oldest first) and the quadrant of the last."""

    symbol: str
    points: tuple[tuple[float, float], ...]
    quadrant: Quadrant


def _track(entry: RRGEntry) -> _Track | None:
    points = [
        (p.rs_ratio, p.rs_momentum)
        for p in entry.tail
        if math.isfinite(p.rs_ratio) and math.isfinite(p.rs_momentum)
    ]
    ratio, momentum = entry.rs_ratio, entry.rs_momentum
    if not points and ratio is not None and momentum is not None and math.isfinite(ratio + momentum):
        points = [(ratio, momentum)]
    if not points:
        return None
    last = points[-1]
    quadrant = entry.quadrant if entry.quadrant is not None else quadrant_of(*last)
    return _Track(entry.symbol, tuple(points), quadrant)


def _place_text(canvas: BrailleCanvas, cx: int, cy: int, text: str, style: str) -> bool:
    """Write ``text`` at ``(cx, cy)`` when its cells hold no label yet; ``False`` when it would not fit."""
    if not text or not canvas.is_free(cx, cy, len(text), dots=False):
        return False
    canvas.label(cx, cy, text, style)
    return True


def _place_ticker(canvas: BrailleCanvas, cx: int, cy: int, text: str, style: str) -> None:
    """Label a point in cell ``(cx, cy)``: right of it, else left, else above or below. The first place
    that hides no dots and keeps a gap to other labels wins; failing that, one keeping the gap but hiding
    dots (run-together tickers read worse than a broken tail), then one touching another label, and at
    last wherever it starts on the canvas."""
    n = len(text)
    candidates = [
        (cx + 1, cy),
        (cx - n, cy),
        (cx + 1, cy - 1),
        (cx + 1, cy + 1),
        (cx - n, cy - 1),
        (cx - n, cy + 1),
        (cx - n // 2, cy - 1),
        (cx - n // 2, cy + 1),
        (cx + 2, cy),
        (cx - n - 1, cy),
    ]

    def apart(x: int, y: int) -> bool:
        """No other label touches the place on either side (the point's own marker may)."""
        return all(not canvas.has_label(side, y) or (side, y) == (cx, cy) for side in (x - 1, x + n))

    for dots, margin in ((True, True), (False, True), (True, False), (False, False)):
        for x, y in candidates:
            if canvas.is_free(x, y, n, dots=dots) and (not margin or apart(x, y)):
                canvas.label(x, y, text, style)
                return
    for x, y in candidates:
        if canvas.in_cells(x, y):
            canvas.label(x, y, text, style)
            return


def _axis_value(value: float) -> str:
    return f"{value:.1f}"


def rotation_lines(
    rotation: Rotation | None, width: int, height: int, tones: Tones, highlight: str | None = None
) -> list[Text]:
    """The Relative Rotation Graph drawn in ``width`` x ``height`` cells, one ``Text`` per row.

    RS-Ratio runs along x and RS-Momentum along y; the axes cross at (100, 100) and each range is
    symmetric around 100, covering every tail point with some padding. Quadrant names sit dimmed in their
    corners; each tail is a braille line from its oldest to its newest point, coloured by the quadrant of
    the newest, which is marked ``●`` and labelled with the ticker (``highlight`` bold and reversed)."""
    if width <= 0 or height <= 0:
        return []
    if width < MIN_WIDTH or height < MIN_RRG_HEIGHT:
        return message_lines("too small", width, height)
    tracks = [t for t in (_track(e) for e in (rotation.rrg if rotation else ())) if t is not None]
    if not tracks:
        return message_lines("no rotation data", width, height)

    canvas = BrailleCanvas(width, height)
    xs = Scale.fit((p[0] for t in tracks for p in t.points), canvas.width, pad=RRG_PAD, center=RRG_CENTER)
    ys = Scale.fit(
        (p[1] for t in tracks for p in t.points), canvas.height, pad=RRG_PAD, center=RRG_CENTER, invert=True
    )
    ax = (xs.dot(RRG_CENTER) or 0) // 2
    ay = (ys.dot(RRG_CENTER) or 0) // 4

    # Axes: background glyphs, so the tails and labels draw over them.
    for cx in range(width):
        canvas.background(cx, ay, "─", AXIS_STYLE)
    for cy in range(height):
        canvas.background(ax, cy, "│", AXIS_STYLE)
    canvas.background(ax, ay, "┼", AXIS_STYLE)

    # Quadrant names in the corners, then axis captions and range ends where they fit.
    corners: tuple[tuple[Quadrant, int, int], ...] = (
        ("Improving", 0, 0),
        ("Leading", width - len("Leading"), 0),
        ("Lagging", 0, height - 1),
        ("Weakening", width - len("Weakening"), height - 1),
    )
    for name, cx, cy in corners:
        _place_text(canvas, cx, cy, name, f"dim {tones.text[QUADRANT_ROLES[name]]}")
    x_lo, x_hi = _axis_value(xs.lo), _axis_value(xs.hi)
    y_lo, y_hi = _axis_value(ys.lo), _axis_value(ys.hi)
    _place_text(canvas, 0, ay, x_lo, AXIS_STYLE)
    _place_text(canvas, width - len(x_hi), ay, x_hi, AXIS_STYLE)
    if not _place_text(canvas, width - len("RS-Ratio"), ay + 1, "RS-Ratio", AXIS_STYLE):
        _place_text(canvas, width - len("RS-Ratio"), ay - 1, "RS-Ratio", AXIS_STYLE)
    _place_text(canvas, ax - len(y_hi), 0, y_hi, AXIS_STYLE)
    _place_text(canvas, ax - len(y_lo), height - 1, y_lo, AXIS_STYLE)
    if not _place_text(canvas, ax + 1, 0, "RS-Momentum", AXIS_STYLE):
        _place_text(canvas, ax + 1, 1, "RS-Momentum", AXIS_STYLE)

    # Tails: the latest segments in the full colour, older ones dimmed; the highlighted tail last and
    # with a higher priority, so it keeps the colour of the cells it shares.
    ordered = sorted(tracks, key=lambda t: t.symbol == highlight)
    heads: list[tuple[_Track, int, int]] = []
    for track in ordered:
        colour = tones.text[QUADRANT_ROLES[track.quadrant]]
        bold = track.symbol == highlight
        dots = [(float(xs.dot(x) or 0), float(ys.dot(y) or 0)) for x, y in track.points]
        segments = list(itertools.pairwise(dots)) or [(dots[0], dots[0])]
        for i, (a, b) in enumerate(segments):
            recent = i >= len(segments) - RRG_RECENT_SEGMENTS
            style = colour if recent else f"dim {colour}"
            canvas.line(*a, *b, f"bold {style}" if bold else style, (2 if bold else 0) + int(recent))
        heads.append((track, int(dots[-1][0]) // 2, int(dots[-1][1]) // 4))

    # Head markers first (so no ticker hides one), then the tickers, the highlighted one first.
    for track, cx, cy in heads:
        colour = tones.text[QUADRANT_ROLES[track.quadrant]]
        canvas.label(cx, cy, "●", f"bold {colour}" if track.symbol == highlight else colour)
    for track, cx, cy in sorted(heads, key=lambda h: h[0].symbol != highlight):
        colour = tones.text[QUADRANT_ROLES[track.quadrant]]
        style = f"bold reverse {colour}" if track.symbol == highlight else colour
        _place_ticker(canvas, cx, cy, track.symbol, style)
    return canvas.rows()


class RotationGraph(Widget):
    """The Relative Rotation Graph of the sectors against the benchmark (see ``rotation_lines``)."""

    DEFAULT_CSS = """
    RotationGraph {
        width: 1fr;
        height: 1fr;
    }
    """

    #: The symbol drawn bold and reversed (``None``: none).
    highlight: reactive[str | None] = reactive(None)

    def __init__(
        self,
        rotation: Rotation | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rotation = rotation
        self._tones: Tones | None = None

    @property
    def rotation(self) -> Rotation | None:
        return self._rotation

    def set_rotation(self, rotation: Rotation | None, tones: Tones | None = None) -> None:
        """Show ``rotation`` (``None``: no data) and repaint, in ``tones`` (default: the app's theme)."""
        self._rotation = rotation
        self._tones = tones
        self.refresh()

    def render(self) -> Text:
        tones = self._tones or Tones.from_variables(self.app.theme_variables)
        return join_lines(
            rotation_lines(self._rotation, self.size.width, self.size.height, tones, self.highlight)
        )
