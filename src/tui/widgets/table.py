"""A DataTable that is updated cell by cell by row key, never cleared and rebuilt, and sorts by any column.

A refresh only touches the cells whose text changed, so the cursor, the scroll position and the rest of
the screen stay put (no flicker). Rows are keyed by symbol; a symbol that appears is added, one that
disappears is removed.

Sorting (every ``KeyedTable``): a click on a column's header, or ``o`` (``cycle_sort``), sorts by that
column; again reverses it, a third time goes back to the table's own order. A figure column (right-aligned)
sorts by the number shown (largest first; ``n/a`` always last), a text column alphabetically. The sort is
kept across refreshes (rows re-ordered only when the order changed) and shown in the header (``▼``/``▲``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from rich.text import Text
from rotor.data.snapshot import InstrumentStats
from rotor.tui.cells import look
from rotor.tui.messages import SymbolChosen
from rotor.tui.widgets.columns import DOWN, UP, Column, header_label, sort_value
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey


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
        #: The column sorted by and whether in reverse (``None``: the table's own order).
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._natural: list[str] = []  # the rows in the table's own order (the last ``sync``'s)
        self._natural_shown = True  # the rows are in that order (no sort moved them since)

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for column in self._columns:
            self.add_column(self._label(column), key=column.key, width=column.width)

    def _label(self, column: Column) -> Text:
        return header_label(column, self.sort_column, self.sort_reverse)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show ``columns`` from now on. A change rebuilds the table once (a column that comes and goes
        with the hour, such as the pre- and post-market prices); the cursor stays on its symbol."""
        if tuple(columns) == self._columns:
            return
        symbol = self.cursor_symbol
        if self.sort_column not in {c.key for c in columns}:
            self.sort_column, self.sort_reverse = None, False  # sorted by a column that goes
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
                self._natural_shown = False  # appended: its place in the order is set below
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
        self._natural = wanted
        self._apply_sort()

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

    # --- sorting -------------------------------------------------------------------------------------

    def pinned(self, key: str) -> bool:
        """True for a row that stays last whatever the sort (a total); subclasses say which."""
        return False

    def sorted_keys(self) -> list[str]:
        """The rows in the order the sort wants (the table's own order when unsorted). A row's sort value
        is read from the cell it shows, when sorted (an unsorted table reads nothing)."""
        keys = list(self._natural)
        column = next((c for c in self._columns if c.key == self.sort_column), None)
        if column is not None:
            values = {k: sort_value(column, self._data[RowKey(k)][ColumnKey(column.key)]) for k in keys}
            present = [k for k in keys if values[k] is not None]
            absent = [k for k in keys if values[k] is None]
            # Figures largest first, text A to Z; reversed on request; n/a last either way.
            descending = column.right != self.sort_reverse
            present.sort(key=lambda k: values[k], reverse=descending)  # type: ignore[arg-type,return-value]
            keys = present + absent
        return [k for k in keys if not self.pinned(k)] + [k for k in keys if self.pinned(k)]

    def _apply_sort(self) -> None:
        """Put the rows in ``sorted_keys()`` order when they are not (a refresh moves rows only then)."""
        if self.sort_column is None and self._natural_shown:
            return  # unsorted, and no sort moved the rows since they were last in their own order
        wanted = self.sorted_keys()
        self._natural_shown = self.sort_column is None
        current = [row.key.value for row in self.ordered_rows]
        if current == wanted:
            return
        rank = {key: index for index, key in enumerate(wanted)}
        # DataTable.sort hands the key function cells, not row keys: each row is found by its first cell.
        first = ColumnKey(self._columns[0].key)
        row_of = {id(data[first]): key.value or "" for key, data in self._data.items()}
        self.sort(first, key=lambda cell: rank.get(row_of.get(id(cell), ""), len(rank)))

    def sort_by(self, column: str) -> None:
        """A click on ``column``'s header: sort by it; again reverses; a third time, the own order."""
        if column != self.sort_column:
            self.sort_column, self.sort_reverse = column, False
        elif not self.sort_reverse:
            self.sort_reverse = True
        else:
            self.sort_column, self.sort_reverse = None, False
        self._sorted()

    def cycle_sort(self) -> None:
        """``o``: sort by the next column (after the last, the table's own order)."""
        keys = [c.key for c in self._columns]
        if self.sort_column is None:
            self.sort_column = keys[0]
        else:
            index = keys.index(self.sort_column) + 1
            self.sort_column = keys[index] if index < len(keys) else None
        self.sort_reverse = False
        self._sorted()

    def reverse_sort(self) -> None:
        """``O``: the same column the other way round."""
        if self.sort_column is not None:
            self.sort_reverse = not self.sort_reverse
            self._sorted()

    def _sorted(self) -> None:
        self._natural_shown = False
        for column in self._columns:
            self.columns[ColumnKey(column.key)].label = self._label(column)
        self._clear_caches()  # the header is drawn from DataTable's caches: the new labels must show
        self._apply_sort()
        self.refresh()

    @property
    def sort_text(self) -> str:
        """The sort in words (``1D ▼``), or ``""``."""
        column = next((c for c in self._columns if c.key == self.sort_column), None)
        if column is None:
            return ""
        return f"{column.label.strip()} {UP if self.sort_reverse else DOWN}"

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.column_key.value is not None:
            self.sort_by(event.column_key.value)

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
