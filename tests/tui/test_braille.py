"""BrailleCanvas (dots, lines, cell colours, labels, background glyphs) and Scale (ranges to dots)."""

from __future__ import annotations

import math

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text
from rotor.tui.braille import BRAILLE_BASE, BrailleCanvas, Scale, braille_char


def style_at(row: Text, offset: int) -> Style:
    return row.get_style_at_offset(Console(), offset)


# --- dots ----------------------------------------------------------------------------------------


def test_braille_char_blank_and_full() -> None:
    assert braille_char(0) == "\u2800" == chr(BRAILLE_BASE)
    assert braille_char(0xFF) == "⣿"


@pytest.mark.parametrize(
    ("x", "y", "char"),
    [
        (0, 0, "⠁"),
        (0, 1, "⠂"),
        (0, 2, "⠄"),
        (0, 3, "⡀"),
        (1, 0, "⠈"),
        (1, 1, "⠐"),
        (1, 2, "⠠"),
        (1, 3, "⢀"),
    ],
)
def test_each_dot_maps_to_its_unicode_bit(x: int, y: int, char: str) -> None:
    canvas = BrailleCanvas(1, 1)
    canvas.set(x, y)
    assert canvas.char_at(0, 0) == char
    assert canvas.get(x, y)


def test_all_eight_dots_make_a_full_cell() -> None:
    canvas = BrailleCanvas(1, 1)
    for x in range(2):
        for y in range(4):
            canvas.set(x, y)
    assert canvas.plain_rows() == ["⣿"]


def test_dot_coordinates_pick_the_right_cell() -> None:
    canvas = BrailleCanvas(3, 2)
    assert (canvas.width, canvas.height) == (6, 8)
    canvas.set(2, 4)  # top-left dot of cell (1, 1)
    canvas.set(5, 7)  # bottom-right dot of cell (2, 1)
    assert canvas.plain_rows() == ["   ", " ⠁⢀"]
    assert canvas.has_dots(1, 1) and not canvas.has_dots(0, 0)


def test_set_rounds_and_ignores_points_off_the_canvas() -> None:
    canvas = BrailleCanvas(2, 1)
    canvas.set(0.4, 0.4)
    canvas.set(-1, 0)
    canvas.set(4, 0)
    canvas.set(0, 4)
    canvas.set(0, -1)
    assert canvas.plain_rows() == ["⠁ "]
    assert not canvas.get(-1, 0) and not canvas.get(99, 99)


def test_blank_canvas_is_spaces_and_an_empty_canvas_has_no_rows() -> None:
    assert BrailleCanvas(4, 2).plain_rows() == ["    ", "    "]
    assert BrailleCanvas(0, 3).plain_rows() == ["", "", ""]
    assert BrailleCanvas(5, 0).rows() == []
    assert BrailleCanvas(-2, -2).rows() == []


# --- lines ---------------------------------------------------------------------------------------


def test_horizontal_line_includes_both_endpoints() -> None:
    canvas = BrailleCanvas(3, 1)
    canvas.line(0, 0, 3, 0)
    assert canvas.plain_rows() == ["⠉⠉ "]
    assert canvas.get(0, 0) and canvas.get(3, 0) and not canvas.get(4, 0)


def test_vertical_and_diagonal_lines() -> None:
    canvas = BrailleCanvas(1, 1)
    canvas.line(0, 3, 0, 0)
    assert canvas.char_at(0, 0) == "⡇"
    diagonal = BrailleCanvas(4, 2)
    diagonal.line(7, 7, 0, 0)
    assert all(diagonal.get(i, i) for i in range(8))
    assert sum(diagonal.get(x, y) for x in range(8) for y in range(8)) == 8


def test_line_of_one_point_sets_that_dot() -> None:
    canvas = BrailleCanvas(1, 1)
    canvas.line(1, 2, 1, 2)
    assert canvas.char_at(0, 0) == "⠠"


def test_lines_with_far_ends_are_clipped_and_non_finite_ones_dropped() -> None:
    canvas = BrailleCanvas(2, 1)
    canvas.line(-1e12, 0, 1e12, 0)
    assert canvas.plain_rows() == ["⠉⠉"]
    canvas.line(0, math.nan, 3, 3)
    canvas.line(-10, -10, -5, -5)
    assert canvas.plain_rows() == ["⠉⠉"]


def test_polyline_breaks_at_none() -> None:
    canvas = BrailleCanvas(4, 1)
    canvas.polyline([(0, 0), (1, 0), None, (6, 0), (7, 0)])
    assert [canvas.get(x, 0) for x in range(8)] == [True, True, False, False, False, False, True, True]


# --- colours, labels, background -----------------------------------------------------------------


def test_cell_colour_last_writer_wins_within_a_priority() -> None:
    canvas = BrailleCanvas(1, 1)
    canvas.set(0, 0, "red")
    canvas.set(1, 1, "green")
    assert style_at(canvas.rows()[0], 0).color is not None
    assert style_at(canvas.rows()[0], 0).color.name == "green"  # type: ignore[union-attr]


def test_cell_colour_higher_priority_keeps_the_cell() -> None:
    canvas = BrailleCanvas(1, 1)
    canvas.set(0, 0, "red", priority=2)
    canvas.set(1, 1, "green", priority=1)
    canvas.set(1, 2)  # no style: colour unchanged
    assert style_at(canvas.rows()[0], 0).color.name == "red"  # type: ignore[union-attr]
    canvas.line(0, 3, 1, 3, "blue", priority=2)
    assert style_at(canvas.rows()[0], 0).color.name == "blue"  # type: ignore[union-attr]


