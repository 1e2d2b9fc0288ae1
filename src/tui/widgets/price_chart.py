"""The detail screen's price chart: a timeframe's closes with the 20/50/200-session averages, or the 1D
chart of one session's one-minute bars with its pre- and post-market shaded.

``price_lines`` draws a ``ChartContent`` in ``width`` x ``height`` cells, one rich ``Text`` per row:

- row 0, the header: the timeframe, its span (first and last dates; for 1D the session and its hours, New
  York time) and the change over it from its base (rotor.data.timeframes; for 1D the previous session's
  close), in the rise or fall colour (a yield's in basis points);
- row 1, the legend: the series in their colours, and the last close;
- the plot, with price labels on the left: the closes as a bold braille line over the averages (each
  day's 20/50/200-session average; the 1D chart draws the day's averages as dotted levels where they fall
  in its range) and the base as a dim dashed line. Every close of the window is drawn: where more closes
  than dots share a column, the column runs from the lowest to the highest of them;
- the last row: the first and last dates (1D: the session's hours, pre-market and post-market included).

Without a chart it says why (``message``: the feed's reason; in the down colour when asking failed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from rich.text import Text
from rotor.data.intraday import IntradayChart
from rotor.data.render import formatting as fmt
from rotor.data.timeframes import AVERAGES, ChartTimeframe, DailyChart
from rotor.tui.braille import BrailleCanvas, Scale
from rotor.tui.tones import Tones, style_name
from rotor.tui.widgets.charts import AXIS_STYLE, MIN_WIDTH, join_lines, message_lines
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    import numpy as np

#: Panes lower than this (cells) show a short message instead of a chart.
MIN_PRICE_HEIGHT: Final = 6
#: The colour role (``Tones``) of each average's line; three that read apart in every theme.
AVERAGE_ROLES: Final = {20: "warning", 50: "info", 200: "down"}
CLOSE_STYLE: Final = "bold"
#: The dashed line of the base (the close the change is measured from).
BASE_GLYPH: Final = "┈"
NEW_YORK: Final = ZoneInfo("America/New_York")
#: What each part of a US session is called in the header.
PART_WORDS: Final = {"pre": "pre-market", "regular": "", "post": "after hours"}


@dataclass(frozen=True, eq=False)
class ChartContent:
    """What the price chart shows: a timeframe's chart, or why there is none (``message``; ``failed``
    when asking for it failed). ``unit`` is the symbol's (``%``: a yield, whose changes are in basis
    points); ``levels`` are the day's 20/50/200-session averages, drawn across the 1D chart."""

    timeframe: ChartTimeframe
    chart: DailyChart | IntradayChart | None = None
    unit: str = ""
    levels: Mapping[int, float | None] = field(default_factory=dict)
    message: str | None = None
    failed: bool = False


def _row(width: int, *parts: tuple[str, str] | Text | str) -> Text:
    """One row of exactly ``width`` cells from ``parts`` (cropped, padded)."""
    text = Text.assemble(*parts, no_wrap=True, overflow="crop", end="")
    text.truncate(width, pad=True)
    return text


def _change(content: ChartContent, last: float | None, base: float | None, tones: Tones) -> Text:
    """The change from ``base`` to ``last`` in the rise or fall colour: percent, a yield's basis points."""
    if content.unit == "%":
        bp = fmt.yield_change_bp(last, base)
        return Text(fmt.basis_points(bp), style=tones.change(bp))
    pct = 100.0 * (last / base - 1.0) if last is not None and base is not None and base > 0 else None
    return Text(fmt.pct(pct), style=tones.change(pct))


def _price(value: float | None, content: ChartContent) -> str:
    return fmt.price(value, "%" if content.unit == "%" else "")


def daily_header(content: ChartContent, chart: DailyChart, tones: Tones) -> Text:
    """``1M  2026-02-09 – 2026-03-06  +3.94%  since the close of 2026-02-06, 4,951.20``."""
    first, last = chart.first, chart.last
    assert first is not None and last is not None
    header = Text.assemble((chart.timeframe.title, "bold"), f"  {first.isoformat()} – {last.isoformat()}  ")
    header.append_text(_change(content, chart.last_close, chart.base_close, tones))
    base = _price(chart.base_close, content)
    if chart.complete and chart.timeframe.kind != "max":
        assert chart.base_day is not None
        header.append(f"  since the close of {chart.base_day.isoformat()}, {base}", "dim")
    elif chart.timeframe.kind == "max":
        header.append(f"  since the first close, {base}", "dim")
    else:
        header.append(f"  since the first close, {base}: the history starts on {first.isoformat()}", "dim")
    return header


