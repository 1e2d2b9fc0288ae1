"""Live data from Yahoo Finance through yfinance: one chart request per symbol gives its daily bars and
its current price.

How it asks:

- **One request per symbol.** Yahoo's daily chart (``/v8/finance/chart/SYMBOL?interval=1d``, from the
  first day the cache lacks) carries the bars, today's partial bar, the current price and its time
  (``regularMarketPrice``, ``regularMarketTime``) and the session's hours (``currentTradingPeriod``).
  Nothing else is asked while polling (yfinance adds one cookie and one crumb request per process).
- **One-minute bars on demand** (``intraday``: the detail screen's 1D): one chart request
  (``interval=1m&range=1d``, the current session or the last one; ``includePrePost=true`` for US stocks
  and ETFs), through the same gate, pool, deadlines and backoff as the daily charts.
- **Through yfinance's own HTTP client** (``yfinance.data.YfData``: its curl_cffi session with browser
  impersonation, its cookie, crumb and consent handling), with rotor's session (``YahooSession``, a
  curl_cffi ``Session`` as yfinance accepts one) underneath to count, bound and refuse requests. rotor
  reads the chart JSON itself rather than through ``Ticker.history``: yfinance's daily processing drops
  the settled bar when the live one shares its calendar day and discards every bar's timestamp, which the
  session model needs to date a futures bar; and it hides the HTTP status a true failure reason needs.
- **A small bounded pool** (``workers`` threads, daemons, so a hung request never holds the process
  open). The first symbol goes alone (a probe); when it finds Yahoo rate-limiting, unreachable, hung or
  failing, the refresh ends there, with every symbol marked with that reason, instead of repeating the
  failure per symbol. Then the rest, concurrently.
- **Deadlines.** Each request has its own (``request_timeout``) and the call as a whole a ``budget``;
  requests still running at the end are abandoned (counted; their thread may not start another request)
  and reported as timed out.
- **Rate-limit discipline.** The first HTTP 429 closes the gate: no further request leaves, including
  yfinance's own retries; ``Retry-After`` is honoured; the source backs off exponentially with jitter up to
  ``RATE_LIMIT_CAP`` and says when it will try again (``retry_at``). When Yahoo cannot be reached the
  source likewise waits on a growing schedule (up to ``UNREACHABLE_CAP``) instead of retrying every
  refresh. A chart answer of 404, 429 or 5xx is final for its symbol (yfinance would otherwise retry it
  with its other cookie strategy, which only helps for a refused crumb: 401/403 still get that retry).
- **True failure reasons**, each its own type (``rotor.data.errors``): unreachable (DNS, connection
  refused, reset or dropped), timed out, server error (5xx), malformed answer, rate limited, unknown
  symbol (with Yahoo's own words).

yfinance is imported inside the methods that call it (about half a second; the app paints first). Its
cookie and time-zone caches go into rotor's cache directory (``cache_dir/yfinance``, 0700) instead of
``~/.cache/py-yfinance``.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import random
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from rotor.data.errors import (
    MalformedAnswer,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ServerError,
    UnknownSymbol,
)
from rotor.data.sources.base import FetchResult, IntradayAnswer, Quote, SourceName
from rotor.data.symbols import is_valid_ticker

if TYPE_CHECKING:
    from rotor.data.sessions import TradingHours

YF_LOGGER_NAME: Final = "yfinance"
CHART_URL: Final = "https://query2.finance.yahoo.com/v8/finance/chart/{symbol}"
#: Requests in flight at once, at most.
WORKERS: Final = 4
#: Seconds one request may take.
REQUEST_TIMEOUT: Final = 10.0
#: Backoff after a rate limit: the first wait (or Retry-After if longer), doubling, capped (seconds).
RATE_LIMIT_BASE: Final = 60.0
RATE_LIMIT_CAP: Final = 900.0
#: Backoff while Yahoo cannot be reached (or hangs, or fails with 5xx on the probe).
UNREACHABLE_BASE: Final = 15.0
UNREACHABLE_CAP: Final = 300.0
#: Chart statuses that are final for their symbol: yfinance's retry with its other cookie strategy is
#: refused for them (it only helps when the crumb was refused, 401/403).
FINAL_STATUSES: Final = frozenset({404, 429})
_MAX_REASON: Final = 160


def quiet_yfinance_logging() -> None:
    """Keep yfinance's log records and warnings off the terminal (they would tear the TUI): no
    propagation to the root logger, a NullHandler so Python's last-resort handler never prints them, and
    an ignore filter for warnings issued from yfinance's own modules. Idempotent."""
    warnings.filterwarnings("ignore", module=r"yfinance(\..*)?$")
    logger = logging.getLogger(YF_LOGGER_NAME)
    logger.propagate = False
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def clean_reason(text: str) -> str:
    """A library's error message shortened to one readable line."""
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def backoff_delay(attempt: int, base: float, cap: float, jitter: float) -> float:
    """Seconds to wait after the ``attempt``-th consecutive failure (0-based): ``base * 2**attempt``,
    stretched by up to 100% jitter (``jitter`` in [0, 1)) so clients do not retry in step, capped."""
    return min(cap, base * (2.0**attempt) * (1.0 + jitter))


