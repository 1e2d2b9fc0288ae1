"""Pane 1: the indices (and the benchmark ETFs and any watchlist) as a table with sparklines."""

from __future__ import annotations

from rich.text import Text
from rotor.data.snapshot import InstrumentStats, MarketSnapshot
from rotor.tui import cells
from rotor.tui.tones import Tones
from rotor.tui.widgets.table import SPARK_COLUMN, Column, KeyedTable

#: Groups shown in this pane, in order.
GROUPS = ("indices", "etfs", "watchlist")

COLUMNS = (
    Column("name", "Name", 15, right=False),
    Column("last", "Last", 10),
    Column("1d", "1D", 8),
    Column("1w", "1W", 8),
    Column("mtd", "MTD", 8),
    Column("ytd", "YTD", 8),
    SPARK_COLUMN,
    Column("ma20", "vs 20d", 7),
    Column("ma50", "vs 50d", 7),
    Column("ma200", "vs 200d", 8),
    Column("r50", " 50d range", 10, right=False),
    Column("r52", " 52w range", 10, right=False),
)


#: The pre- or post-market price and change, next to the regular close: shown while a row has one.
EXTENDED_COLUMN = Column("ext", "Pre/post-market", 20)
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
        "r50": Text(" ") + cells.range_bar(stats.range_position(), tones, 9),
        "r52": Text(" ") + cells.range_bar(cells.range_52w_position(stats), tones, 9),
    }


class IndicesTable(KeyedTable):
    """Level, 1D/1W/MTD/YTD change, distance from the 20/50/200-day averages, range positions."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        shown = [stats for group in GROUPS for stats in snapshot.group(group)]
        extended = any(stats.extended_price is not None for stats in shown)
        self.set_columns(EXTENDED_COLUMNS if extended else COLUMNS)
        self.sync_stats(shown, lambda stats: index_cells(stats, tones, stale), (tones, stale))
