"""A symbol's detail: price chart with the 20/50/200-day averages, its stats, and its recent bars.

The bars come from ``Feed.detail`` in a thread worker (it reads the panel), so opening the
screen never blocks the UI thread; the worker posts the outcome to the screen as a message, as the
app's refresh worker does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import InstrumentStats, MarketSnapshot, SymbolDetail
from rotor.tui import cells
from rotor.tui.tones import Tones
from rotor.tui.widgets.charts import PriceChart
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

if TYPE_CHECKING:
    from rotor.data.feed import Feed

RECENT_BARS = 15


def stats_table(stats: InstrumentStats, tones: Tones) -> Table:
    """The report's figures for one symbol."""
    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column("Figure", style="dim", no_wrap=True)
    table.add_column("Value", justify="right", no_wrap=True)
    unit = "%" if stats.unit == "%" else ""
    rows: list[tuple[str, Text | str]] = [
        ("Last", fmt.price(stats.last, unit)),
        ("Previous close", fmt.price(stats.prev_close, unit)),
        ("1D", cells.change(stats.change_1d_pct, tones)),
        ("1W (5 sessions)", cells.change(stats.change_1w_pct, tones)),
        ("WTD", cells.change(stats.change_wtd_pct, tones)),
        ("1M (21 sessions)", cells.change(stats.change_1m_pct, tones)),
        ("MTD", cells.change(stats.change_mtd_pct, tones)),
        ("YTD", cells.change(stats.change_ytd_pct, tones)),
        ("20-day average", fmt.price(stats.ma20, unit)),
        ("50-day average", fmt.price(stats.ma50, unit)),
        ("200-day average", fmt.price(stats.ma200, unit)),
        ("vs 20 / 50 / 200d", _distances(stats, tones)),
        (
            "50-session range",
            f"{fmt.price(stats.range_50d_low, unit)} – {fmt.price(stats.range_50d_high, unit)}",
        ),
        (
            "52-week range",
            f"{fmt.price(stats.range_52w_low, unit)} – {fmt.price(stats.range_52w_high, unit)}",
        ),
        ("Last bar", stats.last_date.isoformat() if stats.last_date else fmt.NA),
        ("Source", stats.source + (" (stale)" if stats.stale else "")),
    ]
    if stats.error:
        rows.append(("Feed", Text(stats.error, style=tones.down)))
    for label, value in rows:
        table.add_row(label, value)
    return table


def _distances(stats: InstrumentStats, tones: Tones) -> Text:
    averages = (stats.ma20, stats.ma50, stats.ma200)
    return Text(" / ").join(cells.distance(stats, level, tones) for level in averages)


def title_text(stats: InstrumentStats, tones: Tones) -> Text:
    return Text.assemble(
        (f" {stats.name} ", "bold"),
        (f"{stats.symbol}  ", "dim"),
        cells.level(stats, tones),
        " ",
        (stats.unit + " " if stats.unit and stats.unit != "%" else "", "dim"),
        cells.change(stats.change_1d_pct, tones),
        ("  1D", "dim"),
    )


class DetailScreen(Screen[None]):
    """``enter`` on a symbol; ``escape`` goes back."""

    BINDINGS = [Binding("escape,q,backspace", "close", "Back")]

    DEFAULT_CSS = """
    DetailScreen #title { height: 1; background: $boost; }
    DetailScreen #body { height: 1fr; }
    DetailScreen PriceChart { width: 1fr; height: 1fr; border: round $primary; }
    DetailScreen #side { width: 60; }
    DetailScreen #stats { height: auto; border: round $primary; padding: 0 1; }
    DetailScreen #milestones { height: auto; padding: 0 1; }
    DetailScreen #bars { height: 1fr; border: round $primary; }
    """

    class Loaded(Message):
        """The worker read the symbol's detail."""

        def __init__(self, detail: SymbolDetail) -> None:
            self.detail = detail
            super().__init__()

    class Failed(Message):
        """The worker could not read the symbol's detail."""

        def __init__(self, reason: str) -> None:
            self.reason = reason
            super().__init__()

    def __init__(self, feed: Feed, snapshot: MarketSnapshot, symbol: str, tones: Tones) -> None:
        super().__init__()
        self.feed = feed
        self.snapshot = snapshot
        self.symbol = symbol
        self.tones = tones
        self.detail: SymbolDetail | None = None

    def compose(self) -> ComposeResult:
        stats = self.snapshot.get(self.symbol)
        tones = self.tones
        yield Static(title_text(stats, tones) if stats else Text(self.symbol), id="title")
        with Horizontal(id="body"):
            chart = PriceChart(id="chart")
            chart.border_title = "close with 20/50/200-day averages"
            yield chart
            with Vertical(id="side"):
                table = Static(stats_table(stats, tones) if stats else "", id="stats")
                table.border_title = "stats"
                yield table
                milestones = (
                    Text("\n").join(cells.milestone_badge(m, tones) for m in stats.milestones)
                    if stats
                    else ""
                )
                yield Static(milestones, id="milestones")
                bars: DataTable[str] = DataTable(id="bars", cursor_type="row", zebra_stripes=True)
                bars.border_title = f"last {RECENT_BARS} sessions"
                yield bars
        yield Footer()

    def on_mount(self) -> None:
        bars = self.query_one("#bars", DataTable)
        for label in ("Date", "Open", "High", "Low", "Close"):
            bars.add_column(label, key=label.lower())
        self.query_one(PriceChart).loading = True
        self.load_detail()

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self) -> None:
        try:
            detail = self.feed.detail(self.snapshot, self.symbol)
        except Exception as exc:  # a worker never raises into the UI; the screen says what failed
            self.post_message(self.Failed(f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.Loaded(detail))

    def on_detail_screen_failed(self, message: Failed) -> None:
        chart = self.query_one(PriceChart)
        chart.loading = False
        self.notify(f"{self.symbol}: no chart ({message.reason})", severity="error")

    def on_detail_screen_loaded(self, message: Loaded) -> None:
        self.show_detail(message.detail)

    def show_detail(self, detail: SymbolDetail) -> None:
        self.detail = detail
        chart = self.query_one(PriceChart)
        chart.loading = False
        chart.set_detail(detail, self.tones)
        bars = self.query_one("#bars", DataTable)
        bars.clear()
        unit = "%" if detail.stats.unit == "%" else ""
        for bar in reversed(detail.bars[-RECENT_BARS:]):
            bars.add_row(
                bar.on.isoformat(),
                *(fmt.price(v, unit) for v in (bar.open, bar.high, bar.low, bar.close)),
                key=bar.on.isoformat(),
            )

    def action_close(self) -> None:
        self.dismiss(None)