def transport_error(exc: BaseException, timeout: float) -> ProviderError:
    """The typed error for a transport failure raised by curl_cffi (or the standard library)."""
    text = clean_reason(str(exc))
    lowered = text.lower()
    name = type(exc).__name__
    if "timeout" in name.lower() or "timed out" in lowered or "timeout" in lowered:
        return ProviderTimeout(f"Yahoo did not answer within {timeout:g} s")
    if "resolve host" in lowered or name == "DNSError":
        host = text.split("resolve host:")[-1].strip().split()[0] if "resolve host:" in text else "Yahoo"
        return ProviderUnavailable(f"Yahoo unreachable (could not resolve {host.rstrip('.')})")
    if "refused" in lowered or "couldn't connect" in lowered or "failed to connect" in lowered:
        return ProviderUnavailable("Yahoo unreachable (connection refused)")
    if "reset" in lowered:
        return ProviderUnavailable("Yahoo unreachable (connection reset)")
    if "empty reply" in lowered or "closed" in lowered or "recv failure" in lowered:
        return ProviderUnavailable("Yahoo unreachable (connection dropped without an answer)")
    return ProviderUnavailable(f"Yahoo unreachable ({name}: {text})")


# -- the HTTP session underneath yfinance -------------------------------------------------------------------


class _Refused(Exception):
    """Raised by ``YahooSession`` instead of sending a request. Deliberately not an ``OSError``: yfinance
    then does not take it for a passing network error, and passes it up to rotor at once."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.reason)
        self.error = error


@dataclass
class _Task:
    """One symbol's fetch: its deadline, its generation (a refresh that gave up on it bumps the gate's),
    and what its requests met."""

    symbol: str
    deadline: float
    generation: int
    failure: ProviderError | None = None
    status: int | None = None
    body: bytes = b""
    requests: int = 0


class Gate:
    """What every request passes: counts, the feed-wide rate-limit stop, the task's deadline and the
    generation of the refresh that asked. Thread-safe."""

    def __init__(self, request_timeout: float, clock: Callable[[], datetime]) -> None:
        self.request_timeout = request_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._local = threading.local()
        self.generation = 0
        self.sent = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.rate_limited: RateLimited | None = None

    @property
    def task(self) -> _Task | None:
        task: _Task | None = getattr(self._local, "task", None)
        return task

    @task.setter
    def task(self, value: _Task | None) -> None:
        self._local.task = value

    def begin(self) -> tuple[_Task | None, float]:
        """Admit one request (or raise ``_Refused``); returns the task and the request's timeout."""
        task = self.task
        with self._lock:
            if self.rate_limited is not None:
                raise _Refused(self.rate_limited)
            if task is not None:
                if task.generation != self.generation:
                    raise _Refused(ProviderTimeout("abandoned: the refresh ended before this request"))
                if task.failure is not None:
                    raise _Refused(task.failure)
                if task.status is not None and (task.status in FINAL_STATUSES or task.status >= 500):
                    raise _Refused(ProviderError(f"HTTP {task.status}", task.symbol))
            timeout = self.request_timeout
            if task is not None:
                remaining = task.deadline - time.monotonic()
                if remaining <= 0.05:
                    raise _Refused(ProviderTimeout("no time left in this refresh"))
                timeout = min(timeout, remaining)
                task.requests += 1
            self.sent += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return task, timeout

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def observe(self, task: _Task | None, url: str, status: int, headers: Mapping[str, str]) -> None:
        """A response arrived: a 429 stops every request until the source backs off and reopens."""
        if status == 429:
            with self._lock:
                if self.rate_limited is None:
                    self.rate_limited = RateLimited(
                        "rate limited by Yahoo (HTTP 429)", retry_at=self._retry_after(headers)
                    )
        if task is not None and "/v8/finance/chart/" in url:
            task.status = status

    def _retry_after(self, headers: Mapping[str, str]) -> datetime | None:
        value = headers.get("Retry-After") or headers.get("retry-after")
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                return parsedate_to_datetime(value).astimezone(UTC)
            except (TypeError, ValueError):
                return None
        if not math.isfinite(seconds) or seconds < 0:
            return None
        return self._clock() + timedelta(seconds=min(seconds, 86_400.0))

    def reopen(self) -> None:
        with self._lock:
            self.rate_limited = None

    def abandon(self) -> None:
        """Refuse every further request of the current tasks (their refresh has ended)."""
        with self._lock:
            self.generation += 1


