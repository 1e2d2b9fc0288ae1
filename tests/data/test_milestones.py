"""milestones.py against plain-Python references (reference_figures.py) over the bundled rows joined to the
bundled deep history: records, highest/lowest closes since, the biggest weekly move since, best/worst
days since, first closes above round levels (as news or as context), round levels within reach, the
week's closes, the rolled timeframes and the weekly-move z-score, for every milestone symbol at several
as-of sessions (a holiday week, the first week after the seam of the deep history, the two weeks of the
issue, the bundle's last complete session)."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from bundled_rows import history_entries, history_rows, raw_rows, searched_rows
from reference_figures import (
    DEEP,
    STOCK_INDICES,
    history,
    largest_weekly_move,
    level_cross,
    monday,
    near_levels,
    pct,
    record,
    rolls,
    spans_roll,
    week_extremes_days,
    week_high_low_since,
    zscore,
)
from rotor.data.build import compute_figures
from rotor.data.feed import BundledFeed
from rotor.data.figures import milestones
from rotor.data.figures.milestones import MilestoneOptions, SearchedHistory
from rotor.data.panel import Panel
from rotor.data.snapshot import InstrumentStats, MarketSnapshot, Milestone
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.symbols import UNIVERSE, by_ticker

AS_OF_DATES = (
    date(2024, 1, 5),
    date(2024, 2, 9),
    date(2025, 7, 3),
    date(2025, 11, 28),
    date(2026, 1, 23),
    date(2026, 1, 30),
    date(2026, 3, 6),
)
MIN_WEEKS = 13


def snapshot_at(day: date, cache: dict[date, MarketSnapshot] = {}) -> MarketSnapshot:  # noqa: B006
    if day not in cache:
        cache[day] = BundledFeed(day).refresh()
    return cache[day]


def stats(day: date, ticker: str) -> InstrumentStats:
    found = snapshot_at(day).get(ticker)
    assert found is not None
    return found


def of_kind(i: InstrumentStats, kind: str) -> list[Milestone]:
    return [m for m in i.milestones if m.kind == kind]


def notable(later: date, since: date | None) -> bool:
    return since is None or (later - since).days >= 7 * MIN_WEEKS


@pytest.mark.parametrize("day", AS_OF_DATES, ids=str)
@pytest.mark.parametrize("ticker", DEEP)
def test_records_and_milestones_match_plain_python(ticker: str, day: date) -> None:
    i = stats(day, ticker)
    rows = history(ticker, day)
    last_day, last = rows[-1]
    assert i.last_date == last_day and i.last == last
    assert i.history_start == rows[0][0] == history_rows(ticker)[0][0]

    best, best_day = record(ticker, day)
    assert (i.record_close, i.record_date) == (pytest.approx(best, rel=1e-12), best_day)
    shown = of_kind(i, "record_close")
    assert [m.on for m in shown] == ([best_day] if best_day >= monday(last_day) else [])

    extremes = week_high_low_since(ticker, day)
    for word in ("highest", "lowest"):
        value, on, since = extremes[word]
        expected = notable(on, since) and not (word == "highest" and on == best_day)
        got = of_kind(i, f"{word}_since")
        assert [(m.on, m.since) for m in got] == ([(on, since)] if expected else []), word
        if got:
            assert got[0].level == pytest.approx(value, rel=1e-12)
            assert got[0].distance_pct == pytest.approx(pct(last, value), rel=1e-9, abs=1e-12)

    move = largest_weekly_move(ticker, day)
    got = of_kind(i, "weekly_move")
    if move is None or not notable(move[1], move[2]):
        assert got == []
    else:
        (m,) = got
        assert (m.pct, m.on, m.since) == (pytest.approx(move[0], rel=1e-9), move[1], move[2])

    days = of_kind(i, "daily_move")
    if ticker in STOCK_INDICES:
        expected_days = [
            (w, d, since) for w, _, d, since in week_extremes_days(ticker, day) if notable(d, since)
        ]
        assert [(m.text.split()[0], m.on, m.since) for m in days] == expected_days
    else:
        assert days == []

    crosses = of_kind(i, "first_close_above")
    near = of_kind(i, "near_level")
    if ticker in ("^VIX", "^TNX"):
        assert crosses == [] and near == []
    else:
        cross = level_cross(ticker, day)
        assert [(m.level, m.on, m.context) for m in crosses] == (
            [] if cross is None else [(cross[0], cross[1], cross[1] < monday(last_day))]
        )
        assert [(m.level, m.distance_pct) for m in near] == [
            (level, pytest.approx(distance, rel=1e-9)) for level, distance in near_levels(last)
        ]
    for m in i.milestones:
        if m.kind != "near_level":
            assert f"closes since {rows[0][0].isoformat()}" in m.text, m.text
        assert m.context == (m.kind == "first_close_above" and m.on is not None and m.on < monday(last_day))


@pytest.mark.parametrize("day", AS_OF_DATES, ids=str)
@pytest.mark.parametrize("ticker", ["GC=F", "SI=F", "CL=F", "NG=F", "HG=F"])
def test_weekly_move_z_matches_plain_python(ticker: str, day: date) -> None:
    expected = zscore(ticker, day)
    got = stats(day, ticker).weekly_move_z
    assert (got is None) == (expected is None)
    if expected is not None:
        assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("day", AS_OF_DATES, ids=str)
@pytest.mark.parametrize("ticker", ["^GSPC", "SPY", "XLE", "NG=F", "CL=F", "^TNX"])
def test_week_closes_and_rolled_timeframes(ticker: str, day: date) -> None:
    i = stats(day, ticker)
    rows = history(ticker, day)
    roll_days = [r.on for r in rolls(ticker, rows)]
    week = [(k, r) for k, r in enumerate(rows) if r[0] >= monday(rows[-1][0])]
    assert [(d.on, d.close) for d in i.week] == [r for _, r in week]
    for d, (k, (on, close)) in zip(i.week, week, strict=True):
        if k == 0:  # the first loaded session has no session before it
            assert (d.change_pct, d.rolled) == (None, False)
            continue
        assert d.change_pct == pytest.approx(pct(close, rows[k - 1][1]), rel=1e-9)
        assert d.rolled == spans_roll(roll_days, rows[k - 1][0], on)
    if ticker not in ("NG=F", "CL=F"):
        assert (i.rolled, i.rolls) == ((), ())
        return
    last_day = rows[-1][0]
    bases = {
        "1D": rows[-2][0],
        "1W": rows[-6][0],
        "WTD": [d for d, _ in rows if d < monday(last_day)][-1],
        "1M": rows[-22][0],
        "MTD": [d for d, _ in rows if d < last_day.replace(day=1)][-1],
        "YTD": [d for d, _ in rows if d < date(last_day.year, 1, 1)][-1],
    }
    assert i.rolled == tuple(tf for tf, base in bases.items() if spans_roll(roll_days, base, last_day))
    window_start = rows[-22][0]
    assert [r.on for r in i.rolls] == [d for d in roll_days if window_start < d <= last_day]


def test_the_etf_histories_join_by_returns_at_the_seam() -> None:
    """SPY's adjusted history times the raw/adj factor of 2024-01-02 (1.02752, HISTORY_SOURCES.md note 2)
    joins the as-traded bars: its 2023-12-29 close becomes 462.58 x 1.02752 = 475.31, the close SPY
    printed that day, and the return across the seam is the adjusted one."""
    entry = next(e for e in history_entries() if e["symbol"] == "SPY")
    assert (entry["basis"], entry["seam_factor"], entry["seam"]) == ("ADJ", "1.02752", "2024-01-02")
    deep = history_rows("SPY")
    assert deep[-1] == (date(2023, 12, 29), 462.58)
    joined = searched_rows("SPY")
    assert joined[len(deep) - 1][1] == pytest.approx(475.31, abs=0.005)
    assert joined[len(deep)] == raw_rows("SPY")[0]
    spy = stats(date(2026, 1, 30), "SPY")
    assert spy.history_basis.startswith("dividend-adjusted before 2024-01-02, joined by returns")
    assert stats(date(2026, 1, 30), "RSP").history_basis == "dividend-adjusted closes"
    assert stats(date(2026, 1, 30), "^GSPC").history_basis == ""


def test_the_issue_s_history_figures() -> None:
    """What the commentary says about history, from the deep history (issue 15)."""
    jan23 = snapshot_at(date(2026, 1, 23))
    spx, rut = jan23.get("^GSPC"), jan23.get("^RUT")
    assert spx is not None and rut is not None
    # S&P 500 0.88% below its record close; Tuesday its worst day since 2025-10-10.
    assert spx.record_distance_pct() == pytest.approx(-0.88, abs=0.005)
    (worst,) = of_kind(spx, "daily_move")
    assert (worst.on, worst.since, round(worst.pct or 0, 2)) == (date(2026, 1, 20), date(2025, 10, 10), -2.06)
    # The Russell 2000's record close on Thursday (in closes since 1987).
    (rec,) = of_kind(rut, "record_close")
    assert (rec.on, rec.level, rec.history_start) == (date(2026, 1, 22), 2718.77, date(1987, 9, 10))
    # Gold 0.48% below $5,000.
    gold = jan23.get("GC=F")
    assert gold is not None
    (near,) = of_kind(gold, "near_level")
    assert (near.level, round(near.distance_pct or 0, 2)) == (5000.0, -0.48)
    assert near.text == "0.48% below $5,000"
    # Copper's first close above $6 (2026-01-06) is context, with its distance, never this week's news.
    copper = jan23.get("HG=F")
    assert copper is not None
    (six,) = of_kind(copper, "first_close_above")
    assert six.context and six.on == date(2026, 1, 6)
    assert six.text.endswith("now 1.48% below it")
    # Natural gas: 7.460 on 2026-01-28 was its highest close since 2022-09-21 (no first close above $7).
    gas = snapshot_at(date(2026, 1, 30)).get("NG=F")
    assert gas is not None
    (high,) = of_kind(gas, "highest_since")
    assert (high.on, high.level, high.since) == (date(2026, 1, 28), 7.46, date(2022, 9, 21))
    assert "February 2026 contract; the series has since rolled to March 2026" in high.text


def test_options_change_what_is_shown() -> None:
    cut = [r for r in searched_rows("GC=F") if r[0] <= date(2026, 1, 23)]
    series = pd.Series([c for _, c in cut], index=pd.DatetimeIndex([d for d, _ in cut]))
    h = milestones.searched_history("GC=F", series, None)
    assert h is not None
    gold = by_ticker("GC=F")

    def near(options: MilestoneOptions) -> list[float | None]:
        return [m.level for m in milestones.milestones_for(h, gold, options) if m.kind == "near_level"]

    assert near(MilestoneOptions()) == [5000.0]  # 0.48% below: within the default 1%
    assert near(MilestoneOptions(near_level_pct=0.4)) == []
    weekly = [
        m
        for m in milestones.milestones_for(h, gold, MilestoneOptions(min_weeks=400))
        if m.kind == "weekly_move"
    ]
    assert weekly == []  # the last larger weekly gain (2020-03-27) is less than 400 weeks back
    with pytest.raises(ValueError):
        MilestoneOptions(near_level_pct=math.nan)


def test_round_level_cross_is_one_check_even_after_a_collapse() -> None:
    """A last close far below the window's high (a bad tick) must not loop over thousands of levels,
    and a subnormal close must not divide by zero."""
    import time as _time

    index = pd.bdate_range("2025-01-01", periods=60)

    def history_of(values: list[float]) -> SearchedHistory:
        h = milestones.searched_history("X", pd.Series(values, index=index[: len(values)]), None)
        assert h is not None
        return h

    for last in (0.5, 0.01, 5e-324):
        values = [5000.0 + i for i in range(59)] + [last]
        started = _time.perf_counter()
        milestones.round_level_cross(history_of(values), 21)
        assert _time.perf_counter() - started < 0.5
    rising = [450.0 + i for i in range(60)]  # 450 -> 509, step 100
    assert milestones.round_level_cross(history_of(rising), 21) == (500.0, index[51].date())  # 501
    assert milestones.round_level_cross(history_of(rising[:46]), 21) is None  # 495: not crossed yet


def test_no_deep_history_searches_the_loaded_bars() -> None:
    """Without the deep history (``deep_history={}``) the history searched is the bundle's, and says so."""
    panel = Panel.from_bars(load_bundled_bars(), [s.ticker for s in UNIVERSE])
    figures = compute_figures(
        panel, requested_as_of=date(2026, 1, 23), cut=date(2026, 1, 23), deep_history={}
    )
    spx = next(i for i in figures.instruments if i.symbol == "^GSPC")
    assert spx.history_start == date(2024, 1, 2)
    assert spx.milestones and all(
        "closes since 2024-01-02" in m.text for m in spx.milestones if m.kind != "near_level"
    )
