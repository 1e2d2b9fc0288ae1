"""FakeYahoo against the real yfinance: history, metadata, live sessions, venues and faults.

yfinance talks to the fake through ``FakeYahoo.session()`` (every URL rewritten to 127.0.0.1; any other
URL refused), with its caches in ``tmp_path`` and its process-wide ``YfData`` singleton given back as it
was after each test. Nothing here touches the network.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import yfinance
import yfinance.base as yf_base
import yfinance.cache as yf_cache
from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
from curl_cffi.requests.exceptions import Timeout as CurlTimeout
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.sources.fake_yahoo import (
    CRUMB,
    NOT_FOUND_JSON,
    NULL_MINUTE_EVERY,
    NYSE_HALF_DAYS,
    NYSE_HOLIDAYS,
    TOO_MANY_REQUESTS,
    VENUES,
    FakeYahoo,
    RewritingSession,
    path_price,
)
from yfinance.data import SingletonMeta, YfData
from yfinance.exceptions import YFPricesMissingError, YFRateLimitError

NY = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
CHART = "https://query2.finance.yahoo.com/v8/finance/chart/"


def et(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return load_bundled_bars()


def real_row(bars: pd.DataFrame, symbol: str, day: str) -> dict[str, Any]:
    rows = bars[(bars["symbol"] == symbol) & (bars["date"] == pd.Timestamp(day))]
    assert len(rows) == 1, (symbol, day)
    return dict(rows.iloc[0])


@pytest.fixture
def yahoo(bars: pd.DataFrame) -> Iterator[FakeYahoo]:
    with FakeYahoo(lambda: et(2026, 3, 6, 20, 0), bars=bars) as server:
        yield server


def _point_caches(directory: str) -> None:
    yf_cache.set_cache_location(directory)
    yf_cache._TzCacheManager._tz_cache = None
    yf_cache._CookieCacheManager._Cookie_cache = None
    yf_cache._ISINCacheManager._isin_cache = None


@pytest.fixture
def yf(yahoo: FakeYahoo, tmp_path: Any) -> Iterator[Any]:
    """yfinance wired to ``yahoo`` from a fresh state (no crumb, no cookie, empty caches in tmp_path,
    exceptions raised); the YfData singleton, cache folders and settings are given back afterwards."""
    existing = SingletonMeta._instances.get(YfData)
    saved = None if existing is None else dict(existing.__dict__)
    old_cache = yf_cache._TzDBManager.get_location()
    old_hide = yfinance.config.debug.hide_exceptions
    old_counter = yf_base._tz_info_fetch_ctr
    _point_caches(str(tmp_path / "yf-cache"))
    session = yahoo.session()
    data = YfData(session=session)
    data._crumb = None
    data._cookie = None
    data._cookie_strategy = "basic"
    data._logged_in = False
    YfData.cache_get.cache_clear()
    yfinance.config.debug.hide_exceptions = False
    yahoo.reset_log()
    try:
        yield yfinance
    finally:
        YfData.cache_get.cache_clear()
        yfinance.config.debug.hide_exceptions = old_hide
        yf_base._tz_info_fetch_ctr = old_counter
        if saved is None:
            SingletonMeta._instances.pop(YfData, None)
        else:
            existing.__dict__.update(saved)
        _point_caches(old_cache)
        session.close()


def chart(yahoo: FakeYahoo, symbol: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """A raw chart answer (status, JSON) through the rewriting session."""
    with yahoo.session() as session:
        response = session.get(CHART + symbol, params=params)
        return response.status_code, json.loads(response.content)


def rows_of(answer: dict[str, Any]) -> list[tuple[datetime, dict[str, Any]]]:
    result = answer["chart"]["result"][0]
    quote = result["indicators"]["quote"][0]
    zone = ZoneInfo(result["meta"]["exchangeTimezoneName"])
    out = []
    for i, stamp in enumerate(result.get("timestamp", [])):
        values = {k: quote[k][i] for k in ("open", "high", "low", "close", "volume")}
        out.append((datetime.fromtimestamp(stamp, zone), values))
    return out


# --- wiring -------------------------------------------------------------------------------------------


def test_rewrite_maps_yahoo_hosts_and_refuses_everything_else(yahoo: FakeYahoo) -> None:
    url = yahoo.rewrite("https://query2.finance.yahoo.com/v8/finance/chart/%5EGSPC?range=1d&interval=1d")
    assert (
        url
        == f"http://127.0.0.1:{yahoo.port}/_host/query2.finance.yahoo.com/v8/finance/chart/%5EGSPC?range=1d&interval=1d"
    )
    assert yahoo.rewrite("https://fc.yahoo.com").endswith("/_host/fc.yahoo.com/")
    for other in ("https://example.com/", "https://yahoo.com.evil.net/", "ftp://fc.yahoo.com/"):
        with pytest.raises(ValueError, match=r"only yahoo\.com"):
            yahoo.rewrite(other)
    session = yahoo.session()
    assert isinstance(session, RewritingSession)
    with pytest.raises(ValueError, match=r"only yahoo\.com"):
        session.get("https://pypi.org/")
    session.close()
    assert yahoo.log == []


def test_symbols_arrive_url_encoded_and_are_decoded(yahoo: FakeYahoo) -> None:
    for symbol, encoded in (("^GSPC", "%5EGSPC"), ("GC=F", "GC%3DF"), ("DX-Y.NYB", "DX-Y.NYB")):
        status, answer = chart(yahoo, encoded, range="1d", interval="1d")
        assert status == 200
        assert answer["chart"]["result"][0]["meta"]["symbol"] == symbol
    assert [r.symbol for r in yahoo.log] == ["^GSPC", "GC=F", "DX-Y.NYB"]
    assert {r.kind for r in yahoo.log} == {"chart"}


@pytest.mark.filterwarnings("ignore:Series.values returning an ndarray")
def test_calendar_lists_match_the_nyse_calendar() -> None:
    """The fake declares its own holiday lists; they agree with exchange_calendars' XNYS for 2024-2026."""
    import exchange_calendars

    xnys = exchange_calendars.get_calendar("XNYS", start="2024-01-01", end="2026-12-31")
    sessions = set(xnys.sessions.date)
    weekdays = pd.bdate_range("2024-01-01", "2026-12-31").date
    assert {d for d in weekdays if d not in sessions} == set(NYSE_HOLIDAYS)
    assert {d.date() for d in xnys.early_closes if d.year <= 2026} == set(NYSE_HALF_DAYS)


