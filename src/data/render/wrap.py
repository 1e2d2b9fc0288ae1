"""The Markdown weekly wrap: the week's story, then the tables, every sentence generated from figures.

One week throughout: the calendar week of the as-of session (``MarketSnapshot.week``), every weekly
figure measured from the last close of the previous calendar week (the WTD changes, the spreads'
``change_wtd``, the breadth, the RRG's weekly closes and the risk notes); no five-session figure is shown.
Yields move in basis points. A weekly change that spans a futures roll is flagged and explained, never
told as a move; milestones from before the week are context, with their date and the distance from them.

The story: a headline (the indices, the largest moves, the rotation verdict), the holiday (named by the
NYSE calendar, the only use of exchange-calendars here, and only in a week with a closed weekday), the
best and worst day of the indices, records and highs within the week, the distance of each index from its
record close, the 50-session ranges, round levels within reach, and the futures rolls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from rotor.data.render import formatting as fmt
from rotor.data.render.report import ROLL_MARK, change_bp, change_text, evidence_text, is_yield
from rotor.data.snapshot import (
    SEVERITY_ORDER,
    DayClose,
    InstrumentStats,
    MarketSnapshot,
    Milestone,
    Roll,
    Rotation,
    Spread,
    Week,
)

#: Stock indices in the story (the VIX is told apart).
VIX = "^VIX"
#: The benchmark whose best and worst day date the indices' day sentences.
BENCHMARK = "^GSPC"
#: How many of the largest moves the headline names.
HEADLINE_MOVES = 3
#: A spread within this (in its unit) counts as "kept pace".
LEVEL_SPREAD = 0.05
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven")
SOURCE_LABELS = {"snapshot": "bundled data", "cache": "cached data", "live": "live (Yahoo Finance)"}


# --- words and numbers -------------------------------------------------------------------------------


def day_name(day: date) -> str:
    """``Tuesday, January 20``."""
    return day.strftime("%A, %B %-d")


def long_date(day: date) -> str:
    return day.strftime("%A, %B %-d, %Y")


def count_words(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def join_words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def price_with_unit(i: InstrumentStats, value: float | None) -> str:
    unit = f" {i.unit}" if i.unit and i.unit != "%" else ""
    return fmt.price(value, i.unit) + (unit if value is not None else "")


def moved(value: float | None, *, up: str = "up", down: str = "down") -> str:
    """``up 1.25%`` / ``down 0.35%`` / ``unchanged``."""
    if value is None:
        return "n/a"
    if value == 0:
        return "unchanged"
    return f"{up if value > 0 else down} {abs(value):.2f}%"


def week_move(i: InstrumentStats) -> str:
    """The week's move in words: % for prices, bp for yields."""
    if is_yield(i):
        return f"{fmt.basis_points(change_bp(i, 'WTD'))} for the week"
    return f"{moved(i.change_wtd_pct)} for the week"


def distance_words(distance: float | None) -> str:
    if distance is None:
        return "n/a"
    if distance == 0:
        return "at"
    return f"{fmt.pct(abs(distance), sign=False)} {'above' if distance > 0 else 'below'}"


# --- the week ----------------------------------------------------------------------------------------


def holiday_names(days: Iterable[date]) -> dict[date, str | None]:
    """The NYSE holiday name of each day (``None`` when the calendar has none, e.g. a day of mourning).
    Imports exchange-calendars, so it runs only for a week with a closed weekday."""
    days = list(days)
    try:
        from rotor.data.sessions import venue

        nyse = venue("XNYS")
        return {day: nyse.holiday(day) for day in days}
    except Exception:  # a calendar that fails to build must not cost the report; the day is still named
        return dict.fromkeys(days)


def holiday_sentence(week: Week) -> str:
    """``A holiday-shortened week: US stock markets were closed on Monday, January 19 (Martin Luther King
    Jr. Day), so it had four sessions.``; empty for a week without a closed weekday."""
    if not week.closed:
        return ""
    names = holiday_names(week.closed)
    days = [day_name(d) + (f" ({names[d]})" if names.get(d) else "") for d in week.closed]
    sessions = len(week.sessions)
    return (
        f"A holiday-shortened week: US stock markets were closed on {join_words(days)}, so it had "
        f"{count_words(sessions)} session{'s' if sessions != 1 else ''}."
    )