#: Called after each response with the session, the URL asked (before any rewrite) and the response.
ResponseHook = Callable[[Any, str, Any], None]


def make_session(
    gate: Gate, rewrite: Callable[[str], str] | None = None, on_response: ResponseHook | None = None
) -> Any:
    """A curl_cffi session (Chrome impersonation, as yfinance makes its own) whose every request passes
    ``gate``; ``rewrite`` maps each URL first and ``on_response`` sees each answer (tests point Yahoo's
    hosts at a local server, and keep the cookies it sets for Yahoo's domain)."""
    from curl_cffi import requests as curl_requests

    class YahooSession(curl_requests.Session[curl_requests.Response]):
        def request(self, method: Any, url: str, *args: Any, **kwargs: Any) -> Any:
            task, timeout = gate.begin()
            wanted = kwargs.get("timeout")
            if isinstance(wanted, int | float):
                timeout = min(timeout, float(wanted))
            kwargs["timeout"] = timeout
            try:
                response = super().request(method, rewrite(url) if rewrite else url, *args, **kwargs)
            except curl_requests.exceptions.RequestException as exc:
                if task is not None and task.failure is None:
                    task.failure = transport_error(exc, timeout)
                raise
            finally:
                gate.end()
            headers = {k: v for k, v in response.headers.items() if v is not None}
            gate.observe(task, url, int(response.status_code), headers)
            if task is not None and "/v8/finance/chart/" in url:
                task.body = bytes(response.content)
            if on_response is not None:
                on_response(self, url, response)
            return response

    return YahooSession(impersonate="chrome")


# -- reading a chart answer --------------------------------------------------------------------------------


@dataclass
class ChartAnswer:
    """One symbol's chart, read: bars as (time, open, high, low, close, volume), its quote, its hours."""

    rows: list[tuple[datetime, float | None, float | None, float | None, float, float | None]]
    quote: Quote | None
    hours: TradingHours | None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _moment(value: object) -> datetime | None:
    number = _number(value)
    if number is None or not 0 < number < 32_503_680_000:  # before the year 3000
        return None
    return datetime.fromtimestamp(number, UTC)