# --- settled history ----------------------------------------------------------------------------------


def test_settled_history_equals_the_bundled_rows(yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame) -> None:
    session = yahoo.session()
    for symbol in ("^GSPC", "SPY", "GC=F", "^VIX"):
        ticker = yf.Ticker(symbol, session=session)
        history = ticker.history(start="2026-01-05", end="2026-03-06", auto_adjust=False)
        mask = (
            (bars["symbol"] == symbol)
            & (bars["date"] >= pd.Timestamp("2026-01-05"))
            & (bars["date"] < pd.Timestamp("2026-03-06"))
        )
        expected = bars.loc[mask]
        assert [d.date() for d in history.index] == [d.date() for d in expected["date"]]
        for column in ("open", "high", "low", "close"):
            assert history[column.title()].tolist() == pytest.approx(expected[column].tolist(), nan_ok=True)
        assert history["Adj Close"].tolist() == history["Close"].tolist()
        volume = expected["volume"].fillna(0).round().astype("int64").tolist()
        assert history["Volume"].tolist() == volume
    session.close()


def test_download_as_rotor_calls_it(yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame) -> None:
    """yf.download with the rewriting session (download installs the session it is given, or a new
    network one, into yfinance's singleton: the session must be passed on every call)."""
    yf.config.debug.hide_exceptions = True
    yahoo.now = et(2026, 3, 4, 11, 1, 30)
    session = yahoo.session()
    symbols = ["SPY", "^GSPC", "GC=F", "NOPE"]
    options = {"group_by": "column", "auto_adjust": False, "progress": False, "session": session}
    daily = yf.download(symbols, start="2026-02-25", end="2026-03-04", threads=True, **options)
    for symbol in ("SPY", "^GSPC", "GC=F"):
        expected = [real_row(bars, symbol, d.strftime("%Y-%m-%d"))["close"] for d in daily.index]
        assert daily["Close"][symbol].tolist() == expected
    assert daily["Close"]["NOPE"].isna().all()
    minutes = yf.download(symbols, period="1d", interval="1m", threads=False, **options)
    last = minutes["Close"]["SPY"].dropna()
    assert last.index[-1] == pd.Timestamp(et(2026, 3, 4, 11, 1))
    row = real_row(bars, "SPY", "2026-03-04")
    assert row["low"] <= last.min() and last.max() <= row["high"]
    assert {r.kind for r in yahoo.log} <= {"cookie", "crumb", "consent", "chart", "other"}
    session.close()


def test_request_counts_of_a_first_and_a_second_call(yahoo: FakeYahoo, yf: Any) -> None:
    yf.Ticker("^GSPC").history(start="2026-02-02", end="2026-03-04", auto_adjust=False)
    # Cookie (fc.yahoo.com), crumb (query1), the timezone probe (range=1d) and the history itself.
    assert [(r.kind, r.host, r.status) for r in yahoo.log] == [
        ("cookie", "fc.yahoo.com", 404),
        ("crumb", "query1.finance.yahoo.com", 200),
        ("chart", "query2.finance.yahoo.com", 200),
        ("chart", "query2.finance.yahoo.com", 200),
    ]
    probe, history = yahoo.log[2], yahoo.log[3]
    assert probe.query == {"range": "1d", "interval": "1d", "crumb": CRUMB}
    assert history.symbol == "^GSPC" and history.query["interval"] == "1d"
    assert history.query["events"] == "div,splits,capitalGains" and history.query["crumb"] == CRUMB
    assert {"period1", "period2"} <= history.query.keys()
    assert yahoo.counts == {"cookie": 1, "crumb": 1, "chart": 2}

    yahoo.reset_log()
    # The same past span again: answered from yfinance's in-process cache, nothing asked.
    yf.Ticker("^GSPC").history(start="2026-02-02", end="2026-03-04", auto_adjust=False)
    assert yahoo.counts == {}
    # Another span: the crumb, cookie and timezone are reused; only the chart is asked.
    yf.Ticker("^GSPC").history(start="2026-02-03", end="2026-03-04", auto_adjust=False)
    yf.Ticker("^GSPC").history(period="5d")
    assert yahoo.counts == {"chart": 2}


