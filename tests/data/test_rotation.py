"""rotation.py: the RRG against a plain-Python reference from the raw CSV rows, quadrants on synthetic
series whose walk is known by construction, spreads and breadth against hand computations."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from bundled_rows import Rows, raw_rows
from rotor.data.build import compute_snapshot
from rotor.data.figures import metrics
from rotor.data.figures.rotation import (
    SECTOR_TICKERS,
    SPREADS,
    RRGOptions,
    basis_closes,
    compute_breadth,
    compute_rotation,
    compute_rrg,
    compute_spreads,
    leadership_concentration,
    quadrant,
    spread_detail,
    standardised,
)
from rotor.data.panel import Panel
from rotor.data.snapshot import MarketSnapshot
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.symbols import UNIVERSE

WEEK_OF_JAN_23 = date(2026, 1, 23)
WEEK_OF_JAN_30 = date(2026, 1, 30)
#: The week to Friday 2026-01-23: Monday 01-19 (Martin Luther King Jr. Day) had no session.
HOLIDAY_WEEK = date(2026, 1, 23)


def upto(rows: Rows, day: date) -> Rows:
    return [r for r in rows if r[0] <= day]


def weekly(rows: Rows) -> Rows:
    """Last close of each ISO (Monday-Sunday) week, dated by its own day."""
    weeks: dict[tuple[int, int], tuple[date, float]] = {}
    for day, close in rows:
        iso = day.isocalendar()
        weeks[(iso[0], iso[1])] = (day, close)
    return list(weeks.values())


def reference_rrg(
    asset: Rows, bench: Rows, window: int = 14
) -> list[tuple[date, float | None, float | None]]:
    """RS-Ratio and RS-Momentum at every point, with plain loops and statistics.mean/stdev."""
    assert [d for d, _ in asset] == [d for d, _ in bench]
    rs = [100 * a / b for (_, a), (_, b) in zip(asset, bench, strict=True)]
    ratio: list[float | None] = [None] * len(rs)
    for i in range(window - 1, len(rs)):
        w = rs[i - window + 1 : i + 1]
        ratio[i] = 100 + (rs[i] - statistics.mean(w)) / statistics.stdev(w)
    roc: list[float | None] = [None] * len(rs)
    for i in range(window, len(rs)):
        now, before = ratio[i], ratio[i - 1]
        assert now is not None and before is not None
        roc[i] = 100 * (now / before - 1)
    momentum: list[float | None] = [None] * len(rs)
    for i in range(2 * window - 1, len(rs)):
        values = [v for v in roc[i - window + 1 : i + 1] if v is not None]
        assert len(values) == window
        current = roc[i]
        assert current is not None
        momentum[i] = 100 + (current - statistics.mean(values)) / statistics.stdev(values)
    return [(d, r, m) for (d, _), r, m in zip(asset, ratio, momentum, strict=True)]


def reference_quadrant(ratio: float, momentum: float) -> str:
    if ratio > 100:
        return "Leading" if momentum > 100 else "Weakening"
    return "Improving" if momentum > 100 else "Lagging"


@pytest.fixture(scope="module")
def bundled() -> Panel:
    return Panel.from_bars(load_bundled_bars(), [s.ticker for s in UNIVERSE])


# --- RRG against the raw rows --------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [WEEK_OF_JAN_23, WEEK_OF_JAN_30])
def test_weekly_rrg_matches_plain_python_reference_on_raw_rows(bundled: Panel, as_of: date) -> None:
    entries = compute_rrg(bundled, as_of, SECTOR_TICKERS, RRGOptions())
    spy = weekly(upto(raw_rows("SPY"), as_of))
    assert [e.symbol for e in entries] == list(SECTOR_TICKERS)
    for entry in entries:
        expected = reference_rrg(weekly(upto(raw_rows(entry.symbol), as_of)), spy)
        day, ratio, momentum = expected[-1]
        assert day == as_of
        assert ratio is not None and momentum is not None
        assert entry.rs_ratio == pytest.approx(ratio, rel=1e-12)
        assert entry.rs_momentum == pytest.approx(momentum, rel=1e-12)
        assert entry.quadrant == reference_quadrant(ratio, momentum)
        assert [p.on for p in entry.tail] == [d for d, _, _ in expected[-5:]]
        assert [p.rs_ratio for p in entry.tail] == pytest.approx([r for _, r, _ in expected[-5:]], rel=1e-12)
        assert [p.rs_momentum for p in entry.tail] == pytest.approx(
            [m for _, _, m in expected[-5:]], rel=1e-12
        )


def test_quadrants_on_jan_23_and_jan_30(bundled: Panel) -> None:
    """The figures the issue note quotes (also cross-checked by the reference test above)."""
    quadrants = {
        day: {e.symbol: e.quadrant for e in compute_rrg(bundled, day, SECTOR_TICKERS, RRGOptions())}
        for day in (WEEK_OF_JAN_23, WEEK_OF_JAN_30)
    }
    assert quadrants[WEEK_OF_JAN_23] == {
        "XLB": "Weakening",
        "XLC": "Leading",
        "XLE": "Leading",
        "XLF": "Lagging",
        "XLI": "Weakening",
        "XLK": "Improving",
        "XLP": "Leading",
        "XLRE": "Lagging",
        "XLU": "Lagging",
        "XLV": "Leading",
        "XLY": "Leading",
    }
    assert quadrants[WEEK_OF_JAN_30] == {
        "XLB": "Weakening",
        "XLC": "Leading",
        "XLE": "Weakening",
        "XLF": "Improving",
        "XLI": "Weakening",
        "XLK": "Lagging",
        "XLP": "Weakening",
        "XLRE": "Improving",
        "XLU": "Improving",
        "XLV": "Lagging",
        "XLY": "Lagging",
    }


def test_partial_as_of_week_counts_with_its_own_last_session(bundled: Panel) -> None:
    wednesday = date(2026, 1, 28)
    entry = compute_rrg(bundled, wednesday, ("XLE",), RRGOptions())[0]
    expected = reference_rrg(
        weekly(upto(raw_rows("XLE"), wednesday)), weekly(upto(raw_rows("SPY"), wednesday))
    )
    assert entry.tail[-1].on == wednesday
    assert entry.tail[-2].on == WEEK_OF_JAN_23
    assert entry.rs_ratio == pytest.approx(expected[-1][1], rel=1e-12)
    assert entry.rs_momentum == pytest.approx(expected[-1][2], rel=1e-12)


def test_daily_basis_uses_daily_closes(bundled: Panel) -> None:
    options = RRGOptions(basis="daily", window=10, tail=3)
    entry = compute_rrg(bundled, WEEK_OF_JAN_30, ("XLK",), options)[0]
    expected = reference_rrg(upto(raw_rows("XLK"), WEEK_OF_JAN_30), upto(raw_rows("SPY"), WEEK_OF_JAN_30), 10)
    assert [p.on for p in entry.tail] == [date(2026, 1, 28), date(2026, 1, 29), date(2026, 1, 30)]
    assert entry.rs_ratio == pytest.approx(expected[-1][1], rel=1e-12)
    assert entry.rs_momentum == pytest.approx(expected[-1][2], rel=1e-12)
    assert [p.rs_momentum for p in entry.tail] == pytest.approx([m for _, _, m in expected[-3:]], rel=1e-12)


# --- synthetic series whose walk is known by construction ----------------------------------------


def synthetic_panel(relative: np.ndarray, *, sessions_per_point: int) -> tuple[Panel, list[date]]:
    """SPY drifting up, and XLK = SPY * ``relative[k]`` at point ``k`` (a week of five sessions, or one
    session). Returns the panel and the last session of every point."""
    rng = np.random.default_rng(7)
    start = date(2023, 1, 2)  # a Monday
    days = [start + timedelta(days=7 * (i // 5) + i % 5) for i in range(len(relative) * 5)]
    spy = 400 * np.cumprod(1 + rng.normal(0.0005, 0.004, len(days)))
    if sessions_per_point == 5:
        per_session = np.repeat(relative, 5)
    else:
        days = days[: len(relative)]
        spy = spy[: len(relative)]
        per_session = relative
    bars = pd.DataFrame(
        {
            "symbol": ["SPY"] * len(days) + ["XLK"] * len(days),
            "date": pd.to_datetime(days * 2),
            "close": np.concatenate([spy, spy * per_session]),
        }
    )
    for field in ("open", "high", "low", "volume"):
        bars[field] = np.nan
    ends = days[4::5] if sessions_per_point == 5 else days
    return Panel.from_bars(bars, ["SPY", "XLK"]), ends


def relative_path(direction: float, seed: int = 11) -> np.ndarray:
    """30 flat points with a little noise (0.1%), 8 points of steady 1.5%-a-point relative moves in
    ``direction`` (points 30..37), then 12 flat points at the new level (the stall, from point 38)."""
    rng = np.random.default_rng(seed)
    flat = 1 + rng.normal(0, 0.001, 30)
    ramp = flat[-1] * np.cumprod(np.full(8, 1 + direction * 0.015))
    stall = ramp[-1] * (1 + rng.normal(0, 0.001, 12))
    return np.concatenate([flat, ramp, stall])


def runs(walk: Sequence[str | None]) -> list[str | None]:
    """The walk with repeats collapsed: the order in which quadrants were visited."""
    return [q for i, q in enumerate(walk) if i == 0 or walk[i - 1] != q]


@pytest.mark.parametrize(
    ("direction", "on_the_move", "after_stall"),
    [(1.0, "Leading", "Weakening"), (-1.0, "Lagging", "Improving")],
)
@pytest.mark.parametrize("basis", ["weekly", "daily"])
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_outperform_then_stall_walks_leading_to_weakening(
    direction: float, on_the_move: str, after_stall: str, basis: str, seed: int
) -> None:
    """With this z-scored RRG a steady relative move lifts RS-Ratio at once and RS-Momentum then fades
    (RS-Ratio settles while it is still above 100), so by construction: Leading as the outperformance
    starts, Weakening through the stall and never back through Lagging or Improving in between. The
    mirror image (steady underperformance, then a stall) walks Lagging -> Improving."""
    relative = relative_path(direction, seed)
    panel, ends = synthetic_panel(relative, sessions_per_point=5 if basis == "weekly" else 1)
    options = RRGOptions(basis="weekly" if basis == "weekly" else "daily")
    walk = [compute_rrg(panel, day, ("XLK",), options)[0].quadrant for day in ends]
    assert walk[30] == on_the_move
    assert runs(walk[30:43]) == [on_the_move, after_stall]
    assert walk[38:43] == [after_stall] * 5


def test_a_relative_strength_cycle_rotates_clockwise() -> None:
    """A sine-shaped relative strength visits the quadrants in the RRG's clockwise order."""
    points = np.arange(80)
    panel, ends = synthetic_panel(np.exp(0.05 * np.sin(2 * np.pi * points / 40)), sessions_per_point=5)
    walk = [compute_rrg(panel, day, ("XLK",), RRGOptions())[0].quadrant for day in ends]
    assert walk[:27] == [None] * 27  # RS-Momentum needs 28 points
    assert runs(walk[27:]) == [
        "Improving",
        "Leading",
        "Weakening",
        "Lagging",
        "Improving",
        "Leading",
        "Weakening",
    ]


