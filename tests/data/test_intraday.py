"""The detail screen's 1D chart through the real yfinance against the local fake Yahoo: one request per look,
the minutes dated in the right session and told pre, regular or post, kept for a short while (counted
from the fake's log), failures with their true reason, and the feeds without a live source saying why they
have none. Every price checked is recomputed from the bundled rows (the fake's minutes run through them)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bundled_rows import raw_bars, raw_open, raw_rows
from live_fake import LiveFake, live_fake
from rotor.data.cache import Cache
from rotor.data.errors import IntradayUnavailable, RateLimited, ServerError, UnknownSymbol
from rotor.data.feed import BUNDLED_NO_INTRADAY, CACHE_NO_INTRADAY, BundledFeed, LiveFeed
from rotor.data.intraday import INTRADAY_TTL, IntradayChart, fresh_until
from rotor.data.sessions import venue
from rotor.data.snapshot import MarketSnapshot

NY = ZoneInfo("America/New_York")
#: Every 7th minute of a period has no trades in the fake (its convention), so no bar.
NULL_EVERY = 7


def et(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


@pytest.fixture(scope="module")
def snapshot() -> MarketSnapshot:
    return BundledFeed(date(2026, 3, 6)).refresh()


@pytest.fixture
def friday_evening(tmp_path: Path) -> Iterator[LiveFake]:
    with live_fake(et(2026, 3, 6, 18, 0, 20), tmp_path) as fake:
        yield fake


def close_on(ticker: str, day: date) -> float:
    return dict(raw_rows(ticker))[day]


def traded(minutes: int) -> int:
    """Minutes with trades among ``minutes`` (the fake leaves every 7th empty)."""
    return minutes - sum(1 for j in range(minutes) if j % NULL_EVERY == NULL_EVERY - 1)


def times(chart: IntradayChart, part: str) -> list[datetime]:
    return [b.time.astimezone(NY) for b in chart.part(part)]  # type: ignore[arg-type]


def test_a_us_etf_session_with_its_pre_and_post_market_in_one_request(
    friday_evening: LiveFake, snapshot: MarketSnapshot
) -> None:
    fake = friday_evening
    chart = fake.feed.intraday(snapshot, "SPY")
    (asked,) = fake.minute_charts()
    assert asked.symbol == "SPY"
    assert {k: v for k, v in asked.query.items() if k != "crumb"} == {
        "range": "1d",
        "interval": "1m",
        "includePrePost": "true",
    }
    # The chart request, and yfinance's cookie and crumb where this process has none yet: nothing else.
    assert chart.requests == len(fake.yahoo.log)
    assert [r.kind for r in fake.yahoo.log].count("chart") == 1
    assert {r.kind for r in fake.yahoo.log} <= {"chart", "cookie", "crumb"}
    day = date(2026, 3, 6)
    assert chart.session == day and {b.time.astimezone(NY).date() for b in chart.bars} == {day}
    pre, regular, post = times(chart, "pre"), times(chart, "regular"), times(chart, "post")
    assert pre[0] == et(2026, 3, 6, 4, 0) and pre[-1] < et(2026, 3, 6, 9, 30)
    assert regular[0] == et(2026, 3, 6, 9, 30) and regular[-1] == et(2026, 3, 6, 15, 59)
    assert post[0] == et(2026, 3, 6, 16, 0) and post[-1] == et(2026, 3, 6, 18, 0)
    assert (len(pre), len(regular), len(post)) == (traded(330), traded(390), traded(121))
    assert [b.time for b in chart.bars] == sorted(b.time for b in chart.bars)
    # The prices run through the real rows: the pre-market from the previous close toward the open, the
    # session within its low and high, the post-market from the official close.
    previous = close_on("SPY", date(2026, 3, 5))
    (low, high, close) = next((lo, hi, c) for d, lo, hi, c in raw_bars("SPY") if d == day)
    assert chart.part("pre")[0].close == previous
    assert chart.part("regular")[0].close == raw_open("SPY", day)
    assert all(low <= b.close <= high for b in chart.part("regular"))  # type: ignore[operator]
    assert chart.part("post")[0].close == close
    assert (chart.previous_day, chart.previous_close) == (date(2026, 3, 5), previous)
    assert chart.change_pct == pytest.approx(100 * (chart.last.close / previous - 1))
    assert (chart.start, chart.open, chart.close, chart.end) == (
        et(2026, 3, 6, 4, 0),
        et(2026, 3, 6, 9, 30),
        et(2026, 3, 6, 16, 0),
        et(2026, 3, 6, 20, 0),
    )


def test_from_four_in_the_morning_it_is_the_coming_session(tmp_path: Path, snapshot: MarketSnapshot) -> None:
    with live_fake(et(2026, 3, 6, 7, 0, 30), tmp_path) as fake:
        chart = fake.feed.intraday(snapshot, "XLK")
    assert chart.session == date(2026, 3, 6)
    assert times(chart, "regular") == times(chart, "post") == []
    assert times(chart, "pre")[-1] == et(2026, 3, 6, 7, 0)
    assert chart.previous_close == close_on("XLK", date(2026, 3, 5))


def test_before_four_it_is_the_last_session_whole(tmp_path: Path, snapshot: MarketSnapshot) -> None:
    with live_fake(et(2026, 3, 6, 3, 0), tmp_path) as fake:
        chart = fake.feed.intraday(snapshot, "SPY")
    assert chart.session == date(2026, 3, 5)
    assert times(chart, "pre")[0] == et(2026, 3, 5, 4, 0) and chart.last.time == et(2026, 3, 5, 19, 59)
    assert chart.previous_close == close_on("SPY", date(2026, 3, 4))


def test_an_index_is_charted_in_its_regular_session(tmp_path: Path, snapshot: MarketSnapshot) -> None:
    with live_fake(et(2026, 3, 6, 12, 0, 10), tmp_path) as fake:
        chart = fake.feed.intraday(snapshot, "^GSPC")
        (asked,) = fake.minute_charts()
    assert asked.query["includePrePost"] == "false"
    assert {b.part for b in chart.bars} == {"regular"} and not chart.extended
    assert chart.bars[0].time == et(2026, 3, 6, 9, 30) and chart.last.time == et(2026, 3, 6, 12, 0)
    assert (chart.start, chart.end) == (et(2026, 3, 6, 9, 30), et(2026, 3, 6, 16, 0))


def test_futures_evening_minutes_belong_to_the_next_trade_date(
    tmp_path: Path, snapshot: MarketSnapshot
) -> None:
    with live_fake(et(2026, 3, 5, 20, 0, 5), tmp_path) as fake:
        chart = fake.feed.intraday(snapshot, "GC=F")
    # CME's session of Friday 6 March opened at 18:00 ET on Thursday: its minutes are Friday's.
    assert chart.session == date(2026, 3, 6)
    assert chart.bars[0].time == et(2026, 3, 5, 18, 0) and chart.last.time == et(2026, 3, 5, 20, 0)
    assert chart.bars[0].close == raw_open("GC=F", date(2026, 3, 6))
    assert chart.previous_close == close_on("GC=F", date(2026, 3, 5))


def test_a_second_look_within_the_ttl_sends_no_request(
    friday_evening: LiveFake, snapshot: MarketSnapshot
) -> None:
    fake = friday_evening
    first = fake.feed.intraday(snapshot, "SPY")
    fake.yahoo.reset_log()
    fake.clock.now += INTRADAY_TTL - timedelta(seconds=1)
    assert fake.feed.intraday(snapshot, "SPY") is first
    assert fake.yahoo.log == []
    fake.clock.now += timedelta(seconds=2)  # the post-market trades: after a minute, ask again
    again = fake.feed.intraday(snapshot, "SPY")
    assert len(fake.minute_charts()) == len(fake.yahoo.log) == 1 and again.requests == 1
    assert again.last.time > first.last.time


def test_two_looks_at_once_send_one_request(friday_evening: LiveFake, snapshot: MarketSnapshot) -> None:
    fake = friday_evening
    fake.yahoo.hang_seconds = 0.3  # the first answer comes late: the second look waits for it
    fake.yahoo.fail("hang", ["SPY"], count=1)
    charts: list[IntradayChart] = []
    looks = [
        threading.Thread(target=lambda: charts.append(fake.feed.intraday(snapshot, "SPY"))) for _ in range(2)
    ]
    for look in looks:
        look.start()
    for look in looks:
        look.join(10)
    assert len(charts) == 2 and charts[0] is charts[1]
    assert len(fake.minute_charts()) == 1


def test_over_the_weekend_the_last_session_is_kept_until_monday_four(
    tmp_path: Path, snapshot: MarketSnapshot
) -> None:
    with live_fake(et(2026, 3, 7, 12, 0), tmp_path) as fake:
        saturday = fake.feed.intraday(snapshot, "SPY")
        assert saturday.session == date(2026, 3, 6) and saturday.last.time == et(2026, 3, 6, 19, 59)
        fake.yahoo.reset_log()
        fake.clock.now = et(2026, 3, 9, 3, 59)
        assert fake.feed.intraday(snapshot, "SPY") is saturday and fake.yahoo.log == []
        fake.clock.now = et(2026, 3, 9, 4, 0, 30)
        monday = fake.feed.intraday(snapshot, "SPY")
        assert len(fake.minute_charts()) == 1 and monday.session == date(2026, 3, 9)
        assert monday.previous_close == close_on("SPY", date(2026, 3, 6))


def test_fresh_until() -> None:
    nyse = venue("XNYS")
    trading = et(2026, 3, 6, 11, 0)
    assert fresh_until(nyse, trading, extended=True) == trading + INTRADAY_TTL
    post = et(2026, 3, 6, 17, 0)
    assert fresh_until(nyse, post, extended=True) == post + INTRADAY_TTL
    assert fresh_until(nyse, post, extended=False) == et(2026, 3, 9, 9, 30)  # an index: Monday's open
    saturday = et(2026, 3, 7, 12, 0)
    assert fresh_until(nyse, saturday, extended=True) == et(2026, 3, 9, 4, 0)


def test_failures_keep_their_true_reason_and_back_off(
    friday_evening: LiveFake, snapshot: MarketSnapshot
) -> None:
    fake = friday_evening
    fake.yahoo.fail("unknown", ["XLB"])
    with pytest.raises(UnknownSymbol, match="No data found, symbol may be delisted"):
        fake.feed.intraday(snapshot, "XLB")
    fake.yahoo.fail("server_error", kinds=["chart"], count=1)
    with pytest.raises(ServerError, match=r"Yahoo server error \(HTTP 500\); next try"):
        fake.feed.intraday(snapshot, "XLE")
    fake.yahoo.reset_log()
    with pytest.raises(ServerError):  # backing off: nothing is sent
        fake.feed.intraday(snapshot, "XLE")
    assert fake.yahoo.log == []
    # The daily timeframes need no request.
    history = fake.feed.history(snapshot, "XLE")
    assert history.closes[-1] == close_on("XLE", date(2026, 3, 6)) and fake.yahoo.log == []
    fake.clock.now = fake.source.retry_at or fake.clock.now
    fake.yahoo.fail("rate_limit")
    with pytest.raises(RateLimited) as limited:
        fake.feed.intraday(snapshot, "XLE")
    assert limited.value.reason.startswith("rate limited by Yahoo; next try ")
    assert fake.source.retry_at is not None and fake.source.retry_at > fake.clock.now
    assert len(fake.yahoo.log) == 1  # the first 429 (here on the crumb yfinance asks again) ended it


def test_the_feeds_without_a_live_source_say_intraday_bars_need_it(
    tmp_path: Path, snapshot: MarketSnapshot
) -> None:
    with pytest.raises(IntradayUnavailable) as bundled:
        BundledFeed(date(2026, 3, 6)).intraday(snapshot, "SPY")
    assert str(bundled.value) == BUNDLED_NO_INTRADAY
    cache = Cache(tmp_path / "cache")
    with pytest.raises(IntradayUnavailable) as cached:
        LiveFeed(cache, None, mode="cache").intraday(snapshot, "SPY")
    assert str(cached.value) == CACHE_NO_INTRADAY
    with pytest.raises(IntradayUnavailable, match="intraday bars need the live feed: this is a replay as of"):
        LiveFeed(cache, None, as_of=date(2026, 1, 23)).intraday(snapshot, "SPY")