def test_the_cookie_is_kept_as_for_the_real_host(yahoo: FakeYahoo, yf: Any) -> None:
    yf.Ticker("SPY").history(period="5d")
    data = YfData()
    jar = data._session.cookies.jar._cookies
    assert list(jar) == [".yahoo.com"]
    a3 = jar[".yahoo.com"]["/"]["A3"]
    assert a3.secure and a3.expires > time.time()
    # yfinance cached it: a fresh state loads it instead of asking fc.yahoo.com again.
    data._crumb = data._cookie = None
    data._session.cookies.clear()
    yahoo.reset_log()
    yf.Ticker("QQQ").history(period="5d")
    assert yahoo.counts == {"crumb": 1, "chart": 2}


def test_metadata(yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame) -> None:
    ticker = yf.Ticker("^GSPC")
    ticker.history(period="5d")
    meta = ticker.get_history_metadata()
    close = real_row(bars, "^GSPC", "2026-03-06")["close"]
    assert meta["exchangeTimezoneName"] == "America/New_York"
    assert meta["instrumentType"] == "INDEX" and meta["exchangeName"] == "SNP" and meta["currency"] == "USD"
    assert meta["regularMarketPrice"] == close
    assert meta["regularMarketTime"] == pd.Timestamp(et(2026, 3, 6, 16, 0))
    assert meta["chartPreviousClose"] == real_row(bars, "^GSPC", "2026-02-27")["close"]
    assert meta["hasPrePostMarketData"] is False and meta["priceHint"] == 2
    assert meta["dataGranularity"] == "1d" and meta["range"] == "5d"
    period = meta["currentTradingPeriod"]
    # Friday 20:00: the next session is Monday's.
    assert period["regular"]["start"] == pd.Timestamp(et(2026, 3, 9, 9, 30))
    assert period["regular"]["end"] == pd.Timestamp(et(2026, 3, 9, 16, 0))
    assert period["pre"]["start"] == period["pre"]["end"] == period["regular"]["start"]

    spy = yf.Ticker("SPY")
    spy.history(period="5d")
    spy_meta = spy.get_history_metadata()
    assert spy_meta["instrumentType"] == "ETF" and spy_meta["hasPrePostMarketData"] is True
    assert spy_meta["currentTradingPeriod"]["pre"]["start"] == pd.Timestamp(et(2026, 3, 9, 4, 0))
    assert spy_meta["currentTradingPeriod"]["post"]["end"] == pd.Timestamp(et(2026, 3, 9, 20, 0))

    _, vix = chart(yahoo, "%5EVIX", range="1d", interval="1d")
    vix_meta = vix["chart"]["result"][0]["meta"]
    assert vix_meta["exchangeTimezoneName"] == "America/Chicago" and vix_meta["timezone"] == "CST"
    assert vix_meta["previousClose"] == real_row(bars, "^VIX", "2026-03-05")["close"]
    assert rows_of(vix)[0][0] == datetime(2026, 3, 6, 8, 30, tzinfo=CHICAGO)
    _, tnx = chart(yahoo, "%5ETNX", range="1d", interval="1d")
    assert tnx["chart"]["result"][0]["meta"]["priceHint"] == 4
    assert rows_of(tnx)[0][0] == datetime(2026, 3, 6, 7, 0, tzinfo=CHICAGO)
    _, gold = chart(yahoo, "GC%3DF", range="1d", interval="1d")
    assert gold["chart"]["result"][0]["meta"]["instrumentType"] == "FUTURE"
    assert gold["chart"]["result"][0]["meta"]["exchangeName"] == "CMX"
    assert rows_of(gold)[0][0] == et(2026, 3, 6, 0, 0)


# --- live sessions ----------------------------------------------------------------------------------


def test_a_session_moves_with_the_clock_within_the_real_range(
    yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame
) -> None:
    row = real_row(bars, "SPY", "2026-03-04")
    seen = []
    for hour, minute in ((9, 45), (11, 0), (12, 30), (14, 0), (15, 45)):
        yahoo.now = et(2026, 3, 4, hour, minute, 30)
        ticker = yf.Ticker("SPY")
        last = ticker.history(period="5d", auto_adjust=False).iloc[-1]
        meta = ticker.get_history_metadata()
        assert last.name.date() == date(2026, 3, 4)
        assert last["Close"] == meta["regularMarketPrice"]
        assert meta["regularMarketTime"] == pd.Timestamp(et(2026, 3, 4, hour, minute))
        assert last["Open"] == row["open"]
        assert row["low"] <= last["Low"] <= last["Close"] <= last["High"] <= row["high"]
        assert 0 < last["Volume"] < row["volume"]
        seen.append((last["Close"], last["Volume"]))
    assert len({price for price, _ in seen}) == len(seen)
    assert [volume for _, volume in seen] == sorted(volume for _, volume in seen)