def test_tail_is_the_last_five_points_oldest_first() -> None:
    panel, ends = synthetic_panel(relative_path(1.0), sessions_per_point=5)
    entry = compute_rrg(panel, ends[-1], ("XLK",), RRGOptions())[0]
    assert [p.on for p in entry.tail] == ends[-5:]
    last = entry.tail[-1]
    assert (last.rs_ratio, last.rs_momentum) == (entry.rs_ratio, entry.rs_momentum)


def test_short_history_gives_none_not_nan() -> None:
    panel, ends = synthetic_panel(relative_path(1.0), sessions_per_point=5)
    at_20 = compute_rrg(panel, ends[19], ("XLK",), RRGOptions())[0]
    assert at_20.rs_ratio is not None  # 20 weeks: RS-Ratio needs 14
    assert at_20.rs_momentum is None  # RS-Momentum needs 28
    assert at_20.quadrant is None
    assert at_20.tail == ()
    at_10 = compute_rrg(panel, ends[9], ("XLK",), RRGOptions())[0]
    assert (at_10.rs_ratio, at_10.rs_momentum, at_10.quadrant, at_10.tail) == (None, None, None, ())


def test_zero_spread_gives_none_never_inf() -> None:
    flat = np.ones(50)
    panel, ends = synthetic_panel(flat, sessions_per_point=5)
    entry = compute_rrg(panel, ends[-1], ("XLK", "XLE"), RRGOptions())
    assert [(e.rs_ratio, e.rs_momentum, e.quadrant, e.tail) for e in entry] == [(None, None, None, ())] * 2
    values = np.array([[1.0], [1.0], [1.0], [2.0], [3.0]])
    assert np.isnan(standardised(values, 3)[:3]).all()
    assert standardised(values, 3)[3:, 0] == pytest.approx(
        [100 + (2 - 4 / 3) / np.std([1, 1, 2], ddof=1), 101.0]
    )


