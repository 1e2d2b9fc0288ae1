"""Live data from Yahoo Finance through yfinance: daily history and intraday last prices.

yfinance is imported inside the methods that call it (importing it costs about half a second and the app
must paint before that). Every call goes through ``yf.download`` with:

- ``auto_adjust=False``: bars as traded (ETF prices not back-adjusted for dividends), matching the RAW
  basis of the bundled ETF series; indices, futures and rates have no adjustments anyway.
- ``group_by="column"`` (columns ``(Price, Ticker)``); the ``(Ticker, Price)`` layout is read too.
- ``threads=False``: tickers of one chunk are fetched one after the other, so all of yfinance's log
  records come from the one thread that runs the call, where they are captured and turned into our
  errors (yfinance does not raise for a failed ticker; it logs and returns an all-NaN column).
- ``progress=False``; the ``yfinance`` logger is kept off the terminal (no propagation, a NullHandler).

Requests go in chunks of ``chunk_size`` tickers. Each chunk runs in a daemon thread with a hard time limit
(a hung call becomes ``ProviderTimeout`` for its tickers and the next chunk still runs). A rate limit
(``YFRateLimitError``, raised or logged) is retried with exponential backoff and jitter. A ticker that
"succeeds" with no finite close is a failure for that ticker, and so is one whose every bar fails the
checks of ``sanitize.py`` (the feed drops individual bad bars, and counts them, before the cache). A quote
without a finite, positive price is no quote. Nothing raises except ``ProviderUnavailable`` when every
ticker failed.
"""

from __future__ import annotations

import logging
import math
import random
import re
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING, Any, Final

from rotor.data.errors import ProviderError, ProviderTimeout, ProviderUnavailable, RateLimited
from rotor.data.sources.base import BAR_COLUMNS, FetchResult, Quote, SourceName
from rotor.data.sources.sanitize import inspect_bars, quote_problem
from rotor.data.symbols import is_valid_ticker

if TYPE_CHECKING:
    import pandas as pd

YF_LOGGER_NAME: Final = "yfinance"
#: The OHLCV fields rotor keeps, by yfinance column name.
PRICE_FIELDS: Final = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}
#: yfinance's summary of failed tickers: ``['SPY', 'QQQ']: <reason>``.
_FAILED_TICKERS_LINE: Final = re.compile(r"^\s*\[(?P<symbols>[^\]]*)\]:\s*(?P<reason>.+)$", re.DOTALL)
_QUOTED: Final = re.compile(r"'([^']*)'")
_CURL_HINT: Final = re.compile(r"\s*See https?://\S+ first for more details\.?", re.IGNORECASE)
_MAX_REASON: Final = 160
_UNRESOLVED_HOST: Final = re.compile(r"[Cc]ould not resolve host:\s*([A-Za-z0-9.\-]+[A-Za-z0-9])")


def quiet_yfinance_logging() -> None:
    """Keep yfinance's log records and warnings off the terminal (they would tear the TUI): no
    propagation to the root logger, a NullHandler so Python's last-resort handler never prints them,
    and an ignore filter for warnings issued from yfinance's own modules (with pandas 3.1 it emits
    ``Pandas4Warning``s from its code). Idempotent."""
    warnings.filterwarnings("ignore", module=r"yfinance(\..*)?$")
    logger = logging.getLogger(YF_LOGGER_NAME)
    logger.propagate = False
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


class _ThreadLogCapture(logging.Handler):
    """Collects the messages the yfinance logger emits from one thread (the thread running our call)."""

    def __init__(self, thread_id: int) -> None:
        super().__init__(level=logging.WARNING)
        self.thread_id = thread_id
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread_id:
            try:
                self.messages.append(record.getMessage())
            except (TypeError, ValueError):
                self.messages.append(str(record.msg))


@dataclass
class _CallOutcome:
    """What a call run in a worker thread left behind."""

    value: Any = None
    error: BaseException | None = None
    logs: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


