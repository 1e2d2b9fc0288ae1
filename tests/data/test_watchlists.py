"""Symbols added in the app (rotor.data.watchlists): the strict pattern first, then Yahoo's answer (an
unknown symbol refused with Yahoo's reason; offline, added unchecked and said so), bulk import from text
and CSV files, and the feed taking up a changed watchlist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from rotor.data.feed import BundledFeed
from rotor.data.settings import WatchlistEntry
from rotor.data.sources.base import FetchResult
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.sources.fake_yahoo import FakeYahoo, keep_yahoo_cookies
from rotor.data.sources.yahoo import YahooSource
from rotor.data.symbols import UNIVERSE
from rotor.data.watchlists import check_symbol, pattern_check, read_ticker_file, read_tickers

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 5, 17, 30, tzinfo=NY)


@pytest.fixture(scope="module")
def yahoo() -> Iterator[FakeYahoo]:
    with FakeYahoo(lambda: NOW, bars=load_bundled_bars()) as server:
        yield server


def yahoo_source(yahoo: FakeYahoo, tmp_path: Path) -> YahooSource:
    return YahooSource(
        cache_dir=tmp_path,
        rewrite=yahoo.rewrite,
        on_response=keep_yahoo_cookies,
        clock=lambda: NOW,
        jitter=lambda: 0.0,
    )


def test_the_pattern_first() -> None:
    assert pattern_check(" aapl ").ticker == "AAPL" and pattern_check("aapl").ok
    assert pattern_check("7203.t").ticker == "7203.T"
    bad = pattern_check("rm -rf /")
    assert not bad.ok and "is not a valid Yahoo ticker" in bad.reason
    escape = pattern_check("\x1b[2J")
    assert not escape.ok and "\x1b" not in escape.reason
    assert pattern_check("spy").reason == "SPY is already a built-in symbol (etfs)"


def test_an_unknown_symbol_is_refused_with_yahoos_reason(yahoo: FakeYahoo, tmp_path: Path) -> None:
    source = yahoo_source(yahoo, tmp_path)
    yahoo.reset_log()
    answer = check_symbol(source, "zzzz", NOW)
    assert not answer.ok and answer.checked
    assert answer.reason == "Yahoo has no such symbol (No data found, symbol may be delisted)"
    assert yahoo.counts["chart"] == 1  # one chart request, as a refresh would send
    # The pattern is checked before anything is sent.
    yahoo.reset_log()
    assert not check_symbol(source, "not valid!", NOW).ok
    assert yahoo.counts["chart"] == 0


class Answers:
    """A source whose answer for a symbol is scripted: served (a bar) or a failure."""

    source = "live"

    def __init__(self, failure: Exception | None) -> None:
        self.failure = failure
        self.asked: list[dict[str, date]] = []

    def fetch(self, wanted: dict[str, date], now: datetime, budget: float) -> FetchResult:
        self.asked.append(dict(wanted))
        (symbol,) = wanted
        if self.failure is None:
            bars = pd.DataFrame(
                {"symbol": [symbol], "date": [pd.NaT], "open": [1.0], "high": [1.0], "low": [1.0]}
                | {"close": [1.0], "volume": [1.0], "time": [pd.Timestamp(NOW)]}
            )
            return FetchResult(bars, "live")
        from rotor.data.errors import ProviderError

        assert isinstance(self.failure, ProviderError)
        return FetchResult(pd.DataFrame(columns=["symbol"]), "live", errors={symbol: self.failure})


def test_a_known_symbol_is_added_and_an_unreachable_yahoo_adds_it_unchecked() -> None:
    from rotor.data.errors import ProviderUnavailable

    known = Answers(None)
    answer = check_symbol(known, "nvda", NOW)  # type: ignore[arg-type]
    assert answer.ok and answer.checked and answer.ticker == "NVDA" and answer.reason == ""
    assert known.asked == [{"NVDA": date(2026, 2, 23)}]
    down = check_symbol(
        Answers(ProviderUnavailable("Yahoo unreachable (could not resolve host)")), "NVDA", NOW
    )  # type: ignore[arg-type]
    assert down.ok and not down.checked
    assert down.reason == "not checked with Yahoo (Yahoo unreachable (could not resolve host))"
    offline = check_symbol(None, "NVDA", NOW)
    assert offline.ok and not offline.checked and "no live source" in offline.reason


def test_bulk_import_from_text_and_csv(tmp_path: Path) -> None:
    text = read_tickers("# my list\nAAPL MSFT, nvda\n7203.T ; SPY\n\nAAPL\n$$$\n")
    assert text.tickers == ("AAPL", "MSFT", "NVDA", "7203.T")
    assert text.problems == (
        "line 3: SPY is already a built-in symbol (etfs)",
        "line 6: '$$$' is not a valid Yahoo ticker (letters, digits and ^ = - . only, at most 15)",
    )
    csv = read_tickers('\ufeffCompany Name,Symbol,Shares\n"Apple Inc.",AAPL,3\nMicrosoft Corp,msft,4\n')
    assert csv.tickers == ("AAPL", "MSFT") and csv.problems == ()
    path = tmp_path / "tickers.csv"
    path.write_text("ticker\nXOM\nCVX\n", encoding="utf-8")
    assert read_ticker_file(path).tickers == ("XOM", "CVX")
    with pytest.raises(ValueError, match="no such file"):
        read_ticker_file(tmp_path / "absent.txt")
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_ticker_file(path)


def test_the_feed_takes_up_a_changed_watchlist() -> None:
    feed = BundledFeed(date(2026, 3, 6))
    assert feed.refresh().get("AAPL") is None
    feed.use_symbols((*UNIVERSE, WatchlistEntry("AAPL", "Apple", "Apple").to_symbol()))
    snapshot = feed.refresh()
    aapl = snapshot.get("AAPL")
    assert aapl is not None and aapl.group == "watchlist" and aapl.error == "no data in the bundled snapshot"
    assert feed.check_symbol("aapl").reason.startswith("not checked with Yahoo")
