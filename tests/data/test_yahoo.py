"""YahooSource through the real yfinance over HTTP, against the local fake Yahoo
(rotor.data.sources.fake_yahoo): one request per symbol, the chart read right, and every fault with its
true reason and its request count.

Every test talks only to 127.0.0.1. The clock is frozen on Thursday 2026-03-05 17:30 New York time (after
the close; every session of the week so far settled) unless a test moves it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from rotor.data.errors import (
    MalformedAnswer,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ServerError,
    UnknownSymbol,
)
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.sources.fake_yahoo import FakeYahoo, keep_yahoo_cookies
from rotor.data.sources.yahoo import YahooSource, parse_chart
from rotor.data.symbols import UNIVERSE

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 5, 17, 30, tzinfo=NY)
TICKERS = [s.ticker for s in UNIVERSE]
WANTED = {t: date(2026, 3, 2) for t in TICKERS}


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return load_bundled_bars()


@pytest.fixture
def yahoo(bars: pd.DataFrame) -> Iterator[FakeYahoo]:
    with FakeYahoo(lambda: NOW, bars=bars, retry_after=120) as server:
        yield server


def source(yahoo: FakeYahoo, tmp_path: Path, **options: object) -> YahooSource:
    return YahooSource(
        cache_dir=tmp_path,
        rewrite=yahoo.rewrite,
        on_response=keep_yahoo_cookies,
        clock=lambda: NOW,
        jitter=lambda: 0.0,
        **options,  # type: ignore[arg-type]
    )


def test_one_chart_request_per_symbol(yahoo: FakeYahoo, tmp_path: Path, bars: pd.DataFrame) -> None:
    live = source(yahoo, tmp_path)
    result = live.fetch(WANTED, NOW, 15.0)
    assert result.errors == {}
    # One chart request per symbol; yfinance adds its cookie and crumb (once: the cookie may be cached).
    assert yahoo.counts["chart"] == len(TICKERS) and result.requests == len(yahoo.log)
    assert yahoo.counts["cookie"] <= 1 and yahoo.counts["crumb"] == 1
    assert yahoo.max_in_flight <= live.workers
    yahoo.reset_log()
    again = live.fetch(WANTED, NOW, 15.0)
    assert dict(yahoo.counts) == {"chart": len(TICKERS)} and again.requests == len(TICKERS)
    # The daily bars as sent (stamped; the session model dates them), with the official close.
    spx = result.bars[result.bars["symbol"] == "^GSPC"].sort_values("time")
    truth = bars[
        (bars["symbol"] == "^GSPC") & (bars["date"] >= "2026-03-02") & (bars["date"] <= "2026-03-05")
    ]
    assert spx["close"].tolist() == truth["close"].tolist()
    assert [t.tz_convert(NY).strftime("%m-%d %H:%M") for t in spx["time"]] == [
        "03-02 09:30",
        "03-03 09:30",
        "03-04 09:30",
        "03-05 09:30",
    ]
    quote = result.quotes["^GSPC"]
    assert quote.price == 6830.71 and quote.time == datetime(2026, 3, 5, 16, 0, tzinfo=NY)
    assert result.hours["^TNX"].end - result.hours["^TNX"].start == timedelta(hours=7)  # Yahoo's own


def test_unknown_symbol_has_yahoos_words_and_is_asked_once(yahoo: FakeYahoo, tmp_path: Path) -> None:
    live = source(yahoo, tmp_path)
    live.fetch({"SPY": date(2026, 3, 2)}, NOW, 15.0)  # cookie and crumb first
    yahoo.fail("unknown", ["XLB"])
    yahoo.reset_log()
    result = live.fetch(WANTED, NOW, 15.0)
    error = result.errors["XLB"]
    assert isinstance(error, UnknownSymbol) and "No data found, symbol may be delisted" in error.reason
    assert set(result.errors) == {"XLB"} and "XLB" not in result.served
    assert [r.symbol for r in yahoo.log if r.kind == "chart"].count("XLB") == 1  # no retry stacked


def test_a_rate_limit_stops_the_refresh_and_backs_off(yahoo: FakeYahoo, tmp_path: Path) -> None:
    live = source(yahoo, tmp_path)
    yahoo.fail("rate_limit")
    result = live.fetch(WANTED, NOW, 15.0)
    assert len(yahoo.log) <= 3 and result.requests == len(yahoo.log)  # the first 429 ends it
    assert all(isinstance(e, RateLimited) for e in result.errors.values()) and set(result.errors) == set(
        TICKERS
    )
    assert live.retry_at is not None and live.retry_at >= NOW + timedelta(seconds=120)  # Retry-After
    assert result.retry_at == live.retry_at
    assert result.errors["SPY"].reason.startswith("rate limited by Yahoo; next try ")
    yahoo.reset_log()
    waiting = live.fetch(WANTED, NOW + timedelta(seconds=30), 15.0)
    assert yahoo.log == [] and waiting.requests == 0  # nothing is sent before the retry time
    assert isinstance(waiting.errors["SPY"], RateLimited)


def test_backoff_grows_and_is_capped(yahoo: FakeYahoo, tmp_path: Path) -> None:
    moments = [NOW]
    live = YahooSource(
        cache_dir=tmp_path,
        rewrite=yahoo.rewrite,
        on_response=keep_yahoo_cookies,
        clock=lambda: moments[-1],
        jitter=lambda: 0.0,
    )
    yahoo.fail("rate_limit")
    waits = []
    for _ in range(6):
        live.fetch({"SPY": date(2026, 3, 2)}, moments[-1], 15.0)
        assert live.retry_at is not None
        waits.append((live.retry_at - moments[-1]).total_seconds())
        moments.append(live.retry_at)
    assert waits == [120.0, 120.0, 240.0, 480.0, 900.0, 900.0]  # max(Retry-After, 60 s x 2^n), capped
    yahoo.clear_faults()
    live.fetch({"SPY": date(2026, 3, 2)}, moments[-1], 15.0)
    assert live.retry_at is None  # an answer resets the backoff


def test_server_errors_end_the_refresh_with_their_reason(yahoo: FakeYahoo, tmp_path: Path) -> None:
    live = source(yahoo, tmp_path)
    live.fetch({"SPY": date(2026, 3, 2)}, NOW, 15.0)
    yahoo.fail("server_error", kinds=["chart"])
    yahoo.reset_log()
    result = live.fetch(WANTED, NOW, 15.0)
    assert yahoo.counts["chart"] == 1  # the probe's 500 is final: no per-symbol storm
    assert all(isinstance(e, ServerError) for e in result.errors.values())
    assert result.errors["^GSPC"].reason.startswith("Yahoo server error (HTTP 500); next try ")


def test_a_hung_yahoo_times_out_within_the_budget(yahoo: FakeYahoo, tmp_path: Path) -> None:
    live = source(yahoo, tmp_path, request_timeout=1.0)
    yahoo.fail("hang")
    started = time.monotonic()
    result = live.fetch(WANTED, NOW, 2.0)
    assert time.monotonic() - started < 2.5
    assert all(isinstance(e, ProviderTimeout) for e in result.errors.values())
    assert result.errors["^GSPC"].reason.startswith("Yahoo did not answer within 1 s; next try ")
    assert len(yahoo.log) <= 1 and yahoo.max_in_flight <= 1  # the probe alone hung


def test_a_dropped_connection_and_a_closed_port_are_unreachable(yahoo: FakeYahoo, tmp_path: Path) -> None:
    live = source(yahoo, tmp_path)
    yahoo.fail("drop")
    dropped = live.fetch({"SPY": date(2026, 3, 2)}, NOW, 15.0)
    assert isinstance(dropped.errors["SPY"], ProviderUnavailable)
    assert "dropped" in dropped.errors["SPY"].reason or "reset" in dropped.errors["SPY"].reason
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = YahooSource(
        cache_dir=tmp_path, rewrite=lambda url: f"http://127.0.0.1:{port}/", clock=lambda: NOW
    )
    refused = closed.fetch({"SPY": date(2026, 3, 2)}, NOW, 5.0)
    assert refused.errors["SPY"].reason.startswith("Yahoo unreachable (connection refused); next try ")
    assert closed.retry_at is not None and closed.retry_at > NOW  # no retry every refresh while offline


def test_malformed_answers_are_named(yahoo: FakeYahoo, tmp_path: Path) -> None:
    live = source(yahoo, tmp_path)
    live.fetch({"SPY": date(2026, 3, 2)}, NOW, 15.0)
    yahoo.fail("malformed", ["XLE"])
    result = live.fetch(WANTED, NOW, 15.0)
    assert set(result.errors) == {"XLE"} and isinstance(result.errors["XLE"], MalformedAnswer)
    assert result.errors["XLE"].reason == "malformed answer from Yahoo (not JSON)"


def test_parse_chart_reads_nulls_and_refuses_what_is_not_a_chart() -> None:
    payload = {
        "chart": {
            "result": [
                {
                    "meta": {"regularMarketPrice": 4.133, "regularMarketTime": 1772830800},
                    "timestamp": [1772744400, 1772830800],
                    "indicators": {
                        "quote": [
                            {
                                "open": [4.1, None],
                                "high": [4.2, None],
                                "low": [4.0, None],
                                "close": [4.15, None],
                                "volume": [None, None],
                            }
                        ]
                    },
                }
            ],
            "error": None,
        }
    }
    answer = parse_chart("^TNX", payload)
    assert [row[4] for row in answer.rows] == [4.15]  # a day without a close is no bar
    assert answer.quote is not None and answer.quote.price == 4.133 and answer.hours is None
    with pytest.raises(MalformedAnswer):
        parse_chart("^TNX", {"chart": {"result": []}})
    with pytest.raises(MalformedAnswer):
        parse_chart("^TNX", ["not", "a", "chart"])
