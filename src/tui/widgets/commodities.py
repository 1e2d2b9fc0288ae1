"""Pane 3: commodities and rates, with milestone badges from the data layer."""

from __future__ import annotations

from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import InstrumentStats, MarketSnapshot
from rotor.tui import cells
from rotor.tui.tones import Tones
from rotor.tui.widgets.columns import Column, spark_column
from rotor.tui.widgets.table import KeyedTable
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

GROUPS = ("commodities", "rates")

#: The closes in the sparkline: fewer than the indices' so that the names keep their session marks.
SPARK_SESSIONS = 10
#: 63 columns in all: the whole table fits the pane of the wide layout at 200 columns.
COLUMNS = (
    Column("name", "Name", 11, right=False),
    Column("last", "Last", 9),
    Column("1d", "1D", 8),
    Column("1w", cells.timeframe_label("1W"), 8),
    Column("ytd", "YTD", 8),
    spark_column(SPARK_SESSIONS),
    Column("unit", " Unit", 8, right=False),
)


def commodity_cells(stats: InstrumentStats, tones: Tones, stale: bool) -> dict[str, Text]:
    """A row: a yield (unit %) shows its changes in basis points, everything else in %."""
    stale = stale or stats.stale
    if stats.unit == "%":
        changes = {
            key.lower(): cells.bp_change(
                fmt.yield_change_bp(stats.last, stats.base_close(key)), tones, stale=stale
            )
            for key in ("1D", "1W", "YTD")
        }
    else:
        changes = {
            "1d": cells.change(stats.change_1d_pct, tones, stale=stale),
            "1w": cells.change(stats.change_1w_pct, tones, stale=stale),
            "ytd": cells.change(stats.change_ytd_pct, tones, stale=stale),
        }
    return {
        "name": cells.name(stats, tones, stale=stale),
        "last": cells.level(stats, tones, stale=stale),
        "unit": Text(" " + (stats.unit or "index"), style="dim"),
        **changes,
        "spark": Text(" ") + cells.sparkline(stats, tones, SPARK_SESSIONS, stale=stale),
    }


def milestones_text(snapshot: MarketSnapshot, tones: Tones) -> Text:
    """Every milestone of the pane's symbols, one per line: ``Gold ★ first close above $5,000 (...)``."""
    lines = [
        Text.assemble((f"{stats.short:<10}", "bold"), cells.milestone_badge(m, tones))
        for group in GROUPS
        for stats in snapshot.group(group)
        for m in stats.milestones
    ]
    if not lines:
        return Text("No milestone at this session.", style="dim")
    return Text("\n").join(lines)


class CommoditiesTable(KeyedTable):
    """Gold, silver, crude, natural gas, copper, the 10-year yield and the dollar index."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, id=id)

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        shown = [stats for group in GROUPS for stats in snapshot.group(group)]
        self.sync_stats(shown, lambda stats: commodity_cells(stats, tones, stale), (tones, stale))


class CommoditiesPane(Vertical):
    """The table with the milestones listed under it (they are sentences: they need the width)."""

    DEFAULT_CSS = """
    CommoditiesPane { height: 1fr; }
    CommoditiesPane > CommoditiesTable { height: auto; max-height: 12; }
    CommoditiesPane > #milestones { height: auto; padding: 1 1 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield CommoditiesTable(id="commodities")
        yield Static(id="milestones")

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        self.query_one(CommoditiesTable).show(snapshot, tones, stale=stale)
        text = milestones_text(snapshot, tones)
        if text.markup != self._shown:
            self._shown = text.markup
            self.query_one("#milestones", Static).update(text)

    _shown = ""
