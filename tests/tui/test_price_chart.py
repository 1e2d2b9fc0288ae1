"""The detail screen's price chart (price_lines, PriceChart): every figure it writes recomputed from the
bundled rows, every close of a long window drawn, the 1D chart's hours and shading, what it says without a
chart, and the widget mounted at normal and tiny sizes."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from rich.console import Console
from rich.text import Text
from rotor.data.feed import BundledFeed
from rotor.data.intraday import IntradayChart
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import MarketSnapshot
from rotor.data.timeframes import BY_CODE, SymbolHistory, daily_chart
from rotor.tui.braille import BRAILLE_BASE
from rotor.tui.tones import style_name
from rotor.tui.widgets.price_chart import ChartContent, PriceChart, price_lines
from textual.app import App, ComposeResult

from support import tones_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from bundled_rows import Rows, searched_rows
from live_fake import live_fake

AS_OF = date(2026, 3, 6)
NY = ZoneInfo("America/New_York")
TONES = tones_of("textual-dark")


@pytest.fixture(scope="module")
def feed() -> BundledFeed:
    return BundledFeed(AS_OF)


@pytest.fixture(scope="module")
def snapshot(feed: BundledFeed) -> MarketSnapshot:
    return feed.refresh()


@pytest.fixture(scope="module")
def gold(feed: BundledFeed, snapshot: MarketSnapshot) -> SymbolHistory:
    return feed.history(snapshot, "GC=F")


@pytest.fixture(scope="module")
def spy_session(
    snapshot: MarketSnapshot, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IntradayChart]:
    """SPY's session of Friday 6 March 2026 at 18:00 ET, through the real yfinance from the fake Yahoo."""
    with live_fake(datetime(2026, 3, 6, 18, 0, 20, tzinfo=NY), tmp_path_factory.mktemp("yahoo")) as fake:
        yield fake.feed.intraday(snapshot, "SPY")


def content(history: SymbolHistory, code: str, unit: str = "") -> ChartContent:
    timeframe = BY_CODE[code]
    return ChartContent(timeframe, daily_chart(history, timeframe), unit)


def rows_upto(ticker: str) -> Rows:
    return [(d, c) for d, c in searched_rows(ticker) if d <= AS_OF]


def plain(rows: list[Text]) -> str:
    return "\n".join(row.plain for row in rows)


def style_at(row: Text, offset: int) -> str:
    return str(row.get_style_at_offset(Console(), offset))


def plot_columns(rows: list[Text]) -> list[str]:
    """The plot area (between the legend and the date axis, right of the price axis), row by row."""
    axis = rows[2].plain.index("┤")
    return [row.plain[axis + 1 :] for row in rows[2:-1]]


def test_the_default_chart_on_real_data(gold: SymbolHistory) -> None:
    rows = price_lines(content(gold, "260"), 100, 24, TONES)
    assert len(rows) == 24 and all(row.cell_len == 100 for row in rows)
    closes = rows_upto("GC=F")
    first, last, (base_day, base) = closes[-260][0], closes[-1], closes[-261]
    change = 100 * (last[1] / base - 1)
    assert rows[0].plain.rstrip() == (
        f"260 sessions  {first.isoformat()} – {last[0].isoformat()}  {change:+.2f}%  "
        f"since the close of {base_day.isoformat()}, {base:,.2f}"
    )
    assert TONES.up in style_at(rows[0], rows[0].plain.index(f"{change:+.2f}%"))
    assert rows[1].plain.startswith("close  MA20  MA50  MA200  ┈ base")
    assert rows[1].plain.rstrip().endswith(fmt.price(last[1]))
    labels = [float(row.plain.split("┤")[0].replace(",", "")) for row in rows[2:-1] if "┤" in row.plain]
    assert 3 <= len(labels) <= 5 and labels == sorted(labels, reverse=True)
    window = [c for _, c in closes[-260:]]
    assert labels[0] >= max(window) and labels[-1] <= min(base, *window)
    assert rows[-1].plain.split("└")[1].split() == [first.isoformat(), last[0].isoformat()]


