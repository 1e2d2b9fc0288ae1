"""KeyedTable writes only the cells whose text changed and re-renders only their rows: what it draws after
any sequence of updates is exactly what a table built from scratch with the final rows draws."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text
from rotor.tui.widgets.columns import Column
from rotor.tui.widgets.table import KeyedTable
from textual.app import App, ComposeResult

COLUMNS = (Column("name", "Name", 8, right=False), Column("last", "Last", 9), Column("chg", "1D", 8))
KEYS = ("SPY", "QQQ", "IWM", "RSP")


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield KeyedTable(COLUMNS, id="a")
        yield KeyedTable(COLUMNS, id="b")


def rows(values: dict[str, tuple[str, str]]) -> list[tuple[str, dict[str, Text]]]:
    return [
        (k, {"name": Text(k), "last": Text(values[k][0]), "chg": Text(values[k][1], style="bold")})
        for k in KEYS
    ]


def drawn(table: KeyedTable) -> list[str]:
    """Every line as drawn: the text and its styles."""
    return [
        "".join(f"{segment.text}|{segment.style}" for segment in table.render_line(y))
        for y in range(len(KEYS) + 1)
    ]


VALUE = st.tuples(st.sampled_from(["100.00", "101.25", "99.75"]), st.sampled_from(["+1.00%", "-0.50%"]))
STEP = st.fixed_dictionaries({k: VALUE for k in KEYS})


#: No sort, or a column and whether reversed.
SORT = st.sampled_from([None, ("last", False), ("chg", True), ("name", False)])


def sort(table: KeyedTable, how: tuple[str, bool] | None) -> None:
    if how is not None:
        table.sort_by(how[0])
        if how[1]:
            table.sort_by(how[0])


@settings(max_examples=20, deadline=None)
@given(steps=st.lists(STEP, min_size=1, max_size=5), how=SORT)
def test_updated_cells_draw_as_a_fresh_table(
    steps: list[dict[str, tuple[str, str]]], how: tuple[str, bool] | None
) -> None:
    """Also sorted: rows a tick moves are put back in the sort's order, as a fresh sorted table has them."""

    async def main() -> None:
        app = Host()
        async with app.run_test(size=(60, 20)) as pilot:
            updated, fresh = app.query_one("#a", KeyedTable), app.query_one("#b", KeyedTable)
            app.set_focus(None)  # both drawn alike, unfocused
            sort(updated, how)
            sort(fresh, how)
            await pilot.pause()
            for step in steps:
                updated.sync(rows(step))
                await pilot.pause()
                assert drawn(updated)  # drawn (and cached) between updates
            fresh.sync(rows(steps[-1]))
            await pilot.pause()
            assert drawn(updated) == drawn(fresh)

    asyncio.run(main())


def test_only_changed_cells_are_written() -> None:
    async def main() -> None:
        app = Host()
        async with app.run_test(size=(60, 20)) as pilot:
            table = app.query_one("#a", KeyedTable)
            first = {k: ("100.00", "+1.00%") for k in KEYS}
            table.sync(rows(first))
            await pilot.pause()
            assert table.last_writes == len(KEYS) * len(COLUMNS)
            table.sync(rows({**first, "QQQ": ("101.25", "+1.00%")}))
            assert table.last_writes == 1
            await pilot.pause()
            assert "101.25" in table.render_line(2).text  # QQQ's line (the header is line 0)

    asyncio.run(main())


def test_a_sort_by_a_column_that_goes_is_dropped() -> None:
    """The pre/post-market column comes and goes with the hour: sorted by it, the table goes back to its
    own order when it goes, and keeps the sort by a column that stays."""

    async def main() -> None:
        app = Host()
        async with app.run_test(size=(60, 20)) as pilot:
            table = app.query_one("#a", KeyedTable)
            values = {"SPY": ("99.75", "-0.50%"), "QQQ": ("101.25", "+1.00%")}
            values |= {"IWM": ("100.00", "+1.00%"), "RSP": ("99.75", "-0.50%")}
            table.sync(rows(values))
            await pilot.pause()
            table.sort_by("last")
            assert [r.key.value for r in table.ordered_rows] == ["QQQ", "IWM", "SPY", "RSP"]
            table.set_columns(COLUMNS[:2])
            table.sync(rows(values))
            await pilot.pause()
            assert table.sort_column == "last"  # still there
            assert [r.key.value for r in table.ordered_rows] == ["QQQ", "IWM", "SPY", "RSP"]
            table.sort_by("name")
            table.set_columns(COLUMNS)
            table.sync(rows(values))
            table.sort_by("chg")
            table.set_columns(COLUMNS[:2])
            table.sync(rows(values))
            await pilot.pause()
            assert table.sort_column is None and [r.key.value for r in table.ordered_rows] == list(KEYS)

    asyncio.run(main())
