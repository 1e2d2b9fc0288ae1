"""Milestones: what a weekly wrap says about history, found in each symbol's searched history.

The searched history of a symbol is its closes up to its own last session: the bundled deep history
(closes before 2024-01-02, ``sources.bundled.load_deep_history``) joined to the loaded bars when the bars
start where the deep history stops (the bundled bars do, and so does a cache seeded from them; a cache
that already holds older bars is searched as it is). The nine ETFs whose bundled bars are as traded (RAW)
have a dividend-adjusted (ADJ) history: it joins by returns, rebased at the seam by the raw/adj factor of
2024-01-02 (bundled/history.json), never by levels, and every figure from it says so
(``SearchedHistory.basis``). Closes only: every figure here reads closes.

Continuous futures with a roll rule (figures/rolls.py) never count a roll as a move: a week or a session
whose change spans a roll is left out of the weekly and daily moves (and out of the z-score in risk.py);
levels (records, highs, round levels) are real closes of some contract and stay, with the contract named
when the series has rolled since.

Definitions (``week`` is the calendar week, Monday to Sunday, of the symbol's own last session):

- record close: the highest close of the searched history, dated by the first session it closed there.
  A ``record_close`` milestone when that session is in the week.
- ``highest_since`` / ``lowest_since``: the week's highest (lowest) close, when it is no record: the last
  earlier session with a close at least as high (as low) is ``since``; shown when at least
  ``min_weeks`` weeks back (a record low has no ``since``).
- ``weekly_move``: the week's move (last close vs the previous week's last close, the WTD change); ``since``
  is the end of the most recent earlier week with a larger move the same way (``None``: the largest in
  the searched history); shown when ``since`` is at least ``min_weeks`` weeks back or ``None``.
- ``daily_move`` (stock indices): the week's best and worst session (change from the session before);
  ``since`` is the last earlier session with a larger move the same way; shown under the same rule.
- ``first_close_above``: the highest round level (a multiple of the power of ten at or below the last
  close) whose first close above it in the searched history falls in the last ``cross_lookback``
  sessions; from before the week it is context, with the last close's distance from it.
- ``near_level``: a round level (the same multiples) within ``near_level_pct`` % of the last close.

Every milestone's text names the history it searched ("closes since 1927-12-30"). Pure functions of
arrays; nothing here does I/O.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from rotor.data.figures import metrics, rolls
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import DayClose, Milestone, Roll, finite
from rotor.data.sources.bundled import DeepHistory
from rotor.data.symbols import Symbol

#: Groups whose instruments get milestones and records.
MILESTONE_GROUPS = ("indices", "etfs", "commodities", "rates")
#: Instruments without round-level milestones: a volatility index and yields (levels, not prices).
NO_ROUND_LEVELS_KINDS = ("rate",)
NO_ROUND_LEVELS = ("^VIX",)
#: Instruments with best/worst-day milestones: the stock indices.
DAILY_MOVE_KIND = "index"
#: A standard deviation at most this fraction of the largest move is rounding noise (a constant series).
FLAT_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class MilestoneOptions:
    """When milestones are shown.

    - ``near_level_pct`` (1.0): a round level is "within reach" when the last close is at most this many %
      from it.
    - ``min_weeks`` (13): a "since" milestone (highest/lowest since, biggest weekly move since, best/worst
      day since) is shown when its ``since`` is at least this many weeks back (or there is none).
    - ``cross_lookback`` (21): a first close above a round level is shown while it is at most this many
      sessions old (as context once it is older than the week).
    """

    near_level_pct: float = 1.0
    min_weeks: int = 13
    cross_lookback: int = 21

    def __post_init__(self) -> None:
        if not (math.isfinite(self.near_level_pct) and self.near_level_pct >= 0):
            raise ValueError(f"near_level_pct must be a finite number >= 0, got {self.near_level_pct!r}")
        if self.min_weeks < 1 or self.cross_lookback < 1:
            raise ValueError("min_weeks and cross_lookback must be at least 1")


@dataclass(frozen=True, eq=False)
class SearchedHistory:
    """One symbol's searched closes up to its own last session (see the module docstring).

    ``days`` ascending ``datetime64[D]``, ``closes`` float64 (no NaN); ``basis`` says how the series is
    built when it is not one series of levels ("" otherwise); ``rolls`` its futures rolls."""

    symbol: str
    days: np.ndarray
    closes: np.ndarray
    basis: str
    rolls: rolls.RollSchedule

    @property
    def start(self) -> date:
        start: date = self.days[0].astype(object)
        return start

    @property
    def end(self) -> date:
        end: date = self.days[-1].astype(object)
        return end

    @property
    def roll_days(self) -> np.ndarray:
        return self.rolls.on

    @functools.cached_property
    def weekly(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(week-end dates, % moves, spans-a-roll flags) between consecutive weekly closes (computed once:
        the weekly milestone and the z-score both read them)."""
        rows = week_last_rows(self.days)
        ends = self.days[rows]
        closes = self.closes[rows]
        moves = metrics.pct_change(closes[1:], closes[:-1])
        rolled = rolls.crosses(self.roll_days, ends[:-1], ends[1:])
        return ends[1:], moves, rolled

    def label(self, *, moves: bool = False) -> str:
        """The history searched, in words: ``closes since 1927-12-30`` (plus the basis, and for futures
        moves that roll sessions are left out)."""
        parts = [f"closes since {self.start.isoformat()}"]
        if self.basis:
            parts.append(self.basis)
        if moves and self.symbol in rolls.ROLL_RULES:
            parts.append("roll sessions left out")
        return "; ".join(parts)


