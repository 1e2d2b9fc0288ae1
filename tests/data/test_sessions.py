"""Market hours: states, labels, next open/close, holidays, staleness, refresh intervals (frozen clocks)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import exchange_calendars
import pytest
from rotor.data.sessions import (
    CLOSED_INTERVAL,
    is_stale,
    market_state,
    market_states,
    stale_after,
    suggested_interval,
)
from rotor.data.snapshot import MarketState, MarketStateName
from rotor.data.symbols import UNIVERSE


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- NYSE ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "close", "next_open"),
    [
        ("2026-06-10 15:00", "2026-06-10 20:00", "2026-06-11 13:30"),  # Wednesday, summer (EDT)
        ("2026-01-14 15:00", "2026-01-14 21:00", "2026-01-15 14:30"),  # Wednesday, winter (EST)
    ],
)
def test_nyse_open_on_a_normal_wednesday(now: str, close: str, next_open: str) -> None:
    state = market_state("XNYS", utc(now))
    assert state == MarketState(
        calendar="XNYS",
        state="open",
        label="NYSE open, closes 16:00 ET",
        next_open=utc(next_open),
        next_close=utc(close),
        holiday=None,
    )


@pytest.mark.parametrize("day", ["2026-06-10", "2026-01-14"])
def test_nyse_pre_market_at_noon_utc(day: str) -> None:
    state = market_state("XNYS", utc(f"{day} 12:00"))  # 08:00 EDT / 07:00 EST
    assert state.state == "pre"
    assert state.label == "NYSE pre-market, opens 09:30 ET"
    assert state.next_open is not None and state.next_open.date() == date.fromisoformat(day)


@pytest.mark.parametrize("day", ["2026-06-10", "2026-01-14"])
def test_nyse_after_hours_at_half_past_nine_utc(day: str) -> None:
    state = market_state("XNYS", utc(f"{day} 21:30"))  # 17:30 EDT / 16:30 EST
    assert state.state == "post"
    assert state.label == "NYSE after hours, opens Thu 09:30 ET"


def test_nyse_closed_overnight_before_the_pre_market() -> None:
    assert market_state("XNYS", utc("2026-06-11 01:00")).label == "NYSE closed, opens Thu 09:30 ET"
    assert market_state("XNYS", utc("2026-06-11 07:00")).label == "NYSE closed, opens 09:30 ET"  # 03:00 ET


@pytest.mark.parametrize(
    ("saturday", "monday_open"),
    [("2026-01-10 15:00", "2026-01-12 14:30"), ("2026-06-13 15:00", "2026-06-15 13:30")],
)
def test_nyse_closed_on_a_saturday_opens_monday(saturday: str, monday_open: str) -> None:
    state = market_state("XNYS", utc(saturday))
    assert state.state == "closed" and state.holiday is None
    assert state.next_open == utc(monday_open)
    assert state.label == "NYSE closed, opens Mon 09:30 ET"


def test_thanksgiving_closed_with_its_name_then_a_half_day() -> None:
    thanksgiving = market_state("XNYS", utc("2026-11-26 17:00"))
    assert thanksgiving.state == "closed" and thanksgiving.holiday == "Thanksgiving"
    assert thanksgiving.label == "NYSE closed (Thanksgiving), opens Fri 09:30 ET"
    assert thanksgiving.next_open == utc("2026-11-27 14:30")
    assert thanksgiving.next_close == utc("2026-11-27 18:00")  # 13:00 ET: the half day
    friday = market_state("XNYS", utc("2026-11-27 15:00"))
    assert friday.state == "open" and friday.label == "NYSE open, early close 13:00 ET"
    assert friday.next_close == utc("2026-11-27 18:00")
    assert market_state("XNYS", utc("2026-11-27 21:30")).state == "post"  # extended hours end 17:00 ET
    after = market_state("XNYS", utc("2026-11-27 22:30"))
    assert after.state == "closed" and after.holiday is None
    assert after.label == "NYSE closed, opens Mon 09:30 ET"


def test_eve_of_a_holiday_is_not_the_holiday() -> None:
    state = market_state("XNYS", utc("2026-11-26 03:00"))  # Wednesday 22:00 ET
    assert state.holiday is None and state.label == "NYSE closed, opens Fri 09:30 ET"


def test_far_next_open_shows_the_date() -> None:
    from rotor.data.sessions import _when

    now = utc("2026-06-10 15:00")
    assert _when(utc("2026-06-22 13:30"), now) == "Mon 22 Jun 09:30 ET"


# -- futures -------------------------------------------------------------------------------------------


def test_cme_futures_open_on_a_sunday_evening() -> None:
    state = market_state("CMES", utc("2026-06-07 23:30"))  # Sunday 18:30 CDT
    assert state.state == "open"
    assert state.label == "CME open, closes Mon 17:00 ET"
    assert state.next_close == utc("2026-06-08 21:00")  # 16:00 CT: the daily maintenance break
    before = market_state("CMES", utc("2026-06-07 21:00"))  # Sunday 16:00 CDT
    assert before.state == "closed" and before.next_open == utc("2026-06-07 22:00")
    assert before.label == "CME closed, opens 18:00 ET"


def test_cme_daily_break_and_weekend() -> None:
    halt = market_state("CMES", utc("2026-06-10 21:30"))  # Wednesday 16:30 CDT
    assert halt.state == "closed" and halt.next_open == utc("2026-06-10 22:00")
    friday = market_state("CMES", utc("2026-06-12 21:30"))
    assert friday.state == "closed" and friday.label == "CME closed, opens Sun 18:00 ET"
    assert market_state("CMES", utc("2026-06-10 15:00")).label == "CME open, closes 17:00 ET"


def test_cme_early_close_on_thanksgiving_and_christmas_holiday() -> None:
    assert market_state("CMES", utc("2026-11-26 17:00")).label == "CME open, early close 13:00 ET"
    christmas = market_state("CMES", utc("2026-12-25 15:00"))
    assert christmas.state == "closed" and christmas.holiday == "Christmas"


def test_ice_dollar_index_hours() -> None:
    sunday = market_state("IEPA", utc("2026-06-07 23:30"))  # 19:30 EDT: ICE opens at 20:00
    assert sunday.state == "closed" and sunday.next_open == utc("2026-06-08 00:00")
    assert market_state("IEPA", utc("2026-06-08 21:30")).label == "ICE open, closes 18:00 ET"
    assert market_state("ICE", utc("2026-06-08 21:30")).state == "open"  # the library's alias works too


def test_universe_uses_canonical_calendar_codes() -> None:
    codes = {s.calendar for s in UNIVERSE}
    assert codes == {"XNYS", "CMES", "IEPA"}
    assert all(exchange_calendars.resolve_alias(code) == code for code in codes)
    assert {s.calendar for s in UNIVERSE if s.kind == "future"} == {"CMES"}


# -- failures ------------------------------------------------------------------------------------------


def test_market_state_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        market_state("XNYS", datetime(2026, 6, 10, 15))  # naive: the point of the test


def test_market_states_never_raises() -> None:
    states, notices = market_states(["XNYS", "BOGUS", "XNYS"], utc("2026-06-10 15:00"))
    assert list(states) == ["XNYS"]
    assert len(notices) == 1 and notices[0].startswith("market hours unavailable for BOGUS: ")


def test_market_states_without_exchange_calendars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "exchange_calendars", None)  # as if it were not installed
    states, notices = market_states(["XNYS", "CMES"], utc("2031-06-11 15:00"))  # a year not yet built
    assert states == {}
    assert len(notices) == 1 and notices[0].startswith("market hours unavailable for XNYS, CMES: ")


# -- staleness -----------------------------------------------------------------------------------------

NOW = utc("2026-06-10 15:00")


def _state(name: MarketStateName) -> MarketState:
    return MarketState(calendar="XNYS", state=name, label="")


def test_stale_after_is_three_intervals_but_at_least_fifteen_minutes() -> None:
    assert stale_after(60) == timedelta(minutes=15)
    assert stale_after(600) == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("age", "interval", "stale"),
    [
        (timedelta(minutes=10), 60.0, False),
        (timedelta(minutes=15), 60.0, False),
        (timedelta(minutes=16), 60.0, True),
        (timedelta(minutes=20), 600.0, False),
        (timedelta(minutes=31), 600.0, True),
    ],
)
def test_quote_stops_updating_while_open(age: timedelta, interval: float, stale: bool) -> None:
    assert is_stale(NOW - age, _state("open"), NOW, interval) is stale
    assert is_stale(NOW - age, "open", NOW, interval) is stale  # a state name works too


@pytest.mark.parametrize("name", ["pre", "post", "closed"])
def test_quiet_price_on_a_closed_market_is_not_stale(name: MarketStateName) -> None:
    assert not is_stale(NOW - timedelta(days=3), _state(name), NOW, 60.0)
    assert not is_stale(date(2026, 6, 5), name, NOW)


def test_daily_bar_dates_while_open() -> None:
    assert not is_stale(date(2026, 6, 10), "open", NOW)
    assert is_stale(date(2026, 6, 9), "open", NOW)


def test_nothing_at_all_is_stale() -> None:
    assert is_stale(None, "closed", NOW)


def test_real_states_drive_staleness() -> None:
    weekend = utc("2026-06-13 15:00")
    friday_close = utc("2026-06-12 20:00")
    assert not is_stale(friday_close, market_state("XNYS", weekend), weekend)
    assert is_stale(utc("2026-06-10 13:00"), market_state("XNYS", NOW), NOW)


# -- refresh interval ----------------------------------------------------------------------------------


def _closed(next_open: datetime | None) -> MarketState:
    return MarketState(calendar="XNYS", state="closed", label="", next_open=next_open)


def test_base_interval_while_any_market_trades() -> None:
    names: tuple[MarketStateName, ...] = ("open", "pre", "post")
    for name in names:
        assert suggested_interval([_closed(None), _state(name)], 60.0) == 60.0
    assert suggested_interval([], 60.0) == 60.0  # nothing known: no reason to slow down


def test_slower_while_every_market_is_closed() -> None:
    assert CLOSED_INTERVAL == 300.0
    states = [_closed(NOW + timedelta(days=2)), _closed(NOW + timedelta(days=1))]
    assert suggested_interval(states, 60.0) == 300.0
    assert suggested_interval(states, 900.0) == 900.0  # never faster than asked
    assert suggested_interval(states, 60.0, NOW) == 300.0


def test_closed_interval_wakes_up_for_the_next_open() -> None:
    states = [_closed(NOW + timedelta(seconds=120)), _closed(NOW + timedelta(days=1))]
    assert suggested_interval(states, 60.0, NOW) == 120.0
    soon = [_closed(NOW + timedelta(seconds=10))]
    assert suggested_interval(soon, 60.0, NOW) == 60.0


# -- import cost ---------------------------------------------------------------------------------------


def test_exchange_calendars_stays_off_the_light_paths(tmp_path: Path) -> None:
    """Importing the feed, and the whole ``report --source snapshot`` and replay paths, never import
    exchange-calendars (it costs about 0.3 s)."""
    code = (
        "import sys\n"
        "from datetime import date\n"
        "import rotor.data.feed, rotor.data.sessions, rotor.data.service\n"
        "assert 'exchange_calendars' not in sys.modules and 'pandas' not in sys.modules\n"
        "from rotor.data.feed import open_service\n"
        "from rotor.data.render.report import render\n"
        "import io\n"
        "snapshot = open_service('snapshot', cache_dir=None, as_of=None).refresh()\n"
        "render(snapshot, 'text', io.StringIO())\n"
        "assert snapshot.markets == ()\n"
        f"replay = open_service('cache', cache_dir={str(tmp_path)!r}, as_of=date(2026, 5, 15)).refresh()\n"
        "assert replay.markets == ()\n"
        "assert 'exchange_calendars' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_martin_luther_king_day_2026_closes_nyse_with_its_name() -> None:
    state = market_state("XNYS", utc("2026-01-19 16:00"))  # Monday 11:00 EST
    assert state.state == "closed"
    assert state.holiday is not None and "Luther King" in state.holiday
    assert state.next_open == utc("2026-01-20 14:30")  # Tuesday 09:30 EST
    assert "closed" in state.label and "Tue 09:30 ET" in state.label


def test_the_feed_default_interval_is_the_market_hours_one() -> None:
    from rotor.data import feed
    from rotor.data import sessions as market_hours

    assert feed.DEFAULT_INTERVAL == market_hours.DEFAULT_INTERVAL