def week_note(snapshot: MarketSnapshot) -> str:
    week = snapshot.week
    base = f" (the close of {day_name(week.base)})" if week is not None and week.base is not None else ""
    return (
        "One week throughout: the calendar week, every weekly change measured from the last close of the "
        f"previous week{base}; yields move in basis points."
    )


# --- the story ---------------------------------------------------------------------------------------


def stock_indices(snapshot: MarketSnapshot) -> list[InstrumentStats]:
    return [i for i in snapshot.group("indices") if i.symbol != VIX and i.last is not None]


def milestones_of(i: InstrumentStats, kind: str, *, context: bool = False) -> list[Milestone]:
    return [m for m in i.milestones if m.kind == kind and m.context == context]


def stocks_phrase(indices: Sequence[InstrumentStats]) -> str:
    """``stocks slipped (S&P 500 -0.35%, ...)``: the direction of the indices this week."""
    moves = [i.change_wtd_pct for i in indices if i.change_wtd_pct is not None]
    if not moves:
        return "stock indices n/a"
    if all(m > 0 for m in moves):
        verb = "rose" if max(moves) >= 1 else "edged up"
    elif all(m < 0 for m in moves):
        verb = "fell" if min(moves) <= -1 else "slipped"
    else:
        verb = "were mixed"
    figures = ", ".join(f"{i.short} {fmt.pct(i.change_wtd_pct)}" for i in indices)
    return f"stocks {verb} ({figures})"


def largest_moves(snapshot: MarketSnapshot, n: int = HEADLINE_MOVES) -> list[InstrumentStats]:
    """The ``n`` largest weekly % moves among the sectors, commodities and the dollar (yields move in bp
    and are told apart; a change spanning a futures roll is no move)."""
    pool = [
        i
        for group in ("commodities", "rates", "sectors")
        for i in snapshot.group(group)
        if i.change_wtd_pct is not None and not is_yield(i) and not i.spans_roll("WTD")
    ]
    return sorted(pool, key=lambda i: -abs(i.change_wtd_pct or 0.0))[:n]


def headline_tag(i: InstrumentStats) -> str:
    """What a headline move reached this week: a gain ending at a record or above a level crossed for the
    first time this week ("to a record close"), or a move after a record set earlier in the week."""
    cross = next((m for m in milestones_of(i, "first_close_above") if m.level is not None), None)
    record = next((m for m in milestones_of(i, "record_close") if m.on is not None), None)
    ended_there = record is not None and record.on == i.last_date
    gained = (i.change_wtd_pct or 0.0) > 0
    if gained and cross is not None and cross.level is not None and (i.last or 0.0) > cross.level:
        return f" to a first close above {fmt.level(cross.level, i.unit)}" + (
            " and a record" if ended_there else ""
        )
    if gained and ended_there:
        return " to a record close"
    if record is not None and record.on is not None and not ended_there:
        return f" after a record close on {record.on.strftime('%A')}"
    return ""


def headline_rank(i: InstrumentStats) -> str:
    """A headline move's rank in the searched history, when it is the largest for a year or more."""
    move = next((m for m in milestones_of(i, "weekly_move") if m.pct is not None), None)
    if move is None or move.pct is None:
        return ""
    word = "gain" if move.pct > 0 else "loss"
    if move.since is None:
        return f" (its biggest weekly {word} in closes since {move.history_start})"
    if move.on is not None and (move.on - move.since).days >= 365:
        return f" (its biggest weekly {word} since the week to {move.since.isoformat()})"
    return ""


def spread_of(rotation: Rotation | None, spread_id: str) -> Spread | None:
    if rotation is None:
        return None
    return next((s for s in rotation.spreads if s.id == spread_id), None)