def test_the_live_day_is_sent_twice_for_us_cash(yahoo: FakeYahoo) -> None:
    yahoo.now = et(2026, 3, 4, 11, 0, 45)
    _, answer = chart(yahoo, "SPY", range="5d", interval="1d")
    rows = rows_of(answer)
    (day_stamp, day_row), (live_stamp, live_row) = rows[-2:]
    assert day_stamp == et(2026, 3, 4, 9, 30) and live_stamp == et(2026, 3, 4, 11, 0)
    assert {k: v for k, v in day_row.items() if k != "volume"} == {
        k: v for k, v in live_row.items() if k != "volume"
    }
    assert live_row["volume"] > day_row["volume"]
    assert answer["chart"]["result"][0]["meta"]["regularMarketTime"] == int(live_stamp.timestamp())


def test_after_the_close_the_daily_close_is_real_but_the_last_minute_is_not(
    yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame
) -> None:
    row = real_row(bars, "SPY", "2026-03-04")
    yahoo.now = et(2026, 3, 4, 16, 30)
    ticker = yf.Ticker("SPY")
    daily = ticker.history(period="5d", auto_adjust=False)
    assert daily["Close"].iloc[-1] == row["close"] and daily.index[-1].date() == date(2026, 3, 4)
    minutes = ticker.history(period="1d", interval="1m")
    last = minutes.iloc[-1]
    assert minutes.index[0] == pd.Timestamp(et(2026, 3, 4, 9, 30))
    assert last.name == pd.Timestamp(et(2026, 3, 4, 15, 59))
    assert last["Close"] != row["close"]
    assert last["Close"] == pytest.approx((row["low"] + row["close"]) / 2)  # close >= open: low comes second
    # 390 minutes, every 7th without trades (all-null, which yfinance drops).
    assert len(minutes) == 390 - 390 // NULL_MINUTE_EVERY
    assert minutes["Low"].min() >= row["low"] and minutes["High"].max() <= row["high"]
    assert minutes["Volume"].sum() <= row["volume"]


def test_minute_bars_while_open_stop_at_now(yahoo: FakeYahoo) -> None:
    yahoo.now = et(2026, 3, 4, 9, 40, 10)
    _, answer = chart(yahoo, "SPY", range="1d", interval="1m", includePrePost="false")
    result = answer["chart"]["result"][0]
    stamps = [datetime.fromtimestamp(t, NY) for t in result["timestamp"]]
    assert stamps == [et(2026, 3, 4, 9, 30) + timedelta(minutes=k) for k in range(11)]
    quote = result["indicators"]["quote"][0]
    assert quote["close"][6] is None and quote["volume"][6] is None  # a minute without trades
    assert quote["close"][10] == result["meta"]["regularMarketPrice"]
    periods = result["meta"]["tradingPeriods"]
    assert periods == [[result["meta"]["currentTradingPeriod"]["regular"]]]


def test_pre_and_post_market_minutes_for_etfs_with_include_pre_post(
    yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame
) -> None:
    row = real_row(bars, "SPY", "2026-03-04")
    previous = real_row(bars, "SPY", "2026-03-03")
    following = real_row(bars, "SPY", "2026-03-05")
    yahoo.now = et(2026, 3, 4, 17, 0, 30)
    minutes = yf.Ticker("SPY").history(period="1d", interval="1m", prepost=True, auto_adjust=False)
    assert minutes.index[0] == pd.Timestamp(et(2026, 3, 4, 4, 0))
    assert minutes.index[-1] == pd.Timestamp(et(2026, 3, 4, 17, 0))
    pre = minutes[minutes.index < pd.Timestamp(et(2026, 3, 4, 9, 30))]
    post = minutes[minutes.index >= pd.Timestamp(et(2026, 3, 4, 16, 0))]
    # Straight from the previous close toward the open, and from the close toward the next open.
    assert pre["Close"].iloc[0] == previous["close"] and post["Close"].iloc[0] == row["close"]
    assert pre["Close"].iloc[-1] == pytest.approx(
        previous["close"] + (row["open"] - previous["close"]) * 329 / 330, abs=1e-6
    )
    assert post["Close"].loc[pd.Timestamp(et(2026, 3, 4, 17, 0))] == pytest.approx(
        row["close"] + (following["open"] - row["close"]) * 60 / 240, abs=1e-6
    )
    assert (pre["Volume"] == 0).all() and (post["Volume"] == 0).all()
    # Every 7th minute of each period is empty (yfinance drops it).
    assert len(pre) == 330 - 330 // NULL_MINUTE_EVERY and len(post) == 61 - 61 // NULL_MINUTE_EVERY
    _, answer = chart(yahoo, "SPY", range="1d", interval="1m", includePrePost="true")
    periods = answer["chart"]["result"][0]["meta"]["tradingPeriods"]
    assert [periods[name][0][0]["start"] for name in ("pre", "regular", "post")] == [
        int(et(2026, 3, 4, hour, minute).timestamp()) for hour, minute in ((4, 0), (9, 30), (16, 0))
    ]
    # An index has no extended hours: its regular minutes only, whatever is asked.
    _, index = chart(yahoo, "%5EGSPC", range="1d", interval="1m", includePrePost="true")
    stamps = index["chart"]["result"][0]["timestamp"]
    assert stamps[0] == int(et(2026, 3, 4, 9, 30).timestamp())
    assert stamps[-1] == int(et(2026, 3, 4, 15, 59).timestamp())


