"""YahooProvider against recorded yf.download frames (bundled bars in yfinance 1.x's exact shape).

``yfinance.download`` is patched at the yfinance boundary; nothing here touches the network except the
test marked ``online``.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest
import yfinance
from rotor.data.errors import ProviderError, ProviderTimeout, ProviderUnavailable
from rotor.data.sources.base import BAR_COLUMNS
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.sources.fake import FakeYahooDownload, yahoo_download_frame
from rotor.data.sources.yahoo import YF_LOGGER_NAME, YahooProvider, backoff_delay, split_download
from yfinance.exceptions import YFRateLimitError

TODAY = date(2026, 6, 23)
START = date(2026, 6, 16)
TICKERS = ["SPY", "^GSPC", "GC=F"]
DNS_REASON = (
    "DNSError('Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. "
    "See https://curl.se/libcurl/c/libcurl-errors.html first for more details.')"
)

Download = Callable[..., pd.DataFrame]


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return load_bundled_bars()


def _window(bars: pd.DataFrame, tickers: list[str], start: date, end: date) -> pd.DataFrame:
    mask = (
        bars["symbol"].isin(tickers)
        & (bars["date"] >= pd.Timestamp(start))
        & (bars["date"] <= pd.Timestamp(end))
    )
    return bars.loc[mask].sort_values(["symbol", "date"], ignore_index=True)


class Recorder:
    """Wraps a download stand-in, recording (tickers, kwargs) of each call; logs yfinance-style."""

    def __init__(self, *answers: Download | BaseException | pd.DataFrame) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        self.calls.append((list(tickers), kwargs))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, pd.DataFrame):
            return answer
        return answer(tickers, **kwargs)


def _log_failures(failures: dict[str, str]) -> None:
    """What yfinance's download() logs for failed tickers (from its own thread)."""
    logger = logging.getLogger(YF_LOGGER_NAME)
    logger.error("\n%d Failed downloads:", len(failures))
    by_reason: dict[str, list[str]] = {}
    for symbol, reason in failures.items():
        by_reason.setdefault(reason, []).append(symbol)
    for reason, symbols in by_reason.items():
        logger.error(f"{symbols}: " + reason)


def _provider(**overrides: Any) -> tuple[YahooProvider, list[float]]:
    sleeps: list[float] = []
    options: dict[str, Any] = {"sleep": sleeps.append, "jitter": lambda: 0.5, "call_timeout": 5.0}
    options.update(overrides)
    return YahooProvider(**options), sleeps


def test_full_success_returns_every_bar_and_asks_as_documented(
    monkeypatch: pytest.MonkeyPatch, bars: pd.DataFrame
) -> None:
    recorder = Recorder(FakeYahooDownload(TODAY))
    monkeypatch.setattr(yfinance, "download", recorder)
    provider, sleeps = _provider()
    result = provider.history(TICKERS, START, TODAY)
    assert result.source == "live" and result.errors == {} and sleeps == []
    got = result.bars.sort_values(["symbol", "date"], ignore_index=True)
    assert list(got.columns) == list(BAR_COLUMNS)
    pd.testing.assert_frame_equal(got, _window(bars, TICKERS, START, TODAY), check_dtype=False)
    [(tickers, kwargs)] = recorder.calls
    assert tickers == TICKERS
    assert kwargs["start"] == "2026-06-16" and kwargs["end"] == "2026-06-24"  # yfinance's end is exclusive
    assert kwargs["auto_adjust"] is False and kwargs["progress"] is False
    assert kwargs["group_by"] == "column" and kwargs["interval"] == "1d" and kwargs["threads"] is False


def test_recorded_frame_has_yfinance_shape(bars: pd.DataFrame) -> None:
    frame = yahoo_download_frame(_window(bars, TICKERS, START, TODAY), TICKERS)
    assert frame.columns.names == ["Price", "Ticker"]
    assert list(frame.columns.get_level_values(0).unique()) == [
        "Adj Close",
        "Close",
        "High",
        "Low",
        "Open",
        "Volume",
    ]
    assert list(frame.columns.get_level_values(1).unique()) == ["GC=F", "SPY", "^GSPC"]
    assert frame.index.name == "Date" and frame.index.tz is None


