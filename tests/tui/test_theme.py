"""Colours come from the theme: switching the theme recolours the panes; the colour-blind palette keeps
red and green out of the heatmap in every theme."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.style import Style
from rich.text import Text
from rotor.tui.app import RotorApp, create_app
from rotor.tui.tones import Tones, contrast, style_name
from rotor.tui.widgets.heatmap import SCALE, SectorHeatmap
from rotor.tui.widgets.indices import IndicesTable
from rotor.tui.widgets.status import StatusBar
from textual.color import Color

from support import bundled, frozen_clock, run_pilot, settle, snapshot_at, tones_of


def style_of(text: Text, fragment: str) -> Style:
    """The style where ``fragment`` starts in ``text``."""
    at = text.plain.index(fragment)
    return text.get_style_at_offset(Console(), at)


def tile_background(heatmap: SectorHeatmap, symbol: str) -> str:
    bgcolor = style_of(heatmap.render(), f"{symbol} ").bgcolor  # type: ignore[arg-type]
    assert bgcolor is not None
    return bgcolor.name


def expected_tile(tones: Tones, symbol: str, timeframe: str = "1D") -> str:
    stats = snapshot_at().get(symbol)
    assert stats is not None
    return style_name(tones.tile(stats.change(timeframe), SCALE[timeframe]))


def test_switching_the_theme_recolours_the_heatmap_the_tables_and_the_status_bar() -> None:
    spx = snapshot_at().get("^GSPC")
    assert spx is not None and spx.change_1d_pct is not None and spx.change_1d_pct < 0

    async def body(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        heatmap = app.query_one(SectorHeatmap)
        indices = app.query_one(IndicesTable)
        looks = {}
        for theme in ("textual-dark", "nord", "gruvbox"):
            app.theme = theme
            await settle(pilot)
            tones = tones_of(theme)
            assert app.tones == tones
            tiles = {s: tile_background(heatmap, s) for s in ("XLE", "XLK", "XLB")}
            assert tiles == {s: expected_tile(tones, s) for s in tiles}
            fall = indices.get_cell("^GSPC", "1d").style
            assert str(fall) == tones.down
            badge = style_of(shown_status(app), "BUNDLED")
            assert badge.bgcolor is not None and badge.bgcolor.name == style_name(tones.fill["info"])
            looks[theme] = (tiles, fall)
        assert len({str(look) for look in looks.values()}) == 3  # every theme looks different

    run_pilot(create_app(bundled(), clock=frozen_clock), body)


def shown_status(app: RotorApp) -> Text:
    """The status line the app shows (the bar holds it as markup)."""
    shown = app.screen_stack[0].query_one(StatusBar)._shown
    assert shown is not None
    return Text.from_markup(shown)


def test_the_blue_orange_palette_keeps_red_and_green_out_of_the_heatmap() -> None:
    for theme in ("textual-dark", "textual-light", "nord", "gruvbox", "dracula", "monokai"):
        tones = tones_of(theme, "blue-orange")
        for value in (-5.0, 5.0):
            r, g, b = tones.tile(value, 2.0).rgb
            assert not (g > r + 40 and g > b + 40), (theme, value)  # no green tile
            assert not (r > g + 60 and r > b + 60 and b > g), (theme, value)  # no crimson tile


def test_tiles_fade_from_the_neutral_colour_and_text_stays_legible() -> None:
    tones = tones_of()
    assert tones.tile(0.0, 2.0) == tones.fill["neutral"]
    assert tones.tile(None, 2.0) == tones.fill["empty"]
    assert tones.tile(2.0, 2.0) == tones.tile(9.0, 2.0) == tones.fill["up"]
    assert tones.tile(-2.0, 2.0) == tones.fill["down"]
    assert contrast(Color(250, 250, 250)) == "black" and contrast(Color(20, 20, 20)) == "white"
    ansi = tones_of("ansi-dark")
    assert ansi.tile(2.0, 2.0).ansi is not None  # an ANSI theme keeps the terminal's own colours
    assert ansi.tile(0.1, 2.0) == ansi.fill["neutral"]
