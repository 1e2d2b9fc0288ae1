"""Braille charts sized to their pane: the Relative Rotation Graph and a price chart with its averages.

Both widgets keep their data and draw it at whatever size they are given, on a ``BrailleCanvas`` (2x4
dots per cell), so they stay legible in small panes. The drawing is done by pure functions
(``rotation_lines``, ``price_lines``) that return one rich ``Text`` per row; the widgets join them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import Bar, Quadrant, Rotation, RRGEntry, SymbolDetail
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
MIN_PRICE_HEIGHT = 5

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


# --- Price chart ---------------------------------------------------------------------------------

#: The series of the price chart: bar field, legend label, colour role (``Tones``; three that read
#: apart in every theme). ``close`` is drawn bold in the theme's foreground.
PRICE_SERIES: tuple[tuple[str, str, str | None], ...] = (
    ("close", "close", None),
    ("ma20", "MA20", "warning"),
    ("ma50", "MA50", "info"),
    ("ma200", "MA200", "down"),
)


def _series(bars: Sequence[Bar], field: str) -> list[float | None]:
    values: list[float | None] = []
    for bar in bars:
        value: float | None = getattr(bar, field)
        values.append(value if value is not None and math.isfinite(value) else None)
    return values


def _tick_rows(plot_height: int) -> list[int]:
    """The plot rows that get a price label: 3 to 5 spread from top to bottom (fewer when short)."""
    count = 5 if plot_height >= 12 else 4 if plot_height >= 8 else 3
    count = min(count, plot_height)
    if count <= 1:
        return [0]
    return sorted({round(i * (plot_height - 1) / (count - 1)) for i in range(count)})


def price_lines(detail: SymbolDetail | None, width: int, height: int, tones: Tones) -> list[Text]:
    """A price chart of ``detail`` in ``width`` x ``height`` cells, one ``Text`` per row.

    Row 0 is the legend (and the last close); then the plot with price labels on the left; the last row
    holds the first and last dates shown. The plot shows the last bars that fit at two per cell (fewer
    bars are stretched across): closes as a braille line, with the 20/50/200-session averages where
    defined (a missing average leaves a gap)."""
    if width <= 0 or height <= 0:
        return []
    if width < MIN_WIDTH or height < MIN_PRICE_HEIGHT:
        return message_lines("too small", width, height)
    bars = tuple(b for b in (detail.bars if detail else ()) if math.isfinite(b.close))
    if not bars:
        return message_lines("no price data", width, height)

    plot_height = height - 2
    ticks = _tick_rows(plot_height)
    label_width = max(len(fmt.price(b.close)) for b in bars)
    # Two passes: the labels' width sets the plot's, which sets the bars shown and so the labels.
    for _ in range(2):
        plot_width = max(1, width - label_width - 1)
        shown = bars[-plot_width * 2 :]
        series = {field: _series(shown, field) for field, _, _ in PRICE_SERIES}
        ys = Scale.fit(
            (v for values in series.values() for v in values), plot_height * 4, pad=0.04, invert=True
        )
        labels = {row: fmt.price(ys.value(row * 4 + 1.5)) for row in ticks}
        needed = max(len(s) for s in labels.values())
        if needed <= label_width:
            break
        label_width = needed

    canvas = BrailleCanvas(plot_width, plot_height)
    count = len(shown)
    span = canvas.width - 1
    xs = [round(i * span / (count - 1)) if count > 1 else span for i in range(count)]
    # Averages first, the close last and on top: it keeps the cells it shares with an average.
    styles = {field: tones.text[role] if role else "bold" for field, _, role in PRICE_SERIES}
    for priority, (field, _, _) in enumerate(reversed(PRICE_SERIES)):
        points: list[tuple[float, float] | None] = []
        for x, value in zip(xs, series[field], strict=True):
            y = ys.dot(value)
            points.append(None if y is None else (float(x), float(y)))
        canvas.polyline(points, styles[field], priority)

    rows: list[Text] = []
    legend = Text(no_wrap=True, overflow="crop", end="")
    for i, (field, label, _) in enumerate(PRICE_SERIES):
        if i:
            legend.append("  ")
        legend.append(label, styles[field])
    last = fmt.price(bars[-1].close)
    if legend.cell_len + 2 + len(last) <= width:
        legend.append(" " * (width - legend.cell_len - len(last)))
        legend.append(last, "bold")
    legend.pad_right(width - legend.cell_len)
    legend.truncate(width)
    rows.append(legend)

    for row, plot in enumerate(canvas.rows()):
        label = labels.get(row, "")
        axis = "┤" if row in labels else "│"
        rows.append(
            Text.assemble(
                (label.rjust(label_width), AXIS_STYLE),
                (axis, AXIS_STYLE),
                plot,
                no_wrap=True,
                overflow="crop",
                end="",
            )
        )

    first, final = shown[0].on.isoformat(), shown[-1].on.isoformat()
    dates = " " * label_width + "└"
    room = plot_width
    if len(first) + len(final) + 1 <= room:
        dates += first + final.rjust(room - len(first))
    else:
        dates += final.rjust(room)
    rows.append(Text(dates[:width].ljust(width), AXIS_STYLE, no_wrap=True, overflow="crop", end=""))
    return rows


class PriceChart(Widget):
    """Closes and their 20/50/200-session averages for one symbol (see ``price_lines``)."""

    DEFAULT_CSS = """
    PriceChart {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(
        self,
        detail: SymbolDetail | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._detail = detail
        self._tones: Tones | None = None

    @property
    def detail(self) -> SymbolDetail | None:
        return self._detail

    def set_detail(self, detail: SymbolDetail | None, tones: Tones | None = None) -> None:
        """Show ``detail`` (``None``: no data) and repaint, in ``tones`` (default: the app's theme)."""
        self._detail = detail
        self._tones = tones
        self.refresh()

    def render(self) -> Text:
        tones = self._tones or Tones.from_variables(self.app.theme_variables)
        return join_lines(price_lines(self._detail, self.size.width, self.size.height, tones))