def test_from_four_the_pre_market_of_the_coming_session_is_served(
    yahoo: FakeYahoo, bars: pd.DataFrame
) -> None:
    yahoo.now = et(2026, 3, 5, 4, 2, 30)
    _, answer = chart(yahoo, "SPY", range="1d", interval="1m", includePrePost="true")
    rows = rows_of(answer)
    assert [stamp for stamp, _ in rows] == [et(2026, 3, 5, 4, m) for m in range(3)]
    assert rows[0][1]["close"] == real_row(bars, "SPY", "2026-03-04")["close"]
    # Without extended hours it is still the last session.
    _, regular = chart(yahoo, "SPY", range="1d", interval="1m", includePrePost="false")
    assert rows_of(regular)[-1][0] == et(2026, 3, 4, 15, 59)


def test_path_rule_runs_through_the_real_values() -> None:
    from rotor.data.sources.fake_yahoo import Row

    up = Row(date(2026, 3, 4), 10.0, 14.0, 8.0, 12.0, 1000.0)
    assert path_price(up, 0, 100) == 10.0
    assert path_price(up, 30, 100) == 14.0  # close >= open: the high first
    assert path_price(up, 60, 100) == 8.0
    assert path_price(up, 99, 100) == 10.0  # the last minute: (low + close) / 2, not the close
    down = Row(date(2026, 3, 4), 10.0, 14.0, 8.0, 9.0, None)
    assert path_price(down, 30, 100) == 8.0 and path_price(down, 60, 100) == 14.0
    assert path_price(down, 99, 100) == 11.5
    assert path_price(Row(date(2026, 2, 6), None, None, None, 17.76, None), 5, 100) is None


# --- futures: overnight windows, daylight saving, holidays -------------------------------------------


def test_futures_on_sunday_evening_after_the_switch_to_daylight_time(
    yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame
) -> None:
    row = real_row(bars, "CL=F", "2026-03-09")
    yahoo.now = et(2026, 3, 8, 19, 0)
    _, answer = chart(yahoo, "CL%3DF", range="5d", interval="1d")
    stamp, live = rows_of(answer)[-1]
    assert stamp == et(2026, 3, 8, 19, 0) and stamp.utcoffset() == timedelta(hours=-4)
    assert live["open"] == row["open"] and row["low"] <= live["close"] <= row["high"]
    meta = answer["chart"]["result"][0]["meta"]
    assert meta["timezone"] == "EDT" and meta["gmtoffset"] == -4 * 3600
    regular = meta["currentTradingPeriod"]["regular"]
    assert (regular["start"], regular["end"]) == (
        int(et(2026, 3, 8, 18, 0).timestamp()),
        int(et(2026, 3, 9, 17, 0).timestamp()),
    )
    assert regular["timezone"] == "EDT"
    history = yf.Ticker("CL=F").history(period="5d", auto_adjust=False)
    assert history.index[-1].date() == date(2026, 3, 8)  # a row on Sunday's calendar date
    assert history["Open"].iloc[-1] == row["open"]


def test_futures_evening_sends_the_settled_row_and_the_next_live_one(
    yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame
) -> None:
    settled, following = real_row(bars, "CL=F", "2026-03-09"), real_row(bars, "CL=F", "2026-03-10")
    yahoo.now = et(2026, 3, 9, 18, 30)
    _, answer = chart(yahoo, "CL%3DF", range="5d", interval="1d")
    (settled_stamp, settled_row), (live_stamp, live_row) = rows_of(answer)[-2:]
    assert settled_stamp == et(2026, 3, 9, 0, 0)
    assert settled_row == {k: settled[k] for k in ("open", "high", "low", "close")} | {
        "volume": round(settled["volume"])
    }
    assert live_stamp == et(2026, 3, 9, 18, 30)
    assert live_row["open"] == following["open"]
    assert following["low"] <= live_row["low"] <= live_row["high"] <= following["high"]
    # yfinance folds two rows of one calendar date into the later one: the live row replaces the
    # settled 03-09 row in its history.
    history = yf.Ticker("CL=F").history(period="5d", auto_adjust=False)
    assert history.index[-1].date() == date(2026, 3, 9)
    assert history["Open"].iloc[-1] == following["open"]
    assert settled["close"] not in history["Close"].tolist()


