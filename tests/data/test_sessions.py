"""The session model: sessions and trade dates per venue, settlement, market states and labels, the
status of a price, what to fetch (frozen clocks; every rule of rotor.data.sessions has its test here)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rotor.data.sessions import (
    CLOSED_INTERVAL,
    SETTLE_AFTER,
    TradingHours,
    checked_through,
    fetch_start,
    market_states,
    price_status,
    resolve_markets,
    stale_after,
    venue,
    venue_code_for,
    venue_with_hours,
    when,
)
from rotor.data.symbols import UNIVERSE

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def et(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


# -- NYSE ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "close", "next_open"),
    [
        ("2026-06-10 15:00", "2026-06-10 20:00", "2026-06-11 13:30"),  # Wednesday, summer (EDT)
        ("2026-01-14 15:00", "2026-01-14 21:00", "2026-01-15 14:30"),  # Wednesday, winter (EST)
    ],
)
def test_nyse_open_on_a_normal_wednesday(now: str, close: str, next_open: str) -> None:
    state = venue("XNYS").state(utc(now))
    assert (state.calendar, state.state, state.label) == ("XNYS", "open", "NYSE open, closes 16:00 ET")
    assert state.next_open == utc(next_open) and state.next_close == utc(close)


@pytest.mark.parametrize("day", ["2026-06-10", "2026-01-14"])
def test_nyse_pre_market_and_after_hours(day: str) -> None:
    pre = venue("XNYS").state(et(f"{day} 08:00"))
    assert pre.state == "pre" and pre.label == "NYSE pre-market, opens 09:30 ET"
    post = venue("XNYS").state(et(f"{day} 17:30"))
    assert post.state == "post" and post.label == "NYSE after hours, opens Thu 09:30 ET"
    assert venue("XNYS").state(et(f"{day} 21:00")).label == "NYSE closed, opens Thu 09:30 ET"
    assert venue("XNYS").state(et(f"{day} 03:00")).label == "NYSE closed, opens 09:30 ET"


def test_nyse_closed_on_a_saturday_opens_monday() -> None:
    state = venue("XNYS").state(et("2026-01-10 10:00"))
    assert state.state == "closed" and state.holiday is None
    assert state.next_open == et("2026-01-12 09:30") and state.label == "NYSE closed, opens Mon 09:30 ET"


def test_thanksgiving_closed_with_its_name_then_a_half_day() -> None:
    nyse = venue("XNYS")
    thanksgiving = nyse.state(utc("2026-11-26 17:00"))
    assert thanksgiving.state == "closed" and thanksgiving.holiday == "Thanksgiving"
    assert thanksgiving.label == "NYSE closed (Thanksgiving), opens Fri 09:30 ET"
    assert thanksgiving.next_close == utc("2026-11-27 18:00")  # 13:00 ET: the half day
    friday = nyse.state(utc("2026-11-27 15:00"))
    assert friday.state == "open" and friday.label == "NYSE open, early close 13:00 ET"
    assert nyse.state(et("2026-11-27 16:30")).state == "post"  # extended hours end 17:00 ET
    after = nyse.state(et("2026-11-27 17:30"))
    assert (
        after.state == "closed" and after.holiday is None and after.label == "NYSE closed, opens Mon 09:30 ET"
    )


def test_martin_luther_king_day_2026_closes_nyse_with_its_name() -> None:
    state = venue("XNYS").state(et("2026-01-19 11:00"))
    assert state.state == "closed" and state.holiday is not None and "Luther King" in state.holiday
    assert state.next_open == et("2026-01-20 09:30") and "Tue 09:30 ET" in state.label


def test_far_next_open_shows_the_date() -> None:
    assert when(utc("2026-06-22 13:30"), utc("2026-06-10 15:00")) == "Mon 22 Jun 09:30 ET"


# -- trade dates: which session a stamp belongs to ------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "day"),
    [
        ("2026-03-06 09:30", "2026-03-06"),  # Yahoo's daily-bar stamp: the open
        ("2026-03-06 15:59", "2026-03-06"),
        ("2026-03-06 17:30", "2026-03-06"),  # after hours belong to the day's session
        ("2026-03-07 12:00", "2026-03-09"),  # Saturday: the next session, never a Saturday bar
        ("2026-03-09 08:00", "2026-03-09"),  # pre-market
        ("2026-01-19 10:00", "2026-01-20"),  # MLK Day: no session; the next one
    ],
)
def test_nyse_trade_dates(stamp: str, day: str) -> None:
    assert venue("XNYS").trade_date(et(stamp)) == date.fromisoformat(day)


@pytest.mark.parametrize(
    ("stamp", "day"),
    [
        ("2026-03-06 00:00", "2026-03-06"),  # Yahoo's daily-bar stamp for futures: midnight
        ("2026-03-06 16:59", "2026-03-06"),
        ("2026-03-06 17:30", "2026-03-06"),  # the daily break belongs to the day that just closed
        ("2026-03-08 19:00", "2026-03-09"),  # Sunday evening (after the DST switch) opens Monday's
        ("2026-03-09 18:30", "2026-03-10"),  # a weekday evening opens the next day's
        ("2026-01-19 10:00", "2026-01-20"),  # MLK Day's trading counts toward Tuesday
        ("2026-01-19 15:00", "2026-01-20"),  # the holiday halt too
        ("2025-11-27 12:00", "2025-11-28"),  # Thanksgiving -> the half day
    ],
)
def test_cme_trade_dates(stamp: str, day: str) -> None:
    assert venue("CMES").trade_date(et(stamp)) == date.fromisoformat(day)


def test_ice_trade_dates_open_at_eight_in_the_evening() -> None:
    ice = venue("IEPA")
    assert ice.trade_date(et("2026-03-09 19:30")) == date(2026, 3, 9)  # the break, before 20:00
    assert ice.trade_date(et("2026-03-09 20:30")) == date(2026, 3, 10)


def test_every_session_date_is_a_weekday_never_a_holiday() -> None:
    for code in ("XNYS", "CMES", "IEPA", "CBOE-TNX", "CBOE-VIX"):
        days = [s.day for s in venue(code).sessions(date(2025, 11, 1), date(2026, 3, 31))]
        assert all(d.weekday() < 5 for d in days), code
        assert date(2026, 1, 19) not in days and date(2025, 11, 27) not in days, code


# -- futures, ICE and Yahoo's hours ------------------------------------------------------------------


def test_cme_futures_open_on_a_sunday_evening() -> None:
    cme = venue("CMES")
    sunday = cme.state(utc("2026-06-07 23:30"))  # Sunday 19:30 EDT
    assert sunday.state == "open" and sunday.label == "CME open, closes Mon 17:00 ET"
    assert sunday.next_close == utc("2026-06-08 21:00")
    before = cme.state(utc("2026-06-07 21:00"))  # Sunday 17:00 EDT
    assert before.state == "closed" and before.next_open == utc("2026-06-07 22:00")
    assert before.label == "CME closed, opens 18:00 ET"


def test_cme_daily_break_and_weekend() -> None:
    cme = venue("CMES")
    halt = cme.state(et("2026-06-10 17:30"))
    assert halt.state == "closed" and halt.next_open == et("2026-06-10 18:00")
    assert cme.state(et("2026-06-12 17:30")).label == "CME closed, opens Sun 18:00 ET"
    assert cme.state(et("2026-06-10 11:00")).label == "CME open, closes 17:00 ET"


def test_cme_holiday_halt_is_a_pause_inside_the_next_session() -> None:
    cme = venue("CMES")
    session = cme.session(date(2026, 1, 20))
    assert (
        session is not None
        and session.open == et("2026-01-18 18:00")
        and session.close == et("2026-01-20 17:00")
    )
    assert session.pauses == ((et("2026-01-19 13:00"), et("2026-01-19 18:00")),)
    morning = cme.state(et("2026-01-19 10:00"))
    assert morning.state == "open" and morning.label == "CME open, halts 13:00 ET"
    halted = cme.state(et("2026-01-19 15:00"))
    assert halted.state == "closed" and "halted" in halted.label and "reopens 18:00 ET" in halted.label
    assert cme.state(et("2025-11-28 12:00")).label == "CME open, early close 13:00 ET"
    christmas = cme.state(et("2026-12-25 10:00"))
    assert christmas.state == "closed" and christmas.holiday == "Christmas"


def test_ice_dollar_index_trades_eight_pm_to_five_pm() -> None:
    ice = venue("IEPA")
    assert ice.state(et("2026-06-07 19:30")).state == "closed"  # Sunday, before 20:00
    assert ice.state(et("2026-06-07 20:30")).state == "open"
    assert ice.state(et("2026-06-08 17:30")).state == "closed"  # was "open" to 18:00 before
    assert ice.state(et("2026-06-08 12:00")).label == "ICE open, closes 17:00 ET"


def test_ten_year_yield_keeps_chicago_hours() -> None:
    tnx = venue("CBOE-TNX")
    assert tnx.state(et("2026-06-10 15:30")).state == "closed"  # 14:30 CT: after its 14:00 CT close
    assert tnx.state(et("2026-06-10 08:30")).state == "open"
    session = tnx.session(date(2025, 11, 28))  # NYSE half day: ends by 12:00 CT
    assert session is not None and session.close == datetime(2025, 11, 28, 12, 0, tzinfo=CHICAGO)
    vix = venue("CBOE-VIX").session(date(2025, 11, 28))
    assert vix is not None and vix.close == datetime(2025, 11, 28, 12, 15, tzinfo=CHICAGO)


def test_yahoo_published_hours_replace_the_default() -> None:
    day = date(2026, 6, 10)
    published = TradingHours(
        datetime(2026, 6, 10, 7, 20, tzinfo=CHICAGO), datetime(2026, 6, 10, 14, 0, tzinfo=CHICAGO)
    )
    tnx = venue_with_hours("CBOE-TNX", {day: published})
    assert tnx.state(datetime(2026, 6, 10, 7, 10, tzinfo=CHICAGO)).state == "closed"
    assert tnx.state(datetime(2026, 6, 10, 7, 30, tzinfo=CHICAGO)).state == "open"
    assert venue("CBOE-TNX").state(datetime(2026, 6, 10, 7, 10, tzinfo=CHICAGO)).state == "open"
    assert venue_with_hours("XNYS", {day: published}) is venue("XNYS")  # only Yahoo-hours venues use them


def test_crypto_never_closes() -> None:
    crypto = venue("24/7")
    assert crypto.state(utc("2026-03-08 03:00")).state == "open"
    assert crypto.trade_date(utc("2026-03-08 23:59")) == date(2026, 3, 8)


@pytest.mark.parametrize(
    ("ticker", "code"),
    [
        ("AAPL", "XNYS"),
        ("BRK-B", "XNYS"),
        ("BTC-USD", "24/7"),
        ("ETH-EUR", "24/7"),
        ("EURUSD=X", "24/5"),
        ("ZC=F", "CMES"),
        ("7203.T", "XTKS"),
        ("SAP.DE", "XETR"),
        ("SHOP.TO", "XTSE"),
        ("0700.HK", "XHKG"),
        ("VOD.L", "XLON"),
    ],
)
def test_watchlist_suffixes_pick_their_exchange(ticker: str, code: str) -> None:
    assert venue_code_for(ticker) == code


def test_foreign_exchange_with_a_lunch_break() -> None:
    tokyo = venue("XTKS")
    assert tokyo.state(datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))).state == "open"
    lunch = tokyo.state(datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo")))
    assert lunch.state == "closed" and "reopens" in lunch.label


def test_universe_venues() -> None:
    codes = {s.ticker: s.venue for s in UNIVERSE}
    assert codes["^TNX"] == "CBOE-TNX" and codes["^VIX"] == "CBOE-VIX" and codes["DX-Y.NYB"] == "IEPA"
    assert {codes[s.ticker] for s in UNIVERSE if s.kind == "future"} == {"CMES"}
    assert set(codes.values()) == {"XNYS", "CMES", "IEPA", "CBOE-TNX", "CBOE-VIX"}


# -- failures ------------------------------------------------------------------------------------------


def test_the_model_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        venue("XNYS").state(datetime(2026, 6, 10, 15))  # naive: the point of the test


def test_market_states_never_raise() -> None:
    states, notices = market_states(["XNYS", "BOGUS", "XNYS"], utc("2026-06-10 15:00"))
    assert list(states) == ["XNYS"]
    assert len(notices) == 1 and notices[0].startswith("market hours unavailable for BOGUS: ")
    markets = resolve_markets({"SPY": "XNYS", "ODD": "BOGUS"})
    assert set(markets.by_symbol) == {"SPY"} and markets.problems[0].startswith(
        "market hours unavailable for ODD"
    )


# -- settlement, fetching ---------------------------------------------------------------------------------


def test_a_session_settles_twenty_minutes_after_its_close() -> None:
    session = venue("XNYS").session(date(2026, 3, 5))
    assert session is not None and timedelta(minutes=20) == SETTLE_AFTER
    assert not session.settled(et("2026-03-05 16:10"))
    assert session.settled(et("2026-03-05 16:20"))


def test_fetch_start_asks_only_for_sessions_that_have_opened() -> None:
    nyse, cme = venue("XNYS"), venue("CMES")
    friday = date(2026, 3, 6)
    assert fetch_start(nyse, friday, et("2026-03-07 12:00")) is None  # Saturday: nothing can change
    assert fetch_start(cme, friday, et("2026-03-08 17:00")) is None  # Sunday before the futures open
    assert fetch_start(cme, friday, et("2026-03-08 18:05")) == date(2026, 3, 9)
    assert fetch_start(nyse, friday, et("2026-03-09 08:00")) is None  # pre-market: the session has not opened
    assert fetch_start(nyse, friday, et("2026-03-09 09:31")) == date(2026, 3, 9)
    assert fetch_start(nyse, date(2026, 3, 4), et("2026-03-09 09:31")) == date(2026, 3, 5)  # catch up
    assert fetch_start(nyse, None, et("2026-03-09 09:31")) == date(1970, 1, 2)  # a new symbol: everything


def test_checked_through_is_the_last_settled_session() -> None:
    nyse, cme = venue("XNYS"), venue("CMES")
    assert checked_through(nyse, et("2026-03-09 16:10")) == date(2026, 3, 6)  # Monday not final yet
    assert checked_through(nyse, et("2026-03-09 16:25")) == date(2026, 3, 9)
    assert checked_through(cme, et("2026-03-08 20:00")) == date(2026, 3, 6)
    assert checked_through(cme, et("2026-03-09 17:25")) == date(2026, 3, 9)


# -- the status of a price ---------------------------------------------------------------------------------

INTERVAL = 60.0


def test_stale_after_is_three_intervals_but_at_least_fifteen_minutes() -> None:
    assert stale_after(60) == timedelta(minutes=15)
    assert stale_after(600) == timedelta(minutes=30)


def test_a_live_price_goes_stale_when_it_stops_updating() -> None:
    nyse, now = venue("XNYS"), et("2026-03-09 11:00")
    fresh = price_status(nyse, date(2026, 3, 9), now - timedelta(minutes=2), now, INTERVAL)
    assert (fresh.state, fresh.stale) == ("live", False)
    old = price_status(nyse, date(2026, 3, 9), now - timedelta(minutes=16), now, INTERVAL)
    assert old.state == "live" and old.stale and old.reason == "no new price for 16 min while NYSE trades"


def test_a_quiet_price_on_a_closed_market_is_never_stale() -> None:
    nyse = venue("XNYS")
    saturday = price_status(nyse, date(2026, 3, 6), et("2026-03-06 16:00"), et("2026-03-07 12:00"), INTERVAL)
    assert (saturday.state, saturday.stale) == ("close", False)
    evening = price_status(nyse, date(2026, 3, 5), et("2026-03-05 15:59"), et("2026-03-05 17:30"), INTERVAL)
    assert (evening.state, evening.stale) == ("close", False)
    just_closed = price_status(nyse, date(2026, 3, 5), None, et("2026-03-05 16:05"), INTERVAL)
    assert (just_closed.state, just_closed.stale) == ("provisional", False)


def test_a_missing_session_is_stale_whatever_the_hour() -> None:
    status = price_status(venue("XNYS"), date(2026, 3, 4), None, et("2026-03-07 12:00"), INTERVAL)
    assert status.stale and status.reason == "no bar for 2026-03-06"


def test_ten_year_yield_is_not_stale_after_its_own_close() -> None:
    # 15:30 ET: the NYSE trades, but Yahoo's ^TNX session ended at 14:00 CT (15:00 ET).
    status = price_status(
        venue("CBOE-TNX"), date(2026, 3, 9), et("2026-03-09 14:59"), et("2026-03-09 15:30"), INTERVAL
    )
    assert (status.state, status.stale) == ("close", False)


def test_dollar_index_is_not_stale_in_ices_daily_break() -> None:
    status = price_status(
        venue("IEPA"), date(2026, 3, 9), et("2026-03-09 16:59"), et("2026-03-09 17:30"), INTERVAL
    )
    assert not status.stale


def test_futures_on_sunday_evening_say_pre_open_then_stale() -> None:
    cme = venue("CMES")
    friday = date(2026, 3, 6)
    opening = price_status(cme, friday, et("2026-03-06 16:59"), et("2026-03-08 18:05"), INTERVAL)
    assert (opening.state, opening.stale, opening.session) == ("pre-open", False, date(2026, 3, 9))
    later = price_status(cme, friday, et("2026-03-06 16:59"), et("2026-03-08 19:00"), INTERVAL)
    assert later.state == "pre-open" and later.stale
    assert later.reason == "no price from the session of 2026-03-09 after 60 min"
    live = price_status(cme, date(2026, 3, 9), et("2026-03-08 18:59"), et("2026-03-08 19:00"), INTERVAL)
    assert (live.state, live.stale) == ("live", False)


def test_no_data_is_stale() -> None:
    status = price_status(venue("XNYS"), None, None, et("2026-03-09 11:00"), INTERVAL)
    assert status.state == "none" and status.stale and status.reason == "no data"


def test_closed_interval_constant() -> None:
    assert CLOSED_INTERVAL == 300.0


# -- import cost ---------------------------------------------------------------------------------------


def test_exchange_calendars_stays_off_the_light_paths(tmp_path: Path) -> None:
    """Importing the feed and the session model, and the whole ``report --source snapshot`` and replay
    paths, never import exchange-calendars (it costs about 0.3 s)."""
    code = (
        "import sys\n"
        "from datetime import date\n"
        "import rotor.data.feed, rotor.data.sessions\n"
        "assert 'exchange_calendars' not in sys.modules and 'pandas' not in sys.modules\n"
        "from rotor.data.feed import open_feed\n"
        "from rotor.data.render.report import render\n"
        "import io\n"
        "snapshot = open_feed('snapshot', cache_dir=None, as_of=None).refresh()\n"
        "render(snapshot, 'text', io.StringIO())\n"
        "assert snapshot.markets == ()\n"
        f"replay = open_feed('cache', cache_dir={str(tmp_path)!r}, as_of=date(2026, 5, 15)).refresh()\n"
        "assert replay.markets == ()\n"
        "assert 'exchange_calendars' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_feed_default_interval_is_the_session_models() -> None:
    from rotor.data import feed, sessions

    assert feed.DEFAULT_INTERVAL == sessions.DEFAULT_INTERVAL
