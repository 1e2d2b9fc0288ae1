"""One-minute bars of a symbol's current or last session (the detail screen's 1D), dated by the session
model, and how long the feed keeps them.

Yahoo's one-minute chart (``YahooSource.intraday``, ``range=1d``) is the current session, or the last one
when none is in progress, with pre- and post-market minutes for US stocks and ETFs
(``has_extended_hours``). Each minute is dated by its venue (``Venue.session_at``: a pre-market minute
counts toward the session that opens after it, a post-market one toward the session that closed before it
that day); the latest session among them is kept, and each of its minutes is told ``pre``, ``regular`` or
``post`` by that session's open and close. Minutes outside the session's span (with its extended hours
where it has them) are dropped; so are minutes of older sessions.

Caching (``IntradayCache``, in the feed's memory, never in SQLite: the bars are short-lived and a new
process asks once): a symbol's chart is kept until ``fresh_until``, ``INTRADAY_TTL`` (60 s) after it was
fetched while its market is in a session or in its extended hours, and otherwise until the next session's
first minute (its pre-market where it has one), at least 60 s. So opening the 1D chart again within a
minute, or at any time over a weekend, sends no request. A failure is not kept; the source's backoff
keeps a failing Yahoo from being asked on every key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

from rotor.data.errors import ProviderError
from rotor.data.ticks import EXTENDED_KINDS

if TYPE_CHECKING:
    from rotor.data.sessions import Session, Venue
    from rotor.data.symbols import Symbol

Part = Literal["pre", "regular", "post"]

#: How long a chart fetched while its market trades (or is in its extended hours) is kept.
INTRADAY_TTL: Final = timedelta(seconds=60)


def has_extended_hours(symbol: Symbol) -> bool:
    """US stocks and ETFs (on the NYSE's calendar) trade pre- and post-market; indices, futures and
    other exchanges' listings are charted in their regular session only."""
    return symbol.kind in EXTENDED_KINDS and symbol.venue == "XNYS"


@dataclass(frozen=True, slots=True)
class MinuteBar:
    """One minute's close (the last trade in it), its UTC time and the part of the session it is in."""

    time: datetime
    close: float
    part: Part


@dataclass(frozen=True, eq=False)
class IntradayChart:
    """The minutes of one session of ``symbol`` (oldest first) and the span they are drawn on: ``start``
    to ``end`` (with the extended hours where the symbol has them), the regular hours ``open`` to
    ``close``; the previous session's close (``previous_day``), what the change is measured from; when it
    was fetched and with how many requests."""

    symbol: str
    session: date
    bars: tuple[MinuteBar, ...]
    start: datetime
    open: datetime
    close: datetime
    end: datetime
    previous_close: float | None
    previous_day: date | None
    fetched_at: datetime
    requests: int
    extended: bool

    @property
    def last(self) -> MinuteBar:
        return self.bars[-1]

    @property
    def change_pct(self) -> float | None:
        """The last minute's close against the previous session's close, in percent."""
        base = self.previous_close
        if base is None or not base > 0:
            return None
        return 100.0 * (self.last.close / base - 1.0)

    def part(self, part: Part) -> tuple[MinuteBar, ...]:
        return tuple(b for b in self.bars if b.part == part)


Row = tuple[datetime, float | None, float | None, float | None, float, float | None]
#: The previous session's (day, close) before a trade date, from the feed's daily bars.
PreviousClose = Callable[[date], tuple[date, float] | None]


def part_of(session: Session, moment: datetime) -> Part:
    if moment < session.open:
        return "pre"
    return "post" if moment >= session.close else "regular"


def intraday_chart(
    symbol: str,
    rows: Sequence[Row],
    market: Venue,
    *,
    extended: bool,
    previous: PreviousClose,
    fetched_at: datetime,
    requests: int,
) -> IntradayChart:
    """The chart of the latest session among ``rows`` (a one-minute chart's bars: time, open, high, low,
    close, volume), dated by ``market`` (see the module docstring). Raises ``ProviderError`` when no
    minute falls in a session of it."""
    dated: list[tuple[Session, datetime, float]] = []
    for row in rows:
        moment, close = row[0], row[4]
        session = market.session_at(moment)
        if session is not None:
            dated.append((session, moment, close))
    if not dated:
        raise ProviderError("no one-minute bar of Yahoo's falls in a session of its market", symbol)
    session = max((s for s, _, _ in dated), key=lambda s: s.day)
    start, end = market.extended_span(session) if extended else (session.open, session.close)
    bars = tuple(
        MinuteBar(moment, close, part_of(session, moment))
        for s, moment, close in sorted(dated, key=lambda d: d[1])
        if s.day == session.day and start <= moment < end
    )
    if not bars:
        raise ProviderError(f"no one-minute bar within the session of {session.day.isoformat()}", symbol)
    before = previous(session.day)
    return IntradayChart(
        symbol=symbol,
        session=session.day,
        bars=bars,
        start=start,
        open=session.open,
        close=session.close,
        end=end,
        previous_close=before[1] if before is not None else None,
        previous_day=before[0] if before is not None else None,
        fetched_at=fetched_at,
        requests=requests,
        extended=extended,
    )


def fresh_until(market: Venue, now: datetime, *, extended: bool) -> datetime:
    """Until when a chart fetched at ``now`` is kept (see the module docstring)."""
    soon = now + INTRADAY_TTL
    current = market.current(now)
    if current is not None:
        return soon
    if extended:
        following = market.next_session(now)
        previous = market.last_closed(now)
        if previous is not None:
            _, post_end = market.extended_span(previous)
            if now < post_end:
                return soon  # in the post-market
        if following is not None:
            return max(soon, market.extended_span(following)[0])
        return soon
    following = market.next_session(now)
    return max(soon, following.open) if following is not None else soon


class IntradayCache:
    """Each symbol's last chart and until when it is kept (``fresh_until``). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._charts: dict[str, tuple[IntradayChart, datetime]] = {}

    def get(self, symbol: str, now: datetime) -> IntradayChart | None:
        """The chart of ``symbol`` while it is kept, else ``None``."""
        with self._lock:
            kept = self._charts.get(symbol)
        if kept is None or now >= kept[1]:
            return None
        return kept[0]

    def put(self, chart: IntradayChart, until: datetime) -> None:
        with self._lock:
            self._charts[chart.symbol] = (chart, until)