def test_mlk_day_2026_futures_pause_and_cash_is_closed(yahoo: FakeYahoo, bars: pd.DataFrame) -> None:
    assert bars[(bars["date"] == pd.Timestamp("2026-01-19"))].empty
    row = real_row(bars, "CL=F", "2026-01-20")
    prices = {}
    for hour in (12, 14, 17, 19):
        yahoo.now = et(2026, 1, 19, hour, 0)
        _, answer = chart(yahoo, "CL%3DF", range="5d", interval="1d")
        meta = answer["chart"]["result"][0]["meta"]
        stamp, live = rows_of(answer)[-1]
        assert live["open"] == row["open"] and row["low"] <= live["close"] <= row["high"]
        assert meta["regularMarketPrice"] == live["close"]
        prices[hour] = (live["close"], stamp)
    # Halted from 13:00 to 18:00: the last trade stays at 12:59.
    assert prices[14] == prices[17] == (prices[14][0], et(2026, 1, 19, 12, 59))
    assert prices[12][1] == et(2026, 1, 19, 12, 0) and prices[19][1] == et(2026, 1, 19, 19, 0)
    assert prices[19][0] != prices[14][0]
    # One-minute bars skip the halt.
    _, minutes = chart(yahoo, "CL%3DF", range="1d", interval="1m")
    stamps = [datetime.fromtimestamp(t, NY) for t in minutes["chart"]["result"][0]["timestamp"]]
    assert et(2026, 1, 19, 12, 59) in stamps and et(2026, 1, 19, 18, 0) in stamps
    assert not [s for s in stamps if et(2026, 1, 19, 13, 0) <= s < et(2026, 1, 19, 18, 0)]
    assert stamps[0] == et(2026, 1, 18, 18, 0) and stamps[-1] == et(2026, 1, 19, 19, 0)
    # US cash: no session on MLK day; the next one is Tuesday's, and no row is stamped 01-19.
    _, gspc = chart(yahoo, "%5EGSPC", range="5d", interval="1d")
    assert rows_of(gspc)[-1][0] == et(2026, 1, 16, 9, 30)
    regular = gspc["chart"]["result"][0]["meta"]["currentTradingPeriod"]["regular"]
    assert regular["start"] == int(et(2026, 1, 20, 9, 30).timestamp())


def test_half_day_2025_11_28(yahoo: FakeYahoo, yf: Any, bars: pd.DataFrame) -> None:
    gspc, crude = real_row(bars, "^GSPC", "2025-11-28"), real_row(bars, "CL=F", "2025-11-28")
    yahoo.now = et(2025, 11, 28, 12, 0)
    _, live = chart(yahoo, "%5EGSPC", range="1d", interval="1d")
    assert live["chart"]["result"][0]["meta"]["currentTradingPeriod"]["regular"]["end"] == int(
        et(2025, 11, 28, 13, 0).timestamp()
    )
    yahoo.now = et(2025, 11, 28, 13, 30)
    ticker = yf.Ticker("^GSPC")
    daily = ticker.history(start="2025-11-24", end="2025-12-01", auto_adjust=False)
    assert daily["Close"].iloc[-1] == gspc["close"]
    assert ticker.get_history_metadata()["regularMarketTime"] == pd.Timestamp(et(2025, 11, 28, 13, 0))
    minutes = ticker.history(period="1d", interval="1m")
    assert (
        minutes.index[0] == pd.Timestamp(et(2025, 11, 28, 9, 30))
        and minutes["Close"].iloc[-1] != gspc["close"]
    )
    _, raw = chart(yahoo, "%5EGSPC", range="1d", interval="1m")
    stamps = raw["chart"]["result"][0]["timestamp"]
    assert len(stamps) == 210 and stamps[-1] == int(et(2025, 11, 28, 12, 59).timestamp())
    # SPY's post-market ends at 17:00 on a half day.
    _, spy = chart(yahoo, "SPY", range="1d", interval="1d")
    post = spy["chart"]["result"][0]["meta"]["currentTradingPeriod"]["post"]
    assert (post["start"], post["end"]) == (
        int(et(2025, 11, 28, 13, 0).timestamp()),
        int(et(2025, 11, 28, 17, 0).timestamp()),
    )
    # Crude: Wednesday 18:00 to Friday 13:00, halted on Thanksgiving from 13:00 to 18:00.
    yahoo.now = et(2025, 11, 27, 15, 0)
    _, paused = chart(yahoo, "CL%3DF", range="1d", interval="1d")
    meta = paused["chart"]["result"][0]["meta"]
    assert meta["regularMarketTime"] == int(et(2025, 11, 27, 12, 59).timestamp())
    regular = meta["currentTradingPeriod"]["regular"]
    assert (regular["start"], regular["end"]) == (
        int(et(2025, 11, 26, 18, 0).timestamp()),
        int(et(2025, 11, 28, 13, 0).timestamp()),
    )
    assert rows_of(paused)[-1][1]["open"] == crude["open"]
    yahoo.now = et(2025, 11, 28, 13, 0)
    _, settled = chart(yahoo, "CL%3DF", range="1d", interval="1d")
    assert rows_of(settled) == [
        (
            et(2025, 11, 28, 0, 0),
            {k: crude[k] for k in ("open", "high", "low", "close")} | {"volume": round(crude["volume"])},
        )
    ]


