"""A local HTTP server that answers as Yahoo Finance does on the wire, so the real yfinance can be tested
without the internet.

``FakeYahoo`` serves the bundled real daily rows (``load_bundled_bars``) through Yahoo's endpoints:

- ``fc.yahoo.com`` (the A3 cookie, on a 404 page), ``/v1/test/getcrumb`` on query1/query2 (a crumb),
  ``guce.yahoo.com`` / ``consent.yahoo.com`` (a consent page without a csrfToken, so yfinance falls back to
  its basic cookie strategy), and the chart API ``/v8/finance/chart/{symbol}``.
- Time comes from a clock (``FakeYahoo(clock)`` or ``server.now = ...``), read on every request, so a test
  can move through sessions. Every venue's schedule is declared here, independently of rotor's own
  session code (this module is a reference to test that code against).
- Prices are never invented: settled rows are the real rows; while a row's trading window is open, its
  price follows a fixed piecewise-linear path through the row's real values (``path_price``).
- Faults (``fail``): HTTP 429, HTTP 500, a hung answer, a dropped connection, a JSON cut in half, and
  Yahoo's 404 for an unknown symbol, globally or for some symbols, optionally for N requests only.
- Every request is logged (``log``, ``counts``, ``max_in_flight``). A dropped connection that curl had
  reused is retried by curl once, on a new connection: the log then shows the drop twice.

URLs reach it through ``rewrite`` (``https://query2.finance.yahoo.com/v8/...`` becomes
``http://127.0.0.1:PORT/_host/query2.finance.yahoo.com/v8/...``), which ``FakeYahoo.session()`` (a
``curl_cffi`` Session) applies to every request, refusing any non-Yahoo URL. The A3 cookie is sent exactly
as Yahoo sends it (``Domain=.yahoo.com``); curl's cookie engine, talking to 127.0.0.1, refuses that domain,
so the session puts Yahoo's cookies into its jar itself (``keep_yahoo_cookies``), as a client of the real
host would: yfinance then finds and caches its cookie and asks fc.yahoo.com once per state, as with Yahoo.
A session of rotor's own that rewrites URLs should call ``keep_yahoo_cookies`` likewise. The crumb is
served whether or not a cookie comes with the request (the jar's ``.yahoo.com`` cookies never reach
127.0.0.1). Only the chart API serves data; quoteSummary, v7 quote and fundamentals-timeseries answer as
Yahoo does for a symbol it does not know, any other path with Yahoo's 404 JSON.

What is served, and how (documented where Yahoo's real behaviour was not certain):

- ``interval=1d``: every row whose window has closed, at its daily row timestamp, with the real values
  (``adjclose`` = close: the bundle holds no adjusted series; no dividend or split events are sent). While
  a window is open (or paused), the current row with the values so far. US cash symbols, ^VIX and ^TNX
  send that row twice, at the row timestamp and at the last trade time (the second with the volume of one
  minute later), as Yahoo does; futures and DX-Y.NYB send it once, at the last trade time.
- ``interval=1m`` (and 2m, 5m, 15m, 30m, 60m, 90m, 1h, aggregated from the minutes, in buckets counted
  from the window open): only the current session, or the last one when none is open. One bar per
  trading minute from the open to now (or to the last minute before the close); every 7th minute of a
  window (minute index 6, 13, ...) is all-null, a minute without trades. Each bar's open, high, low and
  close are the minute's path price (prices move once a minute). 1m requests spanning more than 8 days, or
  starting more than 30 days ago, get Yahoo's 422 errors.
- ``includePrePost=true`` with an intraday interval, for the venues with extended hours (the ETFs): the
  session's pre-market minutes (04:00 to the open) and post-market minutes (the close to 20:00, 17:00 after
  an early close) come with the regular ones, so far as now has reached them; from 04:00 the session
  served is the coming one (its pre-market), as Yahoo's ``range=1d`` does. Their prices follow the same
  kind of path between real values (``extended_price``): the pre-market runs straight from the previous
  row's close to the row's open, the post-market from the row's close to the next row's open (flat at the
  close when the bundle has no next row); every 7th minute of each period is all-null; their volume is
  0 (the bundle has no extended-hours volume). A session whose row the bundle lacks has no pre-market
  bars (it is not served). Other venues send regular minutes only, whatever ``includePrePost`` says.
- Other intervals (5d, 1wk, 1mo, 3mo, ...) get a 400 error JSON listing the intervals served here.
- ``range``: 1d and 5d are the last 1 and 5 sessions; 1mo..10y go back that many calendar months from now;
  ytd starts on 1 January (exchange time); max is everything. ``period1``/``period2`` (unix seconds) keep
  rows stamped in ``[period1, period2)``. Without either, ``range=1d``.
- meta: ``previousClose`` (and ``scale``) only for ``range=1d`` requests, as seen from Yahoo;
  ``chartPreviousClose`` is the close before the first session sent (left out when the bundle has none);
  ``fiftyTwoWeekHigh/Low`` are the real extremes of the last 365 days; ``firstTradeDate`` is the first
  bundled row (the fake's history starts there); ``regularMarketVolume`` is 0 for symbols without volume.

No module-level mutable state: everything that changes belongs to a ``FakeYahoo`` and is guarded by its
lock; handlers run one thread per connection (HTTP/1.1 keep-alive).
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import json
import math
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from email.utils import format_datetime, parsedate_to_datetime
from http.cookiejar import Cookie
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Literal, get_args
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from curl_cffi import requests as curl_requests

if TYPE_CHECKING:
    import pandas as pd

RequestKind = Literal["cookie", "crumb", "consent", "chart", "other"]
FaultName = Literal["rate_limit", "server_error", "hang", "drop", "malformed", "unknown"]
#: Every fault ``FakeYahoo.fail`` accepts.
FAULTS: Final[tuple[FaultName, ...]] = get_args(FaultName)
#: Request kinds a global fault applies to unless told otherwise: transport faults hit every endpoint,
#: body faults only the chart API.
_ALL_KINDS: Final[frozenset[RequestKind]] = frozenset(get_args(RequestKind))
_DEFAULT_KINDS: Final[Mapping[FaultName, frozenset[RequestKind]]] = {
    "rate_limit": _ALL_KINDS,
    "server_error": _ALL_KINDS,
    "hang": _ALL_KINDS,
    "drop": _ALL_KINDS,
    "malformed": frozenset({"chart"}),
    "unknown": frozenset({"chart"}),
}

# --- the calendar: NYSE holidays and early closes, 2024-2026 ------------------------------------------

#: NYSE full holidays (New Year, MLK, Presidents, Good Friday, Memorial, Juneteenth, Independence, Labor,
#: Thanksgiving, Christmas; plus the national day of mourning of 2025-01-09).
NYSE_HOLIDAYS: Final[frozenset[date]] = frozenset(
    date(y, m, d)
    for y, m, d in (
        (2024, 1, 1), (2024, 1, 15), (2024, 2, 19), (2024, 3, 29), (2024, 5, 27), (2024, 6, 19),
        (2024, 7, 4), (2024, 9, 2), (2024, 11, 28), (2024, 12, 25),
        (2025, 1, 1), (2025, 1, 9), (2025, 1, 20), (2025, 2, 17), (2025, 4, 18), (2025, 5, 26),
        (2025, 6, 19), (2025, 7, 4), (2025, 9, 1), (2025, 11, 27), (2025, 12, 25),
        (2026, 1, 1), (2026, 1, 19), (2026, 2, 16), (2026, 4, 3), (2026, 5, 25), (2026, 6, 19),
        (2026, 7, 3), (2026, 9, 7), (2026, 11, 26), (2026, 12, 25),
    )
)  # fmt: skip
#: NYSE early closes (13:00 ET): the day before Independence Day, the day after Thanksgiving, Christmas Eve.
NYSE_HALF_DAYS: Final[frozenset[date]] = frozenset(
    date(y, m, d)
    for y, m, d in (
        (2024, 7, 3), (2024, 11, 29), (2024, 12, 24), (2025, 7, 3), (2025, 11, 28), (2025, 12, 24),
        (2026, 11, 27), (2026, 12, 24),
    )
)  # fmt: skip

# --- venues ------------------------------------------------------------------------------------------

Schedule = Literal["day", "overnight"]


@dataclass(frozen=True, slots=True)
class Venue:
    """Where a symbol trades and when, as Yahoo describes it in a chart's meta.

    ``day`` schedules trade ``open..close`` (``half_close`` on early closes) on the row's date, and the
    daily row is stamped at the open. ``overnight`` schedules (futures, the dollar index) open at ``open``
    on the calendar day before the first weekday after the previous row, close at ``close`` on the row's
    date (``half_close`` on early closes and holidays), halt on a holiday weekday from 13:00 until ``open``
    and over weekends; their daily rows are stamped at midnight. ``extended`` venues (ETFs) describe pre
    (04:00) and post (to 20:00, 17:00 on early closes) periods; for the others those periods are empty."""

    exchange_name: str
    full_exchange_name: str
    instrument_type: str
    timezone: str
    schedule: Schedule
    open: clock_time
    close: clock_time
    half_close: clock_time
    extended: bool = False
    price_hint: int = 2


def _hm(text: str) -> clock_time:
    return clock_time.fromisoformat(text)


_NY: Final = "America/New_York"
_CHICAGO: Final = "America/Chicago"


def _us_index(exchange: str, full: str) -> Venue:
    return Venue(exchange, full, "INDEX", _NY, "day", _hm("09:30"), _hm("16:00"), _hm("13:00"))


def _etf(exchange: str, full: str) -> Venue:
    return Venue(exchange, full, "ETF", _NY, "day", _hm("09:30"), _hm("16:00"), _hm("13:00"), extended=True)


def _future(exchange: str, full: str) -> Venue:
    return Venue(exchange, full, "FUTURE", _NY, "overnight", _hm("18:00"), _hm("17:00"), _hm("13:00"))


_ARCA: Final = _etf("PCX", "NYSEArca")

#: Every symbol the fake knows, with its venue. Symbols outside this table (or without bundled rows) get
#: Yahoo's 404.
VENUES: Final[Mapping[str, Venue]] = {
    "^GSPC": _us_index("SNP", "SNP"),
    "^IXIC": _us_index("NIM", "Nasdaq GIDS"),
    "^DJI": _us_index("DJI", "DJI"),
    "^RUT": _us_index("WCB", "Chicago Options"),
    "^VIX": Venue("CXI", "Cboe Indices", "INDEX", _CHICAGO, "day", _hm("08:30"), _hm("15:15"), _hm("12:15")),
    "^TNX": Venue(
        "CGI",
        "Cboe Indices",
        "INDEX",
        _CHICAGO,
        "day",
        _hm("07:00"),
        _hm("14:00"),
        _hm("12:00"),
        price_hint=4,
    ),
    "SPY": _ARCA,
    "QQQ": _etf("NGM", "NasdaqGM"),
    "IWM": _ARCA,
    "RSP": _ARCA,
    **{s: _ARCA for s in ("XLB", "XLC", "XLE", "XLF", "XLI", "XLK", "XLP", "XLRE", "XLU", "XLV", "XLY")},
    "GC=F": _future("CMX", "COMEX"),
    "SI=F": _future("CMX", "COMEX"),
    "HG=F": _future("CMX", "COMEX"),
    "CL=F": _future("NYM", "NY Mercantile"),
    "NG=F": _future("NYM", "NY Mercantile"),
    # ICE's currency futures keep their full hours on the NYSE's half days (exchange-calendars' IEPA agrees).
    "DX-Y.NYB": Venue(
        "NYB", "ICE Futures", "INDEX", _NY, "overnight", _hm("20:00"), _hm("17:00"), _hm("17:00")
    ),
}

VALID_RANGES: Final = ("1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max")
#: Intervals served, in trading minutes per bar (``1d`` is served from the daily rows).
INTRADAY_MINUTES: Final[Mapping[str, int]] = {
    "1m": 1,
    "2m": 2,
    "5m": 5,
    "15m": 15,
    "30m": 30,
    "60m": 60,
    "90m": 90,
    "1h": 60,
}
_RANGE_MONTHS: Final[Mapping[str, int]] = {
    "1mo": 1,
    "3mo": 3,
    "6mo": 6,
    "1y": 12,
    "2y": 24,
    "5y": 60,
    "10y": 120,
}
#: Every 7th minute of a window (index 6, 13, ...) has no trades: its 1m bar is all-null.
NULL_MINUTE_EVERY: Final = 7
CRUMB: Final = "fAk3CrUmB.y"

NOT_FOUND_JSON: Final = (
    '{"chart":{"result":null,"error":{"code":"Not Found",'
    '"description":"No data found, symbol may be delisted"}}}'
)
TOO_MANY_REQUESTS: Final = "Too Many Requests\r\n"
SERVER_ERROR_HTML: Final = (
    '<!DOCTYPE html><html lang="en-us"><head><meta charset="utf-8"><title>Yahoo</title></head>'
    "<body><h1>Will be right back...</h1><p>Thank you for your patience.</p>"
    "<p>Our engineers are working quickly to resolve the issue.</p></body></html>"
)
_COOKIE_PAGE: Final = (
    "<!DOCTYPE html><html><head><title>Yahoo</title></head><body><p>Not Found</p></body></html>"
)
_CONSENT_PAGE: Final = (
    '<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Yahoo</title></head>'
    "<body><p>Yahoo is part of the Yahoo family of brands.</p></body></html>"
)
_OTHER_JSON: Final = (
    '{"finance":{"result":null,"error":{"code":"Not Found","description":"HTTP 404 Not Found"}}}'
)
_JSON: Final = "application/json;charset=utf-8"
_HTML: Final = "text/html; charset=utf-8"
_TEXT: Final = "text/plain;charset=utf-8"


# --- rows, windows and the path rule ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One real daily row. ``open``/``high``/``low`` are None where the bundle has no value."""

    day: date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None