def clean_reason(text: str) -> str:
    """A yfinance/curl error message shortened to one readable line."""
    text = _CURL_HINT.sub("", " ".join(text.split()))
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def classify(reason: str, symbol: str | None) -> ProviderError:
    """The typed error for a yfinance failure message."""
    lowered = reason.lower()
    if "ratelimit" in lowered or "rate limit" in lowered or "too many requests" in lowered:
        return RateLimited(f"rate limited by Yahoo ({clean_reason(reason)})", symbol)
    if "could not resolve host" in lowered or "dnserror" in lowered or "failed to perform, curl" in lowered:
        host = _UNRESOLVED_HOST.search(reason)
        why = f"could not resolve {host.group(1)}" if host else clean_reason(reason)
        return ProviderUnavailable(f"Yahoo unreachable ({why})", symbol)
    if "timed out" in lowered or "timeout" in lowered:
        return ProviderTimeout(f"Yahoo did not answer in time ({clean_reason(reason)})", symbol)
    return ProviderError(clean_reason(reason), symbol)


def failures_from_logs(messages: Sequence[str], symbols: Sequence[str]) -> dict[str, ProviderError]:
    """Per ticker, the failure yfinance logged (its ``['A', 'B']: reason`` summary lines)."""
    wanted = {s.upper(): s for s in symbols}
    failures: dict[str, ProviderError] = {}
    for message in messages:
        match = _FAILED_TICKERS_LINE.match(message)
        if match is None:
            continue
        reason = match.group("reason").strip()
        for quoted in _QUOTED.findall(match.group("symbols")):
            symbol = wanted.get(quoted.upper())
            if symbol is not None:
                failures[symbol] = classify(reason, symbol)
    return failures


