"""A DataTable that is updated cell by cell by row key, never cleared and rebuilt.

A refresh only touches the cells whose text changed, so the cursor, the scroll position and the rest of
the screen stay put (no flicker). Rows are keyed by symbol; a symbol that appears is added, one that
disappears is removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from rich.text import Text
from rotor.data.snapshot import InstrumentStats
from rotor.tui.cells import SPARK_WIDTH, look
from rotor.tui.messages import SymbolChosen
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey


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
        self._cells: dict[tuple[str, str], tuple[object, ...]] = {}
        #: Cell writes performed by the last ``sync`` (tests and benchmarks read it).
        self.last_writes = 0
        self._keep_cursor: str | None = None  # the symbol under the cursor before the columns changed
        self._built: dict[str, tuple[InstrumentStats, object]] = {}  # what each row was built from

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
        self._built.clear()
        self._columns = tuple(columns)
        self._add_columns()
        self._keep_cursor = symbol

    def sync_stats(
        self,
        shown: Iterable[InstrumentStats],
        cells_of: Callable[[InstrumentStats], dict[str, Text]],
        context: object,
    ) -> None:
        """``sync`` for one row per instrument, built by ``cells_of``: a row whose stats object and
        ``context`` (the colours, the stale mark) are the ones it was last built from is not built again
        (a streamed tick replaces only the stats it moves; the others stay the same objects)."""
        built = self._built

        def rows() -> Iterator[tuple[str, dict[str, Text] | None]]:
            for stats in shown:
                last = built.get(stats.symbol)
                if last is not None and last[0] is stats and last[1] == context:
                    yield stats.symbol, None
                else:
                    built[stats.symbol] = (stats, context)
                    yield stats.symbol, cells_of(stats)

        self.sync(rows())

    def sync(self, rows: Iterable[tuple[str, dict[str, Text] | None]]) -> None:
        """Bring the table to ``rows`` (key, cells by column key; ``None``: the row as it is), writing only
        changed cells."""
        writes = 0
        wanted: list[str] = []
        changed: dict[str, dict[str, Text]] = {}
        for key, cells in rows:
            wanted.append(key)
            if cells is None:
                continue
            if key not in self.rows:
                self.add_row(*(cells[c.key] for c in self._columns), key=key)
                writes += len(self._columns)
                for c in self._columns:
                    self._cells[(key, c.key)] = look(cells[c.key])
                continue
            for c in self._columns:
                cell = cells[c.key]
                signature = look(cell)
                if self._cells.get((key, c.key)) != signature:
                    changed.setdefault(key, {})[c.key] = cell
                    self._cells[(key, c.key)] = signature
                    writes += 1
        self._write(changed)
        for gone in [k.value for k in self.rows if k.value is not None and k.value not in wanted]:
            assert gone is not None
            self.remove_row(gone)
            self._built.pop(gone, None)
            for c in self._columns:
                self._cells.pop((gone, c.key), None)
        self.last_writes = writes
        if self._keep_cursor is not None:
            symbol, self._keep_cursor = self._keep_cursor, None
            if symbol in self.rows:
                self.move_cursor(row=self.get_row_index(symbol))

    def _write(self, changed: dict[str, dict[str, Text]]) -> None:
        """Write cells and re-render only their rows. (``DataTable.update_cell`` invalidates every cached
        line of the table and repaints all of it: with prices streaming, that was most of the app's CPU.)
        The rows' entries leave DataTable's render caches, and only their regions are refreshed."""
        if not changed:
            return
        rows = {RowKey(key) for key in changed}
        written: set[tuple[RowKey, ColumnKey]] = set()
        for key, cells in changed.items():
            data = self._data[RowKey(key)]
            for column, value in cells.items():
                data[ColumnKey(column)] = value
                written.add((RowKey(key), ColumnKey(column)))
        indices = {self._row_locations.get(row) for row in rows}
        caches: tuple[tuple[Any, Callable[[Any], bool]], ...] = (
            (self._row_render_cache, lambda k: k[0] in rows),  # (row key, line, ...)
            (self._cell_render_cache, lambda k: (k[0], k[1]) in written),  # (row key, column key, ...)
            (self._row_renderable_cache, lambda k: k[1] in indices),  # (update count, row index)
            (self._line_cache, lambda k: self._line_row(k[0]) in rows),  # (y, ...)
        )
        for cache, stale in caches:
            for entry in [k for k in cache.keys() if stale(k)]:  # noqa: SIM118 (an LRUCache: no __iter__)
                cache.discard(entry)
        for index in indices:
            if index is not None:
                self.refresh_row(index)

    def _line_row(self, y: int) -> RowKey | None:
        """The row drawn on the table's line ``y`` (``None`` for the header)."""
        try:
            return self._get_offsets(y)[0]
        except LookupError:
            return None

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
