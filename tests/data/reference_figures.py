"""Plain-Python references for the history figures (milestones, records, rolls, the week's closes), computed
from the raw rows of bundled_rows.py with loops over dates and floats: no numpy, no pandas, nothing from
the code under test. The tests compare rotor's figures with these."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from bundled_rows import Rows, raw_rows, searched_rows

#: Tickers whose milestones search the deep history (the milestone groups: indices, ETFs, commodities,
#: rates) and the stock indices that get best/worst-day milestones.
DEEP = (
    *("^GSPC", "^IXIC", "^DJI", "^RUT", "^VIX", "SPY", "QQQ", "IWM", "RSP"),
    *("GC=F", "SI=F", "CL=F", "NG=F", "HG=F", "^TNX", "DX-Y.NYB"),
)
STOCK_INDICES = ("^GSPC", "^IXIC", "^DJI", "^RUT")


def upto(rows: Rows, day: date) -> Rows:
    return [r for r in rows if r[0] <= day]


def history(ticker: str, day: date) -> Rows:
    """The searched history of ``ticker`` up to ``day`` (deep history joined for the milestone groups)."""
    return upto(searched_rows(ticker) if ticker in DEEP else raw_rows(ticker), day)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def pct(a: float, b: float) -> float:
    return 100.0 * (a / b - 1.0)


# --- futures rolls: the exchange rules, counted in the series' own sessions ----------------------------


def nth_business_day_before(sessions: list[date], known: set[date], anchor: date, n: int) -> date | None:
    """The n-th business day before ``anchor``: the series' sessions (``known``) up to its last one,
    weekdays after it."""
    found = 0
    day = anchor
    while True:
        day -= timedelta(days=1)
        if day < sessions[0]:
            return None
        if (day.weekday() < 5) if day > sessions[-1] else (day in known):
            found += 1
            if found == n:
                return day


def last_trading_day(
    ticker: str, year: int, month: int, sessions: list[date], known: set[date]
) -> date | None:
    """NG: 3 business days before the 1st of the delivery month. CL: 3 business days before the 25th of
    the month before it, 4 when the 25th is not a business day."""
    if ticker == "NG=F":
        return nth_business_day_before(sessions, known, date(year, month, 1), 3)
    prior = date(year - 1, 12, 25) if month == 1 else date(year, month - 1, 25)
    business = prior.weekday() < 5 if prior > sessions[-1] else prior in known
    return nth_business_day_before(sessions, known, prior, 3 if business else 4)


@dataclass(frozen=True)
class RefRoll:
    on: date
    previous: date
    from_month: tuple[int, int]
    last_close: float
    first_close: float


def rolls(ticker: str, rows: Rows) -> list[RefRoll]:
    """Every roll inside ``rows``: the first session after each contract's last trading day."""
    if ticker not in ("NG=F", "CL=F"):
        return []
    sessions = [d for d, _ in rows]
    known = set(sessions)
    out = []
    year, month = sessions[0].year, sessions[0].month
    end = sessions[-1]
    while (year, month) <= (end.year + (end.month + 1) // 12, (end.month + 1) % 12 + 1):
        expiry = last_trading_day(ticker, year, month, sessions, known)
        if expiry is not None and sessions[0] <= expiry < end:
            k = next(i for i, d in enumerate(sessions) if d > expiry)
            out.append(RefRoll(sessions[k], sessions[k - 1], (year, month), rows[k - 1][1], rows[k][1]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def spans_roll(roll_days: list[date], start: date, end: date) -> bool:
    return any(start < d <= end for d in roll_days)


# --- weekly and daily moves --------------------------------------------------------------------------------


def weekly_closes(rows: Rows) -> Rows:
    """The last close of each Monday-Sunday week (ISO weeks), oldest first."""
    weeks: dict[tuple[int, int], tuple[date, float]] = {}
    for d, c in rows:
        weeks[d.isocalendar()[:2]] = (d, c)
    return list(weeks.values())


def weekly_moves(ticker: str, rows: Rows) -> list[tuple[date, float, bool]]:
    """(week end, % move from the previous week's last close, spans a roll) for every week."""
    roll_days = [r.on for r in rolls(ticker, rows)]
    return [
        (b[0], pct(b[1], a[1]), spans_roll(roll_days, a[0], b[0])) for a, b in pairwise(weekly_closes(rows))
    ]


def largest_weekly_move(ticker: str, day: date) -> tuple[float, date, date | None] | None:
    """(the week's move, its end, the end of the last earlier week with a larger move the same way);
    weeks spanning a roll left out; ``None`` when the week spans one or is flat."""
    moves = weekly_moves(ticker, history(ticker, day))
    end, current, rolled = moves[-1]
    if rolled or current == 0:
        return None
    since = None
    for d, m, r in moves[:-1]:
        if not r and ((current > 0 and m > current) or (current < 0 and m < current)):
            since = d
    return current, end, since


def zscore(ticker: str, day: date) -> float | None:
    moves = weekly_moves(ticker, history(ticker, day))
    end, current, rolled = moves[-1]
    if rolled or monday(end) != monday(day):
        return None
    earlier = [m for _, m, r in moves[:-1] if not r]
    return (current - statistics.fmean(earlier)) / statistics.stdev(earlier)


def daily_moves(ticker: str, rows: Rows) -> list[tuple[date, float]]:
    roll_days = [r.on for r in rolls(ticker, rows)]
    return [(b[0], pct(b[1], a[1])) for a, b in pairwise(rows) if not spans_roll(roll_days, a[0], b[0])]


def week_extremes_days(ticker: str, day: date) -> list[tuple[str, float, date, date | None]]:
    """(worst/best, the move, its day, the last earlier day with a larger move the same way) of the
    week's worst and best sessions."""
    moves = daily_moves(ticker, history(ticker, day))
    week = [(d, m) for d, m in moves if d >= monday(day)]
    out = []
    for word, pick in (("worst", min), ("best", max)):
        d, m = pick(week, key=lambda item: item[1])
        if m == 0 or (word == "worst") != (m < 0):
            continue
        since = None
        for d2, m2 in moves:
            if d2 >= d:
                break
            if (m > 0 and m2 > m) or (m < 0 and m2 < m):
                since = d2
        out.append((word, m, d, since))
    return out


# --- levels ----------------------------------------------------------------------------------------------


def record(ticker: str, day: date) -> tuple[float, date]:
    """The highest close and the first day it was reached."""
    rows = history(ticker, day)
    best = max(c for _, c in rows)
    return best, next(d for d, c in rows if c == best)


def week_high_low_since(ticker: str, day: date) -> dict[str, tuple[float, date, date | None]]:
    """For the week's highest and lowest close: (close, day, last earlier day at least as high / low)."""
    rows = history(ticker, day)
    week = [(d, c) for d, c in rows if d >= monday(day)]
    out = {}
    for word, pick, better in (
        ("highest", max, lambda a, b: a >= b),
        ("lowest", min, lambda a, b: a <= b),
    ):
        value = pick(c for _, c in week)
        on = next(d for d, c in week if c == value)
        since = None
        for d, c in rows:
            if d >= on:
                break
            if better(c, value):
                since = d
        out[word] = (value, on, since)
    return out


def round_step(price: float) -> float:
    return 10.0 ** math.floor(math.log10(price))


def level_cross(ticker: str, day: date, lookback: int = 21) -> tuple[float, date] | None:
    """The highest multiple of the last close's power-of-ten step whose first close above it in the
    searched history lies within the last ``lookback`` sessions."""
    rows = history(ticker, day)
    step = round_step(rows[-1][1])
    window = rows[-lookback:]
    top = math.floor(max(c for _, c in window) / step)
    bottom = math.floor(min(c for _, c in window) / step)
    for k in range(top, bottom - 1, -1):
        level = k * step
        if level <= 0:
            break
        first = next((d for d, c in rows if c > level), None)
        if first is not None and first >= window[0][0]:
            return level, first
    return None


def near_levels(last: float, within: float = 1.0) -> list[tuple[float, float]]:
    """(level, % distance) of the multiples of the power-of-ten step around ``last`` within ``within`` %."""
    step = round_step(last)
    found = []
    for level in {math.floor(last / step) * step, math.ceil(last / step) * step}:
        if level > 0 and level != last and abs(pct(last, level)) <= within:
            found.append((level, pct(last, level)))
    return sorted(found, key=lambda item: abs(item[1]))


# --- the detail screen's chart timeframes ------------------------------------------------------------


def months_back(day: date, months: int) -> date:
    """The same day ``months`` earlier, or the last day of that month (counted with the calendar module)."""
    import calendar

    year, month = day.year, day.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def chart_window(rows: Rows, code: str) -> tuple[Rows, tuple[date, float], bool]:
    """The rows a daily chart timeframe shows, its base (day, close), and whether the history reaches the
    base (else the base is the first row): 5D and the default 260 count sessions, 1M 6M 1Y 5Y calendar
    months back to the last close on or before that day, YTD from the last close of the year before, Max
    everything from the first close."""
    last = rows[-1][0]
    counts = {"5D": 5, "260": 260}
    months = {"1M": 1, "6M": 6, "1Y": 12, "5Y": 60}
    if code in counts:
        n = counts[code]
        if len(rows) <= n:
            return rows, rows[0], False
        return rows[-n:], rows[-n - 1], True
    if code == "Max":
        return rows, rows[0], True
    anchor = date(last.year - 1, 12, 31) if code == "YTD" else months_back(last, months[code])
    before = [r for r in rows if r[0] <= anchor]
    if not before:
        return rows, rows[0], False
    return [r for r in rows if r[0] > anchor], before[-1], True
