"""Market hours: is an exchange open, about to open, just closed, or shut (and why) at a given moment.

Built on exchange-calendars. Importing it costs about 0.3 s and building one calendar about 0.14 s, so
this module imports it only inside the functions that need it (``LiveService.refresh`` calls them from
its worker thread); ``import rotor.data.sessions`` pulls in neither it nor pandas, and nothing on the
``rotor report --source snapshot`` path calls it. Calendars are built once per process and code (and
year: see ``calendar``).

Calendar codes (exchange-calendars names, see ``rotor.data.symbols``):

- ``XNYS``, the New York Stock Exchange, for cash indices, ETFs and sectors: 09:30-16:00 ET, early
  closes at 13:00 ET. Its extended hours (04:00-09:30 ET, and four hours after the close, to 20:00 ET or
  17:00 ET on an early-close day) are the ``pre`` and ``post`` states.
- ``CMES``, CME Globex, for the futures (gold, silver, crude, natural gas, copper). exchange-calendars
  models each session as 17:00 CT of the previous day to 17:00 CT (Sunday evening opens Monday's
  session), without Globex's daily 60-minute maintenance break; rotor ends each regular session at
  16:00 CT (17:00 ET), so the break and the Friday close are "closed". Early closes (12:00 CT on US
  holidays) are kept as the calendar has them.
- ``IEPA``, ICE Futures US, for the US Dollar Index (``DX-Y.NYB`` is ICE's index, whose futures trade
  there): sessions 20:00 ET of the previous day to 18:00 ET. exchange-calendars also knows it as ``ICE``
  (an alias); rotor uses the canonical code.

Other valid exchange-calendars codes work too (named by their code, without extended hours).

Labels give times in New York time ("ET") whatever the exchange, so one status line reads in one zone.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from rotor.data.snapshot import MarketState, MarketStateName

if TYPE_CHECKING:
    import pandas as pd

NEW_YORK: Final = ZoneInfo("America/New_York")

#: The refresh interval (seconds) rotor uses while a market trades, unless told otherwise.
DEFAULT_INTERVAL: Final = 60.0
#: The slowest refresh while every market is closed (seconds); see ``suggested_interval``.
CLOSED_INTERVAL: Final = 300.0
#: A quote may lag this long during an open session before it is stale, whatever the interval
#: (Yahoo delays some futures quotes by 10 minutes).
MIN_STALE_AFTER: Final = timedelta(minutes=15)
#: States in which prices can still change (extended hours count: closing prints and settlements arrive
#: after the close, and the first quotes of the day just after the open).
ACTIVE_STATES: Final[frozenset[MarketStateName]] = frozenset({"pre", "open", "post"})

_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class ExchangeProfile:
    """What rotor adds to an exchange-calendars calendar: a display name, extended hours before the open
    (``pre``) and after the close (``post``), and a break before each regular close (``halt``: trading
    stops that long before the calendar's regular close time)."""

    name: str
    pre: timedelta = timedelta(0)
    post: timedelta = timedelta(0)
    halt: timedelta = timedelta(0)


PROFILES: Final[Mapping[str, ExchangeProfile]] = {
    "XNYS": ExchangeProfile("NYSE", pre=timedelta(hours=5, minutes=30), post=timedelta(hours=4)),
    "CMES": ExchangeProfile("CME", halt=timedelta(hours=1)),
    "IEPA": ExchangeProfile("ICE"),
}

_BUILD_LOCK: Final = threading.Lock()


@functools.lru_cache(maxsize=16)
def calendar(code: str, year: int) -> Any:
    """The exchange-calendars calendar ``code`` covering ``year - 1`` to ``year + 1`` (built once per
    process and arguments; a short span builds faster than the library's default 20 years, and the
    year in the key keeps a long-running process correct past New Year). Raises what exchange-calendars
    raises, e.g. ``InvalidCalendarName``."""
    import exchange_calendars

    # The library's registry is not thread-safe; and with pandas 3.1 building a calendar emits
    # Pandas4Warnings (attributed to pandas' own modules) that would tear the TUI.
    with _BUILD_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return exchange_calendars.get_calendar(code, start=f"{year - 1}-01-01", end=f"{year + 1}-12-31")


def _utc(moment: pd.Timestamp) -> datetime:
    return moment.to_pydatetime().astimezone(UTC)


def _when(moment: datetime, now: datetime) -> str:
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


def _holiday(cal: Any, day: date) -> str | None:
    """The name of the regular holiday falling on ``day`` (observed date), if any."""
    return _holiday_names(cal.name, cal).get(day)


@functools.lru_cache(maxsize=16)
def _holiday_names(name: str, cal: Any) -> dict[date, str]:
    """Every regular holiday of the calendar's range by date (looked up once: the rules are slow)."""
    rules = cal.regular_holidays
    if rules is None:
        return {}
    names = rules.holidays(cal.first_session, cal.last_session, return_name=True)
    return {stamp.date(): str(label) for stamp, label in names.items()}


@dataclass(frozen=True)
class _Sessions:
    """A calendar's sessions as rotor uses them: opens and closes (UTC; closes shortened by the
    profile's halt) and whether each close is the regular one (``False``: an early close)."""

    calendar: Any
    profile: ExchangeProfile
    opens: pd.Series
    closes: pd.Series
    regular: pd.Series


@functools.lru_cache(maxsize=16)
def _sessions(code: str, year: int) -> _Sessions:
    import pandas as pd

    cal = calendar(code, year)
    profile = PROFILES.get(cal.name, ExchangeProfile(code))
    closes = cal.closes
    regular = closes.dt.tz_convert(cal.tz).dt.time == cal.close_times[-1][1]
    if profile.halt:
        closes = closes.where(~regular, closes - pd.Timedelta(profile.halt))
    return _Sessions(cal, profile, cal.opens, closes, regular)


def market_state(calendar_code: str, now: datetime) -> MarketState:
    """The state of ``calendar_code`` at ``now`` (timezone-aware).

    - ``open``: within a session (from its open, inclusive, to its close, exclusive);
    - ``pre`` / ``post``: within the profile's extended hours before the next open / after the last close
      (NYSE only);
    - ``closed``: otherwise, with the regular holiday's name when today (in the exchange's zone) is one.

    ``next_open`` is the first open after ``now`` (the next session's while open), ``next_close`` the
    close of the current or next session, both in UTC. Raises ``ValueError`` for a naive ``now`` or one
    outside the calendar, and whatever exchange-calendars raises for a bad code."""
    import pandas as pd

    if now.tzinfo is None:
        raise ValueError("market_state needs a timezone-aware time")
    sessions = _sessions(calendar_code, now.astimezone(UTC).year)
    profile, opens, closes = sessions.profile, sessions.opens, sessions.closes
    moment = pd.Timestamp(now).tz_convert("UTC")
    i = int(closes.searchsorted(moment, side="right"))  # the first session closing after now
    if i == 0 or i >= len(closes):
        raise ValueError(f"{now.isoformat()} is outside the {calendar_code} calendar")
    session_open = opens.iloc[i]
    next_close = _utc(closes.iloc[i])
    holiday: str | None = None
    state: MarketStateName
    if session_open <= moment:
        state = "open"
        next_open = _utc(opens.iloc[i + 1]) if i + 1 < len(opens) else None
    else:
        next_open = _utc(session_open)
        if profile.pre and moment >= session_open - pd.Timedelta(profile.pre):
            state = "pre"
        elif profile.post and moment < closes.iloc[i - 1] + pd.Timedelta(profile.post):
            state = "post"
        else:
            state = "closed"
            holiday = _holiday(sessions.calendar, now.astimezone(sessions.calendar.tz).date())
    name = profile.name
    if state == "open":
        early = "early close" if not sessions.regular.iloc[i] else "closes"
        label = f"{name} open, {early} {_when(next_close, now)}"
    else:
        opens_at = "opens " + (_when(next_open, now) if next_open is not None else "later")
        if state == "pre":
            label = f"{name} pre-market, {opens_at}"
        elif state == "post":
            label = f"{name} after hours, {opens_at}"
        else:
            label = f"{name} closed{f' ({holiday})' if holiday else ''}, {opens_at}"
    return MarketState(
        calendar=calendar_code,
        state=state,
        label=label,
        next_open=next_open,
        next_close=next_close,
        holiday=holiday,
    )


def market_states(codes: Iterable[str], now: datetime) -> tuple[dict[str, MarketState], list[str]]:
    """``market_state`` of each distinct code (in first-seen order), and notices for the ones that could
    not be computed (exchange-calendars missing or failing, an unknown code). Never raises."""
    states: dict[str, MarketState] = {}
    failed: dict[str, str] = {}
    for code in dict.fromkeys(codes):
        try:
            states[code] = market_state(code, now)
        except Exception as exc:  # any failure: the snapshot goes without market hours, never fails
            failed[code] = f"{type(exc).__name__}: {exc}"
    notices = [
        f"market hours unavailable for {', '.join(c for c, r in failed.items() if r == reason)}: {reason}"
        for reason in dict.fromkeys(failed.values())
    ]
    return states, notices


def stale_after(interval: float) -> timedelta:
    """How old a quote may be during an open session: ``max(3 * interval, 15 minutes)``."""
    return max(timedelta(seconds=3 * interval), MIN_STALE_AFTER)


def is_stale(
    last_update: datetime | date | None,
    state: MarketState | MarketStateName,
    now: datetime,
    interval: float = DEFAULT_INTERVAL,
) -> bool:
    """Whether a price has stopped updating when it should not have (intraday staleness).

    - While the market is ``open``: a quote time (timezone-aware) is stale when it is older than
      ``max(3 * interval, 15 minutes)`` (three missed refreshes, and never less than Yahoo's delay on
      futures quotes); a daily bar's date is stale when it is before today's New York date.
    - In ``pre``, ``post`` or ``closed``: never stale by this rule. Nothing trades, so a price that has
      not moved since the close is the right price. (A price missing a whole session is caught by the
      daily rule: a symbol without a bar for the snapshot's as-of session is stale.)
    - No update at all (``None``) is stale.
    """
    if last_update is None:
        return True
    name = state if isinstance(state, str) else state.state
    if name != "open":
        return False
    if isinstance(last_update, datetime):
        return now - last_update > stale_after(interval)
    return last_update < now.astimezone(NEW_YORK).date()


def suggested_interval(
    states: Iterable[MarketState], base_interval: float = DEFAULT_INTERVAL, now: datetime | None = None
) -> float:
    """Seconds until the next refresh.

    ``base_interval`` while any market is open or in extended hours (``pre``/``post``), or when no state
    is known; ``max(base_interval, 300)`` while every market is closed, and, given ``now``, no later
    than the earliest next open (but never sooner than ``base_interval``)."""
    known = list(states)
    if not known or any(s.state in ACTIVE_STATES for s in known):
        return base_interval
    slow = max(base_interval, CLOSED_INTERVAL)
    if now is not None:
        opens = [s.next_open for s in known if s.next_open is not None]
        if opens:
            until = (min(opens) - now).total_seconds()
            slow = min(slow, max(base_interval, until))
    return slow
