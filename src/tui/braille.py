"""A braille canvas for terminal charts: 2x4 dots per cell, a colour per cell, text labels on top.

Pure Python on rich only (no textual), so charts can be drawn and tested without an app. Dot coordinates
run from the top-left corner: ``x`` in ``0 .. 2 * width_cells - 1``, ``y`` in ``0 .. 4 * height_cells - 1``.
A cell shows, in order of precedence: a label character, its braille dots, a background glyph (axes,
gridlines), or a space; a shaded cell (``shade``) shows it on that background colour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.style import Style
from rich.text import Text

StyleType = str | Style

#: First code point of the Unicode braille patterns block (the empty pattern).
BRAILLE_BASE = 0x2800

#: The bit of each dot of a cell, indexed ``[dot column][dot row]`` (Unicode numbers the dots 1-2-3-7
#: down the left column and 4-5-6-8 down the right one).
DOT_BITS: tuple[tuple[int, int, int, int], tuple[int, int, int, int]] = (
    (0x01, 0x02, 0x04, 0x40),
    (0x08, 0x10, 0x20, 0x80),
)


def braille_char(bits: int) -> str:
    """The braille character of a cell's dot bits (0 gives the blank pattern U+2800)."""
    return chr(BRAILLE_BASE + (bits & 0xFF))