def parse_chart(symbol: str, payload: object) -> ChartAnswer:
    """Read Yahoo's chart JSON (already decoded). Raises ``UnknownSymbol`` for Yahoo's "not found" error
    and ``MalformedAnswer`` for anything that is not a chart. Rows without a close (minutes or days
    without trades) are skipped; other missing values stay ``None`` for the sanitizer to judge."""
    from rotor.data.sessions import TradingHours

    if not isinstance(payload, dict) or not isinstance(payload.get("chart"), dict):
        raise MalformedAnswer("malformed answer from Yahoo (no chart)", symbol)
    chart = payload["chart"]
    error = chart.get("error")
    if isinstance(error, dict) and error:
        description = clean_reason(str(error.get("description") or error.get("code") or "error"))
        if str(error.get("code", "")).lower() == "not found":
            raise UnknownSymbol(f"Yahoo has no such symbol ({description})", symbol)
        raise ProviderError(f"Yahoo: {description}", symbol)
    results = chart.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise MalformedAnswer("malformed answer from Yahoo (no result)", symbol)
    result: dict[str, Any] = results[0]
    meta: dict[str, Any] = result["meta"] if isinstance(result.get("meta"), dict) else {}
    stamps = result.get("timestamp") or []
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    if not isinstance(stamps, list) or (stamps and not (isinstance(quotes, list) and quotes)):
        raise MalformedAnswer("malformed answer from Yahoo (no prices)", symbol)
    columns = quotes[0] if stamps and isinstance(quotes, list) else {}
    if not isinstance(columns, dict):
        raise MalformedAnswer("malformed answer from Yahoo (no prices)", symbol)

    def column(name: str) -> list[object]:
        values = columns.get(name) or []
        return values if isinstance(values, list) and len(values) == len(stamps) else [None] * len(stamps)

    opens, highs, lows, closes, volumes = (column(n) for n in ("open", "high", "low", "close", "volume"))
    rows = []
    for i, stamp in enumerate(stamps):
        moment, close = _moment(stamp), _number(closes[i])
        if moment is None or close is None:
            continue
        rows.append(
            (moment, _number(opens[i]), _number(highs[i]), _number(lows[i]), close, _number(volumes[i]))
        )
    price, moment = _number(meta.get("regularMarketPrice")), _moment(meta.get("regularMarketTime"))
    quote = Quote(symbol, price, moment) if price is not None and moment is not None else None
    hours = None
    period = meta.get("currentTradingPeriod")
    regular = period.get("regular") if isinstance(period, dict) else None
    if isinstance(regular, dict):
        start, end = _moment(regular.get("start")), _moment(regular.get("end"))
        if start is not None and end is not None and start < end:
            hours = TradingHours(start, end)
    return ChartAnswer(rows, quote, hours)


# -- the pool ---------------------------------------------------------------------------------------------


class _Pool:
    """A fixed number of daemon worker threads taking jobs from a queue (never more in flight)."""

    def __init__(self, workers: int) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        for n in range(workers):
            threading.Thread(target=self._work, name=f"rotor-yahoo-{n}", daemon=True).start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            job()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)


@dataclass
class _Outcome:
    symbol: str
    task: _Task
    answer: ChartAnswer | None = None
    error: ProviderError | None = None
    done: threading.Event = field(default_factory=threading.Event)


def daily_params(start: date, now: datetime) -> dict[str, str]:
    """The daily chart's query: from a day before the wanted trade date (a futures session opens the
    evening before its date) to a day after now (Yahoo's period2 is exclusive; it never sends bars from
    the future)."""
    first = datetime.combine(start - timedelta(days=1), datetime.min.time(), UTC)
    return {
        "period1": str(int(first.timestamp())),
        "period2": str(int((now + timedelta(days=1)).timestamp())),
        "interval": "1d",
        "includePrePost": "false",
        "events": "div,splits",
    }


def intraday_params(extended: bool) -> dict[str, str]:
    """The one-minute chart's query: ``range=1d`` is the current session, or the last one when none is
    in progress (from its pre-market with ``includePrePost``)."""
    return {"range": "1d", "interval": "1m", "includePrePost": "true" if extended else "false"}


