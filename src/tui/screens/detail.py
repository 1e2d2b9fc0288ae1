"""A symbol's detail: price chart with the 20/50/200-day averages, its stats, and its recent bars.

The bars come from ``Feed.detail`` in a thread worker (it reads the panel), so opening the
screen never blocks the UI thread; the worker posts the outcome to the screen as a message, as the
app's refresh worker does. ``s`` asks for a date and shows the change since its close (or the last
session before it), computed the same way as ``rotor report --since``; a snapshot that already carries a
``since`` date shows it at once.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import InstrumentStats, MarketSnapshot, SinceChange, SymbolDetail
from rotor.tui import cells
from rotor.tui.tones import Tones
from rotor.tui.widgets.charts import PriceChart
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

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


def since_text(since: SinceChange | None, stats: InstrumentStats, tones: Tones) -> Text:
    """``Since the close of 2025-09-30: +3.40%  (from 6,688.46)``; a yield's change in basis points."""
    if since is None:
        return Text("Since: no session on or before that date in the loaded data", style="red")
    if since.base_date is None or since.base_close is None:
        return Text(f"Since {since.session.isoformat()}: no close by then", style="dim")
    unit = "%" if stats.unit == "%" else ""
    change: Text | str = (
        fmt.basis_points(fmt.yield_change_bp(stats.last, since.base_close))
        if unit
        else cells.change(since.change_pct, tones)
    )
    return Text.assemble(
        (f"Since the close of {since.base_date.isoformat()}: ", "bold"),
        change,
        (f"  (from {fmt.price(since.base_close, unit)})", "dim"),
    )


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

    BINDINGS = [
        Binding("escape,q,backspace", "close", "Back"),
        Binding("s", "ask_since", "Change since a date"),
    ]

    DEFAULT_CSS = """
    DetailScreen #title { height: 1; background: $boost; }
    DetailScreen #body { height: 1fr; }
    DetailScreen PriceChart { width: 1fr; height: 1fr; border: round $primary; }
    DetailScreen #side { width: 60; }
    DetailScreen #stats { height: auto; border: round $primary; padding: 0 1; }
    DetailScreen #milestones { height: auto; padding: 0 1; }
    DetailScreen #since { height: auto; padding: 0 1; }
    DetailScreen #since-date { height: 3; }
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

    class SinceLoaded(Message):
        """The worker computed the change since a date."""

        def __init__(self, detail: SymbolDetail) -> None:
            self.detail = detail
            super().__init__()

    class SinceFailed(Message):
        """The worker could not compute the change since a date."""

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
                since = Static(id="since")
                since.display = False  # shown once there is a "since" figure
                yield since
                # Hidden and disabled until asked for (a hidden input must not take the focus or keys).
                since_date = Input(placeholder="since YYYY-MM-DD, enter", id="since-date", disabled=True)
                since_date.display = False
                yield since_date
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
        if detail.since is not None or self.snapshot.since is not None:
            self.show_since(since_text(detail.since, detail.stats, self.tones))
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

    def action_ask_since(self) -> None:
        field = self.query_one("#since-date", Input)
        field.value = ""
        field.disabled = False
        field.display = True
        field.focus()

    def _hide_since_question(self) -> None:
        field = self.query_one("#since-date", Input)
        field.display = False
        field.disabled = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            day = date.fromisoformat(event.value.strip())
        except ValueError:
            self.notify(f"{event.value!r} is not a date; use YYYY-MM-DD", severity="error")
            return
        self._hide_since_question()
        self.load_since(day)

    @work(thread=True, exclusive=True, group="since", exit_on_error=False)
    def load_since(self, day: date) -> None:
        """The change since ``day``: the feed's detail of a snapshot asking for it (build.symbol_detail)."""
        try:
            detail = self.feed.detail(self.snapshot.with_changes(since=day), self.symbol)
        except Exception as exc:  # a worker never raises into the UI; the screen says what failed
            self.post_message(self.SinceFailed(f"since {day}: {type(exc).__name__}: {exc}"))
            return
        self.post_message(self.SinceLoaded(detail))

    def on_detail_screen_since_loaded(self, message: SinceLoaded) -> None:
        self.show_since(since_text(message.detail.since, message.detail.stats, self.tones))

    def on_detail_screen_since_failed(self, message: SinceFailed) -> None:
        self.notify(message.reason, severity="error")

    def show_since(self, text: Text) -> None:
        since = self.query_one("#since", Static)
        since.update(text)
        since.display = True

    def action_close(self) -> None:
        field = self.query_one("#since-date", Input)
        if field.display:  # escape while asking for a date closes the question, not the screen
            self._hide_since_question()
            return
        self.dismiss(None)