class BrailleCanvas:
    """A grid of ``width_cells`` x ``height_cells`` terminal cells, each holding 2x4 braille dots.

    Each cell has one style for its dots: a write with a ``priority`` at least the cell's current one
    replaces it, so among equal priorities the last writer wins. Labels (text at cell coordinates) hide
    the dots of their cells; background glyphs show only in cells with neither dots nor a label.
    Anything drawn outside the canvas is clipped silently.
    """

    __slots__ = (
        "_background",
        "_bits",
        "_labels",
        "_priority",
        "_shade",
        "_style",
        "height_cells",
        "width_cells",
    )

    def __init__(self, width_cells: int, height_cells: int) -> None:
        self.width_cells = max(0, int(width_cells))
        self.height_cells = max(0, int(height_cells))
        cells = self.width_cells * self.height_cells
        self._bits = bytearray(cells)
        self._style: list[StyleType | None] = [None] * cells
        self._priority: list[int] = [0] * cells
        self._labels: dict[int, tuple[str, StyleType]] = {}
        self._background: dict[int, tuple[str, StyleType]] = {}
        self._shade: dict[int, str] = {}

    # --- geometry ----------------------------------------------------------------------------------

    @property
    def width(self) -> int:
        """Width in dots."""
        return self.width_cells * 2

    @property
    def height(self) -> int:
        """Height in dots."""
        return self.height_cells * 4

    def in_cells(self, cx: int, cy: int) -> bool:
        return 0 <= cx < self.width_cells and 0 <= cy < self.height_cells

    def _cell(self, cx: int, cy: int) -> int:
        return cy * self.width_cells + cx

    # --- dots --------------------------------------------------------------------------------------

    def set(self, x: float, y: float, style: StyleType | None = None, priority: int = 0) -> None:
        """Turn on the dot at ``(x, y)`` (rounded); ``style`` colours its cell (see the class doc)."""
        xi, yi = round(x), round(y)
        if not (0 <= xi < self.width and 0 <= yi < self.height):
            return
        index = self._cell(xi >> 1, yi >> 2)
        self._bits[index] |= DOT_BITS[xi & 1][yi & 3]
        if style is not None and (self._style[index] is None or priority >= self._priority[index]):
            self._style[index] = style
            self._priority[index] = priority

    def get(self, x: int, y: int) -> bool:
        """Whether the dot at ``(x, y)`` is on (``False`` outside the canvas)."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            return False
        return bool(self._bits[self._cell(x >> 1, y >> 2)] & DOT_BITS[x & 1][y & 3])

    def line(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        style: StyleType | None = None,
        priority: int = 0,
    ) -> None:
        """A straight line of dots from ``(x0, y0)`` to ``(x1, y1)``, both ends included (Bresenham).

        Ends far outside the canvas are clipped first, so a wild coordinate costs no long loop."""
        clipped = _clip(float(x0), float(y0), float(x1), float(y1), self.width - 1, self.height - 1)
        if clipped is None:
            return
        xa, ya, xb, yb = (round(v) for v in clipped)
        dx, dy = abs(xb - xa), -abs(yb - ya)
        sx = 1 if xa < xb else -1
        sy = 1 if ya < yb else -1
        err = dx + dy
        while True:
            self.set(xa, ya, style, priority)
            if xa == xb and ya == yb:
                return
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                xa += sx
            if e2 <= dx:
                err += dx
                ya += sy

    def polyline(
        self,
        points: Iterable[tuple[float, float] | None],
        style: StyleType | None = None,
        priority: int = 0,
    ) -> None:
        """Lines through consecutive points; a ``None`` point breaks the line (a gap in the data)."""
        previous: tuple[float, float] | None = None
        for point in points:
            if point is not None:
                if previous is None:
                    self.set(point[0], point[1], style, priority)
                else:
                    self.line(previous[0], previous[1], point[0], point[1], style, priority)
            previous = point

    # --- cells -------------------------------------------------------------------------------------

    def label(self, cx: int, cy: int, text: str, style: StyleType = "") -> None:
        """Write ``text`` from cell ``(cx, cy)`` rightwards (one character per cell, clipped at the
        edges); it hides the dots and background of its cells, and replaces earlier labels there."""
        if not 0 <= cy < self.height_cells:
            return
        for offset, char in enumerate(text):
            x = cx + offset
            if 0 <= x < self.width_cells:
                self._labels[self._cell(x, cy)] = (char, style)

    def background(self, cx: int, cy: int, char: str, style: StyleType = "") -> None:
        """A glyph shown in cell ``(cx, cy)`` only while the cell has no dots and no label."""
        if self.in_cells(cx, cy) and char:
            self._background[self._cell(cx, cy)] = (char[0], style)

    def shade(self, cx: int, cy: int, colour: str) -> None:
        """Give cell ``(cx, cy)`` the background ``colour`` (a rich colour name), whatever it shows."""
        if self.in_cells(cx, cy) and colour:
            self._shade[self._cell(cx, cy)] = colour

    def shaded(self, cx: int, cy: int) -> str | None:
        """The background colour of cell ``(cx, cy)``, if shaded."""
        return self._shade.get(self._cell(cx, cy)) if self.in_cells(cx, cy) else None

    def has_dots(self, cx: int, cy: int) -> bool:
        return self.in_cells(cx, cy) and self._bits[self._cell(cx, cy)] != 0

    def has_label(self, cx: int, cy: int) -> bool:
        return self.in_cells(cx, cy) and self._cell(cx, cy) in self._labels

    def is_free(self, cx: int, cy: int, length: int = 1, *, dots: bool = True) -> bool:
        """Whether ``length`` cells from ``(cx, cy)`` rightwards are on the canvas and hold no label (and,
        with ``dots``, no braille dots either): a place a new label hides nothing."""
        for x in range(cx, cx + max(1, length)):
            if not self.in_cells(x, cy) or self.has_label(x, cy) or (dots and self.has_dots(x, cy)):
                return False
        return True

    def char_at(self, cx: int, cy: int) -> str:
        """The character cell ``(cx, cy)`` shows."""
        return self._cell_content(self._cell(cx, cy))[0]

    def _cell_content(self, index: int) -> tuple[str, StyleType]:
        char, style = self._cell_glyph(index)
        shade = self._shade.get(index)
        if shade is None:
            return char, style
        if isinstance(style, Style):
            return char, style + Style(bgcolor=shade)
        return char, f"{style} on {shade}".strip()

    def _cell_glyph(self, index: int) -> tuple[str, StyleType]:
        label = self._labels.get(index)
        if label is not None:
            return label
        bits = self._bits[index]
        if bits:
            style = self._style[index]
            return braille_char(bits), "" if style is None else style
        return self._background.get(index, (" ", ""))

    # --- output ------------------------------------------------------------------------------------

    def rows(self) -> list[Text]:
        """One rich ``Text`` per cell row, each exactly ``width_cells`` characters wide."""
        rows: list[Text] = []
        for cy in range(self.height_cells):
            text = Text(no_wrap=True, overflow="crop", end="")
            run: list[str] = []
            run_style: StyleType = ""
            start = cy * self.width_cells
            for index in range(start, start + self.width_cells):
                char, style = self._cell_content(index)
                if style != run_style and run:
                    text.append("".join(run), run_style)
                    run = []
                run_style = style
                run.append(char)
            if run:
                text.append("".join(run), run_style)
            rows.append(text)
        return rows

    def plain_rows(self) -> list[str]:
        """The rows as plain strings (for tests and text dumps)."""
        return [row.plain for row in self.rows()]


def _clip(x0: float, y0: float, x1: float, y1: float, xmax: float, ymax: float) -> tuple[float, ...] | None:
    """Liang-Barsky clipping of a segment to ``[-0.5, xmax + 0.5] x [-0.5, ymax + 0.5]`` (the dots that
    round onto the canvas); ``None`` when the segment misses it."""
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or xmax < 0 or ymax < 0:
        return None
    lo_x, hi_x, lo_y, hi_y = -0.5, xmax + 0.5, -0.5, ymax + 0.5
    if lo_x <= x0 <= hi_x and lo_x <= x1 <= hi_x and lo_y <= y0 <= hi_y and lo_y <= y1 <= hi_y:
        return (x0, y0, x1, y1)
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - lo_x), (dx, hi_x - x0), (-dy, y0 - lo_y), (dy, hi_y - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    # Keep the clipped ends a hair inside so they do not round off the canvas.
    eps = 1e-9
    ends = (x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy)
    return tuple(
        min(max(v, -0.5 + eps), limit + 0.5 - eps)
        for v, limit in zip(ends, (xmax, ymax, xmax, ymax), strict=True)
    )


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


class Scale:
    """A linear map from a data range onto dot coordinates ``0 .. size - 1``.

    ``invert`` puts ``hi`` at dot 0 (a y axis: larger values at the top). The range is made usable
    whatever it is given: non-finite or ``None`` ends fall back to the other end (or ``0 .. 1``), ends in
    the wrong order are swapped, an empty range (``lo == hi``) is widened by 1 % of its value (or by 0.5
    around zero), and ``pad`` then widens it by that fraction of its span on each side."""

    __slots__ = ("hi", "invert", "lo", "size")

    def __init__(
        self,
        lo: float | None,
        hi: float | None,
        size: int,
        *,
        pad: float = 0.0,
        invert: bool = False,
    ) -> None:
        if not _finite(lo) and not _finite(hi):
            lo, hi = 0.0, 1.0
        elif not _finite(lo):
            lo = hi
        elif not _finite(hi):
            hi = lo
        assert lo is not None and hi is not None
        lo, hi = float(min(lo, hi)), float(max(lo, hi))
        if hi == lo:
            half = abs(lo) * 0.01 or 0.5
            lo, hi = lo - half, hi + half
        if pad > 0 and math.isfinite(pad):
            span = hi - lo
            lo, hi = lo - span * pad, hi + span * pad
        self.lo: float = lo
        self.hi: float = hi
        self.size: int = max(1, int(size))
        self.invert: bool = invert

    @classmethod
    def fit(
        cls,
        values: Iterable[float | None],
        size: int,
        *,
        pad: float = 0.05,
        invert: bool = False,
        center: float | None = None,
    ) -> Scale:
        """The scale covering the finite ``values`` (``None`` and NaN ignored), padded; with ``center``,
        symmetric around it (the center is always inside)."""
        data = [float(v) for v in values if v is not None and math.isfinite(v)]
        if center is not None:
            half = max((abs(v - center) for v in data), default=0.0)
            return cls(center - half, center + half, size, pad=pad, invert=invert)
        if not data:
            return cls(None, None, size, pad=pad, invert=invert)
        return cls(min(data), max(data), size, pad=pad, invert=invert)

    def dot(self, value: float | None) -> int | None:
        """The dot coordinate of ``value`` (``None`` for ``None``/NaN/inf); values outside the range map
        outside ``0 .. size - 1`` (the canvas clips them)."""
        if value is None or not math.isfinite(value):
            return None
        t = (value - self.lo) / (self.hi - self.lo)
        if self.invert:
            t = 1.0 - t
        return round(t * (self.size - 1))

    def value(self, dot: float) -> float:
        """The data value at a (possibly fractional) dot coordinate: the inverse of ``dot``."""
        t = dot / (self.size - 1) if self.size > 1 else 0.5
        if self.invert:
            t = 1.0 - t
        return self.lo + t * (self.hi - self.lo)

    def __repr__(self) -> str:
        return f"Scale(lo={self.lo!r}, hi={self.hi!r}, size={self.size}, invert={self.invert})"
