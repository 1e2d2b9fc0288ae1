"""Futures rolls: where a continuous front-month series (Yahoo's ``NG=F``, ``CL=F``) switched contracts.

A continuous series shows one contract until it expires, then the next one, without adjustment: the
change across the switch is the gap between two contracts, not a price move. rotor finds the switches
from the exchange's expiry calendar, one rule per contract, never from the prices themselves:

- ``NG=F`` (NYMEX Henry Hub natural gas): a contract's last trading day is the third business day
  before the first calendar day of its delivery month.
- ``CL=F`` (NYMEX light sweet crude oil, WTI): the third business day before the 25th calendar day of
  the month before the delivery month; the fourth when the 25th is not a business day.

Both list every calendar month, and the series shows the expiring contract through its last trading day
and the next one from the following session (checked on the bundled rows: NG=F closed at 7.460 on
2026-01-28, the February contract's last day, and at 3.918 on 2026-01-29, the March contract; CL=F shows
the May 2020 contract's last settlement, 10.01, on 2020-04-21 and the June contract from 2020-04-22). So
a roll is dated by the first session of the new contract in the series.

Business days are the series' own sessions (the days it has a close) up to its last loaded session, and
weekdays after it (an expiry still ahead of the data cannot be counted in sessions that do not exist yet).

The COMEX metals (GC=F, SI=F, HG=F) have no rule here: which delivery month Yahoo's series follows, and
when it switches, could not be established from the data (their volumes jump on dates that match neither
the last trading day nor first notice day consistently); their contract spreads are the cost of carry,
small next to a week's move, and they are documented as not adjusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
from rotor.data.snapshot import Roll

#: Month names for contract labels ("March 2026").
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class BusinessDays:
    """Business days for an expiry rule: the series' own sessions up to its last one, weekdays after."""

    def __init__(self, sessions: np.ndarray) -> None:
        self.sessions = np.asarray(sessions, dtype="datetime64[D]")
        self.last = self.sessions[-1] if len(self.sessions) else np.datetime64("1970-01-01", "D")

    def is_business_day(self, days: np.ndarray) -> np.ndarray:
        """Per day: a session (up to the last loaded one), or a weekday after it."""
        days = np.asarray(days, dtype="datetime64[D]")
        i = np.minimum(np.searchsorted(self.sessions, days), max(len(self.sessions) - 1, 0))
        known = (self.sessions[i] == days) if len(self.sessions) else np.zeros(days.shape, dtype=bool)
        return np.where(days > self.last, np.is_busday(days), known)

    def before(self, anchors: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Per anchor, its ``n``-th business day before it (``n=1``: the last one strictly before it); NaT
        when the loaded sessions do not reach back that far."""
        anchors = np.asarray(anchors, dtype="datetime64[D]")
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), anchors.shape)
        # Weekdays after the last loaded session, in [last + 1, anchor): an anchor just past the data.
        start = np.full(anchors.shape, self.last + 1)
        ahead = np.where(anchors > start, np.busday_count(start, np.maximum(anchors, start)), 0)
        from_ahead = np.busday_offset(
            np.maximum(anchors, start), -np.minimum(n, np.maximum(ahead, 1)), roll="forward"
        )
        stop = np.searchsorted(self.sessions, np.minimum(anchors, start))
        i = stop - (n - ahead)
        top = max(len(self.sessions) - 1, 0)
        known = self.sessions[np.clip(i, 0, top)] if len(self.sessions) else anchors
        out: np.ndarray = np.where(ahead >= n, from_ahead, np.where(i >= 0, known, np.datetime64("NaT")))
        return out.astype("datetime64[D]")


def ng_last_trade(years: np.ndarray, months: np.ndarray, days: BusinessDays) -> np.ndarray:
    """NYMEX NG: three business days before the first calendar day of the delivery month."""
    return days.before(_dates(years, months, 1), np.full(years.shape, 3))


def cl_last_trade(years: np.ndarray, months: np.ndarray, days: BusinessDays) -> np.ndarray:
    """NYMEX CL: three business days before the 25th of the month before delivery (four when the 25th is
    not a business day)."""
    prior_years, prior_months = np.where(months == 1, years - 1, years), np.where(months == 1, 12, months - 1)
    anchors = _dates(prior_years, prior_months, 25)
    return days.before(anchors, np.where(days.is_business_day(anchors), 3, 4))


def _dates(years: np.ndarray, months: np.ndarray, day: int) -> np.ndarray:
    """``datetime64[D]`` dates from year and month arrays and a day of the month."""
    month_starts = ((years - 1970) * 12 + (months - 1)).astype("datetime64[M]")
    out: np.ndarray = month_starts.astype("datetime64[D]") + np.timedelta64(day - 1, "D")
    return out


@dataclass(frozen=True, slots=True)
class RollRule:
    """How one continuous futures series rolls: its exchange's last-trading-day rule, in words and code
    (vectorized over delivery months)."""

    symbol: str
    contract: str
    rule: str
    last_trade: Callable[[np.ndarray, np.ndarray, BusinessDays], np.ndarray]


#: The roll rule of each continuous futures series rotor knows how to roll.
ROLL_RULES: dict[str, RollRule] = {
    "NG=F": RollRule(
        "NG=F",
        "NYMEX Henry Hub natural gas",
        "last trading day three business days before the first day of the delivery month",
        ng_last_trade,
    ),
    "CL=F": RollRule(
        "CL=F",
        "NYMEX WTI crude oil",
        "last trading day three business days before the 25th of the month before delivery "
        "(four when the 25th is not a business day)",
        cl_last_trade,
    ),
}


def contract_label(year: int, month: int) -> str:
    """A contract by its delivery month: ``March 2026``."""
    return f"{MONTHS[month - 1]} {year}"


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True, eq=False)
class RollSchedule:
    """The rolls of one series: ``rows`` (the row of each new contract's first session in the series'
    arrays, ascending) and the delivery month of the contract expiring before it (``years``, ``months``).
    ``on`` holds the rows' dates, for masks; ``roll(k)`` builds the ``k``-th ``Roll``."""

    days: np.ndarray
    closes: np.ndarray
    rows: np.ndarray
    years: np.ndarray
    months: np.ndarray

    @property
    def on(self) -> np.ndarray:
        on: np.ndarray = self.days[self.rows]
        return on

    def __len__(self) -> int:
        return len(self.rows)

    def roll(self, k: int) -> Roll:
        row, year, month = int(self.rows[k]), int(self.years[k]), int(self.months[k])
        on: date = self.days[row].astype(object)
        previous: date = self.days[row - 1].astype(object)
        return Roll(
            on=on,
            previous=previous,
            from_contract=contract_label(year, month),
            to_contract=contract_label(*_next_month(year, month)),
            last_close=float(self.closes[row - 1]),
            first_close=float(self.closes[row]),
        )

    def between(self, start: date, end: date) -> tuple[Roll, ...]:
        """The rolls with ``start < on <= end``, oldest first."""
        lo = int(np.searchsorted(self.on, np.datetime64(start, "D"), side="right"))
        hi = int(np.searchsorted(self.on, np.datetime64(end, "D"), side="right"))
        return tuple(self.roll(k) for k in range(lo, hi))


def find_rolls(symbol: str, days: np.ndarray, closes: np.ndarray) -> RollSchedule:
    """The rolls of ``symbol``'s continuous series inside its loaded sessions ``days`` (ascending
    ``datetime64[D]``, each with a close in ``closes``); none for a symbol without a rule.

    A contract expiring on day E (its rule's last trading day) is followed by the next contract from the
    first session after E: that session is the roll's ``on``, the one before it its ``previous``."""
    days = np.asarray(days, dtype="datetime64[D]")
    rule = ROLL_RULES.get(symbol)
    empty = np.zeros(0, dtype=np.int64)
    if rule is None or len(days) < 2:
        return RollSchedule(days, closes, empty, empty, empty)
    first_month = days[0].astype("datetime64[M]").astype(np.int64)
    last_month = days[-1].astype("datetime64[M]").astype(np.int64)
    delivery = np.arange(first_month, last_month + 3)  # months since 1970-01
    years, months = 1970 + delivery // 12, delivery % 12 + 1
    expiry = rule.last_trade(years, months, BusinessDays(days))
    ok = ~np.isnat(expiry) & (expiry >= days[0]) & (expiry < days[-1])
    rows = np.searchsorted(days, expiry[ok], side="right")
    keep = (rows > 0) & (rows < len(days))
    return RollSchedule(days, closes, rows[keep], years[ok][keep], months[ok][keep])


def crosses(on_days: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """For each change from the close of ``start[k]`` to the close of ``end[k]``: whether a roll falls in
    between (``start < roll.on <= end``), i.e. the change spans two contracts."""
    if len(on_days) == 0:
        return np.zeros(np.shape(end), dtype=bool)
    lo = np.searchsorted(on_days, np.asarray(start, dtype="datetime64[D]"), side="right")
    hi = np.searchsorted(on_days, np.asarray(end, dtype="datetime64[D]"), side="right")
    return np.asarray(hi > lo)
