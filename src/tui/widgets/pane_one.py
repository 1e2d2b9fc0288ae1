"""Pane 1's rows, columns and cells, and the preview of them that the first frame draws.

The rows are the indices, the benchmark ETFs and the watchlist shown (``pane_rows``); the columns gain the
pre/post-market one while a row has such a price (``pane_columns``). ``IndicesTable`` (indices.py) shows
them as an interactive table; ``IndicesPreview`` draws the same header, rows and cells as lines of text
on the first frame, without importing Textual's DataTable, and the table takes its place just after.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from rotor.data.settings import PositionLot
from rotor.data.snapshot import InstrumentStats, MarketSnapshot
from rotor.tui import cells
from rotor.tui.tones import Tones
from rotor.tui.widgets.columns import SPARK_COLUMN, Column, header_label, table_line
from rotor.tui.widgets.lines import TextLines

if TYPE_CHECKING:
    from textual.widget import Widget

#: The width of the range bars (the low at the left, the high at the right).
RANGE_BAR = 8

#: A watchlist shown in pane 1: its name and tickers.
Watchlist = tuple[str, tuple[str, ...]]

#: Groups shown in this pane, in order.
GROUPS = ("indices", "etfs", "watchlist")

COLUMNS = (
    Column("name", "Name", 15, right=False),
    Column("last", "Last", 10),
    Column("1d", "1D", 8),
    Column("1w", cells.timeframe_label("1W"), 8),
    Column("mtd", "MTD", 8),
    Column("ytd", "YTD", 8),
    SPARK_COLUMN,
    Column("ma20", "vs 20d", 7),
    Column("ma50", "vs 50d", 7),
    Column("ma200", "vs 200d", 8),
    Column("r50", " 50-day", RANGE_BAR + 1, right=False),
    Column("r52", " 52-week", RANGE_BAR + 1, right=False),
)


#: The pre- or post-market price and change, next to the regular close: shown while a row has one.
EXTENDED_COLUMN = Column("ext", "Pre/post-market", 19)
#: The columns while some row has an extended-hours price.
EXTENDED_COLUMNS = (*COLUMNS[:2], EXTENDED_COLUMN, *COLUMNS[2:])


def index_cells(stats: InstrumentStats, tones: Tones, stale: bool) -> dict[str, Text]:
    """The cells of one row; every figure is a field of ``stats`` (or a distance derived from two)."""
    stale = stale or stats.stale
    return {
        "name": cells.name(stats, tones, stale=stale),
        "last": cells.level(stats, tones, stale=stale),
        "ext": cells.extended(stats, tones, stale=stale),
        "1d": cells.change(stats.change_1d_pct, tones, stale=stale),
        "1w": cells.change(stats.change_1w_pct, tones, stale=stale),
        "mtd": cells.change(stats.change_mtd_pct, tones, stale=stale),
        "ytd": cells.change(stats.change_ytd_pct, tones, stale=stale),
        "spark": Text(" ") + cells.sparkline(stats, tones, stale=stale),
        "ma20": cells.distance(stats, stats.ma20, tones, stale=stale),
        "ma50": cells.distance(stats, stats.ma50, tones, stale=stale),
        "ma200": cells.distance(stats, stats.ma200, tones, stale=stale),
        "r50": Text(" ") + cells.range_bar(stats.range_position(), tones, RANGE_BAR),
        "r52": Text(" ") + cells.range_bar(cells.range_52w_position(stats), tones, RANGE_BAR),
    }


def pane_rows(snapshot: MarketSnapshot, watchlist: Watchlist | None) -> list[InstrumentStats]:
    """The rows of pane 1: the indices, the ETFs and the rows of the watchlist shown (``None``: every
    user symbol)."""
    watched = None if watchlist is None else set(watchlist[1])
    return [
        stats
        for group in GROUPS
        for stats in snapshot.group(group)
        if watched is None or group != "watchlist" or stats.symbol in watched
    ]


def pane_columns(rows: Sequence[InstrumentStats]) -> tuple[Column, ...]:
    """The columns: with the pre/post-market one while some row has an extended-hours price."""
    return EXTENDED_COLUMNS if any(stats.extended_price is not None for stats in rows) else COLUMNS


def has_user_rows(watchlist: Watchlist | None, lots: Sequence[PositionLot]) -> bool:
    """Whether pane 1 shows a watchlist's rows or a positions group (then it is taller: app.tcss)."""
    return bool(lots) or bool(watchlist and watchlist[1])


def lay_out_user_rows(view: Widget, watchlist: Watchlist | None, lots: Sequence[PositionLot]) -> bool:
    """Give pane 1 room for ``view``'s user rows, or take it back (the grid's ``with-user-rows`` class);
    False when ``view`` is not on a screen with the grid yet."""
    grid = next(iter(view.screen.query("#panes")), None) if view.is_attached else None
    if grid is None:
        return False
    grid.set_class(has_user_rows(watchlist, lots), "with-user-rows")
    return True


class IndicesPreview(TextLines):
    """Pane 1 on the first frame: the table's header and rows as lines of text, the same cells in the same
    columns, which ``IndicesTable`` replaces just after that frame (with panes 2-5; the app's
    ``_mount_panes``). Textual's DataTable takes about 25 ms to style and draw for the first time, a tenth
    of the whole start; lines of text take 2. Its colours are the table's: the header and the zebra
    stripes as DataTable's default styles give them."""

    DEFAULT_CSS = """
    IndicesPreview { background: $surface; height: 1fr; }
    IndicesPreview > .indices-preview--header { text-style: bold; background: $panel; color: $foreground; }
    IndicesPreview > .indices-preview--even-row { background: $surface-lighten-1 50%; }
    IndicesPreview:dark > .indices-preview--even-row { background: $surface-darken-1 40%; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"indices-preview--header", "indices-preview--even-row"}

    def __init__(self) -> None:
        super().__init__(id="indices-preview")
        self.can_focus = True  # holds the focus, as the table will: the pane's border is the focused one
        self.watchlist: Watchlist | None = None
        self.lots: tuple[PositionLot, ...] = ()
        self.row_count = 0

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        rows = pane_rows(snapshot, self.watchlist)
        columns = pane_columns(rows)
        header = self.get_component_rich_style("indices-preview--header")
        even = self.get_component_rich_style("indices-preview--even-row")
        lines = [table_line(columns, {c.key: header_label(c) for c in columns}, header)]
        for number, stats in enumerate(rows):
            lines.append(table_line(columns, index_cells(stats, tones, stale), "" if number % 2 else even))
        self.show_lines(lines)
        self.row_count = len(rows)
        lay_out_user_rows(self, self.watchlist, self.lots)

    def show_watchlist(self, name: str, tickers: Sequence[str]) -> None:
        self.watchlist = (name, tuple(tickers))

    def show_lots(self, lots: Sequence[PositionLot]) -> None:
        self.lots = tuple(lots)
