"""KeyedTable writes only the cells whose text changed and re-renders only their rows: what it draws after
any sequence of updates is exactly what a table built from scratch with the final rows draws."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text
from rotor.tui.widgets.table import Column, KeyedTable
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


@settings(max_examples=15, deadline=None)
@given(steps=st.lists(STEP, min_size=1, max_size=5))
def test_updated_cells_draw_as_a_fresh_table(steps: list[dict[str, tuple[str, str]]]) -> None:
    async def main() -> None:
        app = Host()
        async with app.run_test(size=(60, 20)) as pilot:
            updated, fresh = app.query_one("#a", KeyedTable), app.query_one("#b", KeyedTable)
            app.set_focus(None)  # both drawn alike, unfocused
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