def seam_note(chart: DailyChart) -> tuple[str, str] | None:
    """Where the window reaches into the deep history: ``before 2024-01-02: long history (closes only)``."""
    if chart.seam is None:
        return None
    kind = "dividend-adjusted, rebased" if chart.basis == "ADJ" else "closes only"
    return f"before {chart.seam.isoformat()}: long history ({kind})", AXIS_STYLE


def _clock(moment: datetime, other: datetime) -> str:
    local, there = moment.astimezone(NEW_YORK), other.astimezone(NEW_YORK)
    return f"{local:%H:%M}" if local.date() == there.date() else f"{local:%a %H:%M}"


def intraday_header(content: ChartContent, chart: IntradayChart, tones: Tones) -> Text:
    """``1D  Fri 2026-03-06  04:00–20:00 ET  -1.75%  vs the close of 2026-03-05, 681.31``."""
    day = chart.session
    span = f"{_clock(chart.start, chart.end)}–{_clock(chart.end, chart.end)} ET"
    header = Text.assemble((chart_title(content), "bold"), f"  {day:%a} {day.isoformat()}  {span}  ")
    last = chart.last
    header.append_text(_change(content, last.close, chart.previous_close, tones))
    if chart.previous_day is not None:
        base = _price(chart.previous_close, content)
        header.append(f"  vs the close of {chart.previous_day.isoformat()}, {base}", "dim")
    else:
        header.append("  (no previous close in the data)", "dim")
    return header


def last_minute(content: ChartContent, chart: IntradayChart) -> str:
    """The last minute's close and time: ``669.38  after hours 18:00 ET``."""
    last = chart.last
    words = PART_WORDS[last.part]
    at = last.time.astimezone(NEW_YORK)
    return f"{_price(last.close, content)}  {words + ' ' if words else ''}{at:%H:%M} ET"


def chart_title(content: ChartContent) -> str:
    return content.timeframe.title


def _legend(
    width: int, tones: Tones, last: str, extra: Sequence[tuple[str, str]], off: Mapping[int, str]
) -> Text:
    """``close  MA20  MA50  MA200`` in their colours (an average off the plot with ▲ or ▼ after it, the
    side it is on), then ``extra``, and the last close at the right."""
    legend = Text(no_wrap=True, overflow="crop", end="")
    legend.append("close", CLOSE_STYLE)
    for n in AVERAGES:
        legend.append("  ")
        legend.append(f"MA{n}{off.get(n, '')}", tones.text[AVERAGE_ROLES[n]])
    for glyph_text, style in extra:
        legend.append("  ")
        legend.append(glyph_text, style)
    if legend.cell_len + 2 + len(last) <= width:
        legend.append(" " * (width - legend.cell_len - len(last)))
        legend.append(last, CLOSE_STYLE)
    legend.truncate(width, pad=True)
    return legend


def _tick_rows(plot_height: int) -> list[int]:
    """The plot rows that get a price label: 3 to 5 spread from top to bottom (fewer when short)."""
    count = 5 if plot_height >= 12 else 4 if plot_height >= 8 else 3
    count = min(count, plot_height)
    if count <= 1:
        return [0]
    return sorted({round(i * (plot_height - 1) / (count - 1)) for i in range(count)})


def column_points(cols: np.ndarray, values: np.ndarray) -> list[tuple[float, float] | None]:
    """The points of a line through ``values`` at dot columns ``cols`` (ascending integers): one point
    per column that holds one value; where several share a column, their first, lowest, highest and last
    (a vertical stroke over every value in it); ``None`` for a column without a finite value (a gap)."""
    import numpy as np

    count = len(cols)
    if count == 0:
        return []
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]]).tolist()
    ends = [*starts[1:], count]
    finite = np.isfinite(values)
    points: list[tuple[float, float] | None] = []
    for start, end in zip(starts, ends, strict=True):
        x = float(cols[start])
        if end - start == 1:
            points.append((x, float(values[start])) if finite[start] else None)
            continue
        chunk = values[start:end][finite[start:end]]
        if not len(chunk):
            points.append(None)
            continue
        points += [
            (x, float(chunk[0])),
            (x, float(chunk.min())),
            (x, float(chunk.max())),
            (x, float(chunk[-1])),
        ]
    return points


