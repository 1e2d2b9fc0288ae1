"""How figures are written: the same text in the report, the JSON-free panes and the evidence."""

from __future__ import annotations

import math

import pytest
from rotor.data.render import formatting as fmt


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (6915.61, "", "6,915.61"),
        (97.6, "", "97.60"),
        (5.275, "", "5.275"),
        (4.239, "%", "4.239%"),
        (None, "", "n/a"),
    ],
)
def test_price(value: float | None, unit: str, text: str) -> None:
    assert fmt.price(value, unit) == text


def test_changes_and_non_finite_values() -> None:
    assert fmt.pct(1.254) == "+1.25%" and fmt.pct(-0.5) == "-0.50%"
    assert fmt.points(2.5) == "+2.50 pts" and fmt.basis_points(16.6) == "+17 bp"
    for bad in (math.nan, math.inf, None):
        assert fmt.pct(bad) == fmt.points(bad) == fmt.basis_points(bad) == "n/a"


def test_yield_change_from_a_percent_change() -> None:
    base = fmt.base_from_change(4.133, 100 * (4.133 / 3.962 - 1))
    assert base == pytest.approx(3.962)
    assert fmt.basis_points(fmt.yield_change_bp(4.133, base)) == "+17 bp"
    assert fmt.base_from_change(4.0, -100.0) is None


def test_evidence_keeps_counts_whole_and_prices_precise() -> None:
    assert fmt.evidence("sectors up over 1W", 7) == "sectors up over 1W 7"
    assert fmt.evidence("close", 5.275, "NG=F", "$/MMBtu") == "NG=F close 5.275 $/MMBtu"
    assert fmt.evidence("change this week", 70.0, "NG=F", "%") == "NG=F change this week 70.00%"
    assert fmt.evidence("change this week", 17.2, "^TNX", "bp") == "^TNX change this week 17 bp"
    assert fmt.evidence("first close above", "2026-01-26", "GC=F") == "GC=F first close above 2026-01-26"
    assert fmt.evidence("z-score", math.nan) == "z-score n/a"


def test_spark_scales_min_to_max() -> None:
    assert fmt.spark([1.0, 2.0, 3.0]) == "▁▅█"
    assert fmt.spark([2.0, 2.0]) == "▄▄"
    assert fmt.spark([math.nan]) == ""