def searched_history(symbol: str, close: pd.Series, deep: DeepHistory | None) -> SearchedHistory | None:
    """The searched history of ``symbol`` from its panel column ``close`` (cut at its own date; NaN where
    it did not trade) and its bundled deep history (``None``: none); ``None`` without any close."""
    days = pd.DatetimeIndex(close.index).values.astype("datetime64[D]")
    return searched_history_of(symbol, days, close.to_numpy(dtype="float64"), deep)


def searched_history_of(
    symbol: str, all_days: np.ndarray, raw: np.ndarray, deep: DeepHistory | None
) -> SearchedHistory | None:
    """``searched_history`` from the panel's session days (``datetime64[D]``) and the symbol's closes on
    them (NaN where it did not trade): a refresh converts the panel's dates once for every symbol."""
    valid = ~np.isnan(raw)
    if not valid.any():
        return None
    days = all_days[valid]
    values = raw[valid]
    basis = ""
    if deep is not None and len(deep.days) and days[0] == np.datetime64(deep.seam, "D"):
        days = np.concatenate([deep.days, days])
        values = np.concatenate([deep.rebased(), values])
        if deep.joins_by_returns:
            basis = (
                f"dividend-adjusted before {deep.seam.isoformat()}, joined by returns to the as-traded "
                "closes from then"
            )
        elif deep.basis == "ADJ":
            basis = "dividend-adjusted closes"
    return SearchedHistory(symbol, days, values, basis, rolls.find_rolls(symbol, days, values))


# --- building blocks over one series ---------------------------------------------------------------


def week_last_rows(days: np.ndarray) -> np.ndarray:
    """Indices of the last row of each calendar week (Monday-Sunday) of ascending ``days``."""
    if len(days) == 0:
        return np.zeros(0, dtype=np.int64)
    weeks = (days.astype("datetime64[D]").astype(np.int64) + 3) // 7  # 1970-01-01 was a Thursday
    return np.flatnonzero(np.append(weeks[1:] != weeks[:-1], True))