def rotation_verdict(rotation: Rotation | None) -> str:
    """The rotation verdict of the week from the cyclical-defensive and small-large spreads."""
    parts = []
    cyclical = spread_of(rotation, "cyclical_vs_defensive")
    if cyclical is not None and cyclical.change_wtd is not None:
        lead, lag = ("cyclicals", "defensives") if cyclical.change_wtd >= 0 else ("defensives", "cyclicals")
        parts.append(f"{lead} led {lag} by {fmt.points(abs(cyclical.change_wtd)).lstrip('+')}")
    small = spread_of(rotation, "small_vs_large")
    if small is not None and small.change_wtd is not None:
        ratio = small.change_wtd
        if abs(ratio) < LEVEL_SPREAD:
            parts.append(f"small caps kept pace with large caps (IWM/SPY {fmt.pct(ratio)})")
        else:
            word = "outperformed" if ratio > 0 else "lagged"
            parts.append(f"small caps {word} large caps by {fmt.pct(abs(ratio), sign=False)} (IWM/SPY)")
    return "; ".join(parts)


def headline(snapshot: MarketSnapshot) -> str:
    """The week in one sentence: the indices, the largest moves and the rotation verdict."""
    indices = stock_indices(snapshot)
    week = snapshot.week
    opening = "In a holiday-shortened week, " if week is not None and week.closed else ""
    text = opening + stocks_phrase(indices)
    movers = largest_moves(snapshot)
    if movers:
        text += "; the largest moves: " + join_words(
            [f"{i.name} {fmt.pct(i.change_wtd_pct)}{headline_tag(i)}{headline_rank(i)}" for i in movers]
        )
    verdict = rotation_verdict(snapshot.rotation)
    if verdict:
        text += f"; rotation: {verdict}"
    return text[0].upper() + text[1:] + "."


def day_change(i: InstrumentStats, day: date) -> DayClose | None:
    return next((d for d in i.week if d.on == day), None)


def index_days(snapshot: MarketSnapshot) -> list[str]:
    """The worst and the best day of the week for the indices (dated by the S&P 500's), each index's move
    that day with its "worst/best day since" milestone, and the S&P 500's move from there to the end."""
    indices = stock_indices(snapshot)
    benchmark = next((i for i in indices if i.symbol == BENCHMARK), None)
    if benchmark is None or len(benchmark.week) < 2:
        return []
    moves = [d for d in benchmark.week if d.change_pct is not None]
    out = []
    for word, pick, sign in (("worst", min, -1), ("best", max, 1)):
        if not moves:
            break
        chosen = pick(moves, key=lambda d: d.change_pct or 0.0)
        if chosen.change_pct is None or chosen.change_pct * sign <= 0:
            continue
        parts = []
        for i in indices:
            that = day_change(i, chosen.on)
            if that is None or that.change_pct is None:
                continue
            note = next(
                (
                    m
                    for m in milestones_of(i, "daily_move")
                    if m.on == chosen.on and m.pct and m.pct * sign > 0
                ),
                None,
            )
            since = ""
            if note is not None:
                since = (
                    f" (its {word} day since {note.since.isoformat()})"
                    if note.since
                    else f" (its {word} day in closes since {note.history_start})"
                )
            parts.append(f"{i.short} {fmt.pct(that.change_pct)}{since}")
        text = f"The week's {word} day for the indices was {day_name(chosen.on)}: {join_words(parts)}"
        if chosen.on < benchmark.week[-1].on and benchmark.last is not None:
            change = 100.0 * (benchmark.last / chosen.close - 1.0)
            verb = "gained" if change >= 0 else "lost"
            text += (
                f"; from that close to the week's last the {benchmark.short} {verb} "
                f"{fmt.pct(abs(change), sign=False)}"
            )
        out.append(text + ".")
    return out


def after_record(i: InstrumentStats, on: date) -> str:
    """What followed a record close within the week."""
    after = [d for d in i.week if d.on > on]
    if not after:
        return " on the week's last session"
    if len(after) == 1 and after[0].change_pct is not None:
        return f", then {moved(after[0].change_pct, up='rose', down='fell')} on {after[0].on.strftime('%A')}"
    distance = i.distance_pct(i.record_close)
    return f", and ended the week {distance_words(distance)} it"


