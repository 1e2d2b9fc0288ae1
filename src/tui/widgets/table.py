"""A DataTable that is updated cell by cell by row key, never cleared and rebuilt.

A refresh only touches the cells whose text changed, so the cursor, the scroll position and the rest of
the screen stay put (no flicker). Rows are keyed by symbol; a symbol that appears is added, one that
disappears is removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from rich.text import Text
from rotor.tui.cells import SPARK_WIDTH
from rotor.tui.messages import SymbolChosen
from textual.binding import Binding
from textual.widgets import DataTable


class Column(NamedTuple):
    """A column; ``width`` includes a one-space gap (left of right-aligned figures)."""

    key: str
    label: str
    width: int | None = None
    right: bool = True


#: The sparkline column of the indices and commodities tables: the last ``SPARK_WIDTH`` closes.
SPARK_COLUMN = Column("spark", f" {SPARK_WIDTH} sessions", SPARK_WIDTH + 1, right=False)


class KeyedTable(DataTable[Text]):
    """A row-cursor table of symbols; ``enter`` (or a click) posts ``SymbolChosen``."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("h", "scroll_left", "Left", show=False),
        Binding("l", "scroll_right", "Right", show=False),
    ]

    def __init__(self, columns: Sequence[Column], *, id: str | None = None) -> None:
        # No cell padding: each column's width includes its one-space gap (numbers are right-aligned),
        # which saves a column's worth of space per two columns in narrow panes.
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, cell_padding=0)
        self._columns = tuple(columns)
        self._cells: dict[tuple[str, str], str] = {}
        #: Cell writes performed by the last ``sync`` (tests and benchmarks read it).
        self.last_writes = 0
        self._keep_cursor: str | None = None  # the symbol under the cursor before the columns changed

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for column in self._columns:
            label = Text(column.label, justify="right" if column.right else "left")
            self.add_column(label, key=column.key, width=column.width)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show ``columns`` from now on. A change rebuilds the table once (a column that comes and goes
        with the hour, such as the pre- and post-market prices); the cursor stays on its symbol."""
        if tuple(columns) == self._columns:
            return
        symbol = self.cursor_symbol
        self.clear(columns=True)
        self._cells.clear()
        self._columns = tuple(columns)
        self._add_columns()
        self._keep_cursor = symbol

    def sync(self, rows: Iterable[tuple[str, dict[str, Text]]]) -> None:
        """Bring the table to ``rows`` (key, cells by column key), writing only changed cells."""
        writes = 0
        wanted: list[str] = []
        for key, cells in rows:
            wanted.append(key)
            if key not in self.rows:
                self.add_row(*(cells[c.key] for c in self._columns), key=key)
                writes += len(self._columns)
                for c in self._columns:
                    self._cells[(key, c.key)] = cells[c.key].markup
                continue
            for c in self._columns:
                cell = cells[c.key]
                signature = cell.markup
                if self._cells.get((key, c.key)) != signature:
                    self.update_cell(key, c.key, cell)
                    self._cells[(key, c.key)] = signature
                    writes += 1
        for gone in [k.value for k in self.rows if k.value is not None and k.value not in wanted]:
            assert gone is not None
            self.remove_row(gone)
            for c in self._columns:
                self._cells.pop((gone, c.key), None)
        self.last_writes = writes
        if self._keep_cursor is not None:
            symbol, self._keep_cursor = self._keep_cursor, None
            if symbol in self.rows:
                self.move_cursor(row=self.get_row_index(symbol))

    @property
    def cursor_symbol(self) -> str | None:
        """The symbol under the cursor, if any."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # an out-of-range cursor after rows were removed
            return None
        return key.value

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(SymbolChosen(event.row_key.value))