@dataclass(frozen=True, slots=True)
class Window:
    """The trading window of one row (or, with ``row`` None, of the next session after the bundle).

    Times are unix seconds. ``segments`` are the trading intervals (pauses left out), ``stamp`` the
    daily row timestamp, ``minutes`` the number of trading minutes (the path's time axis)."""

    row: Row | None
    start: int
    end: int
    segments: tuple[tuple[int, int], ...]
    stamp: int
    minutes: int

    def minute_time(self, k: int) -> int:
        """The start of trading minute ``k`` (0-based, pauses skipped)."""
        for lo, hi in self.segments:
            length = (hi - lo) // 60
            if k < length:
                return lo + 60 * k
            k -= length
        return self.end - 60

    def elapsed_minutes(self, t: int) -> int:
        """Trading minutes started strictly before ``t`` (a minute boundary)."""
        return sum(max(0, min(t, hi) - lo) for lo, hi in self.segments) // 60

    def trading_at(self, t: int) -> bool:
        return any(lo <= t < hi for lo, hi in self.segments)


def path_price(row: Row, k: int, minutes: int) -> float | None:
    """The price in trading minute ``k`` of a window of ``minutes`` minutes (the path rule).

    At fraction f = k / minutes of the trading time the price runs piecewise linearly through the row's
    real values: f=0 -> open; 0.3 -> the first extreme (high if close >= open, else low); 0.6 -> the other
    extreme; the last minute -> m = (other extreme + close) / 2. The official close applies only from the
    close on (the closing auction), so the last minute differs from it. None when the row lacks open,
    high or low (no intraday path can be drawn from it)."""
    if row.open is None or row.high is None or row.low is None:
        return None
    first, second = (row.high, row.low) if row.close >= row.open else (row.low, row.high)
    last = (second + row.close) / 2
    f = k / minutes
    f_last = max((minutes - 1) / minutes, 0.6)
    knots = ((0.0, row.open), (0.3, first), (0.6, second), (f_last, last))
    if f >= f_last:
        return round(last, 6)
    for (f0, p0), (f1, p1) in itertools.pairwise(knots):
        if f0 <= f < f1:
            return round(p0 + (p1 - p0) * (f - f0) / (f1 - f0), 6)
    return round(last, 6)