def records_and_highs(i: InstrumentStats) -> list[str]:
    """The records and notable highs or lows ``i`` set within the week, as sentences."""
    out = []
    for m in milestones_of(i, "record_close"):
        if m.on is None or m.level is None:
            continue
        basis = f"; {i.history_basis}" if i.history_basis else ""
        out.append(
            f"{i.name} set a record close on {day_name(m.on)}: {price_with_unit(i, m.level)} (the highest in "
            f"closes since {m.history_start}{basis}){after_record(i, m.on)}."
        )
    for m in milestones_of(i, "highest_since") + milestones_of(i, "lowest_since"):
        if m.on is None or m.level is None:
            continue
        word = "highest" if m.kind == "highest_since" else "lowest"
        since = f"since {m.since.isoformat()}" if m.since else f"in closes since {m.history_start}"
        roll = next((r for r in i.rolls if r.on > m.on), None)
        contract = f" (the {roll.from_contract} contract, before the roll)" if roll else ""
        out.append(
            f"{i.name} made its {word} close {since} on {day_name(m.on)}: {price_with_unit(i, m.level)}"
            f"{contract}; it ended the week {distance_words(m.distance_pct)} that close."
        )
    return out


def record_distances(indices: Sequence[InstrumentStats]) -> str:
    """How far each index ended from its record close (and the history each record was searched in)."""
    parts = []
    for i in indices:
        if i.record_close is None or i.record_date is None or i.history_start is None:
            continue
        distance = i.record_distance_pct()
        where = "at" if distance is not None and distance >= 0 else distance_words(distance)
        parts.append(
            f"{i.short} {where} {fmt.price(i.record_close)} (set {i.record_date.isoformat()}; closes since "
            f"{i.history_start.isoformat()})"
        )
    return ("Distance from the record close: " + "; ".join(parts) + ".") if parts else ""


def ranges_sentence(indices: Sequence[InstrumentStats]) -> str:
    parts = [
        f"{i.short} {fmt.price(i.range_50d_low)}–{fmt.price(i.range_50d_high)}"
        + (f" (last {fmt.price(i.last)})" if i.last is not None else "")
        for i in indices
        if i.range_50d_low is not None and i.range_50d_high is not None
    ]
    if not parts:
        return ""
    return "Recent ranges (lowest low to highest high of the last 50 sessions): " + "; ".join(parts) + "."


def levels_sentence(snapshot: MarketSnapshot) -> str:
    """Round levels within reach (the ``near_level`` milestones)."""
    parts = []
    for i in snapshot.instruments:
        for m in milestones_of(i, "near_level"):
            parts.append(f"{i.name} closed {m.text}")
    return ("Round levels within reach: " + "; ".join(parts) + ".") if parts else ""


def roll_sentence(i: InstrumentStats, roll: Roll) -> str:
    """A futures roll named, with the two contracts' closes and each contract's part of the week."""
    text = (
        f"{i.name}'s front month rolled from the {roll.from_contract} to the {roll.to_contract} contract on "
        f"{day_name(roll.on)} ({roll.from_contract.split()[0]}'s last close {fmt.price(roll.last_close)} on "
        f"{roll.previous.isoformat()}, {roll.to_contract.split()[0]}'s first {fmt.price(roll.first_close)})"
    )
    if i.spans_roll("WTD"):
        base = i.base_close("WTD")
        parts = []
        week_start = i.week[0].on if i.week else roll.on
        if base is not None and roll.previous >= week_start:
            old = 100.0 * (roll.last_close / base - 1.0)
            parts.append(
                f"{roll.from_contract.split()[0]} {moved(old, up='rose', down='fell')} to its last session "
                f"({fmt.price(base)} → {fmt.price(roll.last_close)})"
            )
        if i.last is not None:
            new = 100.0 * (i.last / roll.first_close - 1.0)
            parts.append(
                f"{roll.to_contract.split()[0]} {moved(new, up='rose', down='fell')} from its first close "
                f"({fmt.price(roll.first_close)} → {fmt.price(i.last)})"
            )
        text += (
            f": the week's {fmt.pct(i.change_wtd_pct)} spans two contracts and is not a price move"
            + (f"; {join_words(parts)}" if parts else "")
            + ". A back-adjusted weekly change is not computable from the continuous series (the two "
            "contracts never close on the same session in it)"
        )
    return text + "."