def test_no_row_is_sent_before_its_window_opens_nor_past_the_bundle(
    yahoo: FakeYahoo, bars: pd.DataFrame
) -> None:
    yahoo.now = et(2026, 3, 4, 9, 29, 59)
    _, answer = chart(yahoo, "SPY", range="5d", interval="1d")
    assert rows_of(answer)[-1][0] == et(2026, 3, 3, 9, 30)
    yahoo.now = et(2026, 3, 6, 20, 0)
    _, ytd = chart(yahoo, "SPY", range="ytd", interval="1d")
    assert rows_of(ytd)[0][0] == et(2026, 1, 2, 9, 30) and rows_of(ytd)[-1][0] == et(2026, 3, 6, 9, 30)
    _, month = chart(yahoo, "SPY", range="1mo", interval="1d")
    assert rows_of(month)[0][0] == et(2026, 2, 9, 9, 30)  # the first session from 2026-02-06 20:00 on
    assert (
        month["chart"]["result"][0]["meta"]["chartPreviousClose"]
        == real_row(bars, "SPY", "2026-02-06")["close"]
    )
    yahoo.now = et(2026, 12, 1, 12, 0)
    _, late = chart(yahoo, "DX-Y.NYB", range="max", interval="1d")
    last = bars[bars["symbol"] == "DX-Y.NYB"]["date"].max()
    assert rows_of(late)[-1][0].date() == last.date() == date(2026, 3, 6)
    assert len(rows_of(late)) == (bars["symbol"] == "DX-Y.NYB").sum()


# --- errors and faults --------------------------------------------------------------------------------


def test_unknown_symbol_is_yahoos_404_and_yfinance_says_why(yahoo: FakeYahoo, yf: Any) -> None:
    with yahoo.session() as session:
        response = session.get(CHART + "NOPE")
    assert response.status_code == 404 and response.text == NOT_FOUND_JSON
    yahoo.reset_log()
    # yfinance asks Ticker.info for a missing timezone on its first two failures in a process; past
    # those (as here), the history request itself brings Yahoo's reason.
    yf_base._tz_info_fetch_ctr = 2
    with pytest.raises(YFPricesMissingError, match="No data found, symbol may be delisted"):
        yf.Ticker("NOPE").history(period="5d")
    assert [(r.kind, r.status) for r in yahoo.log] == [
        ("cookie", 404),
        ("crumb", 200),
        ("chart", 404),  # the timezone probe
        ("crumb", 200),  # yfinance retries any status >= 400 with its other cookie strategy
        ("chart", 404),
        ("chart", 404),  # the history
        ("crumb", 200),
        ("chart", 404),
    ]
    yahoo.fail("unknown", ["SPY"])
    status, _ = chart(yahoo, "SPY", range="1d")
    assert status == 404


def test_unknown_symbol_in_a_fresh_process_with_exceptions_hidden(yahoo: FakeYahoo, yf: Any) -> None:
    """yfinance's default: the missing timezone sends it to Ticker.info (quoteSummary, v7 quote,
    fundamentals-timeseries, answered as Yahoo answers for an unknown symbol), then an empty frame."""
    yf.config.debug.hide_exceptions = True
    yf_base._tz_info_fetch_ctr = 0
    assert yf.Ticker("NOPE").history(period="5d").empty
    others = [r for r in yahoo.log if r.kind == "other"]
    assert [(r.path, r.status) for r in others] == [
        ("/v10/finance/quoteSummary/NOPE", 404),
        ("/v10/finance/quoteSummary/NOPE", 404),
        ("/v7/finance/quote", 200),
        ("/ws/fundamentals-timeseries/v1/finance/timeseries/NOPE", 200),
    ]
    assert yahoo.counts == {"cookie": 1, "crumb": 4, "chart": 4, "other": 4}


def test_rate_limit_becomes_yfratelimiterror(yahoo: FakeYahoo, yf: Any) -> None:
    yahoo.retry_after = 7
    yahoo.fail("rate_limit")
    with pytest.raises(YFRateLimitError):
        yf.Ticker("SPY").history(period="5d")
    # fc.yahoo.com twice per cookie attempt (no cookie comes back), the crumb, the chart; then the other
    # strategy: the consent page, the basic strategy again, and the chart once more.
    assert [r.kind for r in yahoo.log] == [
        "cookie",
        "cookie",
        "crumb",
        "chart",
        "consent",
        "cookie",
        "cookie",
        "crumb",
        "chart",
    ]
    assert {r.status for r in yahoo.log} == {429} and {r.fault for r in yahoo.log} == {"rate_limit"}
    with yahoo.session() as session:
        response = session.get("https://query1.finance.yahoo.com/v1/test/getcrumb")
    assert response.status_code == 429 and response.text == TOO_MANY_REQUESTS
    assert response.headers["Retry-After"] == "7"