def test_missing_benchmark_gives_empty_entries(bundled: Panel) -> None:
    entries = compute_rrg(bundled.select(SECTOR_TICKERS), WEEK_OF_JAN_30, SECTOR_TICKERS, RRGOptions())
    assert all(e.rs_ratio is None and e.quadrant is None for e in entries)


def test_quadrant_boundaries() -> None:
    assert quadrant(100.1, 100.1) == "Leading"
    assert quadrant(100.1, 100.0) == "Weakening"
    assert quadrant(100.0, 100.0) == "Lagging"
    assert quadrant(99.9, 100.2) == "Improving"
    assert quadrant(None, 101.0) is None


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="window"):
        RRGOptions(window=1)
    with pytest.raises(ValueError, match="tail"):
        RRGOptions(tail=0)
    with pytest.raises(ValueError, match="basis"):
        RRGOptions(basis="monthly")  # type: ignore[arg-type]


def test_weekly_basis_closes_are_each_symbols_last_close_of_the_week() -> None:
    index = pd.DatetimeIndex(["2026-01-12", "2026-01-14", "2026-01-16", "2026-01-19", "2026-01-20"])
    close = pd.DataFrame(
        {"SPY": [1.0, 2.0, np.nan, 4.0, 5.0], "XLK": [10.0, np.nan, 30.0, 40.0, np.nan]}, index
    )
    weekly_frame = basis_closes(close, "SPY", "weekly")
    assert list(weekly_frame.index) == [pd.Timestamp("2026-01-16"), pd.Timestamp("2026-01-20")]
    assert weekly_frame.to_numpy().tolist() == [[2.0, 30.0], [5.0, 40.0]]
    daily_frame = basis_closes(close, "SPY", "daily")
    assert list(daily_frame.index) == list(index[[0, 1, 3, 4]])