def week_rolls(snapshot: MarketSnapshot) -> list[tuple[InstrumentStats, Roll]]:
    week = snapshot.week
    start = week.start if week is not None else snapshot.as_of
    return [(i, r) for i in snapshot.instruments for r in i.rolls if r.on >= start]


def story(snapshot: MarketSnapshot) -> list[str]:
    """The week's story as bullet sentences."""
    indices = stock_indices(snapshot)
    lines = []
    if snapshot.week is not None:
        holiday = holiday_sentence(snapshot.week)
        if holiday:
            lines.append(holiday)
    lines += index_days(snapshot)
    for i in indices:
        lines += records_and_highs(i)
    for text in (record_distances(indices), ranges_sentence(indices), levels_sentence(snapshot)):
        if text:
            lines.append(text)
    lines += [roll_sentence(i, r) for i, r in week_rolls(snapshot)]
    return [f"- {line}" for line in lines]


# --- sections ------------------------------------------------------------------------------------------


def ma_phrase(i: InstrumentStats) -> str:
    """Where the last close stands against the 20/50/200-day averages, grouped by side:
    ``above its 20-, 50- and 200-day averages (6,913.85 / 6,838.19 / 6,387.29)``."""
    sides: dict[str, list[tuple[str, float]]] = {}
    for label, level in (("20", i.ma20), ("50", i.ma50), ("200", i.ma200)):
        d = i.distance_pct(level)
        if d is not None and level is not None:
            sides.setdefault("above" if d >= 0 else "below", []).append((label, level))
    parts = []
    for side, items in sides.items():
        labels = [f"{label}-" for label, _ in items]
        labels[-1] = labels[-1][:-1] + "-day"
        noun = "averages" if len(items) > 1 else "average"
        levels = " / ".join(fmt.price(level, i.unit) for _, level in items)
        parts.append(f"{side} its {join_words(labels)} {noun} ({levels})")
    return " and ".join(parts)


def index_notes(i: InstrumentStats) -> list[str]:
    """The index's own notable facts of the week, short (the story tells them at length)."""
    notes = []
    for m in i.milestones:
        if m.context or m.on is None:
            continue
        day = m.on.strftime("%A")
        if m.kind == "record_close":
            notes.append(f"a record close on {day}")
        elif m.kind in ("highest_since", "lowest_since") and m.since is not None:
            word = "highest" if m.kind == "highest_since" else "lowest"
            notes.append(f"its {word} close since {m.since.isoformat()} on {day}")
        elif m.kind == "weekly_move" and m.pct is not None:
            word = "gain" if m.pct > 0 else "loss"
            since = f"since the week to {m.since.isoformat()}" if m.since else "in the history searched"
            notes.append(f"its biggest weekly {word} {since}")
        elif m.kind == "daily_move" and m.pct is not None and m.since is not None:
            word = "best" if m.pct > 0 else "worst"
            notes.append(f"its {word} day since {m.since.isoformat()} on {day}")
        elif m.kind == "near_level":
            notes.append(m.text)
    return notes


def index_sentence(i: InstrumentStats) -> str:
    last_day = i.week[-1] if i.week else None
    day = ""
    if last_day is not None and last_day.change_pct is not None:
        day = f" ({last_day.on.strftime('%A')} {fmt.pct(last_day.change_pct)})"
    text = (
        f"- **{i.name}** closed at {fmt.price(i.last, i.unit)}, {moved(i.change_wtd_pct)} for the week{day}, "
        f"{moved(i.change_ytd_pct)} year to date"
    )
    notes = index_notes(i)
    if notes:
        text += "; " + ", ".join(notes)
    ma = ma_phrase(i)
    return text + (f"; {ma}." if ma else ".")