def test_every_close_of_a_long_window_is_drawn(feed: BundledFeed, snapshot: MarketSnapshot) -> None:
    history = feed.history(snapshot, "^GSPC")
    rows = price_lines(content(history, "Max"), 80, 20, TONES)
    closes = rows_upto("^GSPC")
    assert len(closes) > 20_000
    assert rows[0].plain.startswith(f"Max  {closes[0][0].isoformat()} – {AS_OF.isoformat()}  ")
    assert f"since the first close, {closes[0][1]:,.2f}" in rows[0].plain
    assert "before 2024-01-02: long history (closes only)" in rows[1].plain
    plot = plot_columns(rows)
    # No column without a dot: one stroke per column from its lowest to its highest close.
    for x in range(len(plot[0])):
        assert any(ord(line[x]) > BRAILLE_BASE for line in plot), x
    # The highest close reaches the top row, the lowest the bottom one.
    assert any(ord(c) > BRAILLE_BASE for c in plot[0]) and any(ord(c) > BRAILLE_BASE for c in plot[-1])


def test_an_average_off_the_plot_is_marked_with_its_side(gold: SymbolHistory) -> None:
    rows = price_lines(content(gold, "5D"), 80, 16, TONES)
    closes = [c for _, c in rows_upto("GC=F")]
    shown = [*closes[-6:]]  # the five sessions and their base
    for n in (20, 50, 200):
        average = sum(closes[-n:]) / n
        label = f"MA{n}▼" if average < min(shown) else f"MA{n}▲" if average > max(shown) else f"MA{n} "
        assert label in rows[1].plain + " ", (n, average)
    assert TONES.down in style_at(rows[1], rows[1].plain.index("MA200"))
    assert TONES.info in style_at(rows[1], rows[1].plain.index("MA50"))
    assert TONES.warning in style_at(rows[1], rows[1].plain.index("MA20"))


def test_a_yield_changes_in_basis_points(feed: BundledFeed, snapshot: MarketSnapshot) -> None:
    history = feed.history(snapshot, "^TNX")
    rows = price_lines(content(history, "YTD", unit="%"), 90, 12, TONES)
    closes = rows_upto("^TNX")
    base = [c for d, c in closes if d.year < AS_OF.year][-1]
    assert f"  {100 * (closes[-1][1] - base):+.0f} bp  " in rows[0].plain
    assert rows[1].plain.rstrip().endswith(f"{closes[-1][1]:.3f}%")


def test_short_flat_and_gappy_series_draw() -> None:
    def history(closes: list[float], ma: float | None = None) -> SymbolHistory:
        days = np.datetime64("2025-01-01", "D") + np.arange(len(closes))
        values = np.array(closes, dtype="float64")
        average = np.full(len(closes), np.nan if ma is None else ma)
        average[::7] = np.nan  # gaps
        return SymbolHistory("X", days, values, {20: average, 50: average, 200: average})

    for closes, ma in (([10.0], None), ([5.0] * 30, 5.0), ([1.0, 2.0, 3.0], 2.0), (list(range(400)), None)):
        rows = price_lines(content(history([float(c) for c in closes], ma), "Max"), 40, 8, TONES)
        assert all(row.cell_len == 40 for row in rows)
        assert any(ord(c) > BRAILLE_BASE for c in "".join(plot_columns(rows)))


def test_without_a_chart_it_says_why() -> None:
    assert price_lines(None, 40, 9, TONES)[4].plain.strip() == "no price data"
    plain_fact = ChartContent(BY_CODE["1D"], message="intraday bars need the live feed")
    rows = price_lines(plain_fact, 60, 9, TONES)
    assert rows[0].plain.strip() == "1D" and rows[4].plain.strip() == "intraday bars need the live feed"
    assert TONES.down not in style_at(rows[4], rows[4].plain.index("intraday"))
    failure = ChartContent(BY_CODE["1D"], message="Yahoo server error (HTTP 500)", failed=True)
    rows = price_lines(failure, 60, 9, TONES)
    assert TONES.down in style_at(rows[4], rows[4].plain.index("Yahoo"))


@pytest.mark.parametrize(("width", "height"), [(19, 10), (40, 5), (1, 1), (0, 5), (20, 6)])
def test_tiny_sizes_do_not_raise(gold: SymbolHistory, width: int, height: int) -> None:
    rows = price_lines(content(gold, "260"), width, height, TONES)
    assert all(row.cell_len == width for row in rows)