# --- spreads and breadth against hand computations -----------------------------------------------


def base_rows(rows: list[tuple[date, float]], as_of: date) -> list[int]:
    """Row numbers of the bases: the calendar week (the last close before Monday), 1W (5 sessions back),
    1M (21 sessions back), YTD (the last close of the previous year)."""
    monday = as_of - timedelta(days=as_of.weekday())
    week = [i for i, (d, _) in enumerate(rows) if d < monday][-1]
    year_end = [i for i, (d, _) in enumerate(rows) if d.year < as_of.year][-1]
    return [week, len(rows) - 6, len(rows) - 22, year_end]


def changes_by_hand(ticker: str, as_of: date) -> list[float]:
    """Calendar-week, 1W, 1M and YTD % changes from raw rows."""
    rows = upto(raw_rows(ticker), as_of)
    return [100 * (rows[-1][1] / rows[i][1] - 1) for i in base_rows(rows, as_of)]


def ratio_by_hand(first: str, second: str, as_of: date) -> list[float]:
    a, b = upto(raw_rows(first), as_of), upto(raw_rows(second), as_of)
    assert [d for d, _ in a] == [d for d, _ in b]
    now = a[-1][1] / b[-1][1]
    return [100 * (now / (a[i][1] / b[i][1]) - 1) for i in base_rows(a, as_of)]


def basket_by_hand(first: tuple[str, ...], second: tuple[str, ...], as_of: date) -> list[float]:
    def mean_changes(basket: tuple[str, ...]) -> list[float]:
        per_symbol = [changes_by_hand(t, as_of) for t in basket]
        return [statistics.mean(c[k] for c in per_symbol) for k in range(4)]

    return [x - y for x, y in zip(mean_changes(first), mean_changes(second), strict=True)]