def test_labels_override_braille_and_are_clipped() -> None:
    canvas = BrailleCanvas(5, 1)
    canvas.line(0, 0, 9, 3)
    canvas.label(3, 0, "XLKX", "bold")
    row = canvas.rows()[0]
    assert row.plain[3:] == "XL"
    assert row.plain[:3] == "".join(canvas.char_at(x, 0) for x in range(3))
    assert all("\u2800" < ch <= "⣿" for ch in row.plain[:3])
    assert style_at(row, 3).bold
    canvas.label(0, 5, "off")  # off the canvas: ignored
    canvas.label(-1, 0, "ab")
    assert canvas.plain_rows()[0][0] == "b"


def test_background_glyph_shows_only_in_empty_cells() -> None:
    canvas = BrailleCanvas(3, 1)
    for x in range(3):
        canvas.background(x, 0, "─", "dim")
    canvas.set(2, 0)
    canvas.label(2, 0, "+")
    assert canvas.plain_rows() == ["─⠁+"]
    assert style_at(canvas.rows()[0], 0).dim


def test_is_free_checks_bounds_labels_and_optionally_dots() -> None:
    canvas = BrailleCanvas(6, 2)
    canvas.label(0, 0, "AB")
    canvas.set(8, 0)
    assert canvas.is_free(2, 0, 2)
    assert not canvas.is_free(1, 0, 2)
    assert not canvas.is_free(3, 0, 2)
    assert canvas.is_free(3, 0, 2, dots=False)
    assert not canvas.is_free(5, 0, 2)
    assert not canvas.is_free(0, 2)
    assert canvas.has_label(1, 0) and not canvas.has_label(2, 0)


def test_rows_are_exactly_the_canvas_width_with_merged_style_runs() -> None:
    canvas = BrailleCanvas(10, 3)
    canvas.line(0, 0, 19, 11, "green")
    canvas.label(0, 2, "hi", "red")
    rows = canvas.rows()
    assert [row.cell_len for row in rows] == [10, 10, 10]
    assert len(rows[2].spans) <= 3


# --- Scale ---------------------------------------------------------------------------------------


def test_scale_maps_ends_to_first_and_last_dot() -> None:
    scale = Scale(0, 10, 11)
    assert scale.dot(0) == 0
    assert scale.dot(10) == 10
    assert scale.dot(5) == 5
    assert scale.dot(20) == 20  # outside: beyond the canvas, which clips it


def test_scale_invert_puts_high_values_at_the_top() -> None:
    scale = Scale(0, 10, 11, invert=True)
    assert scale.dot(10) == 0
    assert scale.dot(0) == 10
    assert scale.value(0) == pytest.approx(10)


def test_scale_value_is_the_inverse_of_dot() -> None:
    scale = Scale(95.5, 104.5, 41, invert=True)
    for dot in (0, 7, 20, 40):
        assert scale.dot(scale.value(dot)) == dot


def test_scale_pad_widens_each_side_by_a_fraction_of_the_span() -> None:
    scale = Scale(0, 10, 100, pad=0.1)
    assert (scale.lo, scale.hi) == pytest.approx((-1, 11))


def test_scale_equal_ends_are_widened() -> None:
    scale = Scale(200, 200, 9)
    assert scale.lo < 200 < scale.hi
    assert scale.dot(200) == 4
    zero = Scale(0, 0, 9)
    assert (zero.lo, zero.hi) == (-0.5, 0.5)


def test_scale_handles_missing_swapped_and_degenerate_input() -> None:
    assert (Scale(None, None, 10).lo, Scale(None, None, 10).hi) == (0, 1)
    nan_lo = Scale(math.nan, 5, 10)
    assert nan_lo.lo < 5 < nan_lo.hi
    inf_hi = Scale(5, math.inf, 10)
    assert inf_hi.lo < 5 < inf_hi.hi
    swapped = Scale(10, 0, 11)
    assert (swapped.lo, swapped.hi) == (0, 10)
    one = Scale(0, 1, 0)
    assert one.size == 1 and one.dot(0.5) == 0 and one.value(0) == 0.5


def test_scale_dot_of_missing_values_is_none() -> None:
    scale = Scale(0, 1, 10)
    assert scale.dot(None) is None
    assert scale.dot(math.nan) is None
    assert scale.dot(math.inf) is None


def test_scale_fit_ignores_none_and_nan() -> None:
    scale = Scale.fit([3.0, None, math.nan, 1.0, 2.0], 10, pad=0)
    assert (scale.lo, scale.hi) == (1, 3)
    empty = Scale.fit([None, math.nan], 10)
    assert math.isfinite(empty.lo) and math.isfinite(empty.hi) and empty.lo < empty.hi


def test_scale_fit_around_a_center_is_symmetric() -> None:
    scale = Scale.fit([98.0, 101.0], 21, pad=0, center=100)
    assert (scale.lo, scale.hi) == (98, 102)
    assert scale.dot(100) == 10
    flat = Scale.fit([100.0, 100.0], 21, center=100)
    assert flat.lo < 100 < flat.hi and flat.dot(100) == 10
    nothing = Scale.fit([], 21, center=100)
    assert nothing.dot(100) == 10
