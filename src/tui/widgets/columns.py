"""The columns of rotor's tables, and a row laid out in them as one line of text.

Declared apart from ``KeyedTable`` (table.py) so that pane 1's first-frame preview
(``rotor.tui.widgets.pane_one``) draws its rows from the same columns without importing Textual's
DataTable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final, NamedTuple

from rich.style import Style
from rich.text import Text
from rotor.tui.cells import SPARK_WIDTH


class Column(NamedTuple):
    """A column; ``width`` includes a one-space gap (left of right-aligned figures)."""

    key: str
    label: str
    width: int | None = None
    right: bool = True


#: A number as shown in a cell (``6,915.61``, ``+1.25%``, ``-12 bp``).
_NUMBER: Final = re.compile(r"[-+−]?\d[\d,]*(?:\.\d+)?")
DOWN: Final = "▼"
UP: Final = "▲"


def sort_value(column: Column, cell: Text) -> float | str | None:
    """What a cell sorts by: the number it shows in a figure column (``None`` for ``n/a``), its text in
    lower case in a text column (marks such as ``●`` or ``!`` ignored)."""
    plain = cell.plain.strip()
    if column.right:
        match = _NUMBER.search(plain)
        if match is None:
            return None
        return float(match.group(0).replace(",", "").replace("−", "-"))
    text = plain.lstrip("●○◑◆!† ").lower()
    return text or None


def header_label(column: Column, sort_column: str | None = None, reverse: bool = False) -> Text:
    """A column's header: its label, with the sort's arrow when sorted by it (in the label's gap)."""
    label = column.label
    if column.key == sort_column:
        arrow = UP if reverse else DOWN
        label = (label.rstrip() + arrow) if column.right else (arrow + label.lstrip())
        if column.width is not None and len(label) > column.width:
            label = label[-column.width :] if column.right else label[: column.width]
    return Text(label, justify="right" if column.right else "left")


def table_line(columns: Sequence[Column], cells: Mapping[str, Text], style: Style | str = "") -> Text:
    """A row (or the header) as one line of text, laid out as a ``KeyedTable`` draws it: no cell padding,
    each cell cut to its column's width and padded on the side its justification leaves open."""
    line = Text(style=style, end="")
    for column in columns:
        cell = cells[column.key].copy()
        cell.align("right" if cell.justify == "right" else "left", column.width or cell.cell_len)
        line.append_text(cell)
    return line


def spark_column(sessions: int = SPARK_WIDTH) -> Column:
    """The sparkline column of the last ``sessions`` closes (one gap before them)."""
    label = f" {sessions} sessions"
    return Column("spark", label if len(label) <= sessions + 1 else label.strip(), sessions + 1, right=False)


#: The sparkline column of the indices table.
SPARK_COLUMN = spark_column()