@pytest.mark.parametrize("as_of", [WEEK_OF_JAN_30, HOLIDAY_WEEK], ids=str)
def test_spreads_match_hand_computations(bundled: Panel, as_of: date) -> None:
    spreads = {s.id: s for s in compute_spreads(metrics.instrument_metrics(bundled, as_of))}
    expected = {
        "small_vs_large": ratio_by_hand("IWM", "SPY", as_of),
        "russell_vs_nasdaq": basket_by_hand(("^RUT",), ("^IXIC",), as_of),
        "equal_vs_cap": ratio_by_hand("RSP", "SPY", as_of),
        "cyclical_vs_defensive": basket_by_hand(
            ("XLY", "XLF", "XLI", "XLB", "XLE"), ("XLP", "XLU", "XLV", "XLRE"), as_of
        ),
        "growth_vs_value": basket_by_hand(("XLK", "XLC"), ("XLF", "XLE", "XLI"), as_of),
    }
    assert list(spreads) == list(expected)
    for spread_id, values in expected.items():
        s = spreads[spread_id]
        assert [s.change_wtd, s.change_1w, s.change_1m, s.change_ytd] == pytest.approx(
            values, rel=1e-9, abs=1e-12
        )
    assert {s.unit for s in spreads.values() if "/" in s.label} == {"pct"}
    assert spreads["cyclical_vs_defensive"].unit == "pts"


def test_spread_texts_speak_of_the_calendar_week(bundled: Panel) -> None:
    week = {s.id: s for s in compute_spreads(metrics.instrument_metrics(bundled, WEEK_OF_JAN_30))}
    assert (
        week["small_vs_large"].detail
        == "Small caps lagged large caps by 2.34% this week, but ahead by 3.95% YTD."
    )
    assert week["cyclical_vs_defensive"].detail == (
        "Cyclicals outperformed defensives by 0.19 pts this week, and ahead by 2.84 pts YTD."
    )
    # In the holiday week to 01-23 (no session on Monday 01-19) the calendar week is not five sessions:
    # IWM/SPY moved -0.01% and the Russell 2000 lagged the Nasdaq by 0.26 pts over the calendar week,
    # +0.17% and -0.08 pts over the five sessions since 01-15; the texts speak of the calendar week only.
    holiday = {s.id: s for s in compute_spreads(metrics.instrument_metrics(bundled, HOLIDAY_WEEK))}
    small, russell = holiday["small_vs_large"], holiday["russell_vs_nasdaq"]
    assert (round(small.change_wtd or 0, 2), round(small.change_1w or 0, 2)) == (-0.01, 0.17)
    assert (round(russell.change_wtd or 0, 2), round(russell.change_1w or 0, 2)) == (-0.26, -0.08)
    assert small.detail == "Small caps lagged large caps by 0.01% this week, but ahead by 6.44% YTD."
    assert (
        russell.detail
        == "The Russell 2000 lagged the Nasdaq by 0.26 pts this week, but ahead by 6.43 pts YTD."
    )


def test_spread_with_a_missing_member_is_none(bundled: Panel) -> None:
    table = metrics.instrument_metrics(bundled, WEEK_OF_JAN_30).drop(index=["XLRE", "IWM"])
    spreads = {s.id: s for s in compute_spreads(table)}
    assert (spreads["cyclical_vs_defensive"].change_1w, spreads["small_vs_large"].change_ytd) == (None, None)
    assert spreads["cyclical_vs_defensive"].change_wtd is None
    assert spreads["small_vs_large"].detail == "Small caps vs large caps: this week n/a."
    assert spreads["equal_vs_cap"].change_1w is not None


def test_spread_detail_reads_the_figures() -> None:
    growth = next(d for d in SPREADS if d.id == "growth_vs_value")
    assert spread_detail(growth, "pts", [-0.8236, 9.9, -5.1, -5.1638]) == (
        "Growth lagged value by 0.82 pts this week, and behind by 5.16 pts YTD."
    )
    assert (
        spread_detail(growth, "pts", [0.0, 1.0, None, 1.0])
        == "Growth kept pace with value this week, and ahead by 1.00 pts YTD."
    )
    assert (
        spread_detail(growth, "pts", [None, 3.0, None, -2.5])
        == "Growth vs value: this week n/a; behind by 2.50 pts YTD."
    )
    small = SPREADS[0]
    assert (
        spread_detail(small, "pct", [1.234, -4.0, None, 0.0])
        == "Small caps outperformed large caps by 1.23% this week, and level YTD."
    )