def test_requests_are_chunked_and_incremental(monkeypatch: pytest.MonkeyPatch, bars: pd.DataFrame) -> None:
    recorder = Recorder(FakeYahooDownload(TODAY))
    monkeypatch.setattr(yfinance, "download", recorder)
    universe = ["^GSPC", "^IXIC", "^DJI", "SPY", "QQQ", "IWM", "XLK", "XLE", "XLF", "GC=F", "CL=F", "SI=F"]
    provider, _ = _provider(chunk_size=5)
    result = provider.history(universe, date(2026, 6, 22), None)
    assert [tickers for tickers, _ in recorder.calls] == [universe[:5], universe[5:10], universe[10:]]
    assert all(kw["start"] == "2026-06-22" and "end" not in kw for _, kw in recorder.calls)
    assert set(result.bars["symbol"]) == set(universe)
    assert result.bars["date"].min() == pd.Timestamp("2026-06-22")


def test_offline_empty_result_raises_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        _log_failures(dict.fromkeys(tickers, DNS_REASON))
        return yahoo_download_frame(load_bundled_bars().iloc[0:0], tickers)

    monkeypatch.setattr(yfinance, "download", Recorder(offline))
    provider, _ = _provider()
    with pytest.raises(ProviderUnavailable) as caught:
        provider.history(TICKERS, START, TODAY)
    assert "Yahoo unreachable" in str(caught.value) and "query2.finance.yahoo.com" in str(caught.value)
    assert "libcurl-errors" not in str(caught.value)


