"""Pane 2: the sector heatmap, one tile per SPDR sector ETF, coloured by the chosen timeframe's return.

The colour is a diverging scale (``Tones.tile``): the theme's panel colour at 0 %, the full colour at the
timeframe's scale (1D 2 %, 1W 4 %, 1M 8 %, YTD 15 %) and beyond. Two palettes (``rotor.tui.tones``):
``red-green`` (the theme's success and error colours) and ``blue-orange`` for red-green colour blindness
(its primary and warning colours).
"""

from __future__ import annotations

import math

from rich.style import Style
from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import InstrumentStats, MarketSnapshot
from rotor.tui import cells
from rotor.tui.messages import SymbolChosen
from rotor.tui.tones import Tones, contrast, style_name
from rotor.tui.widgets.lines import TextLines
from textual import events
from textual.binding import Binding
from textual.reactive import reactive

TIMEFRAMES = ("1D", "1W", "1M", "YTD")
#: The absolute return (in %) that gets the full colour, per timeframe.
SCALE = {"1D": 2.0, "1W": 4.0, "1M": 8.0, "YTD": 15.0}


def tile_style(value: float | None, scale: float, tones: Tones) -> Style:
    """A tile's background for a return, with black or white text, whichever reads better on it."""
    colour = tones.tile(value, scale)
    return Style(bgcolor=style_name(colour), color=contrast(colour))


def order_tiles(
    sectors: tuple[InstrumentStats, ...], timeframe: str, sort_by_return: bool
) -> list[InstrumentStats]:
    """Sector order, or by the timeframe's return, best first (n/a last, ties by ticker)."""
    if not sort_by_return:
        return list(sectors)

    def key(s: InstrumentStats) -> tuple[int, float, str]:
        v = s.change(timeframe)
        return (1, 0.0, s.symbol) if v is None else (0, -v, s.symbol)

    return sorted(sectors, key=key)