def weekly_moves(h: SearchedHistory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(week-end dates, % moves, spans-a-roll flags) of the moves between consecutive weekly closes."""
    return h.weekly


def daily_moves(h: SearchedHistory) -> tuple[np.ndarray, np.ndarray]:
    """(dates, % moves from the session before) of the sessions whose move spans no roll."""
    moves = metrics.pct_change(h.closes[1:], h.closes[:-1])
    ok = ~rolls.crosses(h.roll_days, h.days[:-1], h.days[1:]) & np.isfinite(moves)
    return h.days[1:][ok], moves[ok]


def last_larger(values: np.ndarray, current: float) -> int | None:
    """Index of the last of ``values`` larger than ``current`` in its direction (above a gain, below a
    loss); ``None`` when there is none."""
    hits = np.flatnonzero(values > current) if current > 0 else np.flatnonzero(values < current)
    return int(hits[-1]) if hits.size else None


def _day(value: np.datetime64) -> date:
    found: date = value.astype("datetime64[D]").astype(object)
    return found


def distance_pct(last: float, level: float) -> float | None:
    """% distance of ``last`` from ``level``; ``None`` when ``level`` is not positive."""
    return finite(100.0 * (last / level - 1.0)) if level > 0 else None


def _weeks_apart(later: date, earlier: date | None, min_weeks: int) -> bool:
    return earlier is None or (later - earlier).days >= 7 * min_weeks


def record(h: SearchedHistory) -> tuple[float, date]:
    """The record close of the searched history and the first session it closed there."""
    i = int(np.argmax(h.closes))
    return float(h.closes[i]), _day(h.days[i])


def week_rows(h: SearchedHistory) -> slice:
    """The rows of the calendar week of the last session."""
    monday = np.datetime64(metrics.week_start(h.end), "D")
    return slice(int(np.searchsorted(h.days, monday)), len(h.days))


@dataclass(frozen=True, slots=True)
class WeeklyMove:
    """The week's move and the end of the most recent earlier week with a larger one the same way."""

    pct: float
    week_end: date
    since: date | None


def largest_weekly_move(h: SearchedHistory) -> WeeklyMove | None:
    """The current week's move against every earlier weekly move of the searched history, weeks spanning
    a roll left out (``None`` when the week spans a roll, is flat, or has no week before it)."""
    ends, moves, rolled = weekly_moves(h)
    if len(moves) == 0 or rolled[-1] or not math.isfinite(moves[-1]) or moves[-1] == 0:
        return None
    current = float(moves[-1])
    earlier_ok = ~rolled[:-1] & np.isfinite(moves[:-1])
    earlier, earlier_ends = moves[:-1][earlier_ok], ends[:-1][earlier_ok]
    i = last_larger(earlier, current)
    return WeeklyMove(current, _day(ends[-1]), None if i is None else _day(earlier_ends[i]))


def round_level_cross(h: SearchedHistory, lookback: int) -> tuple[float, date] | None:
    """The highest round level (a multiple of ``metrics.round_step`` of the last close) whose first close
    above it in the searched history falls within the last ``lookback`` sessions.

    The level is the highest multiple strictly below the window's best close: its first close above
    falls in the window exactly when no earlier close exceeded it, and a lower level is even more likely
    to have been exceeded before, so this one level decides (no loop over levels)."""
    if len(h.closes) < 2:
        return None
    step = metrics.round_step(float(h.closes[-1]))
    if not math.isfinite(step) or step <= 0:
        return None
    window = h.closes[-lookback:]
    before = h.closes[: len(h.closes) - len(window)]
    prior_max = float(before.max()) if len(before) else -math.inf
    level = (math.ceil(float(window.max()) / step) - 1) * step
    if not math.isfinite(level) or level <= 0 or level < prior_max:
        return None
    hits = np.flatnonzero(h.closes > level)
    if hits.size == 0 or hits[0] < len(h.closes) - len(window):
        return None
    return level, _day(h.days[hits[0]])


def near_levels(last: float, within_pct: float) -> list[tuple[float, float]]:
    """(level, % distance of ``last`` from it) of the round levels around ``last`` (the multiples of its
    power-of-ten step just below and above) at most ``within_pct`` % away, nearest first."""
    step = metrics.round_step(last)
    if not math.isfinite(step) or step <= 0:
        return []
    below, above = math.floor(last / step) * step, math.ceil(last / step) * step
    found = []
    for level in {below, above}:
        if level <= 0 or level == last:
            continue
        distance = 100.0 * (last / level - 1.0)
        if abs(distance) <= within_pct:
            found.append((level, distance))
    return sorted(found, key=lambda item: abs(item[1]))


# --- the milestones of one symbol ----------------------------------------------------------------------


def _since_phrase(since: date | None, what: str) -> str:
    return f"{what} since {since.isoformat()}" if since is not None else f"{what} in the history searched"


def _contract_note(h: SearchedHistory, on: date) -> str:
    """For a futures level set before a roll: which contract it was, and that the series has rolled."""
    later = h.rolls.between(on, h.end) if len(h.rolls) else ()
    if not later:
        return ""
    return f", {later[0].from_contract} contract; the series has since rolled to {later[-1].to_contract}"


def milestones_for(
    h: SearchedHistory, symbol: Symbol, options: MilestoneOptions | None = None
) -> tuple[Milestone, ...]:
    """Every milestone of one symbol at its last session (see the module docstring), in the order:
    record, highest/lowest since, weekly move, daily moves, first close above, levels within reach."""
    options = options or MilestoneOptions()
    out: list[Milestone] = []
    last = float(h.closes[-1])
    last_day = h.end
    monday = metrics.week_start(last_day)
    label = h.label()
    unit = symbol.unit

    def price(value: float) -> str:
        return fmt.price(value, unit) + (f" {unit}" if unit and unit != "%" else "")

    week = week_rows(h)
    record_close, record_day = record(h)
    if record_day >= monday:
        distance = distance_pct(last, record_close)
        below = (
            f"; the last close is {fmt.pct(abs(distance or 0.0), sign=False)} below it" if distance else ""
        )
        out.append(
            Milestone(
                kind="record_close",
                text=f"record close {price(record_close)} on {record_day.isoformat()} "
                f"(the highest in {label}{_contract_note(h, record_day)}){below}",
                on=record_day,
                level=record_close,
                history_start=h.start,
                distance_pct=distance,
            )
        )
    in_week = h.closes[week]
    if in_week.size:
        for word, pick, cmp in (
            ("highest", np.argmax, np.greater_equal),
            ("lowest", np.argmin, np.less_equal),
        ):
            i = week.start + int(pick(in_week))
            value, day = float(h.closes[i]), _day(h.days[i])
            if word == "highest" and day == record_day:
                continue
            hits = np.flatnonzero(cmp(h.closes[:i], value))
            since = _day(h.days[hits[-1]]) if hits.size else None
            if not _weeks_apart(day, since, options.min_weeks):
                continue
            out.append(
                Milestone(
                    kind="highest_since" if word == "highest" else "lowest_since",
                    text=f"{_since_phrase(since, f'{word} close')}: {price(value)} on {day.isoformat()} "
                    f"({label}{_contract_note(h, day)})",
                    on=day,
                    level=value,
                    since=since,
                    history_start=h.start,
                    distance_pct=distance_pct(last, value),
                )
            )
    move = largest_weekly_move(h)
    if move is not None and _weeks_apart(move.week_end, move.since, options.min_weeks):
        word = "gain" if move.pct > 0 else "loss"
        when = f"since the week to {move.since.isoformat()}" if move.since else "in the history searched"
        out.append(
            Milestone(
                kind="weekly_move",
                text=f"biggest weekly {word} {when} ({fmt.pct(move.pct, 1)}; calendar weeks, "
                f"{h.label(moves=True)})",
                on=move.week_end,
                pct=move.pct,
                since=move.since,
                history_start=h.start,
            )
        )
    if symbol.kind == DAILY_MOVE_KIND and symbol.ticker not in NO_ROUND_LEVELS:
        out += daily_move_milestones(h, options)
    if symbol.kind not in NO_ROUND_LEVELS_KINDS and symbol.ticker not in NO_ROUND_LEVELS:
        cross = round_level_cross(h, options.cross_lookback)
        if cross is not None:
            level, on = cross
            context = on < monday
            distance = distance_pct(last, level)
            now = ""
            if context and distance is not None:
                side = "above" if distance >= 0 else "below"
                now = f"; now {fmt.pct(abs(distance), sign=False)} {side} it"
            out.append(
                Milestone(
                    kind="first_close_above",
                    text=f"first close above {fmt.level(level, unit)} on {on.isoformat()} "
                    f"(in {label}{_contract_note(h, on)}){now}",
                    on=on,
                    level=level,
                    history_start=h.start,
                    distance_pct=distance,
                    context=context,
                )
            )
        for level, distance in near_levels(last, options.near_level_pct):
            side = "above" if distance >= 0 else "below"
            out.append(
                Milestone(
                    kind="near_level",
                    text=f"{fmt.pct(abs(distance), sign=False)} {side} {fmt.level(level, unit)}",
                    on=last_day,
                    level=level,
                    distance_pct=distance,
                    history_start=h.start,
                )
            )
    return tuple(out)


def daily_move_milestones(h: SearchedHistory, options: MilestoneOptions) -> list[Milestone]:
    """The week's worst and best session, each when the largest the same way for ``min_weeks`` weeks."""
    days, moves = daily_moves(h)
    monday = np.datetime64(metrics.week_start(h.end), "D")
    first = int(np.searchsorted(days, monday))
    out = []
    for word, pick in (("worst", np.argmin), ("best", np.argmax)):
        if first >= len(moves):
            break
        i = first + int(pick(moves[first:]))
        current = float(moves[i])
        if current == 0 or (word == "worst") != (current < 0):
            continue
        j = last_larger(moves[:i], current)
        since = None if j is None else _day(days[j])
        day = _day(days[i])
        if not _weeks_apart(day, since, options.min_weeks):
            continue
        out.append(
            Milestone(
                kind="daily_move",
                text=f"{_since_phrase(since, f'{word} day')} ({fmt.pct(current)} on {day.isoformat()}; "
                f"{h.label(moves=True)})",
                on=day,
                pct=current,
                since=since,
                history_start=h.start,
            )
        )
    return out


# --- the week's sessions and the rolls -------------------------------------------------------------------


def week_closes(h: SearchedHistory) -> tuple[DayClose, ...]:
    """The sessions of the calendar week of the last session, each with its change from the session before
    (flagged when that change spans a roll)."""
    start = week_rows(h).start
    first = max(start, 1)
    changes = metrics.pct_change(h.closes[first:], h.closes[first - 1 : -1]).tolist()
    rolled = rolls.crosses(h.roll_days, h.days[first - 1 : -1], h.days[first:]).tolist()
    if first > start:  # the first loaded session has no session before it
        changes, rolled = [math.nan, *changes], [False, *rolled]
    days = h.days[start:].astype(object).tolist()
    closes = h.closes[start:].tolist()
    return tuple(
        DayClose(day, close, finite(change), flag)
        for day, close, change, flag in zip(days, closes, changes, rolled, strict=True)
    )


def rolled_timeframes(h: SearchedHistory, sessions_1w: int, sessions_1m: int) -> tuple[str, ...]:
    """The timeframes (1D, 1W, WTD, 1M, MTD, YTD) whose change (metrics.py's bases) spans a roll."""
    if not len(h.rolls) or len(h.days) < 2:
        return ()
    end = h.days[-1]
    last_day = h.end

    def nth_back(n: int) -> np.datetime64 | None:
        return h.days[-n - 1] if len(h.days) > n else None

    def last_before(cutoff: date) -> np.datetime64 | None:
        i = int(np.searchsorted(h.days, np.datetime64(cutoff, "D"))) - 1
        return h.days[i] if i >= 0 else None

    bases = {
        "1D": nth_back(1),
        "1W": nth_back(sessions_1w),
        "WTD": last_before(metrics.week_start(last_day)),
        "1M": nth_back(sessions_1m),
        "MTD": last_before(last_day.replace(day=1)),
        "YTD": last_before(date(last_day.year, 1, 1)),
    }
    on_days = h.roll_days
    return tuple(
        name
        for name, base in bases.items()
        if base is not None and bool(rolls.crosses(on_days, np.array([base]), np.array([end]))[0])
    )


def recent_rolls(h: SearchedHistory, sessions: int) -> tuple[Roll, ...]:
    """The rolls within the last ``sessions`` sessions (their ``on`` after the close ``sessions`` back)."""
    if not len(h.rolls):
        return ()
    return h.rolls.between(_day(h.days[max(0, len(h.days) - 1 - sessions)]), h.end)


def weekly_move_zscore(h: SearchedHistory, as_of: date, min_weeks: int) -> float | None:
    """How unusual the week's move is: ``(m - mean(H)) / std(H)`` (sample std), ``m`` the move from the
    previous calendar week's last close to the as-of week's last close, ``H`` every earlier weekly move of
    the searched history; weeks spanning a futures roll are left out of ``H``, and a week that spans one
    has no z-score. ``None`` without a close in the as-of week, with fewer than ``min_weeks`` earlier
    moves, or a zero spread."""
    ends, moves, rolled = weekly_moves(h)
    if len(moves) == 0 or metrics.week_start(_day(ends[-1])) != metrics.week_start(as_of) or rolled[-1]:
        return None
    current = float(moves[-1])
    history = moves[:-1][~rolled[:-1] & np.isfinite(moves[:-1])]
    if not math.isfinite(current) or len(history) < max(min_weeks, 2):
        return None
    spread = float(np.std(history, ddof=1))
    # A spread within rounding noise of the moves (a constant series) counts as zero.
    if not spread > FLAT_TOLERANCE * float(np.abs(history).max()):
        return None
    return finite((current - float(np.mean(history))) / spread)