@dataclass
class _Frame:
    """The plot area being drawn: its canvas, the y scale and the price labels."""

    canvas: BrailleCanvas
    ys: Scale
    labels: dict[int, str]
    label_width: int

    @property
    def span(self) -> int:
        return self.canvas.width - 1

    def draw(self, points: list[tuple[float, float] | None], style: str, priority: int) -> None:
        ys = self.ys
        mapped: list[tuple[float, float] | None] = []
        for point in points:
            y = ys.dot(point[1]) if point is not None else None
            mapped.append(None if point is None or y is None else (point[0], float(y)))
        self.canvas.polyline(mapped, style, priority)

    def dashed(self, value: float | None, glyph: str, style: str) -> None:
        """A horizontal line of ``glyph`` at ``value`` behind the data (only where cells are empty)."""
        y = self.ys.dot(value)
        if y is None or not 0 <= y < self.canvas.height:
            return
        for cx in range(self.canvas.width_cells):
            self.canvas.background(cx, y // 4, glyph, style)

    def side(self, value: float | None) -> str:
        """``▲`` for a value above the plot, ``▼`` below, ``""`` on it (or undefined)."""
        y = self.ys.dot(value)
        if y is None or 0 <= y < self.canvas.height:
            return ""
        return "▲" if y < 0 else "▼"

    def dotted(self, value: float | None, style: str, priority: int) -> None:
        """A dotted horizontal line at ``value`` (every other dot), when it falls on the plot."""
        y = self.ys.dot(value)
        if y is None or not 0 <= y < self.canvas.height:
            return
        for x in range(0, self.canvas.width, 3):
            self.canvas.set(x, y, style, priority)

    def rows(self) -> list[Text]:
        rows = []
        for row, plot in enumerate(self.canvas.rows()):
            label = self.labels.get(row, "")
            axis = "┤" if row in self.labels else "│"
            rows.append(
                Text.assemble(
                    (label.rjust(self.label_width), AXIS_STYLE),
                    (axis, AXIS_STYLE),
                    plot,
                    no_wrap=True,
                    overflow="crop",
                    end="",
                )
            )
        return rows


def _frame(values: Sequence[float], width: int, plot_height: int, content: ChartContent) -> _Frame:
    """A canvas beside price labels, scaled to ``values`` (finite ones)."""
    ys = Scale.fit(values, plot_height * 4, pad=0.04, invert=True)
    labels = {row: _price(ys.value(row * 4 + 1.5), content) for row in _tick_rows(plot_height)}
    label_width = max(len(s) for s in labels.values())
    plot_width = max(1, width - label_width - 1)
    return _Frame(BrailleCanvas(plot_width, plot_height), ys, labels, label_width)


def _finite(values: Any) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def _last_finite(values: Any) -> float | None:
    found = _finite(values[-1:])
    return found[0] if found else None


def daily_lines(
    content: ChartContent, chart: DailyChart, width: int, height: int, tones: Tones
) -> list[Text]:
    import numpy as np

    plot_height = height - 3
    # Scaled to the closes and the base: the averages are drawn where they fall (a long average far from
    # a short window's closes would flatten them), the legend says where one is off the plot.
    scaled = _finite(chart.closes)
    if chart.complete and chart.timeframe.kind != "max":
        scaled += _finite([chart.base_close])
    frame = _frame(scaled, width, plot_height, content)
    count = len(chart.closes)
    span = frame.span
    cols = np.round(np.arange(count) * span / (count - 1)) if count > 1 else np.array([float(span)])
    if chart.complete and chart.timeframe.kind != "max":
        frame.dashed(chart.base_close, BASE_GLYPH, AXIS_STYLE)
    # Averages first, the close last and on top: it keeps the cells it shares with an average.
    for priority, n in enumerate(reversed(AVERAGES)):
        frame.draw(column_points(cols, chart.averages[n]), tones.text[AVERAGE_ROLES[n]], priority)
    frame.draw(column_points(cols, chart.closes), CLOSE_STYLE, len(AVERAGES))

    first, last = chart.first, chart.last
    assert first is not None and last is not None
    extra = [(f"{BASE_GLYPH} base", AXIS_STYLE)] if chart.complete and chart.timeframe.kind != "max" else []
    note = seam_note(chart)
    if note is not None:
        extra.append(note)
    off = {n: frame.side(_last_finite(chart.averages[n])) for n in AVERAGES}
    rows = [
        _row(width, daily_header(content, chart, tones)),
        _legend(width, tones, _price(chart.last_close, content), extra, off),
        *frame.rows(),
    ]
    room = frame.canvas.width_cells
    dates = " " * frame.label_width + "└"
    start, end = first.isoformat(), last.isoformat()
    dates += start + end.rjust(room - len(start)) if len(start) + len(end) + 1 <= room else end.rjust(room)
    rows.append(_row(width, (dates, AXIS_STYLE)))
    return rows


def intraday_lines(
    content: ChartContent, chart: IntradayChart, width: int, height: int, tones: Tones
) -> list[Text]:
    import numpy as np

    plot_height = height - 3
    closes = np.array([b.close for b in chart.bars], dtype="float64")
    frame = _frame([*closes.tolist(), *_finite([chart.previous_close])], width, plot_height, content)
    span = frame.span
    start, total = chart.start.timestamp(), max(1.0, chart.end.timestamp() - chart.start.timestamp())

    def dot_x(moment: datetime) -> float:
        return (moment.timestamp() - start) / total * span

    shade = style_name(tones.fill["shade"])
    if chart.extended:
        opens, closes_at = dot_x(chart.open), dot_x(chart.close)
        for cx in range(frame.canvas.width_cells):
            if 2 * cx + 1 <= opens or 2 * cx >= closes_at:
                for cy in range(plot_height):
                    frame.canvas.shade(cx, cy, shade)
    frame.dashed(chart.previous_close, BASE_GLYPH, AXIS_STYLE)
    for priority, n in enumerate(reversed(AVERAGES)):
        frame.dotted(content.levels.get(n), tones.text[AVERAGE_ROLES[n]], priority)
    cols = np.round(np.array([dot_x(b.time) for b in chart.bars]))
    frame.draw(column_points(cols, closes), CLOSE_STYLE, len(AVERAGES))

    extra = [(f"{BASE_GLYPH} previous close", AXIS_STYLE)]
    if chart.extended:
        extra.append((" pre / post ", f"on {shade}"))
    off = {n: frame.side(content.levels.get(n)) for n in AVERAGES}
    rows = [
        _row(width, intraday_header(content, chart, tones)),
        _legend(width, tones, last_minute(content, chart), extra, off),
        *frame.rows(),
    ]
    room = frame.canvas.width_cells
    axis = [" "] * room
    marks = [(chart.start, "left"), (chart.end, "right")]
    if chart.extended:
        marks[1:1] = [(chart.open, "centre"), (chart.close, "centre")]
    taken: list[tuple[int, int]] = []
    for moment, align in marks:
        label = f"{moment.astimezone(NEW_YORK):%H:%M}"
        cx = round(dot_x(moment)) // 2
        at = 0 if align == "left" else room - len(label) if align == "right" else cx - len(label) // 2
        at = max(0, min(at, room - len(label)))
        if any(at <= hi + 1 and lo <= at + len(label) for lo, hi in taken):
            continue  # it would touch a label already placed
        axis[at : at + len(label)] = label
        taken.append((at, at + len(label) - 1))
    rows.append(_row(width, (" " * frame.label_width + "└" + "".join(axis), AXIS_STYLE)))
    return rows


def price_lines(content: ChartContent | None, width: int, height: int, tones: Tones) -> list[Text]:
    """``content`` drawn in ``width`` x ``height`` cells, one ``Text`` per row (see the module docstring)."""
    if width <= 0 or height <= 0:
        return []
    if width < MIN_WIDTH or height < MIN_PRICE_HEIGHT:
        return message_lines("too small", width, height)
    if content is None:
        return message_lines("no price data", width, height)
    chart = content.chart
    if isinstance(chart, IntradayChart) and chart.bars:
        return intraday_lines(content, chart, width, height, tones)
    if isinstance(chart, DailyChart) and len(chart.closes):
        return daily_lines(content, chart, width, height, tones)
    style = tones.down if content.failed else "dim"
    title = _row(width, (chart_title(content), "bold"))
    return [title, *message_lines(content.message or "no price data", width, height - 1, style)]


class PriceChart(Widget):
    """One timeframe's chart of a symbol (see ``price_lines``); it keeps what it drew at its last size."""

    DEFAULT_CSS = """
    PriceChart {
        width: 1fr;
        height: 1fr;
    }
    """

    content: reactive[ChartContent | None] = reactive(None, init=False, always_update=True)

    def __init__(
        self,
        content: ChartContent | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.set_reactive(PriceChart.content, content)
        self._tones: Tones | None = None
        self._drawn: tuple[tuple[object, ...], Text] | None = None

    def show(self, content: ChartContent | None, tones: Tones | None = None) -> None:
        """Show ``content`` (``None``: no data) and repaint, in ``tones`` (default: the app's theme)."""
        self._tones = tones
        self.content = content

    def render(self) -> Text:
        tones = self._tones or Tones.from_variables(self.app.theme_variables)
        key = (id(self.content), self.size.width, self.size.height, tones)
        if self._drawn is None or self._drawn[0] != key:
            lines = price_lines(self.content, self.size.width, self.size.height, tones)
            self._drawn = (key, join_lines(lines))
        return self._drawn[1]