def extended_price(start: float | None, end: float | None, k: int, minutes: int) -> float | None:
    """The price in minute ``k`` of a pre- or post-market period of ``minutes`` minutes: straight from
    ``start`` (minute 0) toward ``end`` (reached after the period's last minute); flat at ``start`` when
    ``end`` is None; None without a ``start`` (no path can be drawn)."""
    if start is None:
        return None
    if end is None or minutes <= 0:
        return round(start, 6)
    return round(start + (end - start) * k / minutes, 6)


def _extreme_minutes(k: int, minutes: int) -> list[int]:
    """Minutes ``0..k`` where the path can reach its extremes (ends and the minutes around each knot)."""
    out = {0, k}
    for f in (0.3, 0.6):
        x = f * minutes
        out.update(j for j in (math.floor(x), math.ceil(x)) if 0 <= j <= k)
    return sorted(out)


@dataclass(frozen=True, slots=True)
class Progress:
    """A row's values as of a moment inside its window (so far), or its real values once settled."""

    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: int | None
    #: Volume as of one minute earlier (the US cash daily row before the last-trade row).
    volume_before: int | None
    #: Last trade time (unix seconds): the current minute, the last one before a pause, or the close.
    time: int
    live: bool
    #: The last traded minute index (live windows) or ``minutes - 1`` (settled).
    minute: int
    #: Trading minutes elapsed (``minutes`` when settled).
    elapsed: int


def _volume(row: Row, elapsed: int, minutes: int) -> int | None:
    if row.volume is None:
        return None
    return round(row.volume * elapsed / minutes)


def progress(window: Window, now: int) -> Progress | None:
    """The row of ``window`` as of ``now``: None before the window opens, real values from its close."""
    row = window.row
    if row is None or now < window.start:
        return None
    if now >= window.end:
        volume = None if row.volume is None else round(row.volume)
        return Progress(
            row.open,
            row.high,
            row.low,
            row.close,
            volume,
            volume,
            window.end,
            False,
            window.minutes - 1,
            window.minutes,
        )
    t = now - now % 60
    elapsed = window.elapsed_minutes(t)
    paused = not window.trading_at(t)
    k = max(elapsed - 1, 0) if paused else elapsed
    price = path_price(row, k, window.minutes)
    if price is None:
        high = low = None
    else:
        seen = [path_price(row, j, window.minutes) for j in _extreme_minutes(k, window.minutes)]
        values = [p for p in seen if p is not None]
        high, low = max(values), min(values)
    return Progress(
        row.open if price is not None else None,
        high,
        low,
        price,
        _volume(row, elapsed, window.minutes),
        _volume(row, max(elapsed - 1, 0), window.minutes),
        window.minute_time(k),
        True,
        k,
        elapsed,
    )


# --- building the windows -----------------------------------------------------------------------------