def test_some_symbols_missing_are_errors_naming_symbol_and_reason(
    monkeypatch: pytest.MonkeyPatch, bars: pd.DataFrame
) -> None:
    fake = FakeYahooDownload(TODAY, missing={"GC=F", "XLB"})

    def partial(tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        _log_failures({"GC=F": "YFPricesMissingError('$GC=F: possibly delisted; no price data found')"})
        return fake(tickers, **kwargs).drop(columns="XLB", level="Ticker")

    monkeypatch.setattr(yfinance, "download", Recorder(partial))
    provider, _ = _provider()
    result = provider.history([*TICKERS, "XLB"], START, TODAY)
    assert set(result.errors) == {"GC=F", "XLB"}
    assert str(result.errors["GC=F"]).startswith("GC=F: YFPricesMissingError")
    assert str(result.errors["XLB"]) == "XLB: missing from Yahoo's answer"
    assert set(result.bars["symbol"]) == {"SPY", "^GSPC"}


def test_nan_tail_rows_are_dropped_and_an_all_nan_column_is_a_failure(
    monkeypatch: pytest.MonkeyPatch, bars: pd.DataFrame
) -> None:
    # ^GSPC's bundle ends on 2026-06-23 while SPY's goes on: ^GSPC gets NaN tail rows. ^VIX ends on
    # 2026-06-12, so from 2026-06-15 its column is all NaN although yfinance "succeeded".
    today = date(2026, 7, 1)
    monkeypatch.setattr(yfinance, "download", Recorder(FakeYahooDownload(today)))
    provider, _ = _provider()
    result = provider.history(["SPY", "^GSPC", "^VIX"], date(2026, 6, 15), today)
    frame = yahoo_download_frame(
        _window(bars, ["SPY", "^GSPC", "^VIX"], date(2026, 6, 15), today), ["SPY", "^GSPC"]
    )
    assert frame[("Close", "^GSPC")].tail(3).isna().all()  # the recorded frame does have NaN tail rows
    gspc = result.bars[result.bars["symbol"] == "^GSPC"]
    assert gspc["close"].notna().all() and gspc["date"].max() == pd.Timestamp("2026-06-23")
    assert result.bars[result.bars["symbol"] == "SPY"]["date"].max() == pd.Timestamp("2026-07-01")
    assert str(result.errors["^VIX"]) == "^VIX: Yahoo returned no prices from 2026-06-15 to 2026-07-01"


def test_rate_limit_is_retried_with_backoff_then_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(YFRateLimitError(), FakeYahooDownload(TODAY))
    monkeypatch.setattr(yfinance, "download", recorder)
    provider, sleeps = _provider(backoff_base=2.0)
    result = provider.history(TICKERS, START, TODAY)
    assert result.errors == {} and set(result.bars["symbol"]) == set(TICKERS)
    assert len(recorder.calls) == 2 and recorder.calls[0] == recorder.calls[1]
    assert sleeps == [3.0]  # 2 s * 2**0 * (1 + jitter 0.5)


def test_logged_rate_limit_retries_only_the_limited_symbols(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeYahooDownload(TODAY)
    first = True

    def limited_once(tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        nonlocal first
        if first:
            first = False
            _log_failures({"GC=F": "YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')"})
            return FakeYahooDownload(TODAY, missing={"GC=F"})(tickers, **kwargs)
        return fake(tickers, **kwargs)

    recorder = Recorder(limited_once)
    monkeypatch.setattr(yfinance, "download", recorder)
    provider, sleeps = _provider()
    result = provider.history(TICKERS, START, TODAY)
    assert [t for t, _ in recorder.calls] == [TICKERS, ["GC=F"]]
    assert result.errors == {} and set(result.bars["symbol"]) == set(TICKERS) and len(sleeps) == 1


def test_persistent_rate_limit_gives_up_with_growing_delays(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(YFRateLimitError())
    monkeypatch.setattr(yfinance, "download", recorder)
    provider, sleeps = _provider(max_attempts=3, chunk_size=2)
    result_or_error: ProviderError | None = None
    with pytest.raises(ProviderUnavailable) as caught:
        provider.history(TICKERS, START, TODAY)
    result_or_error = caught.value
    assert "rate limited" in str(result_or_error)
    assert len(recorder.calls) == 6 and sleeps == [3.0, 6.0, 3.0, 6.0]


def test_backoff_is_exponential_jittered_and_capped() -> None:
    assert backoff_delay(0, 2.0, 60.0, 0.0) == 2.0
    assert backoff_delay(3, 2.0, 60.0, 0.99) == pytest.approx(31.84)
    assert backoff_delay(10, 2.0, 60.0, 0.0) == 60.0


def test_a_hung_call_times_out_and_the_next_chunk_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    fake = FakeYahooDownload(TODAY)

    def hang_first_chunk(tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        if "SPY" in tickers:
            release.wait(10)
        return fake(tickers, **kwargs)

    recorder = Recorder(hang_first_chunk)
    monkeypatch.setattr(yfinance, "download", recorder)
    provider, _ = _provider(chunk_size=1, call_timeout=0.2)
    try:
        result = provider.history(TICKERS, START, TODAY)
    finally:
        release.set()
    assert isinstance(result.errors["SPY"], ProviderTimeout)
    assert str(result.errors["SPY"]) == "SPY: Yahoo did not answer within 0.2 s"
    assert set(result.bars["symbol"]) == {"^GSPC", "GC=F"} and len(recorder.calls) == 3


def test_an_exception_mid_run_fails_only_its_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeYahooDownload(TODAY)
    recorder = Recorder(fake, RuntimeError("boom\nwith detail"), fake)
    monkeypatch.setattr(yfinance, "download", recorder)
    provider, _ = _provider(chunk_size=2)
    tickers = ["SPY", "QQQ", "XLK", "XLE", "^GSPC", "GC=F"]
    result = provider.history(tickers, START, TODAY)
    assert [t for t, _ in recorder.calls] == [tickers[:2], tickers[2:4], tickers[4:]]
    assert set(result.errors) == {"XLK", "XLE"}
    assert str(result.errors["XLK"]) == "XLK: download failed: RuntimeError: boom with detail"
    assert set(result.bars["symbol"]) == {"SPY", "QQQ", "^GSPC", "GC=F"}


def test_invalid_tickers_never_reach_yahoo(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(FakeYahooDownload(TODAY))
    monkeypatch.setattr(yfinance, "download", recorder)
    provider, _ = _provider()
    result = provider.history(["SPY", "spy; DROP"], START, TODAY)
    assert recorder.calls[0][0] == ["SPY"]
    assert str(result.errors["spy; DROP"]) == "spy; DROP: not a valid Yahoo ticker"


def test_ticker_grouped_layout_is_read_too(bars: pd.DataFrame) -> None:
    frame = yahoo_download_frame(_window(bars, TICKERS, START, TODAY), TICKERS)
    by_ticker = frame.swaplevel(0, 1, axis=1).sort_index(axis=1)
    parts = split_download(by_ticker, TICKERS)
    assert set(parts) == set(TICKERS)
    assert parts["SPY"]["Close"].dropna().tolist() == _window(bars, ["SPY"], START, TODAY)["close"].tolist()


def test_quotes_are_the_last_minute_close_with_its_time(
    monkeypatch: pytest.MonkeyPatch, bars: pd.DataFrame
) -> None:
    recorder = Recorder(FakeYahooDownload(TODAY))
    monkeypatch.setattr(yfinance, "download", recorder)
    provider, _ = _provider()
    result = provider.quotes(["SPY", "GC=F", "^VIX"])
    assert recorder.calls[0][1]["interval"] == "1m" and recorder.calls[0][1]["period"] == "1d"
    spy_close = _window(bars, ["SPY"], TODAY, TODAY)["close"].iloc[0]
    quote = result.quotes["SPY"]
    assert quote.price == spy_close
    assert quote.time.isoformat() == "2026-06-23T15:59:00-04:00" and quote.time.date() == TODAY
    assert set(result.quotes) == {"SPY", "GC=F"}
    assert str(result.errors["^VIX"]) == "^VIX: no intraday price today"


def test_yfinance_logs_stay_off_the_root_logger(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def partial(tickers: list[str], **kwargs: Any) -> pd.DataFrame:
        _log_failures({"GC=F": "YFPricesMissingError('no price data found')"})
        return FakeYahooDownload(TODAY, missing={"GC=F"})(tickers, **kwargs)

    monkeypatch.setattr(yfinance, "download", Recorder(partial))
    monkeypatch.setattr(logging.getLogger(YF_LOGGER_NAME), "propagate", True)
    monkeypatch.setattr(logging.getLogger(YF_LOGGER_NAME), "handlers", [])
    provider, _ = _provider()
    with caplog.at_level(logging.DEBUG):
        result = provider.history(TICKERS, START, TODAY)
    assert "GC=F" in result.errors
    assert [r for r in caplog.records if r.name.startswith(YF_LOGGER_NAME)] == []


def test_module_import_does_not_import_yfinance() -> None:
    code = (
        "import sys\nimport rotor.data.sources.yahoo, rotor.data.feed\n"
        "assert 'yfinance' not in sys.modules and 'pandas' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_provider_satisfies_protocol_types() -> None:
    provider: Any = YahooProvider()
    assert provider.source == "live"
    with pytest.raises(ValueError, match="chunk_size"):
        YahooProvider(chunk_size=0)


@pytest.mark.online
def test_online_gspc_history() -> None:
    result = YahooProvider().history(["^GSPC"], date(2025, 1, 2), date(2025, 1, 10))
    assert result.errors == {}
    assert result.bars["date"].min() == pd.Timestamp("2025-01-02") and len(result.bars) >= 5
    assert (result.bars["close"] > 1000).all()
    assert isinstance(result.bars["date"].iloc[0], pd.Timestamp | datetime)
