"""Futures rolls (figures/rolls.py): the exchange rules find the real NG=F and CL=F contract switches in the
bundled rows and the deep history, equal to a plain-Python implementation of the same rules, and a roll is
never reported as a move (weekly change flagged, no z-score, no weekly milestone, no shock note)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from bundled_rows import raw_rows, searched_rows
from reference_figures import rolls as reference_rolls
from rotor.data.feed import BundledFeed
from rotor.data.figures.rolls import ROLL_RULES, BusinessDays, find_rolls
from rotor.data.snapshot import InstrumentStats, MarketSnapshot

JAN_23 = date(2026, 1, 23)
JAN_30 = date(2026, 1, 30)


def schedule(ticker: str, rows: list[tuple[date, float]]) -> list[tuple[date, date, str, float, float]]:
    days = np.array([d for d, _ in rows], dtype="datetime64[D]")
    closes = np.array([c for _, c in rows])
    found = find_rolls(ticker, days, closes)
    return [
        (r.on, r.previous, r.from_contract, r.last_close, r.first_close)
        for r in (found.roll(k) for k in range(len(found)))
    ]


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September")
MONTHS += ("October", "November", "December")


@pytest.mark.parametrize("ticker", ["NG=F", "CL=F"])
def test_every_roll_equals_the_plain_python_rule(ticker: str) -> None:
    rows = searched_rows(ticker)
    expected = [
        (r.on, r.previous, f"{MONTHS[r.from_month[1] - 1]} {r.from_month[0]}", r.last_close, r.first_close)
        for r in reference_rolls(ticker, rows)
    ]
    assert schedule(ticker, rows) == expected
    # One contract a month since 2000 (the history starts in late August 2000; the bundle ends 2026-06-23).
    assert 300 <= len(expected) <= 312


def test_the_natural_gas_rolls_of_the_winter() -> None:
    found = {
        on: (prev, contract, old, new) for on, prev, contract, old, new in schedule("NG=F", raw_rows("NG=F"))
    }
    # February 2026 expired on Wednesday 2026-01-28 at 7.46; from Thursday the series is March (3.918).
    assert found[date(2026, 1, 29)] == (date(2026, 1, 28), "February 2026", 7.46, 3.918)
    # January 2026 expired on Monday 2025-12-29 (three business days before 1 January).
    assert found[date(2025, 12, 30)] == (date(2025, 12, 29), "January 2026", 4.687, 3.972)
    closes = dict(raw_rows("NG=F"))
    assert (closes[date(2026, 1, 28)], closes[date(2026, 1, 29)]) == (7.46, 3.918)


def test_the_crude_oil_rolls() -> None:
    found = {
        on: (prev, contract, old, new) for on, prev, contract, old, new in schedule("CL=F", raw_rows("CL=F"))
    }
    # February 2026: the 25th of January was a Sunday, so four business days before it; Monday 01-19
    # (Martin Luther King Jr. Day) has no session, so the last trading day is Tuesday 2026-01-20.
    assert date(2026, 1, 19) not in dict(raw_rows("CL=F"))
    assert found[date(2026, 1, 21)] == (date(2026, 1, 20), "February 2026", 60.34, 60.62)
    # March 2026: the 25th of February was a Wednesday: three business days before it, Friday 02-20.
    assert found[date(2026, 2, 23)][:2] == (date(2026, 2, 20), "March 2026")
    # May 2020 expired on 2020-04-21 (the series shows its last settlement, 10.01, after -37.63 the day
    # before); June 2020 from 2020-04-22.
    deep = {on: v for on, *v in schedule("CL=F", searched_rows("CL=F"))}
    assert deep[date(2020, 4, 22)] == [date(2020, 4, 21), "May 2020", 10.01, 13.78]


def test_an_expiry_past_the_data_counts_weekdays() -> None:
    """Cut on Tuesday 2026-01-27: February's last trading day (Wednesday 01-28) lies beyond the data,
    counted in weekdays (Fri 01-30, Thu 01-29, Wed 01-28), so no roll is found yet; cut on Thursday it is."""
    rows = raw_rows("NG=F")
    cut = [r for r in rows if r[0] <= date(2026, 1, 27)]
    assert date(2026, 1, 29) not in [on for on, *_ in schedule("NG=F", cut)]
    cut = [r for r in rows if r[0] <= date(2026, 1, 29)]
    assert date(2026, 1, 29) in [on for on, *_ in schedule("NG=F", cut)]
    days = BusinessDays(np.array([d for d, _ in cut], dtype="datetime64[D]"))
    assert days.before(np.array(["2026-02-01"], dtype="datetime64[D]"), np.array([3]))[0] == np.datetime64(
        "2026-01-28"
    )


def test_symbols_without_a_rule_have_no_rolls() -> None:
    assert set(ROLL_RULES) == {"NG=F", "CL=F"}
    for ticker in ("GC=F", "^GSPC"):
        assert schedule(ticker, raw_rows(ticker)) == []


# --- a roll is never a move ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def weeks() -> dict[date, MarketSnapshot]:
    return {day: BundledFeed(day).refresh() for day in (JAN_23, JAN_30)}


def stats(snapshot: MarketSnapshot, ticker: str) -> InstrumentStats:
    found = snapshot.get(ticker)
    assert found is not None
    return found


def test_natural_gas_week_across_the_roll(weeks: dict[date, MarketSnapshot]) -> None:
    gas = stats(weeks[JAN_30], "NG=F")
    closes = dict(raw_rows("NG=F"))
    assert gas.change_wtd_pct == pytest.approx(100 * (closes[JAN_30] / closes[JAN_23] - 1))
    assert gas.spans_roll("WTD") and gas.spans_roll("1W") and not gas.spans_roll("1D")
    (roll,) = [r for r in gas.rolls if r.on == date(2026, 1, 29)]
    assert (roll.from_contract, roll.to_contract, roll.last_close, roll.first_close) == (
        "February 2026",
        "March 2026",
        7.46,
        3.918,
    )
    assert gas.weekly_move_z is None
    assert not [m for m in gas.milestones if m.kind in ("weekly_move", "first_close_above")]
    assert not [n for n in weeks[JAN_30].risk_notes if "NG=F" in n.id]
    day = next(d for d in gas.week if d.on == date(2026, 1, 29))
    assert day.rolled and not any(d.rolled for d in gas.week if d.on != day.on)
    # The week before had no roll: its +70% is a price move, scored and shown.
    before = stats(weeks[JAN_23], "NG=F")
    assert not before.spans_roll("WTD") and before.weekly_move_z is not None


def test_crude_week_across_the_roll(weeks: dict[date, MarketSnapshot]) -> None:
    crude = stats(weeks[JAN_23], "CL=F")
    assert crude.spans_roll("WTD") and not crude.spans_roll("1D")
    assert crude.weekly_move_z is None
    assert [r.on for r in crude.rolls] == [date(2026, 1, 21)]
    assert stats(weeks[JAN_30], "CL=F").weekly_move_z is not None  # no roll in that week
