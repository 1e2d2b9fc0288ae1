"""``P``: positions and P&L at the snapshot shown (the replayed date in a replay): each position with its
quantity, average cost, cost basis, price, the day's move, value and gain, the totals per currency, and
the lots below; ``n`` adds a lot, ``d`` deletes the lot under the cursor (both in the config file)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from rotor.data.positions import LOT_SYNTAX, parse_lot, value_positions
from rotor.tui import cells
from rotor.tui.screens.prompt import MonitorView, bindings_of
from rotor.tui.widgets.columns import Column
from rotor.tui.widgets.positions import VIEW_COLUMNS, PositionsTable, money
from rotor.tui.widgets.table import KeyedTable
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

LOT_COLUMNS = (
    Column("lot", "Lot", 5),
    Column("symbol", " Symbol", 12, right=False),
    Column("quantity", "Quantity", 10),
    Column("cost", "Cost", 11),
    Column("date", " Bought", 12, right=False),
    Column("currency", " Currency", 10, right=False),
    Column("value", "Value", 12),
    Column("day", "Day P&L", 11),
    Column("gain", "Gain", 12),
    Column("gain_pct", "Gain %", 8),
)


class PositionsScreen(MonitorView):
    """The positions view (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_of("Positions")
    TITLE_TEXT = "Positions"
    DEFAULT_CSS = """
    PositionsScreen #view > #positions { height: auto; max-height: 50%; }
    PositionsScreen .heading { text-style: bold; margin: 1 0 0 0; }
    """

    def body(self) -> ComposeResult:
        yield Static(id="as-of")
        yield PositionsTable(VIEW_COLUMNS, id="positions")
        yield Static("Lots", classes="heading")
        yield KeyedTable(LOT_COLUMNS, id="lots")

    def show(self) -> None:
        lots = self.actions.monitor.config.positions
        snapshot = self.actions.snapshot
        tones = self.actions.tones
        if snapshot is None:
            self.say("No figures yet: wait for the first refresh")
            return
        portfolio = value_positions(lots, snapshot)
        replay = " (replay)" if self.actions.feed_status.replay else ""
        self.query_one("#as-of", Static).update(
            Text(
                f"Valued at {snapshot.as_of.isoformat()}{replay}; each currency apart, none converted",
                style="dim",
            )
        )
        self.query_one("#positions", PositionsTable).show_portfolio(portfolio, tones)
        values = {id(v.lot): v for p in portfolio.positions for v in p.lots}
        rows = []
        for index, lot in enumerate(lots):
            value = values.get(id(lot))
            currency = lot.currency or next(
                (p.currency for p in portfolio.positions if p.symbol == lot.symbol), "USD"
            )
            later = value is None and any(lot is later for p in portfolio.positions for later in p.later)
            rows.append(
                (
                    str(index),
                    {
                        "lot": Text(str(index + 1), justify="right"),
                        "symbol": Text(" " + lot.symbol),
                        "quantity": Text(f"{lot.quantity:,g}", justify="right"),
                        "cost": money(lot.cost, tones),
                        "date": Text(" " + (lot.date.isoformat() if lot.date else "-")),
                        "currency": Text(" " + currency),
                        "value": money(value.market_value if value else None, tones),
                        "day": money(value.day_change if value else None, tones, sign=True),
                        "gain": money(value.total_gain if value else None, tones, sign=True),
                        "gain_pct": cells.change(value.total_gain_pct if value else None, tones)
                        if not later
                        else Text("later", style="dim", justify="right"),
                    },
                )
            )
        self.query_one("#lots", KeyedTable).sync(rows)
        if not lots:
            self.say(f"No position yet: n adds a lot ({LOT_SYNTAX})")

    def action_new_lot(self) -> None:
        self.ask("Add a lot", LOT_SYNTAX, self._add)

    def _add(self, text: str) -> None:
        from rotor.data.config_edit import ConfigEditError, add_position

        try:
            lot = parse_lot(text)
            config = self.actions.monitor.edit(lambda path: add_position(path, lot))
        except (ValueError, ConfigEditError) as exc:
            self.say(str(exc), error=True)
            return
        self.actions.monitor_changed(config)
        self.show()
        where = self.actions.monitor.config_path
        self.say(f"Added {lot.quantity:g} {lot.symbol} at {lot.cost:g} (written to {where})")

    def action_delete_lot(self) -> None:
        from rotor.data.config_edit import ConfigEditError, remove_position

        key = self.query_one("#lots", KeyedTable).cursor_symbol
        if key is None:
            self.say("Move to a lot in the Lots table first (tab)", error=True)
            return
        index = int(key)
        lots = self.actions.monitor.config.positions
        if not 0 <= index < len(lots):
            return
        lot = lots[index]
        try:
            config = self.actions.monitor.edit(lambda path: remove_position(path, index))
        except ConfigEditError as exc:
            self.say(str(exc), error=True)
            return
        self.actions.monitor_changed(config)
        self.show()
        self.say(f"Deleted the lot of {lot.quantity:g} {lot.symbol}")
