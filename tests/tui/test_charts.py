"""RotationGraph: the drawing function on real bundled data and on hand-made cases, and the widget mounted
in a small app (pilot), at normal and tiny sizes. (The price chart: test_price_chart.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from rotor.data.feed import BundledFeed
from rotor.data.snapshot import MarketSnapshot, Rotation, RRGEntry, RRGPoint
from rotor.data.symbols import SECTORS
from rotor.tui.widgets.charts import RotationGraph, quadrant_of, rotation_lines
from textual.app import App, ComposeResult
from textual.widget import Widget

from support import tones_of

AS_OF = date(2026, 1, 30)
QUADRANTS = ("Leading", "Weakening", "Lagging", "Improving")
SECTOR_TICKERS = [s.ticker for s in SECTORS]
TONES = tones_of("textual-dark")


@pytest.fixture(scope="module")
def service() -> BundledFeed:
    return BundledFeed(AS_OF)


@pytest.fixture(scope="module")
def snapshot(service: BundledFeed) -> MarketSnapshot:
    return service.refresh()


@pytest.fixture(scope="module")
def rotation(snapshot: MarketSnapshot) -> Rotation:
    assert snapshot.rotation is not None
    return snapshot.rotation


def plain(rows: list[Text]) -> str:
    return "\n".join(row.plain for row in rows)


def point(on: date, ratio: float, momentum: float) -> RRGPoint:
    return RRGPoint(on, ratio, momentum)


def entry(symbol: str, *points: tuple[float, float]) -> RRGEntry:
    tail = tuple(point(AS_OF - timedelta(weeks=len(points) - 1 - i), x, y) for i, (x, y) in enumerate(points))
    last = points[-1]
    return RRGEntry(symbol, last[0], last[1], quadrant_of(*last), tail)


def rotation_of(*entries: RRGEntry) -> Rotation:
    return Rotation(benchmark="SPY", basis="weekly", rrg=entries)


def find(rows: list[Text], text: str) -> tuple[int, int]:
    """(column, row) where ``text`` first appears."""
    for y, row in enumerate(rows):
        x = row.plain.find(text)
        if x >= 0:
            return x, y
    raise AssertionError(f"{text!r} not drawn:\n{plain(rows)}")


def style_at(row: Text, offset: int) -> str:
    return str(row.get_style_at_offset(Console(), offset))


# --- rotation_lines ------------------------------------------------------------------------------


def test_rrg_on_real_data_shows_every_sector_quadrant_and_axis(rotation: Rotation) -> None:
    rows = rotation_lines(rotation, 80, 24, TONES)
    text = plain(rows)
    assert len(rows) == 24
    assert all(row.cell_len == 80 for row in rows)
    for ticker in SECTOR_TICKERS:
        assert ticker in text
    for name in QUADRANTS:
        assert name in text
    assert "RS-Ratio" in text and "RS-Momentum" in text
    assert text.count("●") >= 1
    assert any("\u2800" < ch <= "⣿" for ch in text)  # braille tails
    assert "┼" in text or "─" in text


def test_rrg_quadrant_names_sit_in_their_corners(rotation: Rotation) -> None:
    rows = rotation_lines(rotation, 60, 16, TONES)
    assert rows[0].plain.startswith("Improving")
    assert rows[0].plain.endswith("Leading")
    assert rows[-1].plain.startswith("Lagging")
    assert rows[-1].plain.endswith("Weakening")
    assert TONES.up in style_at(rows[0], 59) and "dim" in style_at(rows[0], 59)
    assert TONES.down in style_at(rows[-1], 0)


def test_rrg_axes_cross_at_100_in_the_middle_of_a_symmetric_range() -> None:
    rows = rotation_lines(rotation_of(entry("XLK", (97.0, 101.0), (103.0, 102.0))), 41, 13, TONES)
    axis_row = next(y for y, row in enumerate(rows) if "┼" in row.plain)
    assert axis_row == 6
    assert rows[axis_row].plain.index("┼") == 20
    # The range ends on the axes are symmetric around 100.
    left = rows[axis_row].plain.split("─")[0].strip()
    right = rows[axis_row].plain.split("─")[-1].strip()
    assert float(left) + float(right) == pytest.approx(200, abs=0.11)
    assert float(left) < 97 and float(right) > 103


def test_rrg_tail_is_coloured_by_the_quadrant_of_its_latest_point() -> None:
    rows = rotation_lines(
        rotation_of(entry("XLK", (98.0, 98.0), (99.0, 101.0), (102.0, 102.5))), 50, 14, TONES
    )
    x, y = find(rows, "XLK")
    head_x, head_y = find(rows, "●")
    axis_x = rows[0].plain.index("│")
    axis_y = next(i for i, row in enumerate(rows) if "┼" in row.plain)
    assert head_x > axis_x and head_y < axis_y  # top-right: Leading
    assert TONES.up in style_at(rows[y], x)
    assert TONES.up in style_at(rows[head_y], head_x)
    braille = [
        (cx, cy) for cy, row in enumerate(rows) for cx, ch in enumerate(row.plain) if "\u2800" < ch <= "⣿"
    ]
    assert braille, "the tail is drawn"
    assert all(TONES.up in style_at(rows[cy], cx) for cx, cy in braille)
    # The tail runs from the lower left (oldest) to the head.
    assert min(cx for cx, _ in braille) < axis_x and max(cy for _, cy in braille) > axis_y


def test_rrg_entry_without_a_quadrant_gets_one_from_its_last_point() -> None:
    bare = RRGEntry("XLU", None, None, None, (point(AS_OF, 98.0, 103.0),))
    rows = rotation_lines(rotation_of(bare, entry("XLE", (102.0, 97.0))), 40, 10, TONES)
    x, y = find(rows, "XLU")
    assert TONES.info in style_at(rows[y], x)  # Improving
    x, y = find(rows, "XLE")
    assert TONES.warning in style_at(rows[y], x)  # Weakening


def test_rrg_labels_of_coinciding_points_do_not_overlap() -> None:
    same = [entry(t, (101.0, 101.0), (102.0, 102.0)) for t in ("XLK", "XLC", "XLY")]
    rows = rotation_lines(rotation_of(*same, entry("XLP", (98.0, 98.0))), 40, 12, TONES)
    text = plain(rows)
    for ticker in ("XLK", "XLC", "XLY", "XLP"):
        assert ticker in text


def test_rrg_highlight_is_bold_and_reversed(rotation: Rotation) -> None:
    rows = rotation_lines(rotation, 80, 24, TONES, highlight="XLK")
    x, y = find(rows, "XLK")
    style = style_at(rows[y], x)
    assert "reverse" in style and "bold" in style
    x, y = find(rows, "XLE")
    assert "reverse" not in style_at(rows[y], x)


def test_rrg_without_data_says_so() -> None:
    for rotation in (None, rotation_of(), rotation_of(RRGEntry("XLK", None, None, None))):
        rows = rotation_lines(rotation, 40, 9, TONES)
        assert len(rows) == 9
        assert rows[4].plain.strip() == "no rotation data"
        assert all(row.cell_len == 40 for row in rows)


def test_rrg_entry_with_only_a_current_point_is_drawn() -> None:
    rows = rotation_lines(rotation_of(RRGEntry("XLB", 101.0, 99.0, "Weakening")), 30, 8, TONES)
    assert "XLB" in plain(rows)


def test_rrg_all_points_at_the_center_do_not_raise() -> None:
    rows = rotation_lines(rotation_of(entry("XLK", (100.0, 100.0), (100.0, 100.0))), 30, 8, TONES)
    assert "XLK" in plain(rows)


@pytest.mark.parametrize(("width", "height"), [(19, 10), (40, 5), (1, 1), (5, 2), (0, 0), (20, 6), (3, 40)])
def test_rrg_tiny_sizes_do_not_raise(rotation: Rotation, width: int, height: int) -> None:
    rows = rotation_lines(rotation, width, height, TONES)
    assert len(rows) == (height if width > 0 else 0)
    assert all(row.cell_len == width for row in rows)
    if width >= 14 and (width < 20 or height < 6):
        assert "too small" in plain(rows)


# --- mounted widgets -----------------------------------------------------------------------------


class ChartApp(App[None]):
    """One chart filling the screen."""

    def __init__(self, chart: Widget) -> None:
        super().__init__()
        self.chart = chart

    def compose(self) -> ComposeResult:
        yield self.chart


class TinyChartApp(ChartApp):
    """One chart squeezed into a pane of 12x3 cells."""

    CSS = "RotationGraph { width: 12; height: 3; }"


def run(body: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """pytest-asyncio is not installed: drive the async pilot test with ``asyncio.run``."""
    asyncio.run(body())


def screen_text(widget: Widget) -> str:
    """What the widget actually paints, row by row, through textual's render pipeline."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def test_rotation_graph_mounted(rotation: Rotation) -> None:
    async def body() -> None:
        graph = RotationGraph()
        app = ChartApp(graph)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert graph.size.width == 80 and graph.size.height == 24
            assert "no rotation data" in screen_text(graph)
            graph.set_rotation(rotation)
            await pilot.pause()
            text = screen_text(graph)
            for ticker in SECTOR_TICKERS:
                assert ticker in text
            for name in (*QUADRANTS, "RS-Ratio", "RS-Momentum"):
                assert name in text
            graph.highlight = "XLK"
            await pilot.pause()
            assert "XLK" in screen_text(graph)
            assert "Leading" in app.export_screenshot()
            graph.set_rotation(None)
            await pilot.pause()
            assert "no rotation data" in screen_text(graph)

    run(body)


@pytest.mark.parametrize("size", [(15, 4), (80, 24)])
def test_the_graph_in_a_tiny_pane_does_not_raise(rotation: Rotation, size: tuple[int, int]) -> None:
    async def body() -> None:
        widget = RotationGraph(rotation)
        app = TinyChartApp(widget)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert widget.size.width <= 12 and widget.size.height <= 3
            assert "too small" in screen_text(widget)
            app.export_screenshot()

    run(body)