def test_faults_for_some_symbols_and_some_requests(yahoo: FakeYahoo) -> None:
    yahoo.fail("server_error", ["QQQ"], count=2)
    with yahoo.session() as session:
        answers = [session.get(CHART + s, params={"range": "1d"}) for s in ("QQQ", "SPY", "QQQ", "QQQ")]
        crumb = session.get("https://query2.finance.yahoo.com/v1/test/getcrumb")
    assert [r.status_code for r in answers] == [500, 200, 500, 200]
    assert "Will be right back" in answers[0].text and answers[0].headers["Content-Type"].startswith(
        "text/html"
    )
    assert crumb.text == CRUMB
    yahoo.fail("malformed", count=1)
    with yahoo.session() as session:
        cut = session.get(CHART + "SPY", params={"range": "1d"})
        whole = session.get(CHART + "SPY", params={"range": "1d"})
    assert cut.status_code == 200 and whole.status_code == 200
    assert len(cut.content) == len(whole.content) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    yahoo.fail("server_error", count=1, kinds=["crumb"])
    with yahoo.session() as session:
        assert session.get("https://query1.finance.yahoo.com/v1/test/getcrumb").status_code == 500
    with pytest.raises(ValueError, match="unknown fault"):
        yahoo.fail("teapot")  # type: ignore[arg-type]


def test_drop_breaks_the_connection_and_hang_times_out(yahoo: FakeYahoo, yf: Any) -> None:
    yf.Ticker("SPY").history(period="5d")  # the timezone is known, the connection kept open
    yahoo.reset_log()
    yahoo.fail("drop", ["SPY"])
    with pytest.raises(CurlConnectionError, match="Empty reply"):
        yf.Ticker("SPY").history(period="5d")
    # curl retries once, on a new connection, a request whose reused connection closed without answer.
    assert [(r.kind, r.status, r.fault) for r in yahoo.log] == [("chart", None, "drop")] * 2
    yahoo.clear_faults()
    yf.Ticker("QQQ").history(period="5d")  # a connection to reuse again
    yahoo.reset_log()
    yahoo.fail("drop", ["SPY"], count=1)
    assert not yf.Ticker("SPY").history(period="5d").empty  # that retry hides a single drop
    assert [r.fault for r in yahoo.log] == ["drop", None]

    yahoo.reset_log()
    yahoo.fail("hang", ["SPY"], count=1)
    started = time.monotonic()
    with pytest.raises(CurlTimeout):
        yf.Ticker("SPY").history(period="5d", timeout=0.3)
    assert time.monotonic() - started < 3
    assert [(r.kind, r.status, r.fault) for r in yahoo.log] == [("chart", None, "hang")]


def test_stop_releases_hung_requests_promptly(bars: pd.DataFrame) -> None:
    server = FakeYahoo(lambda: et(2026, 3, 6, 20, 0), bars=bars).start()
    server.fail("hang")
    errors: list[BaseException] = []

    def ask() -> None:
        with server.session() as session:
            try:
                session.get(CHART + "SPY", timeout=10)
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while len(server.log) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.max_in_flight == 3
    started = time.monotonic()
    server.stop()
    for thread in threads:
        thread.join(timeout=5)
    assert time.monotonic() - started < 2
    assert len(errors) == 3 and all(isinstance(e, CurlConnectionError) for e in errors)


def test_a_hang_with_a_delay_answers_late_and_in_flight_is_counted(yahoo: FakeYahoo) -> None:
    yahoo.hang_seconds = 0.3
    yahoo.fail("hang", ["SPY"])
    results: list[int] = []

    def ask() -> None:
        with yahoo.session() as session:
            results.append(session.get(CHART + "SPY", params={"range": "1d"}).status_code)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert results == [200] * 4 and 0.3 <= time.monotonic() - started < 3
    assert yahoo.max_in_flight == 4
    record = yahoo.log[0]
    assert (record.method, record.host, record.path, record.status, record.kind, record.symbol) == (
        "GET",
        "query2.finance.yahoo.com",
        "/v8/finance/chart/SPY",
        200,
        "chart",
        "SPY",
    )
    assert record.query == {"range": "1d"} and record.fault == "hang"
    deadline = time.monotonic() + 2
    while yahoo.in_flight and time.monotonic() < deadline:  # handlers finish just after their answer
        time.sleep(0.01)
    yahoo.reset_log()
    assert yahoo.log == [] and yahoo.max_in_flight == 0


def test_unsupported_interval_and_too_long_minute_spans(yahoo: FakeYahoo) -> None:
    status, answer = chart(yahoo, "SPY", range="1mo", interval="1wk")
    assert status == 400 and answer["chart"]["error"]["code"] == "Bad Request"
    now = int(yahoo.now.timestamp())
    status, answer = chart(yahoo, "SPY", period1=now - 10 * 86400, period2=now, interval="1m")
    assert (
        status == 422
        and "Only 8 days worth of 1m granularity data" in answer["chart"]["error"]["description"]
    )
    status, answer = chart(yahoo, "SPY", period1=now - 40 * 86400, period2=now - 35 * 86400, interval="1m")
    assert status == 422 and "within the last 30 days" in answer["chart"]["error"]["description"]


def test_every_venue_has_rows_and_a_schedule(yahoo: FakeYahoo, bars: pd.DataFrame) -> None:
    assert set(VENUES) == set(bars["symbol"])
    for symbol in VENUES:
        windows = yahoo.windows(symbol)
        assert len(windows) == (bars["symbol"] == symbol).sum() + 1  # plus the next session
        assert all(a.end <= b.start for a, b in itertools.pairwise(windows))