def test_the_1d_chart_shades_pre_and_post_and_names_its_hours(
    spy_session: IntradayChart, snapshot: MarketSnapshot
) -> None:
    chart = spy_session
    stats = snapshot.get("SPY")
    assert stats is not None
    levels = {20: stats.ma20, 50: stats.ma50, 200: stats.ma200}
    rows = price_lines(ChartContent(BY_CODE["1D"], chart, levels=levels), 120, 20, TONES)
    previous = [c for d, c in rows_upto("SPY") if d < AS_OF][-1]
    change = 100 * (chart.last.close / previous - 1)
    assert rows[0].plain.rstrip() == (
        f"1D  Fri 2026-03-06  04:00–20:00 ET  {change:+.2f}%  vs the close of 2026-03-05, {previous:,.2f}"
    )
    assert rows[1].plain.rstrip().endswith(f"{chart.last.close:,.2f}  after hours 18:00 ET")
    axis = rows[-1].plain
    start = axis.index("└") + 1
    assert axis[start:].split() == ["04:00", "09:30", "16:00", "20:00"]
    # 16 hours across the plot: 09:30 sits 5.5/16 of the way, 16:00 at 12/16.
    width = len(axis) - start
    for label, hours in (("09:30", 5.5), ("16:00", 12.0)):
        centre = axis.index(label) - start + 2
        assert abs(centre - hours / 16 * width) <= 1.5, label
    # The pre- and post-market columns are shaded, the regular session's are not.
    shade = style_name(TONES.fill["shade"])
    plot_row = rows[5]
    offset = plot_row.plain.index("│") + 1
    shaded = [shade in style_at(plot_row, offset + x) for x in range(width)]
    pre_end, post_start = round(5.5 / 16 * width), round(12 / 16 * width)
    assert all(shaded[: pre_end - 1]) and all(shaded[post_start + 1 :])
    assert not any(shaded[pre_end + 1 : post_start - 1])


def test_an_index_1d_chart_has_no_shade(snapshot: MarketSnapshot, tmp_path: Path) -> None:
    with live_fake(datetime(2026, 3, 6, 12, 0, 10, tzinfo=NY), tmp_path) as fake:
        chart = fake.feed.intraday(snapshot, "^GSPC")
    rows = price_lines(ChartContent(BY_CODE["1D"], chart), 90, 14, TONES)
    assert "09:30–16:00 ET" in rows[0].plain and "pre / post" not in rows[1].plain
    shade = style_name(TONES.fill["shade"])
    assert not any(shade in str(span.style) for row in rows for span in row.spans)
    assert rows[1].plain.rstrip().endswith("12:00 ET")


class ChartApp(App[None]):
    def __init__(self, chart: PriceChart, css: str = "") -> None:
        super().__init__()
        self.chart = chart
        self.stylesheet.add_source(css) if css else None

    def compose(self) -> ComposeResult:
        yield self.chart


def screen_text(widget: PriceChart) -> str:
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def test_the_widget_shows_what_it_is_given(gold: SymbolHistory) -> None:
    async def body() -> None:
        chart = PriceChart()
        app = ChartApp(chart)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "no price data" in screen_text(chart)
            chart.show(content(gold, "1M"), TONES)
            await pilot.pause()
            text = screen_text(chart)
            assert text.startswith("1M  ") and "close  MA20" in text and "┤" in text
            chart.show(ChartContent(BY_CODE["1D"], message="intraday bars need the live feed"), TONES)
            await pilot.pause()
            assert "intraday bars need the live feed" in screen_text(chart)
            chart.show(None)
            await pilot.pause()
            assert "no price data" in screen_text(chart)

    asyncio.run(body())


@pytest.mark.parametrize("size", [(15, 4), (80, 24)])
def test_the_widget_in_a_tiny_pane(gold: SymbolHistory, size: tuple[int, int]) -> None:
    async def body() -> None:
        chart = PriceChart(content(gold, "Max"))

        class Tiny(App[None]):
            CSS = "PriceChart { width: 12; height: 3; }"

            def compose(self) -> ComposeResult:
                yield chart

        app: Any = Tiny()
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert "too small" in screen_text(chart)

    asyncio.run(body())
