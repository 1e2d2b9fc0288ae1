"""The session model: which session of its own market a bar or a quote belongs to, whether that session
is trading or settled, and what each market is doing at a given moment. The one home of every rule about
market hours; nothing else in rotor looks at a clock and a calendar together.

Every instrument trades on a *venue* (``Symbol.venue``, see ``venue_code_for``):

- ``XNYS``, the New York Stock Exchange, for US cash indices, stocks and ETFs: 09:30-16:00 ET, early closes
  and holidays from exchange-calendars, pre-market from 04:00 and post-market for four hours after the
  close (to 20:00 ET, or 17:00 ET after an early close).
- ``CMES``, CME Globex, for the metal and energy futures; ``IEPA``, ICE Futures US, for the US Dollar
  Index. Their *trade dates* follow the exchange's convention, which is also how Yahoo dates their bars:
  a session opens the evening before its date (Sunday evening opens Monday's; CME at 18:00 ET, ICE at
  20:00 ET) and closes at 17:00 ET, before the daily break (exchange-calendars' sessions run to 18:00 ET;
  rotor ends them an hour earlier). A US holiday on which Globex trades until an early halt (Martin Luther
  King Day, Thanksgiving ...) is no trade date of its own: its trading counts toward the next one (the
  bundled Yahoo rows have no futures bar on those days), with the halt as a pause inside that session.
- Yahoo's own hours for ^TNX (07:00-14:00 Chicago time) and ^VIX (08:30-15:15 Chicago time) on NYSE days,
  replaced by the hours Yahoo publishes in the chart metadata (``currentTradingPeriod``) for the day they
  cover, when rotor has seen them (``TradingHours``). On an NYSE early-close day the default hours end no
  later than the NYSE close, plus VIX's usual 15 minutes.
- ``24/7`` for crypto pairs (sessions are UTC days), ``24/5`` for currency pairs, and the exchange of a
  watchlist ticker's suffix (``.T`` Tokyo ``XTKS``, ``.L`` London ``XLON``, ``.DE`` Xetra ``XETR``, ``.TO``
  Toronto ``XTSE``, ``.HK`` Hong Kong ``XHKG`` ...), with their lunch breaks as pauses.

Rules (each in one function here, each with its test in tests/data/test_sessions.py):

- ``Venue.session_at(moment)``: the session a trade at ``moment`` counts toward: the one whose span
  [open, close) holds it (pauses included); after a close on that session's own local date, that session
  (post-market, the daily break); otherwise the next session. So a futures bar stamped Sunday 19:00 ET is
  Monday's, one stamped 18:30 ET on a weekday is the next day's, and no bar is ever dated on a day that is
  not a session of its instrument.
- ``Session.settled(moment)``: a session's daily bar is final ``SETTLE_AFTER`` after its close (the
  official close, set by the closing auction, replaces the last trade within minutes). A settled bar is
  never replaced by a later session's partial one, nor by a partial one of its own.
- ``price_status``: how an instrument's last price relates to its market now (live, the last close,
  provisional, pre-open) and whether it is stale: stale only when its own market is trading and its price
  is old, or when it lacks the last session that has closed.
- ``fetch_start``: the first day the cache still needs for a symbol, or ``None`` when nothing can have
  changed since the last check (no request at all).

exchange-calendars is imported lazily (about 0.3 s, plus 0.14 s per calendar built), so importing this
module costs neither it nor pandas; the feed calls it from its worker thread. Labels give times in New
York time ("ET") whatever the venue, so the status line reads in one zone.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal
from zoneinfo import ZoneInfo

# The refresh intervals (while a market trades; while every market is closed), declared in settings.
from rotor.data.settings import CLOSED_INTERVAL as CLOSED_INTERVAL
from rotor.data.settings import DEFAULT_INTERVAL as DEFAULT_INTERVAL
from rotor.data.snapshot import MarketState, MarketStateName
from rotor.data.symbols import TNX_HOURS, VIX_HOURS

if TYPE_CHECKING:
    import pandas as pd

NEW_YORK: Final = ZoneInfo("America/New_York")
CHICAGO: Final = ZoneInfo("America/Chicago")

#: How long after its close a session's daily bar is final (the closing auction's price and the futures
#: settlement reach Yahoo within minutes).
SETTLE_AFTER: Final = timedelta(minutes=20)
#: A price may lag this long during an open session before it is stale, whatever the interval (Yahoo
#: delays some futures quotes by 10 minutes).
MIN_STALE_AFTER: Final = timedelta(minutes=15)
#: Where the history of a symbol the cache has never seen starts: all of it (Yahoo's whole daily history in
#: one request, once), so records and milestones reach back as far as the data does.
FULL_HISTORY: Final = date(1970, 1, 2)

PriceState = Literal["live", "close", "provisional", "pre-open", "none"]

_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the session model needs timezone-aware times")
    return moment.astimezone(UTC)


def when(moment: datetime, now: datetime) -> str:
    """``moment`` in New York time, with its weekday when not today and its date when a week or more
    away: ``16:00 ET``, ``Mon 09:30 ET``, ``Mon 4 Jan 09:30 ET``."""
    local = moment.astimezone(NEW_YORK)
    days = (local.date() - now.astimezone(NEW_YORK).date()).days
    clock = f"{local:%H:%M} ET"
    if days == 0:
        return clock
    weekday = _WEEKDAYS[local.weekday()]
    if 0 < days < 7:
        return f"{weekday} {clock}"
    return f"{weekday} {local.day} {_MONTHS[local.month - 1]} {clock}"


# -- sessions --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Session:
    """One session of a venue: its trade date, its span in UTC, whether it closes early, and the pauses
    inside the span (a holiday halt, a lunch break) during which nothing trades."""

    day: date
    open: datetime
    close: datetime
    early: bool = False
    pauses: tuple[tuple[datetime, datetime], ...] = ()

    def holds(self, moment: datetime) -> bool:
        """``moment`` lies within [open, close), pauses included."""
        return self.open <= moment < self.close

    def trading(self, moment: datetime) -> bool:
        """Trades happen at ``moment``: within the span and outside every pause."""
        return self.holds(moment) and not any(start <= moment < end for start, end in self.pauses)

    def pause_at(self, moment: datetime) -> tuple[datetime, datetime] | None:
        return next(((s, e) for s, e in self.pauses if s <= moment < e), None)

    def settled(self, moment: datetime) -> bool:
        """The daily bar of this session is final at ``moment`` (``SETTLE_AFTER`` after the close)."""
        return moment >= self.close + SETTLE_AFTER


@dataclass(frozen=True, slots=True)
class TradingHours:
    """A session's regular hours as Yahoo's chart metadata gives them (``currentTradingPeriod.regular``)."""

    start: datetime
    end: datetime


class Venue(ABC):
    """A market's sessions and what it is doing at a moment. Subclasses say how sessions are built; the
    rules that use them live here, once."""

    code: str
    name: str
    tz: ZoneInfo
    pre: timedelta = timedelta(0)
    post: timedelta = timedelta(0)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._years: dict[int, list[Session]] = {}

    @abstractmethod
    def _build(self, first: date, last: date) -> list[Session]:
        """Every session with a trade date in [first, last], in order."""

    def holiday(self, day: date) -> str | None:
        """The name of the holiday on ``day`` (the venue's local date), if it is one."""
        return None

    def _sessions_near(self, day: date) -> list[Session]:
        """Sessions from the start of the year before ``day`` to the end of the year after (built once per
        year and cached; enough to look one session back or ahead of any moment in ``day``'s year)."""
        with self._lock:
            cached = self._years.get(day.year)
            if cached is None:
                cached = self._build(date(day.year - 1, 1, 1), date(day.year + 1, 12, 31))
                self._years[day.year] = cached
            return cached

    def sessions(self, first: date, last: date) -> list[Session]:
        """Sessions with a trade date in [first, last]."""
        out: list[Session] = []
        for year in range(first.year, last.year + 1):
            for session in self._sessions_near(date(year, 6, 30)):
                if session.day.year == year and first <= session.day <= last:
                    out.append(session)
        return out

    def _around(self, moment: datetime) -> tuple[list[Session], int]:
        """The cached sessions near ``moment`` and the index of the first one closing after it."""
        sessions = self._sessions_near(moment.astimezone(self.tz).date())
        closes = [s.close for s in sessions]
        return sessions, bisect.bisect_right(closes, moment)

    def session(self, day: date) -> Session | None:
        """The session whose trade date is ``day``, if ``day`` is one."""
        sessions = self._sessions_near(day)
        days = [s.day for s in sessions]
        i = bisect.bisect_left(days, day)
        return sessions[i] if i < len(sessions) and sessions[i].day == day else None

    def current(self, moment: datetime) -> Session | None:
        """The session whose span holds ``moment`` (trading or paused), if any."""
        moment = _aware(moment)
        sessions, i = self._around(moment)
        if i < len(sessions) and sessions[i].holds(moment):
            return sessions[i]
        return None

    def last_closed(self, moment: datetime) -> Session | None:
        """The last session that closed at or before ``moment``."""
        moment = _aware(moment)
        sessions, i = self._around(moment)
        return sessions[i - 1] if i > 0 else None

    def next_session(self, moment: datetime) -> Session | None:
        """The first session opening after ``moment``."""
        moment = _aware(moment)
        sessions, i = self._around(moment)
        for session in sessions[i:]:
            if session.open > moment:
                return session
        return None

    def session_at(self, moment: datetime) -> Session | None:
        """The session a trade at ``moment`` counts toward (see the module docstring)."""
        moment = _aware(moment)
        sessions, i = self._around(moment)
        if i < len(sessions) and sessions[i].holds(moment):
            return sessions[i]
        local_day = moment.astimezone(self.tz).date()
        if i > 0 and sessions[i - 1].close.astimezone(self.tz).date() == local_day:
            return sessions[i - 1]  # after hours on the session's own day
        return sessions[i] if i < len(sessions) else None

    def trade_date(self, moment: datetime) -> date | None:
        """The trade date of a bar or quote stamped ``moment``."""
        session = self.session_at(moment)
        return session.day if session is not None else None

    def state(self, moment: datetime) -> MarketState:
        """What the venue is doing at ``moment``: ``open``, ``pre`` or ``post`` (extended hours),
        ``closed`` (with the holiday's name when today is one, or the pause's reason)."""
        moment = _aware(moment)
        current = self.current(moment)
        following = self.next_session(moment)
        if current is not None and current.trading(moment):
            next_open = following.open if following is not None else None
            halt = next((start for start, _ in current.pauses if start > moment), None)
            if halt is not None:  # a holiday halt or a lunch break comes before the close
                label = f"{self.name} open, halts {when(halt, moment)}"
                return MarketState(self.code, "open", label, next_open, halt)
            early = "early close" if current.early else "closes"
            label = f"{self.name} open, {early} {when(current.close, moment)}"
            return MarketState(self.code, "open", label, next_open, current.close)
        if current is not None:  # paused inside a session: a holiday halt or a lunch break
            pause = current.pause_at(moment)
            resumes = pause[1] if pause is not None else current.close
            holiday = self.holiday(moment.astimezone(self.tz).date())
            why = f" ({holiday})" if holiday else ""
            label = f"{self.name} halted{why}, reopens {when(resumes, moment)}"
            return MarketState(self.code, "closed", label, resumes, current.close, holiday)
        next_open = following.open if following is not None else None
        next_close = following.close if following is not None else None
        opens = "opens " + (when(next_open, moment) if next_open is not None else "later")
        state: MarketStateName = "closed"
        holiday = None
        previous = self.last_closed(moment)
        if self.pre and next_open is not None and moment >= next_open - self.pre:
            state = "pre"
        elif self.post and previous is not None and moment < self._post_end(previous):
            state = "post"
        else:
            holiday = self.holiday(moment.astimezone(self.tz).date())
        if state == "pre":
            label = f"{self.name} pre-market, {opens}"
        elif state == "post":
            label = f"{self.name} after hours, {opens}"
        else:
            label = f"{self.name} closed{f' ({holiday})' if holiday else ''}, {opens}"
        return MarketState(self.code, state, label, next_open, next_close, holiday)

    def extended_span(self, session: Session) -> tuple[datetime, datetime]:
        """``session``'s span with its extended hours: from ``pre`` before its open to the end of its
        post-market (the regular span on a venue without extended hours)."""
        return session.open - self.pre, self._post_end(session)

    def _post_end(self, session: Session) -> datetime:
        """When the post-market after ``session`` ends (shorter after an early close: to 17:00 ET)."""
        if session.early:
            return session.close + min(self.post, timedelta(hours=4))
        return session.close + self.post


class ExchangeVenue(Venue):
    """A venue whose sessions are an exchange-calendars calendar's (with its breaks as pauses)."""

    def __init__(
        self, code: str, name: str, *, pre: timedelta = timedelta(0), post: timedelta = timedelta(0)
    ) -> None:
        super().__init__()
        self.code = code
        self.name = name
        self.pre = pre
        self.post = post
        # The calendar's own zone (building the current year's calendar also checks the code exists).
        self.tz = ZoneInfo(str(calendar(code, datetime.now(UTC).year).tz))

    def _calendar(self, first: date) -> Any:
        return calendar(self.code, first.year + 1)

    def _build(self, first: date, last: date) -> list[Session]:
        return _exchange_sessions(self._calendar(first), first, last)

    def holiday(self, day: date) -> str | None:
        return holiday_names(self.code, day.year).get(day)


class TradeDateVenue(ExchangeVenue):
    """A futures venue dated by trade dates: exchange-calendars' sessions ended ``halt`` before their
    regular close (the daily break), and a session on a day the NYSE is closed merged into the next trade
    date, its halt becoming a pause (see the module docstring)."""

    def __init__(self, code: str, name: str, *, halt: timedelta, days: str = "XNYS") -> None:
        super().__init__(code, name)
        self.halt = halt
        self.days = days

    def _build(self, first: date, last: date) -> list[Session]:
        raw = _exchange_sessions(self._calendar(first), first, last + timedelta(days=7), halt=self.halt)
        trade_days = {s.day for s in _exchange_sessions(calendar(self.days, first.year + 1), first, last)}
        sessions: list[Session] = []
        carried: list[Session] = []
        for session in raw:
            if session.day not in trade_days:
                carried.append(session)  # its trading counts toward the next trade date
                continue
            parts = [*carried, session]
            carried = []
            pauses = tuple((before.close, after.open) for before, after in itertools.pairwise(parts))
            if session.day <= last:
                sessions.append(Session(session.day, parts[0].open, session.close, session.early, pauses))
        return sessions

    def holiday(self, day: date) -> str | None:
        return holiday_names(self.days, day.year).get(day) or super().holiday(day)


class YahooHoursVenue(Venue):
    """Sessions on the days of ``days`` with the hours Yahoo gives: a declared default (local times) or,
    for a day Yahoo's chart metadata covered, those hours (``with_hours``)."""

    def __init__(
        self,
        code: str,
        name: str,
        tz: ZoneInfo,
        regular: tuple[time, time],
        *,
        days: str = "XNYS",
        hours: Mapping[date, TradingHours] | None = None,
    ) -> None:
        super().__init__()
        self.code = code
        self.name = name
        self.tz = tz
        self.regular = regular
        self.days = days
        self.hours = dict(hours or {})

    def with_hours(self, hours: Mapping[date, TradingHours]) -> YahooHoursVenue:
        """The same venue using Yahoo's published hours for the days in ``hours``."""
        if all(self.hours.get(d) == h for d, h in hours.items()):
            return self
        return YahooHoursVenue(
            self.code, self.name, self.tz, self.regular, days=self.days, hours={**self.hours, **hours}
        )

    def _build(self, first: date, last: date) -> list[Session]:
        base = _exchange_sessions(calendar(self.days, first.year + 1), first, last)
        start, end = self.regular
        sessions = []
        for day_session in base:
            day = day_session.day
            published = self.hours.get(day)
            if published is not None:
                sessions.append(Session(day, published.start, published.end, day_session.early))
                continue
            opens = datetime.combine(day, start, self.tz).astimezone(UTC)
            closes = datetime.combine(day, end, self.tz).astimezone(UTC)
            if day_session.early:
                # An early close: end no later than the exchange does, plus any lag this venue has.
                regular_close = datetime.combine(day, time(16, 0), NEW_YORK).astimezone(UTC)
                closes = min(closes, day_session.close + max(timedelta(0), closes - regular_close))
            sessions.append(Session(day, opens, closes, day_session.early))
        return sessions

    def session(self, day: date) -> Session | None:
        # Published hours may change a day's span after the year was built: look them up first.
        published = self.hours.get(day)
        found = super().session(day)
        if published is not None and found is not None:
            return Session(day, published.start, published.end, found.early)
        return found

    def holiday(self, day: date) -> str | None:
        return holiday_names(self.days, day.year).get(day)


class AlwaysOpenVenue(Venue):
    """Around the clock, every day: sessions are UTC calendar days (how Yahoo dates crypto bars)."""

    code = "24/7"
    name = "Crypto"
    tz = ZoneInfo("UTC")

    def _build(self, first: date, last: date) -> list[Session]:
        days = (last - first).days + 1
        return [
            Session(
                first + timedelta(days=n),
                datetime.combine(first + timedelta(days=n), time(0), UTC),
                datetime.combine(first + timedelta(days=n + 1), time(0), UTC),
            )
            for n in range(days)
        ]


# -- exchange-calendars -------------------------------------------------------------------------------

_BUILD_LOCK: Final = threading.Lock()


@functools.lru_cache(maxsize=32)
def calendar(code: str, year: int) -> Any:
    """The exchange-calendars calendar ``code`` covering ``year - 2`` to ``year + 1`` (built once per
    process and arguments; a short span builds faster than the library's default 20 years, and the year
    in the key keeps a long-running process correct past New Year). Raises what exchange-calendars raises,
    e.g. ``InvalidCalendarName``."""
    import exchange_calendars

    # The library's registry is not thread-safe; and with pandas 3.1 building a calendar emits
    # Pandas4Warnings (attributed to pandas' own modules) that would tear the TUI.
    with _BUILD_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return exchange_calendars.get_calendar(code, start=f"{year - 2}-01-01", end=f"{year + 1}-12-31")


def _utc(stamp: pd.Timestamp) -> datetime:
    return stamp.to_pydatetime().astimezone(UTC)


def _exchange_sessions(cal: Any, first: date, last: date, halt: timedelta = timedelta(0)) -> list[Session]:
    """The calendar's sessions dated in [first, last] (clipped to its range), regular closes ended
    ``halt`` early, breaks as pauses."""
    import pandas as pd

    lo = max(pd.Timestamp(first), cal.first_session)
    hi = min(pd.Timestamp(last), cal.last_session)
    if lo > hi:
        return []
    days = cal.sessions_in_range(lo, hi)
    closes = cal.closes.loc[days]
    regular = (closes.dt.tz_convert(cal.tz).dt.time == cal.close_times[-1][1]).tolist()
    opens_utc = [_utc(t) for t in cal.opens.loc[days]]
    closes_utc = [_utc(t) for t in closes]
    pauses: list[tuple[tuple[datetime, datetime], ...]] = [()] * len(days)
    if cal.break_starts is not None and cal.break_ends is not None:
        starts, ends = cal.break_starts.loc[days], cal.break_ends.loc[days]
        pauses = [
            ((_utc(s), _utc(e)),) if pd.notna(s) and pd.notna(e) else ()
            for s, e in zip(starts, ends, strict=True)
        ]
    return [
        Session(
            day.date(),
            opens_utc[n],
            closes_utc[n] - (halt if regular[n] else timedelta(0)),
            not regular[n],
            pauses[n],
        )
        for n, day in enumerate(days)
    ]


@functools.lru_cache(maxsize=32)
def holiday_names(code: str, year: int) -> dict[date, str]:
    """The calendar's regular holidays around ``year`` by date (looked up once: the rules are slow)."""
    cal = calendar(code, year + 1)
    rules = cal.regular_holidays
    if rules is None:
        return {}
    names = rules.holidays(cal.first_session, cal.last_session, return_name=True)
    return {stamp.date(): str(label) for stamp, label in names.items()}


# -- venues ------------------------------------------------------------------------------------------------

#: Watchlist suffixes (Yahoo's) and the exchange-calendars code of their exchange.
SUFFIX_VENUES: Final[Mapping[str, str]] = {
    ".T": "XTKS",
    ".L": "XLON",
    ".DE": "XETR",
    ".F": "XFRA",
    ".PA": "XPAR",
    ".AS": "XAMS",
    ".BR": "XBRU",
    ".LS": "XLIS",
    ".MI": "XMIL",
    ".MC": "XMAD",
    ".SW": "XSWX",
    ".ST": "XSTO",
    ".OL": "XOSL",
    ".CO": "XCSE",
    ".HE": "XHEL",
    ".IR": "XDUB",
    ".VI": "XWBO",
    ".WA": "XWAR",
    ".TO": "XTSE",
    ".V": "XTSX",
    ".HK": "XHKG",
    ".AX": "XASX",
    ".NZ": "XNZE",
    ".KS": "XKRX",
    ".TW": "XTAI",
    ".SS": "XSHG",
    ".SI": "XSES",
    ".NS": "XBOM",
    ".BO": "XBOM",
    ".JO": "XJSE",
    ".SA": "BVMF",
    ".MX": "XMEX",
    ".IS": "XIST",
    ".TA": "XTAE",
}
#: Quote currencies of Yahoo's crypto pairs (``BTC-USD``).
CRYPTO_QUOTES: Final = ("USD", "USDT", "USDC", "EUR", "GBP", "JPY", "BTC", "ETH")


def venue_code_for(ticker: str) -> str:
    """The venue of a Yahoo ticker rotor does not declare itself (a watchlist symbol): crypto pairs
    ``24/7``, currency pairs (``=X``) ``24/5``, other futures (``=F``) CME, an exchange suffix its
    exchange, anything else the NYSE (US stocks)."""
    upper = ticker.upper()
    if upper.endswith("=X"):
        return "24/5"
    if upper.endswith("=F"):
        return "CMES"
    if "-" in upper and upper.rsplit("-", 1)[1] in CRYPTO_QUOTES:
        return "24/7"
    if "." in upper:
        suffix = "." + upper.rsplit(".", 1)[1]
        if suffix in SUFFIX_VENUES:
            return SUFFIX_VENUES[suffix]
    return "XNYS"


_NAMES: Final[Mapping[str, str]] = {
    "XNYS": "NYSE",
    "CMES": "CME",
    "IEPA": "ICE",
    "24/5": "FX",
    "XTKS": "Tokyo",
    "XLON": "London",
    "XETR": "Xetra",
    "XTSE": "Toronto",
    "XHKG": "Hong Kong",
}


@functools.lru_cache(maxsize=64)
def venue(code: str) -> Venue:
    """The venue for a code (built once per process). Raises ``ValueError`` for a code nobody knows."""
    if code == "24/7":
        return AlwaysOpenVenue()
    if code == TNX_HOURS:
        return YahooHoursVenue(code, "TNX", CHICAGO, (time(7, 0), time(14, 0)))
    if code == VIX_HOURS:
        return YahooHoursVenue(code, "VIX", CHICAGO, (time(8, 30), time(15, 15)))
    if code == "XNYS":
        return ExchangeVenue(code, "NYSE", pre=timedelta(hours=5, minutes=30), post=timedelta(hours=4))
    if code in ("CMES", "IEPA"):
        return TradeDateVenue(code, _NAMES[code], halt=timedelta(hours=1))
    try:
        return ExchangeVenue(code, _NAMES.get(code, code))
    except Exception as exc:  # an unknown code, or exchange-calendars failing
        raise ValueError(f"no market calendar {code!r}: {type(exc).__name__}: {exc}") from exc


def venue_with_hours(code: str, hours: Mapping[date, TradingHours]) -> Venue:
    """``venue(code)``, using Yahoo's published hours where the venue follows them."""
    return _venue_with_hours(code, tuple(sorted(hours.items())))


@functools.lru_cache(maxsize=32)
def _venue_with_hours(code: str, hours: tuple[tuple[date, TradingHours], ...]) -> Venue:
    # Cached: a venue with published hours builds its sessions once, not on every refresh.
    base = venue(code)
    if isinstance(base, YahooHoursVenue) and hours:
        return base.with_hours(dict(hours))
    return base


def market_states(
    codes: Iterable[str], now: datetime, hours: Mapping[str, Mapping[date, TradingHours]] | None = None
) -> tuple[dict[str, MarketState], list[str]]:
    """The state of each distinct venue (in first-seen order) at ``now``, and notices for the ones that
    could not be computed (exchange-calendars missing or failing, an unknown code). Never raises."""
    states: dict[str, MarketState] = {}
    failed: dict[str, str] = {}
    for code in dict.fromkeys(codes):
        try:
            states[code] = venue_with_hours(code, (hours or {}).get(code, {})).state(now)
        except Exception as exc:  # any failure: the snapshot goes without that market's hours
            failed[code] = f"{type(exc).__name__}: {exc}"
    notices = [
        f"market hours unavailable for {', '.join(c for c, r in failed.items() if r == reason)}: {reason}"
        for reason in dict.fromkeys(failed.values())
    ]
    return states, notices


# -- prices and their sessions ----------------------------------------------------------------------------


def stale_after(interval: float) -> timedelta:
    """How old a price may be while its market trades: ``max(3 * interval, 15 minutes)``."""
    return max(timedelta(seconds=3 * interval), MIN_STALE_AFTER)


@dataclass(frozen=True, slots=True)
class PriceStatus:
    """How an instrument's last price relates to its market at a moment.

    ``state``: ``live`` (its session is trading and the price is from it), ``close`` (the final close of
    the last session; the market is not trading), ``provisional`` (the session closed less than
    ``SETTLE_AFTER`` ago: the official close may still replace it), ``pre-open`` (the market trades, or
    is paused, in a session rotor has no price from yet: the price shown is the previous session's), or
    ``none`` (no price). ``stale`` with its ``reason`` when the price is not what the market says now."""

    state: PriceState
    stale: bool = False
    reason: str | None = None
    session: date | None = None


def price_status(
    market: Venue, last_day: date | None, quote_time: datetime | None, now: datetime, interval: float
) -> PriceStatus:
    """The status of a price whose last bar is dated ``last_day`` and whose last quote (if any) was
    stamped ``quote_time``, at ``now`` (see ``PriceStatus``).

    Stale only when (a) its own market is trading, the price belongs to the session in progress and the
    quote is older than ``stale_after(interval)``; (b) the market has traded in the current session for
    longer than that with no price from it; or (c) the market is not trading and the last session that
    closed is missing. A quiet price on a closed market is never stale."""
    now = _aware(now)
    if last_day is None:
        return PriceStatus("none", True, "no data")
    limit = stale_after(interval)
    current = market.current(now)
    if current is not None:
        if last_day >= current.day:
            if not current.trading(now):
                return PriceStatus("live", False, None, current.day)  # paused within its session
            if quote_time is not None and now - quote_time > limit:
                age = _age(now - quote_time)
                return PriceStatus("live", True, f"no new price for {age} while {market.name} trades")
            return PriceStatus("live", False, None, current.day)
        traded = now - current.open
        previous = market.last_closed(now)
        if previous is not None and last_day < previous.day:
            return PriceStatus("pre-open", True, f"no bar for {previous.day.isoformat()}", current.day)
        if traded > limit and current.trading(now):
            why = f"no price from the session of {current.day.isoformat()} after {_age(traded)}"
            return PriceStatus("pre-open", True, why, current.day)
        return PriceStatus("pre-open", False, None, current.day)
    previous = market.last_closed(now)
    if previous is None or last_day >= previous.day:
        settled = previous is None or previous.settled(now) or last_day > previous.day
        return PriceStatus("close" if settled else "provisional", False, None, last_day)
    return PriceStatus("close", True, f"no bar for {previous.day.isoformat()}", last_day)


def _age(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def fetch_start(market: Venue, checked_through: date | None, now: datetime) -> date | None:
    """The first trade date a symbol still needs from the source at ``now``, or ``None`` when nothing can
    have changed: every session after ``checked_through`` (the last session known final in the cache)
    that has opened by now. A symbol never checked needs its whole history (``FULL_HISTORY``)."""
    now = _aware(now)
    if checked_through is None:
        return FULL_HISTORY
    following = market.sessions(checked_through + timedelta(days=1), now.date() + timedelta(days=2))
    started = [s for s in following if s.open <= now]
    return started[0].day if started else None


def checked_through(market: Venue, now: datetime) -> date | None:
    """The last session whose daily bar is final at ``now``: what a successful fetch at ``now`` has
    checked (whether or not the source had a bar for it)."""
    now = _aware(now)
    previous = market.last_closed(now)
    while previous is not None and not previous.settled(now):
        previous = market.last_closed(previous.open)
    return previous.day if previous is not None else None


@dataclass(frozen=True)
class Markets:
    """The venues of a set of instruments, resolved once per refresh (with Yahoo's published hours)."""

    by_symbol: Mapping[str, Venue]
    problems: Sequence[str] = field(default_factory=tuple)

    def __getitem__(self, symbol: str) -> Venue:
        return self.by_symbol[symbol]

    def get(self, symbol: str) -> Venue | None:
        return self.by_symbol.get(symbol)


def resolve_markets(
    venues: Mapping[str, str], hours: Mapping[str, Mapping[date, TradingHours]] | None = None
) -> Markets:
    """Per symbol (``venues``: symbol -> venue code), its ``Venue`` with Yahoo's published hours
    (``hours``: symbol -> day -> hours); a symbol whose venue cannot be built is left out, with a notice.
    Never raises."""
    out: dict[str, Venue] = {}
    failed: dict[str, list[str]] = {}
    for symbol, code in venues.items():
        try:
            out[symbol] = venue_with_hours(code, (hours or {}).get(symbol, {}))
        except Exception as exc:  # no calendar: the symbol goes without sessions, never fails the refresh
            failed.setdefault(f"{type(exc).__name__}: {exc}", []).append(symbol)
    problems = tuple(f"market hours unavailable for {', '.join(s)}: {why}" for why, s in failed.items())
    return Markets(out, problems)
