"""A symbol's detail: a price chart in the timeframe the user picks, its stats, and its recent bars.

The stats, the recent bars and the symbol's daily history come from ``Feed.detail`` and ``Feed.history``
in a thread worker (they read the panel), so opening the screen never blocks the UI thread; the worker
posts the outcome to the screen as a message, as the app's refresh worker does. The chart opens on the
last 260 sessions; ``1``-``8`` switch it to 1D, 5D, 1M, 6M, YTD, 1Y, 5Y or Max, ``0`` back, ``t`` to the
next (keys.py). The daily timeframes are windows of the history already read (rotor.data.timeframes, no
request); 1D asks ``Feed.intraday`` in a worker (one request at most; the feed keeps the bars for a short
while), and when the feed has none or asking failed, the chart says why. The stats table beside the chart
stays the same for every timeframe. ``s`` asks for a date and shows the change since its close (or the
last session before it), computed the same way as ``rotor report --since``; a snapshot that already carries
a ``since`` date shows it at once.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from rotor.data.detail import SinceChange, SymbolDetail
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import InstrumentStats, MarketSnapshot
from rotor.data.timeframes import BY_CODE, DEFAULT_CHART, ChartTimeframe
from rotor.tui import cells
from rotor.tui.keys import DETAIL_COMMANDS, TIMEFRAME_KEYS
from rotor.tui.tones import Tones
from rotor.tui.widgets.price_chart import ChartContent, PriceChart
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

if TYPE_CHECKING:
    from rotor.data.feed import Feed
    from rotor.data.intraday import IntradayChart
    from rotor.data.timeframes import DailyChart, SymbolHistory

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


def timeframe_tabs(current: ChartTimeframe, tones: Tones) -> Text:
    """The chart's border title: every timeframe's code, the one shown reversed in the accent colour."""
    tabs = Text()
    for n, (_, timeframe) in enumerate(TIMEFRAME_KEYS):
        if n:
            tabs.append(" ")
        style = f"bold reverse {tones.accent}" if timeframe == current else "dim"
        tabs.append(f" {timeframe.code} ", style)
    return tabs


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
        *(
            Binding(c.key or c.shown, c.action, c.label, key_display=c.shown, show=c.footer)
            for c in DETAIL_COMMANDS
        ),
    ]

    DEFAULT_CSS = """
    DetailScreen #title { height: 1; background: $boost; }
    DetailScreen #body { height: 1fr; }
    DetailScreen PriceChart { width: 1fr; height: 1fr; border: round $primary; }
    DetailScreen #side { width: 38%; min-width: 44; max-width: 60; }
    DetailScreen #stats { height: auto; border: round $primary; padding: 0 1; }
    DetailScreen #milestones { height: auto; padding: 0 1; }
    DetailScreen #since { height: auto; padding: 0 1; }
    DetailScreen #since-date { height: 3; }
    DetailScreen #bars { height: 1fr; border: round $primary; }
    """

    class Loaded(Message):
        """The worker read the symbol's detail and its daily history."""

        def __init__(self, detail: SymbolDetail, history: SymbolHistory) -> None:
            self.detail = detail
            self.history = history
            super().__init__()

    class IntradayLoaded(Message):
        """The worker has the symbol's 1D chart."""

        def __init__(self, chart: IntradayChart) -> None:
            self.chart = chart
            super().__init__()

    class IntradayFailed(Message):
        """The worker has no 1D chart: why, and whether asking failed (not just "the feed has none")."""

        def __init__(self, reason: str, *, failed: bool) -> None:
            self.reason = reason
            self.failed = failed
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
        self.history: SymbolHistory | None = None
        #: The chart's timeframe (``1D`` ... ``Max``, or the default 260 sessions).
        self.timeframe: ChartTimeframe = DEFAULT_CHART

    def compose(self) -> ComposeResult:
        stats = self.snapshot.get(self.symbol)
        tones = self.tones
        yield Static(title_text(stats, tones) if stats else Text(self.symbol), id="title")
        with Horizontal(id="body"):
            chart = PriceChart(id="chart")
            chart.border_title = timeframe_tabs(self.timeframe, tones)
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
            history = self.feed.history(self.snapshot, self.symbol)
        except Exception as exc:  # a worker never raises into the UI; the screen says what failed
            self.post_message(self.Failed(f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.Loaded(detail, history))

    def on_detail_screen_failed(self, message: Failed) -> None:
        chart = self.query_one(PriceChart)
        chart.loading = False
        chart.show(self._content(message=message.reason, failed=True), self.tones)
        self.notify(f"{self.symbol}: no chart ({message.reason})", severity="error")

    def on_detail_screen_loaded(self, message: Loaded) -> None:
        self.history = message.history
        self.show_detail(message.detail)

    def show_detail(self, detail: SymbolDetail) -> None:
        self.detail = detail
        if detail.since is not None or self.snapshot.since is not None:
            self.show_since(since_text(detail.since, detail.stats, self.tones))
        if self.timeframe.kind != "intraday":
            self.show_timeframe()
        bars = self.query_one("#bars", DataTable)
        bars.clear()
        unit = "%" if detail.stats.unit == "%" else ""
        for bar in reversed(detail.bars[-RECENT_BARS:]):
            bars.add_row(
                bar.on.isoformat(),
                *(fmt.price(v, unit) for v in (bar.open, bar.high, bar.low, bar.close)),
                key=bar.on.isoformat(),
            )

    # --- the chart's timeframe ---------------------------------------------------------------------

    def action_timeframe(self, code: str) -> None:
        self.timeframe = BY_CODE[code]
        self.show_timeframe()

    def action_next_timeframe(self) -> None:
        order = [timeframe for _, timeframe in TIMEFRAME_KEYS]
        self.timeframe = order[(order.index(self.timeframe) + 1) % len(order)]
        self.show_timeframe()

    def _stats(self) -> InstrumentStats | None:
        return self.detail.stats if self.detail is not None else self.snapshot.get(self.symbol)

    def _content(
        self,
        chart: DailyChart | IntradayChart | None = None,
        message: str | None = None,
        *,
        failed: bool = False,
    ) -> ChartContent:
        """The chart's content in the current timeframe, with the symbol's unit and averages."""
        stats = self._stats()
        unit = stats.unit if stats is not None else ""
        levels = {20: stats.ma20, 50: stats.ma50, 200: stats.ma200} if stats is not None else {}
        return ChartContent(self.timeframe, chart, unit, levels, message, failed)

    def show_timeframe(self) -> None:
        """Draw the chart in ``self.timeframe``: a window of the history read (daily), or ask for the
        one-minute bars (1D); the chart shows a loading indicator until there is something to draw."""
        from rotor.data.timeframes import daily_chart

        chart = self.query_one(PriceChart)
        chart.border_title = timeframe_tabs(self.timeframe, self.tones)
        if self.timeframe.kind == "intraday":
            chart.loading = True
            self.load_intraday()
            return
        if self.history is None:
            chart.loading = True  # the detail worker is still reading; it shows this timeframe when done
            return
        chart.loading = False
        chart.show(self._content(chart=daily_chart(self.history, self.timeframe)), self.tones)

    @work(thread=True, exclusive=True, group="intraday", exit_on_error=False)
    def load_intraday(self) -> None:
        from rotor.data.errors import IntradayUnavailable, ProviderError

        try:
            chart = self.feed.intraday(self.snapshot, self.symbol)
        except IntradayUnavailable as exc:
            self.post_message(self.IntradayFailed(str(exc), failed=False))
            return
        except ProviderError as exc:
            self.post_message(self.IntradayFailed(exc.reason, failed=True))
            return
        except Exception as exc:  # a worker never raises into the UI; the chart says what failed
            self.post_message(self.IntradayFailed(f"{type(exc).__name__}: {exc}", failed=True))
            return
        self.post_message(self.IntradayLoaded(chart))

    def on_detail_screen_intraday_loaded(self, message: IntradayLoaded) -> None:
        self._show_intraday(self._content(chart=message.chart))

    def on_detail_screen_intraday_failed(self, message: IntradayFailed) -> None:
        self._show_intraday(self._content(message=message.reason, failed=message.failed))

    def _show_intraday(self, content: ChartContent) -> None:
        if self.timeframe.kind != "intraday":
            return  # the user moved on while it was asked for
        chart = self.query_one(PriceChart)
        chart.loading = False
        chart.show(content, self.tones)

    # --- since a date -----------------------------------------------------------------------------

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