def split_download(raw: object, symbols: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Per requested ticker, its rows of a ``yf.download`` result with columns Open, High, Low, Close,
    Volume (tickers absent from the result are absent here). Reads both column layouts:
    ``(Price, Ticker)`` (``group_by="column"``) and ``(Ticker, Price)`` (``group_by="ticker"``)."""
    import pandas as pd

    if not isinstance(raw, pd.DataFrame) or raw.columns.size == 0:
        return {}
    out: dict[str, pd.DataFrame] = {}
    columns = raw.columns
    if isinstance(columns, pd.MultiIndex):
        price_level = next(
            (lvl for lvl in range(columns.nlevels) if "Close" in set(columns.get_level_values(lvl))), None
        )
        if price_level is None or columns.nlevels != 2:
            return {}
        ticker_level = 1 - price_level
        present = {str(t).upper(): t for t in columns.get_level_values(ticker_level).unique()}
        for symbol in symbols:
            key = present.get(symbol.upper())
            if key is None:
                continue
            part = raw.xs(key, axis=1, level=ticker_level)
            out[symbol] = pd.DataFrame(part).reindex(columns=list(PRICE_FIELDS))
    elif len(symbols) == 1 and "Close" in columns:
        out[symbols[0]] = raw.reindex(columns=list(PRICE_FIELDS))
    return out


def naive_dates(index: pd.Index) -> pd.DatetimeIndex:
    """A daily index as naive midnight datetimes (the exchange's local date)."""
    import pandas as pd

    days = pd.DatetimeIndex(index)
    if days.tz is not None:
        days = days.tz_localize(None)
    return days.normalize()


def backoff_delay(attempt: int, base: float, cap: float, jitter: float) -> float:
    """Seconds to wait before retry ``attempt + 1``: ``base * 2**attempt``, stretched by up to 100%
    jitter (``jitter`` in [0, 1)) so several clients do not retry in step, and capped at ``cap``."""
    return min(cap, base * (2.0**attempt) * (1.0 + jitter))


class YahooProvider:
    """Daily bars and intraday last prices of Yahoo tickers, through ``yfinance.download``.

    ``sleep`` and ``jitter`` (a ``random()``-like function) are injectable so tests never wait.
    """

    def __init__(
        self,
        *,
        chunk_size: int = 10,
        call_timeout: float = 30.0,
        max_attempts: int = 4,
        backoff_base: float = 2.0,
        backoff_cap: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if chunk_size < 1 or max_attempts < 1 or call_timeout <= 0:
            raise ValueError("chunk_size and max_attempts must be >= 1 and call_timeout > 0")
        self.chunk_size = chunk_size
        self.call_timeout = call_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._jitter = jitter

    @property
    def source(self) -> SourceName:
        return "live"

    # -- public ----------------------------------------------------------------------------------------

    def history(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> FetchResult:
        """Daily bars with ``start <= date <= end`` (``end`` inclusive; yfinance's is exclusive)."""

        options: dict[str, Any] = {"interval": "1d"}
        if start is not None:
            options["start"] = start.isoformat()
        else:
            options["period"] = "max"
        if end is not None:
            options["end"] = (end + timedelta(days=1)).isoformat()
        parts, errors = self._fetch(symbols, options)
        frames: list[pd.DataFrame] = []
        for symbol, part in parts.items():
            bars = self._to_long(symbol, part, start, end)
            if bars.empty:
                errors[symbol] = ProviderError(self._empty_reason(start, end), symbol)
            elif (checked := inspect_bars(bars)).bars.empty:
                reasons = sorted({reason for _, _, reason in checked.rejected})
                errors[symbol] = ProviderError(f"Yahoo sent only bad bars ({', '.join(reasons)})", symbol)
            else:
                frames.append(bars)
        return self._result(symbols, frames, errors, {})

    def quotes(self, symbols: Sequence[str]) -> FetchResult:
        """The last traded price of each ticker today: the close of its last one-minute bar, with the
        bar's time (timezone-aware, the exchange's zone). Fresh yfinance objects on every call, so no
        cached ``fast_info`` is ever served twice."""
        parts, errors = self._fetch(symbols, {"period": "1d", "interval": "1m"})
        quotes: dict[str, Quote] = {}
        for symbol, part in parts.items():
            closes = part["Close"].astype("float64")
            closes = closes[closes.map(math.isfinite)]
            if closes.empty:
                errors[symbol] = ProviderError("no intraday price today", symbol)
                continue
            moment = closes.index[-1].to_pydatetime()
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            quote = Quote(symbol, float(closes.iloc[-1]), moment)
            problem = quote_problem(quote)
            if problem is not None:
                errors[symbol] = ProviderError(f"bad intraday price from Yahoo ({problem})", symbol)
                continue
            quotes[symbol] = quote
        return self._result(symbols, [], errors, quotes)

    # -- internals -------------------------------------------------------------------------------------

    @staticmethod
    def _empty_reason(start: date | None, end: date | None) -> str:
        span = f" from {start.isoformat()}" if start else ""
        span += f" to {end.isoformat()}" if end else ""
        return f"Yahoo returned no prices{span}"

    @staticmethod
    def _to_long(symbol: str, part: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
        import pandas as pd

        frame = part.rename(columns=PRICE_FIELDS).astype("float64")
        frame.index = naive_dates(frame.index)
        close = frame["close"]
        keep = close.notna() & close.map(math.isfinite)
        if start is not None:
            keep &= frame.index >= pd.Timestamp(start)
        if end is not None:
            keep &= frame.index <= pd.Timestamp(end)
        frame = frame.loc[keep]
        frame = frame[~frame.index.duplicated(keep="last")]
        frame = frame.rename_axis(index="date", columns=None).reset_index()
        frame.insert(0, "symbol", symbol)
        frame["symbol"] = frame["symbol"].astype(object)
        return frame.loc[:, list(BAR_COLUMNS)]

    def _result(
        self,
        symbols: Sequence[str],
        frames: list[pd.DataFrame],
        errors: dict[str, ProviderError],
        quotes: Mapping[str, Quote],
    ) -> FetchResult:
        import pandas as pd

        if symbols and all(s in errors for s in symbols):
            reasons = sorted({e.reason for e in errors.values()})
            summary = (
                reasons[0] if len(reasons) == 1 else f"{reasons[0]} (and {len(reasons) - 1} other reasons)"
            )
            if len(reasons) == 1 and all(isinstance(e, ProviderUnavailable) for e in errors.values()):
                raise ProviderUnavailable(summary)
            raise ProviderUnavailable(f"no Yahoo data for any of {len(symbols)} symbols: {summary}")
        bars = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame({c: pd.Series(dtype="float64") for c in BAR_COLUMNS})
        )
        if not frames:
            bars["symbol"] = bars["symbol"].astype(object)
            bars["date"] = pd.to_datetime(bars["date"])
        return FetchResult(bars=bars, source="live", errors=errors, quotes=dict(quotes))

    def _fetch(
        self, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> tuple[dict[str, pd.DataFrame], dict[str, ProviderError]]:
        """Download ``symbols`` chunk by chunk; per ticker, its raw rows or its error."""
        errors: dict[str, ProviderError] = {}
        valid: list[str] = []
        for symbol in dict.fromkeys(symbols):
            if is_valid_ticker(symbol):
                valid.append(symbol)
            else:
                errors[symbol] = ProviderError("not a valid Yahoo ticker", symbol)
        parts: dict[str, pd.DataFrame] = {}
        for offset in range(0, len(valid), self.chunk_size):
            chunk = valid[offset : offset + self.chunk_size]
            chunk_parts, chunk_errors = self._fetch_chunk(chunk, options)
            parts.update(chunk_parts)
            errors.update(chunk_errors)
        return parts, errors

    def _fetch_chunk(
        self, chunk: Sequence[str], options: Mapping[str, Any]
    ) -> tuple[dict[str, pd.DataFrame], dict[str, ProviderError]]:
        """One chunk, retrying the rate-limited tickers with backoff."""
        from yfinance.exceptions import YFRateLimitError

        parts: dict[str, pd.DataFrame] = {}
        errors: dict[str, ProviderError] = {}
        pending = list(chunk)
        for attempt in range(self.max_attempts):
            last_attempt = attempt == self.max_attempts - 1
            try:
                raw, logs = self._download(pending, options)
            except ProviderTimeout as exc:
                errors.update({s: ProviderTimeout(exc.reason, s) for s in pending})
                break
            except YFRateLimitError as exc:
                if last_attempt:
                    errors.update({s: RateLimited(f"rate limited by Yahoo ({exc})", s) for s in pending})
                    break
                self._sleep(self._backoff(attempt))
                continue
            except Exception as exc:  # any failure of the call is reported for its tickers, never raised
                reason = f"download failed: {type(exc).__name__}: {clean_reason(str(exc))}"
                errors.update({s: ProviderError(reason, s) for s in pending})
                break
            logged = failures_from_logs(logs, pending)
            got = split_download(raw, pending)
            rate_limited: list[str] = []
            for symbol in pending:
                part = got.get(symbol)
                if part is not None and part["Close"].astype("float64").map(math.isfinite).any():
                    parts[symbol] = part
                    continue
                failure = logged.get(symbol)
                if isinstance(failure, RateLimited):
                    rate_limited.append(symbol)
                elif failure is not None:
                    errors[symbol] = failure
                elif part is None:
                    errors[symbol] = ProviderError("missing from Yahoo's answer", symbol)
                else:
                    parts[symbol] = part  # all-NaN: the caller reports it with the requested range
            if not rate_limited:
                break
            if last_attempt:
                errors.update({s: logged[s] for s in rate_limited})
                break
            self._sleep(self._backoff(attempt))
            pending = rate_limited
        return parts, errors

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt, self.backoff_base, self.backoff_cap, self._jitter())

    def _download(self, tickers: Sequence[str], options: Mapping[str, Any]) -> tuple[object, list[str]]:
        """One ``yf.download`` call in a daemon thread with a hard time limit; returns its result and the
        messages yfinance logged meanwhile. Raises ``ProviderTimeout`` when the call does not finish in
        time (the thread is abandoned; being a daemon it never holds the process open), and re-raises
        whatever the call raised."""
        import yfinance as yf

        quiet_yfinance_logging()
        logger = logging.getLogger(YF_LOGGER_NAME)
        outcome = _CallOutcome()
        arguments = {
            **options,
            "group_by": "column",
            "auto_adjust": False,
            "actions": False,
            "progress": False,
            "threads": False,
            "multi_level_index": True,
        }

        def run() -> None:
            capture = _ThreadLogCapture(threading.get_ident())
            logger.addHandler(capture)
            try:
                outcome.value = yf.download(list(tickers), **arguments)
            except BaseException as exc:  # handed to the caller's thread
                outcome.error = exc
            finally:
                logger.removeHandler(capture)
                outcome.logs = capture.messages
                outcome.done.set()

        worker = threading.Thread(target=run, name="rotor-yahoo-download", daemon=True)
        worker.start()
        if not outcome.done.wait(self.call_timeout):
            raise ProviderTimeout(f"Yahoo did not answer within {self.call_timeout:g} s")
        if outcome.error is not None:
            raise outcome.error
        return outcome.value, outcome.logs