class YahooSource:
    """Daily bars and current prices of Yahoo tickers (see the module docstring).

    ``cache_dir``: where yfinance keeps its cookie and time-zone caches (``None``: a private temporary
    directory). ``rewrite`` maps every URL before it is sent and ``on_response`` sees every answer (tests
    use both to talk to a local fake Yahoo). ``clock``, ``jitter`` are injectable. The source keeps its
    backoff state between calls: ``retry_at`` says when it will ask Yahoo again after a rate limit or an
    unreachable Yahoo (calls before then send nothing)."""

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        workers: int = WORKERS,
        request_timeout: float = REQUEST_TIMEOUT,
        rewrite: Callable[[str], str] | None = None,
        on_response: ResponseHook | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if workers < 1 or request_timeout <= 0:
            raise ValueError("workers must be >= 1 and request_timeout > 0")
        self.workers = workers
        self.gate = Gate(request_timeout, clock)
        self._cache_dir = cache_dir
        self._rewrite = rewrite
        self._on_response = on_response
        self._clock = clock
        self._jitter = jitter
        self._lock = threading.Lock()
        self._pool: _Pool | None = None
        self._client: Any = None
        self.retry_at: datetime | None = None
        self._backoff_error: ProviderError | None = None
        self._failures = 0
        #: Requests abandoned at a deadline, since the source was made.
        self.abandoned = 0

    @property
    def source(self) -> SourceName:
        return "live"

    # -- set-up ------------------------------------------------------------------------------------------

    def _yahoo(self) -> Any:
        """yfinance's HTTP client with rotor's session underneath (made once)."""
        with self._lock:
            if self._client is None:
                quiet_yfinance_logging()
                import yfinance
                from yfinance.data import YfData

                yfinance.cache.set_cache_location(str(self._yfinance_dir()))
                # rotor's own client, not yfinance's process-wide one (``YfData()`` is a singleton): its
                # cookie and crumb belong to rotor's session, whatever else in the process uses yfinance.
                client = YfData.__new__(YfData)
                client.__init__(session=make_session(self.gate, self._rewrite, self._on_response))
                self._client = client
                self._pool = _Pool(self.workers)
            return self._client

    def _yfinance_dir(self) -> Path:
        if self._cache_dir is not None:
            target = self._cache_dir / "yfinance"
            try:
                target.mkdir(mode=0o700, parents=True, exist_ok=True)
                target.chmod(0o700)
                return target
            except OSError:
                pass
        import tempfile

        return Path(tempfile.mkdtemp(prefix="rotor-yfinance-"))

    # -- fetching ----------------------------------------------------------------------------------------

    def fetch(self, wanted: Mapping[str, date], now: datetime, budget: float) -> FetchResult:
        """One chart request per symbol of ``wanted`` (from its wanted trade date to now), within
        ``budget`` seconds; see the module docstring for the order, the stops and the backoff."""
        errors: dict[str, ProviderError] = {}
        symbols = []
        for symbol in wanted:
            if is_valid_ticker(symbol):
                symbols.append(symbol)
            else:
                errors[symbol] = ProviderError("not a valid Yahoo ticker", symbol)
        sent_before = self.gate.sent
        if self.retry_at is not None and self._clock() < self.retry_at and self._backoff_error is not None:
            waiting = self._backoff_error
            errors.update({s: waiting.for_symbol(s) for s in symbols})
            return self._result({}, errors, 0)
        if not symbols:
            return self._result({}, errors, 0)
        client = self._yahoo()
        self.gate.reopen()
        deadline = time.monotonic() + max(0.5, budget)
        answers: dict[str, ChartAnswer] = {}
        outcomes = [self._start(client, symbols[0], daily_params(wanted[symbols[0]], now), deadline)]
        self._wait(outcomes, deadline)
        probe = outcomes[0]
        if not probe.done.is_set():  # the probe hung past the budget: so would every other request
            self.abandoned += 1
            self.gate.abandon()
            probe.error = ProviderTimeout(f"Yahoo did not answer within {budget:g} s", symbols[0])
        if probe.error is not None and self._ends_refresh(probe.error):
            told = self._back_off(probe.error)
            errors.update({s: told.for_symbol(s) for s in symbols})
            return self._result(answers, errors, self.gate.sent - sent_before)
        outcomes += [self._start(client, s, daily_params(wanted[s], now), deadline) for s in symbols[1:]]
        self._wait(outcomes, deadline)
        for outcome in outcomes:
            if outcome.answer is not None:
                answers[outcome.symbol] = outcome.answer
            elif outcome.error is not None:
                errors[outcome.symbol] = outcome.error
            else:
                self.abandoned += 1
                errors[outcome.symbol] = ProviderTimeout(
                    f"Yahoo did not answer within the refresh's {budget:g} s", outcome.symbol
                )
        if any(not o.done.is_set() for o in outcomes):
            self.gate.abandon()
        limited = self.gate.rate_limited
        if limited is not None:
            told = self._back_off(limited)
            errors.update({s: told.for_symbol(s) for s, e in errors.items() if isinstance(e, RateLimited)})
        elif answers:
            self._failures, self.retry_at, self._backoff_error = 0, None, None
        return self._result(answers, errors, self.gate.sent - sent_before)

    def intraday(self, symbol: str, budget: float, *, extended: bool) -> IntradayAnswer:
        """``symbol``'s one-minute bars of its current session, or of its last one when none is in
        progress (with pre- and post-market minutes when ``extended``): one chart request, through the
        same gate, pool, deadline and backoff as ``fetch``. Raises the typed failure (``ProviderError``
        and kin), and while the source backs off raises its waiting error without asking."""
        if not is_valid_ticker(symbol):
            raise ProviderError("not a valid Yahoo ticker", symbol)
        now = self._clock()
        if self.retry_at is not None and now < self.retry_at and self._backoff_error is not None:
            raise self._backoff_error.for_symbol(symbol)
        client = self._yahoo()
        if self.gate.rate_limited is not None and self.retry_at is not None and now >= self.retry_at:
            self.gate.reopen()  # the backoff a refresh set has run out (a refresh reopens it likewise)
        deadline = time.monotonic() + max(0.5, budget)
        outcome = self._start(client, symbol, intraday_params(extended), deadline)
        self._wait([outcome], deadline)
        if not outcome.done.is_set():
            # Refuse whatever else this task would send (the gate's generation belongs to the refreshes).
            outcome.task.failure = ProviderTimeout("abandoned: the intraday chart ran out of time")
            self.abandoned += 1
            outcome.error = ProviderTimeout(f"Yahoo did not answer within {budget:g} s", symbol)
        if outcome.error is not None:
            if self._ends_refresh(outcome.error):
                raise self._back_off(outcome.error).for_symbol(symbol)
            raise outcome.error
        answer = outcome.answer
        assert answer is not None
        self._failures, self.retry_at, self._backoff_error = 0, None, None
        if not answer.rows:
            raise ProviderError("Yahoo sent no one-minute bars", symbol)
        return IntradayAnswer(answer.rows, answer.hours, outcome.task.requests)

    @staticmethod
    def _ends_refresh(error: ProviderError) -> bool:
        """Failures of the probe that say Yahoo as a whole is not answering properly."""
        return isinstance(error, RateLimited | ProviderUnavailable | ProviderTimeout | ServerError)

    def _back_off(self, error: ProviderError) -> ProviderError:
        """Wait before asking again (exponential with jitter, at least Retry-After); returns the error to
        report, which says when the next try is."""
        if isinstance(error, RateLimited):
            base, cap = RATE_LIMIT_BASE, RATE_LIMIT_CAP
        else:
            base, cap = UNREACHABLE_BASE, UNREACHABLE_CAP
        delay = backoff_delay(self._failures, base, cap, self._jitter())
        self._failures += 1
        retry_at = self._clock() + timedelta(seconds=delay)
        if isinstance(error, RateLimited) and error.retry_at is not None:
            retry_at = max(retry_at, error.retry_at)
        self.retry_at = retry_at
        if isinstance(error, RateLimited):
            self._backoff_error = RateLimited(
                f"rate limited by Yahoo; next try {retry_at.astimezone():%H:%M}", retry_at=retry_at
            )
        else:
            self._backoff_error = type(error)(f"{error.reason}; next try {retry_at.astimezone():%H:%M}")
        return self._backoff_error

    def _wait(self, outcomes: Sequence[_Outcome], deadline: float) -> None:
        for outcome in outcomes:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not outcome.done.wait(remaining):
                return

    def _start(self, client: Any, symbol: str, params: Mapping[str, str], deadline: float) -> _Outcome:
        task = _Task(symbol, deadline, self.gate.generation)
        outcome = _Outcome(symbol, task)
        assert self._pool is not None
        self._pool.submit(lambda: self._run(client, task, params, outcome))
        return outcome

    def _run(self, client: Any, task: _Task, params: Mapping[str, str], outcome: _Outcome) -> None:
        """One symbol's request, in a pool thread. Never raises."""
        self.gate.task = task
        try:
            outcome.answer = self._chart(client, task, params)
        except ProviderError as exc:
            outcome.error = exc if exc.symbol else exc.for_symbol(task.symbol)
        except Exception as exc:  # anything else is reported for its symbol, never raised
            outcome.error = ProviderError(f"unexpected {type(exc).__name__}: {clean_reason(str(exc))}")
            outcome.error = outcome.error.for_symbol(task.symbol)
        finally:
            self.gate.task = None
            outcome.done.set()

    def _chart(self, client: Any, task: _Task, params: Mapping[str, str]) -> ChartAnswer:
        from yfinance.exceptions import YFRateLimitError

        url = CHART_URL.format(symbol=task.symbol)
        try:
            response = client.get(url, params=dict(params), timeout=self.gate.request_timeout)
        except _Refused as refused:
            if task.status is not None:
                return self._read(task.symbol, task.status, task.body)
            raise refused.error.for_symbol(task.symbol) from None
        except YFRateLimitError:
            limited = self.gate.rate_limited or RateLimited("rate limited by Yahoo (HTTP 429)")
            raise limited.for_symbol(task.symbol) from None
        except OSError as exc:
            raise (task.failure or transport_error(exc, self.gate.request_timeout)).for_symbol(
                task.symbol
            ) from None
        return self._read(task.symbol, int(response.status_code), bytes(response.content))

    @staticmethod
    def _read(symbol: str, status: int, body: bytes) -> ChartAnswer:
        if status == 429:
            raise RateLimited("rate limited by Yahoo (HTTP 429)", symbol)
        if status >= 500:
            raise ServerError(f"Yahoo server error (HTTP {status})", symbol)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            if status >= 400:
                raise ProviderError(f"Yahoo answered HTTP {status}", symbol) from None
            raise MalformedAnswer("malformed answer from Yahoo (not JSON)", symbol) from None
        return parse_chart(symbol, payload)

    def _result(
        self, answers: Mapping[str, ChartAnswer], errors: dict[str, ProviderError], sent: int
    ) -> FetchResult:
        import pandas as pd
        from rotor.data.sources.base import empty_bars

        records = [
            (symbol, pd.NaT, o, h, low, c, v, t)
            for symbol, answer in answers.items()
            for t, o, h, low, c, v in answer.rows
        ]
        if records:
            bars = pd.DataFrame.from_records(
                records, columns=["symbol", "date", "open", "high", "low", "close", "volume", "time"]
            )
            bars["time"] = pd.to_datetime(bars["time"], utc=True)
            bars["date"] = pd.to_datetime(bars["date"])
            for name in ("open", "high", "low", "close", "volume"):
                bars[name] = bars[name].astype("float64")
        else:
            bars = empty_bars()
        quotes = {s: a.quote for s, a in answers.items() if a.quote is not None}
        hours = {s: a.hours for s, a in answers.items() if a.hours is not None}
        for symbol, answer in answers.items():
            if not answer.rows and answer.quote is None:
                errors.setdefault(symbol, ProviderError("Yahoo sent no prices", symbol))
        retry_at = self.retry_at if self._backoff_error is not None else None
        return FetchResult(
            bars=bars,
            source="live",
            errors=errors,
            quotes=quotes,
            hours=hours,
            requests=sent,
            retry_at=retry_at,
        )
