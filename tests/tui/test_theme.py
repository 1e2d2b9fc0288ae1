"""Colours come from the theme: switching the theme recolours the panes, the heatmap palette switches in
the app, and a theme or palette chosen in the app is remembered (the config file still wins)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text
from rotor.tui.app import RotorApp, create_app
from rotor.tui.preferences import Preferences, load_preferences, save_preferences
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
    """The status line the app shows."""
    return app.screen_stack[0].query_one(StatusBar).render()


def test_the_heatmap_palette_switches_with_c_and_with_a_command() -> None:
    async def body(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        heatmap = app.query_one(SectorHeatmap)
        assert app.tones.palette == heatmap.palette == "red-green"
        red_green = tile_background(heatmap, "XLB")
        assert red_green == expected_tile(tones_of(), "XLB")
        await pilot.press("c")
        assert app.tones.palette == heatmap.palette == "blue-orange"
        blue_orange = tile_background(heatmap, "XLB")
        assert blue_orange == expected_tile(tones_of(palette="blue-orange"), "XLB") != red_green
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Heatmap palette"].callback()
        await settle(pilot)
        assert app.tones.palette == "red-green" and tile_background(heatmap, "XLB") == red_green

    run_pilot(create_app(bundled(), clock=frozen_clock), body)


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


def test_a_theme_and_palette_chosen_in_the_app_are_remembered(tmp_path: Path) -> None:
    state = tmp_path / "state" / "state.json"

    async def body(pilot: Any) -> None:
        await settle(pilot)
        assert not state.exists()  # the start-up look is not a choice
        pilot.app.theme = "nord"
        await settle(pilot)
        assert load_preferences(state) == Preferences(theme="nord", palette="red-green")
        await pilot.press("c")
        await settle(pilot)
        assert json.loads(state.read_text()) == {"theme": "nord", "palette": "blue-orange"}

    run_pilot(create_app(bundled(), clock=frozen_clock, state_file=state), body)


def test_a_state_file_that_cannot_be_written_costs_a_warning_only(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    async def body(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.theme = "nord"
        await settle(pilot)
        assert pilot.app.theme == "nord"
        assert any("Could not remember" in n.message for n in pilot.app._notifications)

    run_pilot(create_app(bundled(), clock=frozen_clock, state_file=blocker / "state.json"), body)


def test_preferences_survive_missing_and_mangled_files(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    assert load_preferences(None) == load_preferences(path) == Preferences()
    for text in ("{", "[1, 2]", '{"theme": 3, "palette": null}', "\x00"):
        path.write_text(text)
        assert load_preferences(path) == Preferences()
    save_preferences(path, Preferences(theme="gruvbox", palette="blue-orange"))
    assert load_preferences(path) == Preferences(theme="gruvbox", palette="blue-orange")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left


def test_the_entry_prefers_the_given_look_to_the_remembered_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rotor.tui.app
    import rotor.tui.startup

    state = tmp_path / "state.json"
    save_preferences(state, Preferences(theme="dracula", palette="blue-orange"))
    built: list[dict[str, Any]] = []

    class Stub:
        def run(self, **options: Any) -> int:
            return 0

    def create(feed: Any, **options: Any) -> Stub:
        built.append(options)
        return Stub()

    monkeypatch.setattr(rotor.tui.app, "create_app", create)
    assert rotor.tui.startup.run(bundled(), state_file=state) == 0
    assert rotor.tui.startup.run(bundled(), theme="nord", state_file=state) == 0
    looks = [(b["theme"], b["palette"]) for b in built]
    assert looks == [("dracula", "blue-orange"), ("nord", "blue-orange")]


def test_the_cli_passes_only_the_display_settings_the_config_file_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rotor.tui.app
    import rotor.tui.startup
    from rotor import cli

    seen: dict[str, Any] = {}

    def fake_run(feed: object, **options: Any) -> int:
        seen.update(options)
        return 0

    monkeypatch.setattr(rotor.tui.startup, "run", fake_run)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("ROTOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    config = tmp_path / "config.toml"
    config.write_text("[refresh]\ninterval = 20\n")
    monkeypatch.setenv("ROTOR_CONFIG", str(config))
    assert cli.main(["--source", "snapshot"]) == 0
    assert seen["theme"] is None and seen["palette"] is None  # unset: the remembered look applies
    assert seen["state_file"] == tmp_path / "state" / "rotor" / "state.json"
    assert callable(seen["on_started"])
    config.write_text('[display]\ntheme = "gruvbox"\nheatmap_palette = "blue-orange"\n')
    assert cli.main(["--source", "snapshot"]) == 0
    assert (seen["theme"], seen["palette"]) == ("gruvbox", "blue-orange")


def test_an_unknown_theme_name_falls_back_to_the_default() -> None:
    app = RotorApp(bundled(), clock=frozen_clock, theme="no-such-theme", palette="no-such-palette")
    assert app.theme == "textual-dark" and app.tones.palette == "red-green"
