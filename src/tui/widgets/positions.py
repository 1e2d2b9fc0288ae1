"""Positions with P&L: a ``KeyedTable`` of the user's positions valued at the snapshot
(``rotor.data.positions.value_positions``), with a total row per currency that stays last whatever the
sort. A position in another currency than USD names it (``7203.T ×100 JPY``); nothing is converted.

Two shapes: the positions group under the indices (pane 1: price, the day's move, value and gain) and
the positions view (``P``: also quantity, average cost and cost basis; its lots in a table of their own)."""

from __future__ import annotations

from rich.text import Text
from rotor.data.positions import Portfolio, Position, Totals
from rotor.data.render import formatting as fmt
from rotor.tui import cells
from rotor.tui.tones import Tones
from rotor.tui.widgets.columns import Column
from rotor.tui.widgets.table import KeyedTable

#: The positions group of the indices pane.
GROUP_COLUMNS = (
    Column("name", "Position", 17, right=False),
    Column("price", "Price", 10),
    Column("day_pct", "Day", 8),
    Column("day", "Day P&L", 11),
    Column("value", "Value", 12),
    Column("gain", "Gain", 12),
    Column("gain_pct", "Gain %", 8),
)
#: The positions view: the group's columns and what the lots cost.
VIEW_COLUMNS = (
    Column("name", "Position", 19, right=False),
    Column("quantity", "Quantity", 10),
    Column("cost", "Avg cost", 11),
    Column("basis", "Cost basis", 13),
    *GROUP_COLUMNS[1:],
)
TOTAL_PREFIX = "total:"


def money(value: float | None, tones: Tones, *, sign: bool = False, stale: bool = False) -> Text:
    """An amount (its currency is named on the row): ``+1,234.50`` coloured by its sign when ``sign``."""
    if value is None:
        return Text(fmt.NA, style=cells.NA_STYLE, justify="right")
    text = Text(f"{value:+,.2f}" if sign else f"{value:,.2f}", justify="right")
    if sign:
        text.stylize(tones.change(value))
    if stale:
        text.stylize(cells.STALE_STYLE)
    return text


def position_label(position: Position) -> str:
    """``SPY ×15``; ``7203.T ×100 JPY`` for another currency than USD."""
    quantity = f"{position.quantity:,g}"
    currency = "" if position.currency == "USD" else f" {position.currency}"
    return f"{position.symbol} ×{quantity}{currency}"


def position_cells(position: Position, tones: Tones, stale: bool = False) -> dict[str, Text]:
    """A position's row (both shapes' cells)."""
    stale = stale or position.stale
    name = Text.assemble(("◆ ", tones.accent), position_label(position))
    if stale and position.price is not None:
        name = Text.assemble(("! ", f"bold {tones.warning}"), name)
    return {
        "name": name,
        "quantity": Text(f"{position.quantity:,g}", justify="right"),
        "cost": money(position.average_cost, tones),
        "basis": money(position.cost_basis, tones),
        "price": money(position.price, tones, stale=stale),
        "day_pct": cells.change(position.day_change_pct, tones, stale=stale),
        "day": money(position.day_change, tones, sign=True, stale=stale),
        "value": money(position.market_value, tones, stale=stale),
        "gain": money(position.total_gain, tones, sign=True, stale=stale),
        "gain_pct": cells.change(position.total_gain_pct, tones, stale=stale),
    }


def total_cells(totals: Totals, tones: Tones) -> dict[str, Text]:
    blank = Text("")
    return {
        "name": Text(f"Total {totals.currency}", style="bold"),
        "quantity": blank,
        "cost": blank,
        "basis": money(totals.cost_basis, tones),
        "price": blank,
        "day_pct": cells.change(totals.day_change_pct, tones),
        "day": money(totals.day_change, tones, sign=True),
        "value": money(totals.market_value, tones),
        "gain": money(totals.total_gain, tones, sign=True),
        "gain_pct": cells.change(totals.total_gain_pct, tones),
    }


class PositionsTable(KeyedTable):
    """The positions and the portfolio's totals; ``enter`` opens the symbol's detail."""

    def __init__(self, columns: tuple[Column, ...] = GROUP_COLUMNS, *, id: str | None = None) -> None:
        super().__init__(columns, id=id)

    def pinned(self, key: str) -> bool:
        return key.startswith(TOTAL_PREFIX)

    def show_portfolio(self, portfolio: Portfolio, tones: Tones, *, stale: bool = False) -> None:
        rows = [(p.symbol + "|" + p.currency, position_cells(p, tones, stale)) for p in portfolio.positions]
        rows += [(TOTAL_PREFIX + t.currency, total_cells(t, tones)) for t in portfolio.totals]
        self.sync(rows)

    @property
    def cursor_symbol(self) -> str | None:
        key = super().cursor_symbol
        if key is None or key.startswith(TOTAL_PREFIX):
            return None
        return key.split("|", 1)[0]

    def on_data_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        from rotor.tui.messages import SymbolChosen

        event.stop()
        key = event.row_key.value
        if key is not None and not key.startswith(TOTAL_PREFIX):
            self.post_message(SymbolChosen(key.split("|", 1)[0]))