def _at(day: date, at: clock_time, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, at, tzinfo=zone).timestamp())


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _previous_weekday(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _subtract(span: tuple[int, int], pauses: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    segments = [span]
    for p0, p1 in pauses:
        cut: list[tuple[int, int]] = []
        for lo, hi in segments:
            if p1 <= lo or p0 >= hi:
                cut.append((lo, hi))
                continue
            if lo < p0:
                cut.append((lo, p0))
            if p1 < hi:
                cut.append((p1, hi))
        segments = cut
    return tuple(segments)


def build_window(venue: Venue, row: Row | None, day: date, previous: date | None) -> Window:
    """The trading window of the row dated ``day`` (``previous``: the symbol's row before it)."""
    zone = ZoneInfo(venue.timezone)
    early = day in NYSE_HALF_DAYS
    if venue.schedule == "day":
        start = _at(day, venue.open, zone)
        end = _at(day, venue.half_close if early else venue.close, zone)
        return Window(row, start, end, ((start, end),), start, (end - start) // 60)
    before = previous if previous is not None else _previous_weekday(day)
    opening_day = _next_weekday(before) - timedelta(days=1)
    start = _at(opening_day, venue.open, zone)
    end = _at(day, venue.half_close if early or day in NYSE_HOLIDAYS else venue.close, zone)
    halt = _hm("13:00")
    pauses: list[tuple[int, int]] = []
    current = opening_day + timedelta(days=1)
    while current <= day:
        if current.weekday() < 5 and current in NYSE_HOLIDAYS and current != day:
            pauses.append((_at(current, halt, zone), _at(current, venue.open, zone)))
        if current.weekday() == 5:
            friday = current - timedelta(days=1)
            if friday in NYSE_HOLIDAYS:
                friday_close = _at(friday, halt, zone)
            else:
                friday_close = _at(
                    friday, venue.half_close if friday in NYSE_HALF_DAYS else venue.close, zone
                )
            pauses.append((friday_close, _at(current + timedelta(days=1), venue.open, zone)))
        current += timedelta(days=1)
    segments = _subtract((start, end), pauses)
    minutes = sum(hi - lo for lo, hi in segments) // 60
    return Window(row, start, end, segments, _at(day, clock_time(0, 0), zone), minutes)


def build_windows(venue: Venue, rows: Sequence[Row]) -> list[Window]:
    """One window per row, in date order, plus a last one (``row`` None) for the next session after
    the rows (for ``currentTradingPeriod`` once the bundle has run out)."""
    windows: list[Window] = []
    previous: date | None = None
    for row in rows:
        windows.append(build_window(venue, row, row.day, previous))
        previous = row.day
    if previous is not None:
        following = _next_weekday(previous)
        while following in NYSE_HOLIDAYS:
            following = _next_weekday(following)
        windows.append(build_window(venue, None, following, previous))
    return windows


# --- the request log and faults ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the server saw it. ``status`` is the HTTP status answered (None when no answer was
    sent: a dropped connection, or a hang released by ``stop``); ``fault`` the fault applied, if any."""

    time: float
    method: str
    host: str
    path: str
    query: Mapping[str, str]
    status: int | None
    kind: RequestKind
    symbol: str | None
    fault: FaultName | None = None


@dataclass(slots=True)
class _Fault:
    name: FaultName
    symbols: frozenset[str] | None
    kinds: frozenset[RequestKind]
    remaining: int | None

    def matches(self, kind: RequestKind, symbol: str | None) -> bool:
        if kind not in self.kinds:
            return False
        return self.symbols is None or (symbol is not None and symbol in self.symbols)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _json_answer(status: int, payload: object) -> _Answer:
    return _Answer(status, _JSON, json.dumps(payload, separators=(",", ":"), allow_nan=False).encode())


def _chart_error(status: int, code: str, description: str) -> _Answer:
    return _json_answer(
        status, {"chart": {"result": None, "error": {"code": code, "description": description}}}
    )


# --- the server ---------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, fake: FakeYahoo, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self) -> None:
        self.server.fake._track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self.server.fake._serve(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._serve(self, "POST")

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the fake keeps its own log."""


def keep_yahoo_cookies(
    session: curl_requests.Session[Any], url: str, response: curl_requests.Response
) -> None:
    """Put the cookies a rewritten Yahoo response sets into ``session``'s jar, as a client talking to the
    real host (``url``'s) would have kept them.

    curl's cookie engine saw the answer come from 127.0.0.1 and refused ``Domain=.yahoo.com``; yfinance
    looks for its A3 cookie under a yahoo domain (to reuse it, and to cache it for the next process), so
    without this it asks fc.yahoo.com again before every request. A session that rewrites URLs calls this
    after each request. Cookies whose domain does not match ``url``'s host are dropped, as curl would."""
    host = (urlsplit(url).hostname or "").lower()
    for header in response.headers.get_list("set-cookie"):
        if header is None:
            continue
        parsed = SimpleCookie()
        try:
            parsed.load(header)
        except CookieError:
            continue
        for name, morsel in parsed.items():
            domain = (morsel["domain"] or host).lower()
            if not (host == domain.lstrip(".") or host.endswith("." + domain.lstrip("."))):
                continue
            expires: int | None = None
            if morsel["max-age"]:
                expires = int(time.time()) + int(morsel["max-age"])
            elif morsel["expires"]:
                expires = int(parsedate_to_datetime(morsel["expires"]).timestamp())
            cookie = Cookie(
                version=0,
                name=name,
                value=morsel.value,
                port=None,
                port_specified=False,
                domain=domain,
                domain_specified=bool(morsel["domain"]),
                domain_initial_dot=domain.startswith("."),
                path=morsel["path"] or "/",
                path_specified=bool(morsel["path"]),
                secure=bool(morsel["secure"]),
                expires=expires,
                discard=expires is None,
                comment=None,
                comment_url=None,
                rest={"HttpOnly": ""} if morsel["httponly"] else {},
            )
            session.cookies.jar.set_cookie(cookie)


def rewrite_to(base_url: str, url: str) -> str:
    """A Yahoo URL sent to a FakeYahoo at ``base_url`` (``http://127.0.0.1:PORT``; see ``FakeYahoo.rewrite``).
    Raises ValueError for any URL that is not Yahoo's."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not (host == "yahoo.com" or host.endswith(".yahoo.com")):
        raise ValueError(f"FakeYahoo serves only yahoo.com URLs, not {url!r}")
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{base_url}/_host/{host}{path}{query}"


class RewritingSession(curl_requests.Session[curl_requests.Response]):
    """A curl_cffi Session that sends every Yahoo URL to a ``FakeYahoo`` (through its ``rewrite``), keeps
    the cookies Yahoo's hosts set (``keep_yahoo_cookies``), and refuses any other URL, so code using it
    cannot reach the network."""

    def __init__(self, rewrite: Callable[[str], str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rewrite = rewrite

    def request(self, method: Any, url: str, *args: Any, **kwargs: Any) -> curl_requests.Response:
        response = super().request(method, self._rewrite(url), *args, **kwargs)
        keep_yahoo_cookies(self, url, response)
        return response


class FakeYahoo:
    """Yahoo Finance's web API on 127.0.0.1 (an ephemeral port), over the bundled real rows.

    ``clock`` gives the server's now (timezone-aware) on every request; ``now = datetime`` pins it.
    ``start()``/``stop()`` or ``with FakeYahoo(clock) as yahoo:``. ``rewrite(url)`` maps a Yahoo URL here;
    ``session()`` is a curl_cffi Session that does so for every request. ``fail(...)`` injects faults;
    ``log``/``counts``/``max_in_flight`` tell what was asked. ``retry_after`` is the Retry-After header of
    a 429 (seconds); ``hang_seconds`` how long a hang lasts before answering normally (None: until stop).
    """

    def __init__(
        self,
        clock: Callable[[], datetime] | None = None,
        *,
        bars: pd.DataFrame | None = None,
        retry_after: int = 60,
        hang_seconds: float | None = None,
        port: int = 0,
    ) -> None:
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._port = port
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self._rows = _rows_by_symbol(bars)
        self._windows: dict[str, list[Window]] = {}
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._faults: list[_Fault] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- time ---------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The server's current time (from the clock)."""
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("FakeYahoo's clock must give timezone-aware datetimes")
        return value

    @now.setter
    def now(self, value: datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("FakeYahoo.now must be timezone-aware")
        self._clock = lambda: value

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> FakeYahoo:
        """Bind 127.0.0.1 on a free port and serve from a background thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self, self._port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-yahoo", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hung handlers and close every open connection."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeYahoo:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeYahoo is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rewrite(self, url: str) -> str:
        """``https://<host>.yahoo.com/<path>?<query>`` -> ``http://127.0.0.1:PORT/_host/<host>/<path>?<query>``.

        Raises ValueError for any URL that is not Yahoo's (nothing may leave the machine)."""
        return rewrite_to(self.base_url, url)

    def session(self, **kwargs: Any) -> RewritingSession:
        """A curl_cffi Session (impersonating Chrome, as yfinance's own) whose requests all come here."""
        kwargs.setdefault("impersonate", "chrome")
        return RewritingSession(self.rewrite, **kwargs)

    # -- faults -------------------------------------------------------------------------------------

    def fail(
        self,
        fault: FaultName,
        symbols: Iterable[str] | None = None,
        *,
        count: int | None = None,
        kinds: Collection[RequestKind] | None = None,
    ) -> None:
        """Inject ``fault`` into the next matching requests (all of them, or ``count``).

        - ``rate_limit``: HTTP 429, ``Too Many Requests``, with ``Retry-After: retry_after``.
        - ``server_error``: HTTP 500 with Yahoo's "Will be right back" HTML page.
        - ``hang``: no answer until ``stop()`` (or ``hang_seconds``, then the normal answer).
        - ``drop``: the connection is closed without any answer.
        - ``malformed``: HTTP 200 with the JSON cut in half.
        - ``unknown``: Yahoo's 404 JSON for the symbol.

        ``symbols`` limits it to chart requests for those symbols; otherwise it is global and hits every
        endpoint (``rate_limit``, ``server_error``, ``hang``, ``drop``) or every chart request
        (``malformed``, ``unknown``); ``kinds`` overrides the request kinds it applies to. Faults are
        checked in the order they were set; the first match applies."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {FAULTS}")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1")
        chosen = frozenset(kinds) if kinds is not None else None
        wanted = None if symbols is None else frozenset(s.upper() for s in symbols)
        if chosen is None:
            chosen = frozenset({"chart"}) if wanted is not None else _DEFAULT_KINDS[fault]
        with self._lock:
            self._faults.append(_Fault(fault, wanted, chosen, count))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, kind: RequestKind, symbol: str | None) -> FaultName | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(kind, symbol):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault.name
        return None

    # -- the log ------------------------------------------------------------------------------------

    @property
    def log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def counts(self) -> Counter[RequestKind]:
        """Requests by kind since the last ``reset_log``."""
        with self._lock:
            return Counter(r.kind for r in self._log)

    @property
    def in_flight(self) -> int:
        """Requests being handled now."""
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """The most requests being handled at once since the last ``reset_log``."""
        with self._lock:
            return self._max_in_flight

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._max_in_flight = self._in_flight

    def _track(self, connection: socket.socket, opened: bool) -> None:
        with self._lock:
            if opened:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    # -- serving ------------------------------------------------------------------------------------

    def _serve(self, handler: _Handler, method: str) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            self._serve_one(handler, method)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _serve_one(self, handler: _Handler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        parts = urlsplit(handler.path)
        host, path = "127.0.0.1", parts.path
        if path.startswith("/_host/"):
            host, _, rest = path[len("/_host/") :].partition("/")
            path = "/" + rest
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        kind, symbol = _classify(host, path)
        fault = self._take_fault(kind, symbol)
        transport = fault in ("drop", "hang")
        answer = None if transport else self._answer(kind, symbol, method, path, query, fault)
        late = None
        if fault == "hang" and self.hang_seconds is not None:
            late = self._answer(kind, symbol, method, path, query, None)
        status = answer.status if answer is not None else (late.status if late is not None else None)
        record = LoggedRequest(time.monotonic(), method, host, path, query, status, kind, symbol, fault)
        with self._lock:
            self._log.append(record)
        if fault == "drop":
            handler.close_connection = True
            return
        if fault == "hang":
            released = self._stopping.wait(self.hang_seconds)
            if released or late is None:
                handler.close_connection = True
                return
            answer = late
        assert answer is not None
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers:
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(answer.body)
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True

    def _answer(
        self,
        kind: RequestKind,
        symbol: str | None,
        method: str,
        path: str,
        query: Mapping[str, str],
        fault: FaultName | None,
    ) -> _Answer:
        if fault == "rate_limit":
            return _Answer(429, _TEXT, TOO_MANY_REQUESTS.encode(), (("Retry-After", str(self.retry_after)),))
        if fault == "server_error":
            return _Answer(500, _HTML, SERVER_ERROR_HTML.encode())
        if fault == "unknown" and kind == "chart":
            return _Answer(404, _JSON, NOT_FOUND_JSON.encode())
        now = self.now
        if kind == "cookie":
            expires = format_datetime(now.astimezone(UTC) + timedelta(days=365), usegmt=True)
            cookie = (
                f"A3=d=AQABBFaKeYaHoO&S=AQAAAFaKe; Expires={expires}; Max-Age=31557600; Domain=.yahoo.com; "
                "Path=/; SameSite=None; Secure; HttpOnly"
            )
            return _Answer(404, _HTML, _COOKIE_PAGE.encode(), (("Set-Cookie", cookie),))
        if kind == "crumb":
            return _Answer(200, _TEXT, CRUMB.encode())
        if kind == "consent":
            return _Answer(200, _HTML, _CONSENT_PAGE.encode())
        if kind == "other" or symbol is None or method != "GET":
            return _other(path, query)
        answer = self._chart(symbol, query, int(now.timestamp()))
        if fault == "malformed":
            return _Answer(200, answer.content_type, answer.body[: len(answer.body) // 2])
        return answer

    # -- the chart API ------------------------------------------------------------------------------

    def windows(self, symbol: str) -> list[Window]:
        """The trading windows of ``symbol``'s rows (built once), plus the next session's; [] if unknown."""
        with self._lock:
            built = self._windows.get(symbol)
        if built is not None:
            return built
        venue = VENUES.get(symbol)
        rows = self._rows.get(symbol, [])
        built = build_windows(venue, rows) if venue is not None and rows else []
        with self._lock:
            self._windows[symbol] = built
        return built

    def _chart(self, symbol: str, query: Mapping[str, str], now: int) -> _Answer:
        windows = self.windows(symbol)
        if not windows:
            return _Answer(404, _JSON, NOT_FOUND_JSON.encode())
        venue = VENUES[symbol]
        interval = query.get("interval", "1d")
        if interval != "1d" and interval not in INTRADAY_MINUTES:
            served = ", ".join([*INTRADAY_MINUTES, "1d"])
            return _chart_error(
                400,
                "Bad Request",
                f"Invalid input - interval={interval} is not supported. Valid intervals: [{served}]",
            )
        span = query.get("range")
        has_period = "period1" in query or "period2" in query
        if span is None and not has_period:
            span = "1d"
        if span is not None and not has_period and span not in VALID_RANGES:
            return _chart_error(
                400,
                "Bad Request",
                f"Invalid input - range={span} is not supported. Valid ranges: {list(VALID_RANGES)}",
            )
        try:
            period1 = int(query["period1"]) if "period1" in query else None
            period2 = int(query["period2"]) if "period2" in query else None
        except ValueError:
            return _chart_error(400, "Bad Request", "Invalid input - period1 and period2 must be integers")
        prepost = query.get("includePrePost", "false").lower() == "true"
        # The current (open or paused) window, else the last one opened; -1 before the first.
        current = bisect.bisect_right([w.start for w in windows], now) - 1
        if current >= 0 and windows[current].row is None:
            current -= 1
        chart = _Chart(symbol, venue, windows, now, current)
        if interval == "1d":
            return chart.daily(span if not has_period else None, period1, period2)
        if interval == "1m" and has_period:
            low = period1 if period1 is not None else now
            high = period2 if period2 is not None else now
            if high - low > 8 * 86400:
                return _chart_error(
                    422,
                    "Unprocessable Entity",
                    f"1m data not available for startTime={low} and endTime={high}. "
                    "Only 8 days worth of 1m granularity data are allowed to be fetched per request.",
                )
            if low < now - 30 * 86400:
                return _chart_error(
                    422,
                    "Unprocessable Entity",
                    f"1m data not available for startTime={low} and endTime={high}. "
                    "The requested range must be within the last 30 days.",
                )
        return chart.intraday(interval, span if not has_period else None, period1, period2, prepost)


def _other(path: str, query: Mapping[str, str]) -> _Answer:
    """Yahoo's answers, for a symbol it does not know, on the endpoints yfinance falls back to when the
    chart gives no timezone (``Ticker.info``): the fake serves no quote data for any symbol. Any other path
    gets Yahoo's generic 404 JSON."""
    if path.startswith("/v10/finance/quoteSummary/"):
        symbol = unquote(path.rsplit("/", 1)[-1]).upper()
        error = {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"}
        return _json_answer(404, {"quoteSummary": {"result": None, "error": error}})
    if path.rstrip("/") == "/v7/finance/quote":
        return _json_answer(200, {"quoteResponse": {"result": [], "error": None}})
    if path.startswith("/ws/fundamentals-timeseries/"):
        return _json_answer(200, {"timeseries": {"result": [], "error": None}})
    return _Answer(404, _JSON, _OTHER_JSON.encode())


def _classify(host: str, path: str) -> tuple[RequestKind, str | None]:
    if host == "fc.yahoo.com":
        return "cookie", None
    if host.endswith("consent.yahoo.com") or host == "guce.yahoo.com":
        return "consent", None
    if host.startswith("query") and path.rstrip("/") == "/v1/test/getcrumb":
        return "crumb", None
    prefix = "/v8/finance/chart/"
    if host.startswith("query") and path.startswith(prefix) and len(path) > len(prefix):
        return "chart", unquote(path[len(prefix) :]).strip("/").upper()
    return "other", None


def _rows_by_symbol(bars: pd.DataFrame | None) -> dict[str, list[Row]]:
    if bars is None:
        from rotor.data.sources.bundled import load_bundled_bars

        bars = load_bundled_bars()
    rows: dict[str, list[Row]] = {}

    def number(value: object) -> float | None:
        x = float(value)  # type: ignore[arg-type]
        return None if math.isnan(x) else x

    frame = bars.sort_values(["symbol", "date"])
    for symbol, day, o, h, lo, c, v in zip(
        frame["symbol"],
        frame["date"],
        frame["open"],
        frame["high"],
        frame["low"],
        frame["close"],
        frame["volume"],
        strict=True,
    ):
        close = number(c)
        if close is None:
            continue
        rows.setdefault(str(symbol), []).append(
            Row(day.date(), number(o), number(h), number(lo), close, number(v))
        )
    return rows


def _tz_fields(zone: ZoneInfo, ts: int) -> tuple[str, int]:
    moment = datetime.fromtimestamp(ts, zone)
    offset = moment.utcoffset()
    return moment.tzname() or "", int(offset.total_seconds()) if offset is not None else 0


def _months_back(moment: datetime, months: int) -> datetime:
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


@dataclass
class _Chart:
    """One chart answer being put together (a symbol as of ``now``)."""

    symbol: str
    venue: Venue
    windows: list[Window]
    now: int
    current: int
    zone: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.venue.timezone)

    def state(self, index: int) -> Progress | None:
        return progress(self.windows[index], self.now) if 0 <= index < len(self.windows) else None

    def live(self) -> Progress | None:
        state = self.state(self.current)
        return state if state is not None and state.live else None

    # -- rows ---------------------------------------------------------------------------------------

    def daily_rows(self) -> list[tuple[int, int, Progress]]:
        """(timestamp, window index, values) of every row sent with ``interval=1d`` as of now."""
        out: list[tuple[int, int, Progress]] = []
        for index in range(self.current + 1):
            window = self.windows[index]
            state = progress(window, self.now)
            if state is None:
                continue
            if not state.live:
                out.append((window.stamp, index, state))
            elif self.venue.schedule == "day":
                before = Progress(
                    state.open,
                    state.high,
                    state.low,
                    state.close,
                    state.volume_before,
                    state.volume_before,
                    state.time,
                    True,
                    state.minute,
                    state.elapsed,
                )
                out.append((window.stamp, index, before))
                out.append((state.time, index, state))
            else:
                out.append((state.time, index, state))
        return out

    def first_session(self, span: str | None) -> int:
        """The first window index a ``range`` covers (sessions for 1d/5d)."""
        if span == "1d":
            return self.current
        if span == "5d":
            return self.current - 4
        return 0

    def range_start(self, span: str) -> int:
        now_local = datetime.fromtimestamp(self.now, self.zone)
        if span in _RANGE_MONTHS:
            return int(_months_back(now_local, _RANGE_MONTHS[span]).timestamp())
        if span == "ytd":
            return int(datetime(now_local.year, 1, 1, tzinfo=self.zone).timestamp())
        return -(2**62)

    def select(
        self,
        rows: list[tuple[int, int, Progress]],
        span: str | None,
        period1: int | None,
        period2: int | None,
    ) -> list[tuple[int, int, Progress]]:
        if span is None:
            low = period1 if period1 is not None else -(2**62)
            high = period2 if period2 is not None else 2**62
            return [r for r in rows if low <= r[0] < high]
        if span in ("1d", "5d"):
            first = self.first_session(span)
            return [r for r in rows if r[1] >= first]
        start = self.range_start(span)
        return [r for r in rows if r[0] >= start]

    # -- meta ---------------------------------------------------------------------------------------

    def period(self, start: int, end: int) -> dict[str, object]:
        name, offset = _tz_fields(self.zone, start)
        return {"timezone": name, "start": start, "end": end, "gmtoffset": offset}

    def periods(self, window: Window) -> dict[str, dict[str, object]]:
        """pre/regular/post of a window as Yahoo gives them (empty pre/post except for ETFs)."""
        if self.venue.extended:
            day = datetime.fromtimestamp(window.start, self.zone).date()
            pre_start = _at(day, _hm("04:00"), self.zone)
            post_end = _at(day, _hm("17:00") if day in NYSE_HALF_DAYS else _hm("20:00"), self.zone)
            pre, post = (pre_start, window.start), (window.end, post_end)
        else:
            pre, post = (window.start, window.start), (window.end, window.end)
        return {
            "pre": self.period(*pre),
            "regular": self.period(window.start, window.end),
            "post": self.period(*post),
        }

    def trading_period_window(self) -> Window:
        """The window whose session (pre to post) is in progress, else the next one."""
        for window in self.windows[max(self.current, 0) :]:
            periods = self.periods(window)
            end = periods["post"]["end"]
            assert isinstance(end, int)
            if self.now < end:
                return window
        return self.windows[-1]

    def meta(self, span: str | None, first_index: int | None) -> dict[str, object]:
        venue = self.venue
        tz_name, offset = _tz_fields(self.zone, self.now)
        first_stamp = self.windows[0].stamp
        meta: dict[str, object] = {
            "currency": "USD",
            "symbol": self.symbol,
            "exchangeName": venue.exchange_name,
            "fullExchangeName": venue.full_exchange_name,
            "instrumentType": venue.instrument_type,
            "firstTradeDate": first_stamp,
        }
        state = self.state(self.current)
        if state is not None:
            meta["regularMarketTime"] = state.time
        meta["hasPrePostMarketData"] = venue.extended
        meta["gmtoffset"] = offset
        meta["timezone"] = tz_name
        meta["exchangeTimezoneName"] = venue.timezone
        if state is not None:
            price = state.close
            if price is None:  # a live row without a path: the last settled close
                before = self.state(self.current - 1)
                price = before.close if before is not None else None
            meta["regularMarketPrice"] = price
            highs, lows = self.fifty_two_weeks()
            meta["fiftyTwoWeekHigh"] = highs
            meta["fiftyTwoWeekLow"] = lows
            meta["regularMarketDayHigh"] = state.high
            meta["regularMarketDayLow"] = state.low
            meta["regularMarketVolume"] = state.volume or 0
        if first_index is not None:
            before = self.state(first_index - 1)
            if before is not None and not before.live:
                meta["chartPreviousClose"] = before.close
        if span == "1d":
            previous = self.state(self.current - 1)
            if previous is not None:
                meta["previousClose"] = previous.close
                meta["scale"] = 3
        meta["priceHint"] = venue.price_hint
        meta["currentTradingPeriod"] = self.periods(self.trading_period_window())
        return meta

    def fifty_two_weeks(self) -> tuple[float | None, float | None]:
        since = self.now - 365 * 86400
        highs: list[float] = []
        lows: list[float] = []
        for index in range(self.current, -1, -1):
            window = self.windows[index]
            if window.end < since:
                break
            state = progress(window, self.now)
            if state is None:
                continue
            highs.extend(x for x in (state.high, state.close) if x is not None)
            lows.extend(x for x in (state.low, state.close) if x is not None)
        return (max(highs) if highs else None), (min(lows) if lows else None)

    def finish(
        self,
        meta: dict[str, object],
        span: str | None,
        granularity: str,
        stamps: list[int],
        quote: dict[str, Any],
    ) -> dict[str, object]:
        meta["dataGranularity"] = granularity
        meta["range"] = span or ""
        meta["validRanges"] = list(VALID_RANGES)
        result: dict[str, object] = {"meta": meta}
        if stamps:
            result["timestamp"] = stamps
            result["indicators"] = quote
        else:
            result["indicators"] = {"quote": [{}], **({"adjclose": [{}]} if granularity == "1d" else {})}
        return result

    # -- answers ------------------------------------------------------------------------------------

    def daily(self, span: str | None, period1: int | None, period2: int | None) -> _Answer:
        rows = self.select(self.daily_rows(), span, period1, period2)
        if rows:
            first_index: int | None = rows[0][1]
        elif span is not None:
            first_index = max(self.first_session(span), 0) if span in ("1d", "5d") else None
        else:
            low = period1 if period1 is not None else 0
            first_index = bisect.bisect_left([w.stamp for w in self.windows], low)
        meta = self.meta(span, first_index)
        states = [r[2] for r in rows]
        quote = {
            "quote": [
                {
                    "open": [s.open for s in states],
                    "high": [s.high for s in states],
                    "low": [s.low for s in states],
                    "close": [s.close for s in states],
                    "volume": [s.volume for s in states],
                }
            ],
            "adjclose": [{"adjclose": [s.close for s in states]}],
        }
        result = self.finish(meta, span, "1d", [r[0] for r in rows], quote)
        return _json_answer(200, {"chart": {"result": [result], "error": None}})

    def minute_bars(self, window: Window, state: Progress) -> list[tuple[int, float | None, int | None]]:
        """(time, price, volume) of each trading minute so far; price None for a minute without trades."""
        row = window.row
        assert row is not None
        bars: list[tuple[int, float | None, int | None]] = []
        last_cumulative = 0
        for j in range(state.minute + 1):
            stamp = window.minute_time(j)
            price = path_price(row, j, window.minutes)
            if price is None or j % NULL_MINUTE_EVERY == NULL_MINUTE_EVERY - 1:
                bars.append((stamp, None, None))
                continue
            cumulative = _volume(row, min(j + 1, state.elapsed), window.minutes)
            if cumulative is None:
                bars.append((stamp, price, None))
                continue
            bars.append((stamp, price, cumulative - last_cumulative))
            last_cumulative = cumulative
        return bars

    def served_session(self, prepost: bool) -> int:
        """The window index a ``range=1d`` intraday answer serves: the current (or last) window, or with
        pre/post for an extended venue the next one once its pre-market has begun (when the bundle has its
        row)."""
        index = self.current
        following = index + 1
        if (
            prepost
            and self.venue.extended
            and 0 <= following < len(self.windows)
            and self.windows[following].row is not None
        ):
            pre_start = self.periods(self.windows[following])["pre"]["start"]
            assert isinstance(pre_start, int)
            if self.now >= pre_start:
                return following
        return index

    def extended_bars(
        self, index: int, part: Literal["pre", "post"]
    ) -> list[tuple[int, float | None, int | None]]:
        """(time, price, volume) of each pre- or post-market minute of window ``index`` reached by now."""
        window = self.windows[index]
        row = window.row
        assert row is not None
        period = self.periods(window)[part]
        start, end = period["start"], period["end"]
        assert isinstance(start, int) and isinstance(end, int)
        minutes = (end - start) // 60
        if part == "pre":
            before = self.windows[index - 1].row if index > 0 else None
            first, last = (before.close if before is not None else None), row.open
        else:
            after = self.windows[index + 1].row if index + 1 < len(self.windows) else None
            first, last = row.close, (after.open if after is not None else None)
        bars: list[tuple[int, float | None, int | None]] = []
        for j in range(minutes):
            stamp = start + 60 * j
            if stamp > self.now:
                break
            price = extended_price(first, last, j, minutes)
            if price is None or j % NULL_MINUTE_EVERY == NULL_MINUTE_EVERY - 1:
                bars.append((stamp, None, None))
            else:
                bars.append((stamp, price, 0))
        return bars

    def intraday(
        self, interval: str, span: str | None, period1: int | None, period2: int | None, prepost: bool
    ) -> _Answer:
        index = self.served_session(prepost)
        window = self.windows[index] if 0 <= index < len(self.windows) else None
        state = self.state(index)
        extended = prepost and self.venue.extended and window is not None and window.row is not None
        if window is not None and state is None and not (extended and index != self.current):
            window = None  # nothing has traded yet (before the first window)
        bars = self.minute_bars(window, state) if window is not None and state is not None else []
        if extended and window is not None:
            bars = self.extended_bars(index, "pre") + bars
            if state is not None and not state.live:
                bars += self.extended_bars(index, "post")
        if span is None:
            low = period1 if period1 is not None else -(2**62)
            high = period2 if period2 is not None else 2**62
            bars = [b for b in bars if low <= b[0] < high]
        size = INTRADAY_MINUTES[interval]
        stamps: list[int] = []
        opens: list[float | None] = []
        highs: list[float | None] = []
        lows: list[float | None] = []
        closes: list[float | None] = []
        volumes: list[int | None] = []
        if window is not None:
            buckets: dict[int, list[tuple[int, float | None, int | None]]] = {}
            for bar in bars:
                buckets.setdefault((bar[0] - window.start) // (60 * size), []).append(bar)
            for number in sorted(buckets):
                members = buckets[number]
                traded = [b for b in members if b[1] is not None]
                stamps.append(window.start + number * 60 * size if size > 1 else members[0][0])
                prices = [b[1] for b in traded if b[1] is not None]
                opens.append(prices[0] if prices else None)
                highs.append(max(prices) if prices else None)
                lows.append(min(prices) if prices else None)
                closes.append(prices[-1] if prices else None)
                counted = [b[2] for b in traded if b[2] is not None]
                volumes.append(sum(counted) if counted else None)
        meta = self.meta(span, index if window is not None else None)
        if window is not None:
            periods = self.periods(window)
            if prepost:
                meta["tradingPeriods"] = {name: [[periods[name]]] for name in ("pre", "regular", "post")}
            else:
                meta["tradingPeriods"] = [[periods["regular"]]]
        quote = {"quote": [{"open": opens, "high": highs, "low": lows, "close": closes, "volume": volumes}]}
        result = self.finish(meta, span, interval, stamps, quote)
        return _json_answer(200, {"chart": {"result": [result], "error": None}})


__all__ = [
    "CRUMB",
    "FAULTS",
    "NOT_FOUND_JSON",
    "NYSE_HALF_DAYS",
    "NYSE_HOLIDAYS",
    "VENUES",
    "FakeYahoo",
    "FaultName",
    "LoggedRequest",
    "RequestKind",
    "RewritingSession",
    "Row",
    "Venue",
    "Window",
    "build_window",
    "build_windows",
    "extended_price",
    "keep_yahoo_cookies",
    "path_price",
    "progress",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run a FakeYahoo until interrupted (benchmarks and manual runs): ``python -m
    rotor.data.sources.fake_yahoo --port 8765 --offset SECONDS [--fail rate_limit] [--delay 0.1]
    [--speed 60] [--stream-rate 20]``.

    Its clock is the real clock plus ``--offset`` seconds, running ``--speed`` times as fast from the
    moment it starts (a benchmark computes the offset once and gives the same to rotor's clock, so both
    agree on "now"; see ``shifted_clock``). Prints its base URL on the first line; with ``--stream-rate``
    it also runs the fake price stream (``fake_stream.FakeStream``, that many frames a second, each
    frame's send time recorded) and prints its URL on the second line. On the way out it prints what it
    was asked, and the stream's send times, as JSON."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0] if main.__doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--offset", type=float, default=0.0, help="seconds added to the real clock")
    parser.add_argument("--fail", choices=FAULTS, help="a fault on every request")
    parser.add_argument("--fail-after", type=float, default=0.0, help="seconds before the fault starts")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds every answer waits (latency)")
    parser.add_argument("--retry-after", type=int, default=60, help="Retry-After of a 429, in seconds")
    parser.add_argument("--speed", type=float, default=1.0, help="how many times faster the clock runs")
    parser.add_argument(
        "--stream-rate", type=float, default=0.0, help="run the price stream: frames a second"
    )
    parser.add_argument(
        "--anchor", type=float, help="monotonic moment the fast clock starts from (default: now)"
    )
    args = parser.parse_args(argv)
    anchor = time.monotonic() if args.anchor is None else args.anchor
    clock = shifted_clock(args.offset, args.speed, anchor)
    server = FakeYahoo(
        clock,
        retry_after=args.retry_after,
        hang_seconds=args.delay if args.delay > 0 else None,
        port=args.port,
    )
    server.start()
    if args.delay > 0:
        server.fail("hang", kinds=list(get_args(RequestKind)))
    if args.fail:
        fault: FaultName = args.fail
        if args.fail_after > 0:
            timer = threading.Timer(args.fail_after, lambda: server.fail(fault))
            timer.daemon = True
            timer.start()
        else:
            server.fail(fault)
    print(server.base_url, flush=True)
    stream = None
    if args.stream_rate > 0:
        from rotor.data.sources.fake_stream import FakeStream

        stream = FakeStream(server, clock, rate=args.stream_rate, record_sends=True).start()
        print(stream.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sent: list[tuple[str, int, float]] = []
        if stream is not None:
            stream.stop()
            sent = [(symbol, millis, at) for (symbol, millis), at in stream.log.sent_at.items()]
        server.stop()
        # On the way out, what was asked and when each frame left (monotonic times, system-wide on Linux).
        log = [(r.time, r.kind, r.symbol, r.fault) for r in server.log]
        print(json.dumps({"log": log, "sent": sent}), flush=True)
    return 0


def shifted_clock(offset: float, speed: float, anchor: float) -> Callable[[], datetime]:
    """The real clock plus ``offset`` seconds, running ``speed`` times as fast from the monotonic moment
    ``anchor`` (two processes given the same three numbers agree on "now")."""
    base = datetime.now(UTC) - timedelta(seconds=time.monotonic() - anchor) + timedelta(seconds=offset)

    def clock() -> datetime:
        return base + timedelta(seconds=(time.monotonic() - anchor) * speed)

    return clock


if __name__ == "__main__":
    raise SystemExit(main())
