"""Pane 1: the indices, the benchmark ETFs and the watchlist shown as a table with sparklines, and the
positions group under it.

The watchlist rows are those of the watchlist the user shows (``w`` switches; ``show_watchlist``), the
others' symbols stay in the feed. With positions (``[[positions]]``), a ``PositionsTable`` is mounted
under the table, valued at each snapshot; the pane grows for them and a watchlist's rows (the grid's
``with-user-rows`` class).

Its rows, columns and cells are declared in pane_one.py, with the preview the first frame draws instead
of this table.
"""

from __future__ import annotations

from collections.abc import Sequence

from rotor.data.settings import PositionLot
from rotor.data.snapshot import MarketSnapshot
from rotor.tui.tones import Tones
from rotor.tui.widgets.pane_one import (
    COLUMNS,
    Watchlist,
    has_user_rows,
    index_cells,
    lay_out_user_rows,
    pane_columns,
    pane_rows,
)
from rotor.tui.widgets.table import KeyedTable


class IndicesTable(KeyedTable):
    """Level, 1D/1W/MTD/YTD change, distance from the 20/50/200-day averages, range positions."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)
        #: The watchlist shown: its name and tickers (``None``: every user symbol, as before watchlists).
        self.watchlist: Watchlist | None = None
        #: The lots of the positions group (none: no group).
        self.lots: tuple[PositionLot, ...] = ()
        self._last: tuple[MarketSnapshot, Tones, bool] | None = None
        #: (pane 1 has user rows, it has a positions group) as last laid out (``None``: not yet).
        self._laid_out: tuple[bool, bool] | None = None

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        self._last = (snapshot, tones, stale)
        shown = pane_rows(snapshot, self.watchlist)
        self.set_columns(pane_columns(shown))
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
        user_rows = has_user_rows(self.watchlist, self.lots)
        if not self.lots and self._laid_out == (user_rows, False):
            return  # nothing to value and nothing to lay out again (a streamed tick, say)
        group = next(iter(pane.query("#positions-group")), None)
        if lay_out_user_rows(self, self.watchlist, self.lots):
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