@pytest.mark.parametrize(
    ("as_of", "above_expected", "up_expected", "leaders_expected"),
    [
        (WEEK_OF_JAN_30, 8, 7, ("XLE", "XLC", "XLU")),
        # The holiday week: the leaders of the calendar week are the sector table's top three (the
        # five-session leaders were XLE, XLB, XLP).
        (HOLIDAY_WEEK, 9, 6, ("XLE", "XLB", "XLC")),
    ],
    ids=str,
)
def test_breadth_matches_hand_computation(
    bundled: Panel, as_of: date, above_expected: int, up_expected: int, leaders_expected: tuple[str, ...]
) -> None:
    breadth = compute_breadth(metrics.instrument_metrics(bundled, as_of), SECTOR_TICKERS)
    week: dict[str, float] = {}
    above = 0
    monday = as_of - timedelta(days=as_of.weekday())
    for ticker in SECTOR_TICKERS:
        rows = upto(raw_rows(ticker), as_of)
        closes = [c for _, c in rows]
        above += closes[-1] > statistics.mean(closes[-50:])
        week[ticker] = 100 * (closes[-1] / [c for d, c in rows if d < monday][-1] - 1)
    ranked = sorted(week, key=lambda t: -week[t])
    gains = [max(week[t], 0.0) for t in ranked]
    assert breadth.total == 11
    assert breadth.above_ma50 == above == above_expected
    assert breadth.up_week == sum(v > 0 for v in week.values()) == up_expected
    assert breadth.leaders == tuple(ranked[:3]) == leaders_expected
    assert breadth.concentration == pytest.approx(sum(gains[:3]) / sum(gains), rel=1e-12)
    leaders = ", ".join(f"{t} {week[t]:+.2f}%" for t in ranked[:3])
    assert breadth.detail.startswith(
        f"{above} of 11 sectors above their 50-day average; {up_expected} of 11 rose this week; "
        f"leaders {leaders}"
    )


def test_leadership_concentration_definition() -> None:
    assert leadership_concentration([3.0, 1.0, 1.0, -2.0]) == pytest.approx(1.0)
    assert leadership_concentration([1.0] * 11) == pytest.approx(3 / 11)
    assert leadership_concentration([4.0, 2.0, 1.0, 1.0, -1.0]) == pytest.approx(7 / 8)
    assert leadership_concentration([-1.0, -2.0]) is None
    assert leadership_concentration([]) is None


# --- the entry point and the snapshot ------------------------------------------------------------


def test_compute_rotation_bundles_spreads_breadth_and_rrg(bundled: Panel) -> None:
    table = metrics.instrument_metrics(bundled, WEEK_OF_JAN_30)
    rotation = compute_rotation(bundled, WEEK_OF_JAN_30, table, RRGOptions(window=10, tail=3))
    assert (rotation.benchmark, rotation.basis, rotation.window) == ("SPY", "weekly", 10)
    assert len(rotation.spreads) == 5 and rotation.breadth is not None and rotation.breadth.total == 11
    assert [len(e.tail) for e in rotation.rrg] == [3] * 11
    xlk = rotation.rrg_for("XLK")
    assert xlk is not None
    assert xlk.rs_ratio == pytest.approx(
        reference_rrg(
            weekly(upto(raw_rows("XLK"), WEEK_OF_JAN_30)), weekly(upto(raw_rows("SPY"), WEEK_OF_JAN_30)), 10
        )[-1][1],
        rel=1e-12,
    )


def test_snapshot_carries_rotation_and_round_trips_through_json(bundled: Panel) -> None:
    snapshot = compute_snapshot(
        bundled, requested_as_of=WEEK_OF_JAN_30, source="snapshot", now=datetime(2026, 2, 1, 12, 0)
    )
    assert snapshot.rotation is not None
    assert snapshot.rotation.rrg_for("XLC") is not None
    assert snapshot.risk_notes
    text = json.dumps(snapshot.to_dict(), allow_nan=False)
    assert MarketSnapshot.from_dict(json.loads(text)) == snapshot


def test_snapshot_rotation_follows_the_options(bundled: Panel) -> None:
    snapshot = compute_snapshot(
        bundled,
        requested_as_of=WEEK_OF_JAN_30,
        source="snapshot",
        now=datetime(2026, 2, 1, 12, 0),
        rrg_options=RRGOptions(basis="daily", tail=2),
    )
    assert snapshot.rotation is not None
    assert snapshot.rotation.basis == "daily"
    assert [p.on for p in snapshot.rotation.rrg[0].tail] == [date(2026, 1, 29), WEEK_OF_JAN_30]