class SectorHeatmap(TextLines, can_focus=True):
    """Tiles with name, ticker and return; arrows/hjkl move, ``enter`` opens the sector's detail. Drawn
    line by line (``TextLines``): a streamed price repaints only the lines of the tiles it changed."""

    DEFAULT_CSS = """
    SectorHeatmap { height: 1fr; min-height: 4; }
    """

    BINDINGS = [
        Binding("left,h", "move(-1, 0)", "Left", show=False),
        Binding("right,l", "move(1, 0)", "Right", show=False),
        Binding("up,k", "move(0, -1)", "Up", show=False),
        Binding("down,j", "move(0, 1)", "Down", show=False),
        Binding("enter", "choose", "Detail", show=False),
    ]

    # Changing any of these redraws the tiles (their watchers).
    timeframe: reactive[str] = reactive("1D", repaint=False)
    sort_by_return: reactive[bool] = reactive(False, repaint=False)
    cursor: reactive[int] = reactive(0, repaint=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sectors: tuple[InstrumentStats, ...] = ()
        self._stale = False
        self._tones: Tones | None = None

    # --- data ------------------------------------------------------------------------------------

    def show(self, snapshot: MarketSnapshot, tones: Tones, *, stale: bool = False) -> None:
        """Redraw the tiles: only the lines that look different are repainted (a streamed price that
        moves no tile's figure or colour repaints nothing)."""
        self._sectors = snapshot.group("sectors")
        self._stale = stale
        self._tones = tones
        self._redraw()

    def _redraw(self) -> None:
        if self.is_mounted:
            self.show_lines(self.tile_lines(self.size.width, self.size.height))

    def watch_timeframe(self) -> None:
        self._redraw()

    def watch_sort_by_return(self) -> None:
        self._redraw()

    def watch_cursor(self) -> None:
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def on_focus(self) -> None:
        self._redraw()  # the cursor's tile is underlined while the heatmap has the focus

    def on_blur(self) -> None:
        self._redraw()

    @property
    def palette(self) -> str | None:
        """The name of the palette the tiles are drawn in (``None`` before the first snapshot)."""
        return self._tones.palette if self._tones else None

    @property
    def tiles(self) -> list[InstrumentStats]:
        """The tiles in display order."""
        return order_tiles(self._sectors, self.timeframe, self.sort_by_return)

    @property
    def cursor_symbol(self) -> str | None:
        tiles = self.tiles
        return tiles[self.cursor].symbol if 0 <= self.cursor < len(tiles) else None

    def cycle_timeframe(self) -> None:
        self.timeframe = TIMEFRAMES[(TIMEFRAMES.index(self.timeframe) + 1) % len(TIMEFRAMES)]

    def toggle_sort(self) -> None:
        symbol = self.cursor_symbol
        self.sort_by_return = not self.sort_by_return
        self._keep_cursor_on(symbol)

    def _keep_cursor_on(self, symbol: str | None) -> None:
        tiles = [t.symbol for t in self.tiles]
        if symbol in tiles:
            self.cursor = tiles.index(symbol)

    # --- keys and mouse --------------------------------------------------------------------------

    def action_move(self, dx: int, dy: int) -> None:
        n = len(self._sectors)
        if not n:
            return
        columns = self._layout(self.size.width, self.size.height)[0]
        target = self.cursor + dx + dy * columns
        if 0 <= target < n:
            self.cursor = target

    def action_choose(self) -> None:
        symbol = self.cursor_symbol
        if symbol:
            self.post_message(SymbolChosen(symbol))

    def on_click(self, event: events.Click) -> None:
        index = self._tile_at(event.x, event.y)
        if index is not None:
            if index == self.cursor and event.chain >= 2:
                self.action_choose()
            self.cursor = index

    # --- layout and drawing ----------------------------------------------------------------------

    def _layout(self, width: int, height: int) -> tuple[int, int, int]:
        """(columns, tile width, tile height) that fit ``width`` x ``height - 1`` (the legend line)."""
        n = max(1, len(self._sectors))
        columns = max(1, min(n, width // 11))
        rows = math.ceil(n / columns)
        tile_height = 3 if rows * 3 <= height - 1 else 2 if rows * 2 <= height - 1 else 1
        return columns, max(1, width // columns), tile_height

    def _tile_at(self, x: int, y: int) -> int | None:
        columns, tile_width, tile_height = self._layout(self.size.width, self.size.height)
        if y < 1:
            return None
        index = ((y - 1) // tile_height) * columns + x // tile_width
        return index if 0 <= index < len(self._sectors) and x < columns * tile_width else None

    def _legend(self, width: int, tones: Tones) -> Text:
        scale = SCALE[self.timeframe]
        legend = Text.assemble((f" {cells.timeframe_label(self.timeframe)} ", "bold reverse"), " ")
        for step in (-1.0, -0.5, 0.0, 0.5, 1.0):
            legend.append("  ", style=tile_style(step * scale, scale, tones))
        legend.append(f" ±{scale:g}%  ", style="dim")
        legend.append("sorted by return" if self.sort_by_return else "sector order", style="dim")
        if self._stale:
            legend.append(" · stale", style=f"bold {tones.warning}")
        legend.truncate(width)
        return legend

    def tile_lines(self, width: int, height: int) -> list[Text]:
        """The legend line and the tiles' lines for a ``width`` x ``height`` area."""
        tones = self._tones
        if not self._sectors or tones is None:
            return [Text("waiting for data…", style="dim", justify="center")]
        columns, tile_width, tile_height = self._layout(width, height)
        tiles = self.tiles
        lines: list[Text] = [self._legend(width, tones)]
        scale = SCALE[self.timeframe]
        for start in range(0, len(tiles), columns):
            row = tiles[start : start + columns]
            row_lines = [Text() for _ in range(tile_height)]
            for offset, stats in enumerate(row):
                index = start + offset
                value = stats.change(self.timeframe)
                base = tile_style(value, scale, tones)
                if self._stale:
                    base += Style(dim=True)
                selected = index == self.cursor
                style = base + Style(bold=True, underline=selected and self.has_focus)
                mark = "▸" if selected else " "
                inner = tile_width - 1
                pct = fmt.pct(value)
                if len(stats.symbol) + 1 + len(pct) > inner:
                    pct = fmt.pct(value, 1)  # a narrow tile: one decimal rather than a cut-off figure
                if tile_height >= 2:
                    left = f" {stats.symbol}" if len(stats.symbol) + len(pct) + 2 <= inner else stats.symbol
                    name = stats.short if len(stats.short) < inner else stats.short[: max(0, inner - 2)] + "…"
                    content = [
                        f"{mark}{name}",
                        left + " " * max(1, inner - len(left) - len(pct)) + pct,
                    ]
                else:
                    content = [f"{mark}{stats.symbol} {pct}"]
                for i in range(tile_height):
                    text = content[i] if i < len(content) else ""
                    cell = text[:inner].ljust(inner)
                    row_lines[i].append(cell, style=style if i == 0 else base + Style(bold=selected))
                    row_lines[i].append(" ")
            lines.extend(row_lines)
        return lines
