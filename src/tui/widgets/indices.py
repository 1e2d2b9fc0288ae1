"""Pane 1: the indices, the benchmark ETFs and the watchlist shown as a table with sparklines, and the
positions group under it.

The watchlist rows are those of the watchlist the user shows (``w`` switches; ``show_watchlist``), the
others' symbols stay in the feed. With positions (``[[positions]]``), a ``PositionsTable`` is mounted
under the table, valued at each snapshot; the pane grows for them and a watchlist's rows (the grid's
``with-user-rows`` class).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from rotor.data.settings import PositionLot
from rotor.data.snapshot import InstrumentStats, MarketSnapshot
from rotor.tui import cells
from rotor.tui.tones import Tones
from rotor.tui.widgets.table import SPARK_COLUMN, Column, KeyedTable

#: The width of the range bars (the low at the left, the high at the right).
RANGE_BAR = 8

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


class IndicesTable(KeyedTable):
    """Level, 1D/1W/MTD/YTD change, distance from the 20/50/200-day averages, range positions."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)
        #: The watchlist shown: its name and tickers (``None``: every user symbol, as before watchlists).
        self.watchlist: tuple[str, tuple[str, ...]] | None = None
        #: The lots of the positions group (none: no group).
        self.lots: tuple[PositionLot, ...] = ()
        self._last: tuple[MarketSnapshot, Tones, bool] | None = None
        #: (pane 1 has user rows, it has a positions group) as last laid out (``None``: not yet).
        self._laid_out: tuple[bool, bool] | None = None

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        self._last = (snapshot, tones, stale)
        watched = None if self.watchlist is None else set(self.watchlist[1])
        shown = [
            stats
            for group in GROUPS
            for stats in snapshot.group(group)
            if watched is None or group != "watchlist" or stats.symbol in watched
        ]
        extended = any(stats.extended_price is not None for stats in shown)
        self.set_columns(EXTENDED_COLUMNS if extended else COLUMNS)
        self.sync_stats(shown, lambda stats: index_cells(stats, tones, stale), (tones, stale))
        self._show_positions(snapshot, tones, stale)
        self._caption()

    def show_watchlist(self, name: str, tickers: Sequence[str]) -> None:
        """Show the watchlist ``name`` (its ``tickers``) in the watchlist rows."""
        self.watchlist = (name, tuple(tickers))
        self._again()

    def show_lots(self, lots: Sequence[PositionLot]) -> None:
        """Value ``lots`` in the positions group (none: the group goes)."""
        self.lots = tuple(lots)
        self._again()

    def _again(self) -> None:
        if self._last is not None and self.is_mounted:
            snapshot, tones, stale = self._last
            self.show(snapshot, tones, stale=stale)
        else:
            self._caption()

    def _caption(self) -> None:
        """The pane's subtitle: the watchlist shown and the sort."""
        pane = self.parent
        if pane is None:
            return
        parts = [f"w: {self.watchlist[0]}"] if self.watchlist is not None else []
        if self.sort_text:
            parts.append(f"sorted by {self.sort_text}")
        subtitle = " · ".join(parts)
        if getattr(pane, "border_subtitle", None) != subtitle:
            pane.border_subtitle = subtitle  # type: ignore[attr-defined]

    def _sorted(self) -> None:
        super()._sorted()
        self._caption()

    def _show_positions(self, snapshot: MarketSnapshot, tones: Tones, stale: bool) -> None:
        from textual.widget import Widget

        pane = self.parent
        if not isinstance(pane, Widget):
            return
        user_rows = bool(self.lots) or bool(self.watchlist and self.watchlist[1])
        if not self.lots and self._laid_out == (user_rows, False):
            return  # nothing to value and nothing to lay out again (a streamed tick, say)
        group = next(iter(pane.query("#positions-group")), None)
        grid = next(iter(self.screen.query("#panes")), None) if self.is_attached else None
        if grid is not None:
            # Room for the watchlist's rows and the positions group: pane 1 grows (app.tcss).
            grid.set_class(user_rows, "with-user-rows")
            self._laid_out = (user_rows, bool(self.lots))
        if not self.lots:
            if group is not None:
                group.remove()
            return
        # Only with positions: neither module is on the first frame's path of a monitor without any.
        from rotor.data.positions import value_positions
        from rotor.tui.widgets.positions import PositionsTable

        portfolio = value_positions(self.lots, snapshot)
        if not isinstance(group, PositionsTable):
            group = PositionsTable(id="positions-group")
            pane.mount(group, after=self)
            group.call_after_refresh(group.show_portfolio, portfolio, tones, stale=stale)
            return
        group.show_portfolio(portfolio, tones, stale=stale)