def md_table(rows: Iterable[InstrumentStats]) -> list[str]:
    rows = list(rows)
    lines = [
        "| Symbol | Name | Last | 1D | Week | MTD | YTD | MA50 | MA200 | 52-week range |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i in rows:
        lines.append(
            f"| {i.symbol} | {i.short}{' (stale)' if i.stale else ''} | {fmt.price(i.last, i.unit)} | "
            f"{change_text(i, '1D')} | {change_text(i, 'WTD')} | {change_text(i, 'MTD')} | "
            f"{change_text(i, 'YTD')} | {fmt.price(i.ma50, i.unit)} | {fmt.price(i.ma200, i.unit)} | "
            f"{fmt.price(i.range_52w_low, i.unit)} – {fmt.price(i.range_52w_high, i.unit)} |"
        )
    if any(i.rolled for i in rows):
        lines += ["", f"{ROLL_MARK} spans a futures roll: two contracts, not a price move."]
    if any(is_yield(i) for i in rows):
        lines += ["", "Yields: changes in basis points."]
    return lines


def indices_section(snapshot: MarketSnapshot) -> list[str]:
    indices = stock_indices(snapshot)
    if not indices:
        return []
    ordered = sorted(indices, key=lambda i: -abs(i.change_wtd_pct or 0.0))
    lines = ["## Indices", "", *[index_sentence(i) for i in ordered]]
    vix = snapshot.get(VIX)
    if vix is not None and vix.last is not None:
        lines.append(f"- **VIX** ended at {fmt.price(vix.last)}, {moved(vix.change_wtd_pct)} for the week.")
    return [*lines, "", *md_table(snapshot.group("indices")), ""]


def etfs_section(snapshot: MarketSnapshot) -> list[str]:
    etfs = [i for i in snapshot.group("etfs") if i.last is not None]
    if not etfs:
        return []
    lines = ["## ETFs", ""]
    for i in etfs:
        text = (
            f"- **{i.symbol}** ({i.name}): {fmt.price(i.last)}, {moved(i.change_ytd_pct)} year to date, "
            f"{moved(i.change_wtd_pct)} this week."
        )
        lines.append(" ".join([text, *records_and_highs(i)]))
    return [*lines, "", *md_table(etfs), ""]


def sectors_section(snapshot: MarketSnapshot) -> list[str]:
    sectors = [s for s in snapshot.group("sectors") if s.change_wtd_pct is not None]
    if not sectors:
        return []
    ranked = sorted(sectors, key=lambda s: s.change_wtd_pct or 0.0, reverse=True)
    up = sum(1 for s in sectors if (s.change_wtd_pct or 0) > 0)
    top = ", ".join(f"{s.name} ({s.symbol}) {fmt.pct(s.change_wtd_pct)}" for s in ranked[:3])
    bottom = ", ".join(f"{s.name} ({s.symbol}) {fmt.pct(s.change_wtd_pct)}" for s in ranked[-2:])
    text = f"{up} of {len(sectors)} sector ETFs rose this week. Leaders: {top}; laggards: {bottom}."
    return ["## Sectors", "", text, "", *md_table(ranked), ""]


def commodity_sentence(i: InstrumentStats) -> str:
    sentence = f"- **{i.name}**: {price_with_unit(i, i.last)}, {week_move(i)}"
    if i.spans_roll("WTD"):
        sentence += f" across a futures roll ({ROLL_MARK}, not a price move; see the week above)"
    news = [m.text for m in i.milestones if not m.context and m.kind != "near_level"]
    if news:
        sentence += "; " + "; ".join(news)
    context = [m.text for m in i.milestones if m.context]
    sentence += "."
    if context:
        sentence += " Context: " + "; ".join(context) + "."
    return sentence


def commodities_section(snapshot: MarketSnapshot) -> list[str]:
    rows = snapshot.group("commodities") + snapshot.group("rates")
    if not rows:
        return []
    lines = ["## Commodities, rates and the dollar", ""]
    lines += [commodity_sentence(i) for i in rows if i.last is not None]
    return [*lines, "", *md_table(rows), ""]


def spread_value(spread: Spread, value: float | None) -> str:
    return fmt.points(value) if spread.unit == "pts" else fmt.pct(value)


def rrg_commentary(rotation: Rotation) -> list[str]:
    """Which sectors sit in which quadrant, and which changed quadrant since the previous week."""
    from rotor.data.figures.rotation import quadrant

    members: dict[str, list[str]] = {}
    moves = []
    for e in rotation.rrg:
        if e.quadrant is None:
            continue
        members.setdefault(e.quadrant, []).append(e.symbol)
        if len(e.tail) >= 2:
            before = quadrant(e.tail[-2].rs_ratio, e.tail[-2].rs_momentum)
            if before is not None and before != e.quadrant:
                moves.append(f"{e.symbol} from {before} to {e.quadrant}")
    order = ("Leading", "Weakening", "Lagging", "Improving")
    parts = [f"{q}: {', '.join(members[q])}" for q in order if q in members]
    lines = []
    if parts:
        lines.append(
            f"- **Relative rotation** (weekly closes vs {rotation.benchmark}): " + "; ".join(parts) + "."
        )
    if moves:
        lines.append("- **Quadrant changes this week**: " + "; ".join(moves) + ".")
    return lines


def rotation_section(rotation: Rotation) -> list[str]:
    lines = ["## Rotation", ""]
    for s in rotation.spreads:
        lines.append(
            f"- **{s.label}**: week {spread_value(s, s.change_wtd)}, 1M {spread_value(s, s.change_1m)}, "
            f"YTD {spread_value(s, s.change_ytd)}." + (f" {s.detail}" if s.detail else "")
        )
    if rotation.breadth is not None and rotation.breadth.detail:
        lines.append(f"- **Breadth**: {rotation.breadth.detail}")
    lines += rrg_commentary(rotation)
    if rotation.rrg:
        lines += ["", f"Relative rotation against {rotation.benchmark} ({rotation.basis} closes):", ""]
        lines += ["| Sector | RS-Ratio | RS-Momentum | Quadrant |", "|---|---:|---:|---|"]
        lines += [
            f"| {e.symbol} | {_num(e.rs_ratio)} | {_num(e.rs_momentum)} | {e.quadrant or fmt.NA} |"
            for e in rotation.rrg
        ]
    return [*lines, ""]


def _num(value: float | None, digits: int = 2) -> str:
    return fmt.NA if value is None else f"{value:.{digits}f}"


def since_section(snapshot: MarketSnapshot) -> list[str]:
    if snapshot.since is None:
        return []
    lines = [
        f"## Since the close of {snapshot.since.isoformat()}",
        "",
        "| Symbol | Name | Last | Since |",
        "|---|---|---:|---:|",
    ]
    for i in snapshot.instruments:
        value = (
            fmt.basis_points(fmt.yield_change_bp(i.last, fmt.base_from_change(i.last, i.change_since_pct)))
            if is_yield(i)
            else fmt.pct(i.change_since_pct)
        )
        lines.append(f"| {i.symbol} | {i.short} | {fmt.price(i.last, i.unit)} | {value} |")
    return [*lines, ""]


def risk_section(snapshot: MarketSnapshot) -> list[str]:
    if not snapshot.risk_notes:
        return []
    lines = ["## Risk notes", ""]
    for note in sorted(snapshot.risk_notes, key=lambda n: (SEVERITY_ORDER[n.severity], n.id)):
        lines.append(f"- **{note.severity.upper()}: {note.title}.** {note.detail}")
        lines.append(f"  - Evidence: {evidence_text(note)}")
    return [*lines, ""]


def to_markdown(snapshot: MarketSnapshot) -> str:
    """The weekly wrap (see the module docstring)."""
    source = SOURCE_LABELS.get(snapshot.source, snapshot.source)
    lines = [
        f"# Market wrap: week to {long_date(snapshot.as_of)}",
        "",
        f"_Source: {source}; figures as of the close of {snapshot.as_of.isoformat()}. {week_note(snapshot)}_",
        *[f"> {n}" for n in snapshot.notices],
        "",
        f"**{headline(snapshot)}**",
        "",
    ]
    told = story(snapshot)
    if told:
        lines += ["## The week", "", *told, ""]
    lines += indices_section(snapshot)
    lines += etfs_section(snapshot)
    lines += sectors_section(snapshot)
    lines += commodities_section(snapshot)
    watchlist = snapshot.group("watchlist")
    if watchlist:
        lines += ["## Watchlist", "", *md_table(watchlist), ""]
        missing = [f"- {i.symbol}: {i.error}" for i in watchlist if i.error and i.last is None]
        lines += [*missing, ""] if missing else []
    if snapshot.rotation is not None:
        lines += rotation_section(snapshot.rotation)
    lines += since_section(snapshot)
    lines += risk_section(snapshot)
    return "\n".join(lines)
