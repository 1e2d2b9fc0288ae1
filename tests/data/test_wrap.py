"""The Markdown weekly wrap (render/wrap.py) for the weeks to 2026-01-23 (Monday was Martin Luther King Jr.
Day) and 2026-01-30 (natural gas rolled on Thursday): one week throughout, the story told from figures,
every figure in its sentences recomputed here from the raw rows, and the whole document against a stored
snapshot (tests/data/wraps/). After a deliberate change: ``ROTOR_UPDATE_WRAPS=1 pytest
tests/data/test_wrap.py`` and read the new files before committing them."""

from __future__ import annotations

import os
import re
import statistics
from datetime import date, timedelta
from pathlib import Path

import pytest
from bundled_rows import raw_bars, raw_rows, searched_rows
from reference_figures import (
    near_levels,
    pct,
    record,
    rolls,
    week_extremes_days,
)
from rotor.data.feed import BundledFeed
from rotor.data.render.wrap import to_markdown
from rotor.data.snapshot import MarketSnapshot
from rotor.data.symbols import COMMODITIES, SECTORS

WRAPS = Path(__file__).parent / "wraps"
JAN_23, JAN_30 = date(2026, 1, 23), date(2026, 1, 30)
INDICES = (("^GSPC", "S&P 500"), ("^IXIC", "Nasdaq"), ("^DJI", "Dow"), ("^RUT", "Russell 2000"))


@pytest.fixture(scope="module")
def wraps() -> dict[date, str]:
    return {day: to_markdown(snapshot(day)) for day in (JAN_23, JAN_30)}


def snapshot(day: date, cache: dict[date, MarketSnapshot] = {}) -> MarketSnapshot:  # noqa: B006
    if day not in cache:
        cache[day] = BundledFeed(day).refresh()
    return cache[day]


def upto(ticker: str, day: date) -> list[tuple[date, float]]:
    return [r for r in raw_rows(ticker) if r[0] <= day]


def week_base(ticker: str, day: date) -> float:
    monday = day - timedelta(days=day.weekday())
    return [c for d, c in raw_rows(ticker) if d < monday][-1]


def week_change(ticker: str, day: date) -> float:
    return pct(upto(ticker, day)[-1][1], week_base(ticker, day))


def ytd(ticker: str, day: date) -> float:
    return pct(upto(ticker, day)[-1][1], [c for d, c in raw_rows(ticker) if d.year < day.year][-1])


def line_with(text: str, needle: str) -> str:
    found = [line for line in text.splitlines() if needle in line]
    assert len(found) >= 1, needle
    return found[0]


# --- the stored documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [JAN_23, JAN_30], ids=str)
def test_the_wrap_equals_the_stored_snapshot(wraps: dict[date, str], day: date) -> None:
    path = WRAPS / f"week-to-{day.isoformat()}.md"
    if os.environ.get("ROTOR_UPDATE_WRAPS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(wraps[day], encoding="utf-8")
    assert wraps[day] == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("day", [JAN_23, JAN_30], ids=str)
def test_one_week_throughout_and_yields_in_basis_points(wraps: dict[date, str], day: date) -> None:
    text = wraps[day]
    assert not re.search(r"\b1W\b|over 1W|five sessions", text)
    assert "| Week |" in text and "week " in line_with(text, "**Small vs large (IWM/SPY)**")
    assert not re.search(r"\b(nan|inf)\b", text, flags=re.IGNORECASE)
    tnx = line_with(text, "| ^TNX |")
    assert "%" not in tnx.split("|")[4] and "bp" in tnx.split("|")[5]  # 1D and Week in bp, not %
    assert re.search(r"\d% – \d+\.\d+%", tnx)  # the 52-week range in %
    rows = upto("^TNX", day)
    bp = 100 * (rows[-1][1] - week_base("^TNX", day))
    assert f"**US 10-Year Treasury Yield**: {rows[-1][1]:.3f}%, {bp:+.0f} bp for the week" in text


# --- the week to 2026-01-23: the holiday, the story ------------------------------------------------------


def test_the_holiday_is_named_and_the_sessions_counted(wraps: dict[date, str]) -> None:
    sessions = [d for d, _ in raw_rows("^GSPC") if date(2026, 1, 19) <= d <= JAN_23]
    closed = [date(2026, 1, 19) + timedelta(days=n) for n in range(5)]
    closed = [d for d in closed if d not in sessions]
    assert closed == [date(2026, 1, 19)] and len(sessions) == 4
    text = wraps[JAN_23]
    assert (
        "A holiday-shortened week: US stock markets were closed on Monday, January 19 "
        "(Dr. Martin Luther King Jr. Day), so it had four sessions." in text
    )
    assert "In a holiday-shortened week, stocks slipped" in text
    assert "measured from the last close of the previous week (the close of Friday, January 16)" in text
    assert "holiday" not in wraps[JAN_30]


def test_the_headline(wraps: dict[date, str]) -> None:
    text = wraps[JAN_23]
    headline = line_with(text, "**In a holiday-shortened week")
    figures = ", ".join(f"{short} {week_change(t, JAN_23):+.2f}%" for t, short in INDICES)
    assert f"stocks slipped ({figures})" in headline
    # The largest weekly moves among commodities, the dollar and sectors (no yield, no week across a roll).
    rolled = {t for t in ("CL=F", "NG=F") if any(r.on > date(2026, 1, 16) for r in rolls(t, upto(t, JAN_23)))}
    assert rolled == {"CL=F"}
    pool = [s.ticker for s in COMMODITIES + SECTORS if s.ticker not in rolled] + ["DX-Y.NYB"]
    top = sorted(pool, key=lambda t: -abs(week_change(t, JAN_23)))[:3]
    assert top == ["NG=F", "SI=F", "GC=F"]
    assert (
        f"Natural Gas {week_change('NG=F', JAN_23):+.2f}% "
        "(its biggest weekly gain in closes since 2000-08-30)" in headline
    )
    assert f"Silver {week_change('SI=F', JAN_23):+.2f}% to a first close above $100 and a record" in headline
    assert f"Gold {week_change('GC=F', JAN_23):+.2f}% to a record close" in headline
    cyclical = statistics.mean(week_change(t, JAN_23) for t in ("XLY", "XLF", "XLI", "XLB", "XLE"))
    defensive = statistics.mean(week_change(t, JAN_23) for t in ("XLP", "XLU", "XLV", "XLRE"))
    small = 100 * ((1 + week_change("IWM", JAN_23) / 100) / (1 + week_change("SPY", JAN_23) / 100) - 1)
    assert f"cyclicals led defensives by {cyclical - defensive:.2f} pts" in headline
    assert f"small caps kept pace with large caps (IWM/SPY {small:+.2f}%)" in headline


def test_the_worst_and_best_days(wraps: dict[date, str]) -> None:
    text = wraps[JAN_23]
    worst = line_with(text, "The week's worst day for the indices was Tuesday, January 20")
    for ticker, short in INDICES:
        rows = upto(ticker, date(2026, 1, 20))
        change = pct(rows[-1][1], rows[-2][1])
        since = next((s for w, _, d, s in week_extremes_days(ticker, JAN_23) if w == "worst"), None)
        note = (
            f" (its worst day since {since.isoformat()})"
            if since and (date(2026, 1, 20) - since).days >= 91
            else ""
        )
        assert f"{short} {change:+.2f}%{note}" in worst, short
    assert "S&P 500 -2.06% (its worst day since 2025-10-10)" in worst
    assert "Nasdaq -2.39% (its worst day since 2025-10-10)" in worst
    tuesday = dict(raw_rows("^GSPC"))[date(2026, 1, 20)]
    assert f"from that close to the week's last the S&P 500 gained {pct(6915.61, tuesday):.2f}%" in worst


def test_records_distances_ranges_and_levels(wraps: dict[date, str]) -> None:
    text = wraps[JAN_23]
    best, on = record("^RUT", JAN_23)
    assert (best, on) == (2718.77, date(2026, 1, 22))
    friday = pct(2669.16, best)
    assert (
        f"Russell 2000 set a record close on Thursday, January 22: {best:,.2f} (the highest in closes since "
        f"1987-09-10), then fell {abs(friday):.2f}% on Friday." in text
    )
    distances = line_with(text, "Distance from the record close:")
    for ticker, short in INDICES:
        best, on = record(ticker, JAN_23)
        last = upto(ticker, JAN_23)[-1][1]
        assert f"{short} {abs(pct(last, best)):.2f}% below {best:,.2f} (set {on.isoformat()}" in distances
    assert "S&P 500 0.88% below 6,977.27" in distances
    ranges = line_with(text, "Recent ranges")
    for ticker, short in INDICES:
        bars = [b for b in raw_bars(ticker) if b[0] <= JAN_23][-50:]
        low = min(c if lo is None else min(lo, c) for _, lo, _, c in bars)
        high = max(c if hi is None else max(hi, c) for _, _, hi, c in bars)
        assert f"{short} {low:,.2f}–{high:,.2f}" in ranges
    assert "Russell 2000 2,303.46–2,735.10" in ranges
    levels = line_with(text, "Round levels within reach:")
    for ticker, name in (("GC=F", "Gold"), ("SI=F", "Silver")):
        ((level, distance),) = near_levels(upto(ticker, JAN_23)[-1][1])
        side = "below" if distance < 0 else "above"
        assert f"{name} closed {abs(distance):.2f}% {side} ${level:,.0f}" in levels
    assert "Gold closed 0.48% below $5,000" in levels


def test_the_crude_roll_is_named_not_told_as_a_move(wraps: dict[date, str]) -> None:
    text = wraps[JAN_23]
    (roll,) = [r for r in rolls("CL=F", upto("CL=F", JAN_23)) if r.on > date(2026, 1, 16)]
    assert (roll.on, roll.previous, roll.last_close, roll.first_close) == (
        date(2026, 1, 21),
        date(2026, 1, 20),
        60.34,
        60.62,
    )
    base, last = week_base("CL=F", JAN_23), upto("CL=F", JAN_23)[-1][1]
    sentence = line_with(text, "WTI Crude Oil's front month rolled")
    assert "from the February 2026 to the March 2026 contract on Wednesday, January 21" in sentence
    assert f"the week's {pct(last, base):+.2f}% spans two contracts and is not a price move" in sentence
    assert (
        f"February rose {pct(roll.last_close, base):.2f}% to its last session ({base:.2f} → 60.34)"
        in sentence
    )
    assert (
        f"March rose {pct(last, roll.first_close):.2f}% from its first close (60.62 → {last:.2f})" in sentence
    )
    assert "| CL=F | Crude | 61.07 | +2.88% | +2.74%† |" in text
    assert "not a price move" in line_with(text, "**WTI Crude Oil**")
    assert "Crude" not in line_with(text, "the largest moves")


def test_index_sentences_are_ordered_by_the_week_s_move(wraps: dict[date, str]) -> None:
    for day in (JAN_23, JAN_30):
        section = wraps[day].split("## Indices")[1].split("| Symbol")[0]
        names = re.findall(r"^- \*\*(.+?)\*\* closed at", section, flags=re.MULTILINE)
        full = {"^GSPC": "S&P 500", "^IXIC": "NASDAQ Composite", "^DJI": "Dow Jones Industrial Average"}
        full["^RUT"] = "Russell 2000"
        expected = sorted(full, key=lambda t: -abs(week_change(t, day)))
        assert names == [full[t] for t in expected]
    rut = line_with(wraps[JAN_23], "- **Russell 2000** closed at")
    assert (
        f"- **Russell 2000** closed at 2,669.16, down {abs(week_change('^RUT', JAN_23)):.2f}% for the week "
        f"(Friday -1.82%), up {ytd('^RUT', JAN_23):.2f}% year to date; a record close on Thursday" in rut
    )


def test_the_etf_and_sector_sections(wraps: dict[date, str]) -> None:
    text = wraps[JAN_23]
    for ticker in ("SPY", "QQQ", "IWM", "RSP"):
        line = line_with(text, f"- **{ticker}**")
        change = ytd(ticker, JAN_23)
        week = week_change(ticker, JAN_23)
        assert f"{'up' if change > 0 else 'down'} {abs(change):.2f}% year to date" in line
        assert f"{'up' if week > 0 else 'down'} {abs(week):.2f}% this week" in line
    sectors = line_with(text, "sector ETFs rose this week")
    changes = {s.ticker: week_change(s.ticker, JAN_23) for s in SECTORS}
    ranked = sorted(changes, key=lambda t: -changes[t])
    assert sectors.startswith(f"{sum(v > 0 for v in changes.values())} of 11 sector ETFs rose this week.")
    assert ranked[:3] == ["XLE", "XLB", "XLC"]
    assert (
        "Leaders: Energy (XLE) +3.15%, Materials (XLB) +2.65%, Communication Services (XLC) +1.55%" in sectors
    )
    breadth = line_with(text, "**Breadth**")
    assert "leaders XLE +3.15%, XLB +2.65%, XLC +1.55%" in breadth  # the table's top three, not 1W's


def test_context_milestones_carry_their_date_and_distance(wraps: dict[date, str]) -> None:
    copper = line_with(wraps[JAN_23], "- **Copper**")
    first = next(d for d, c in raw_rows("HG=F") if c > 6)
    assert first == date(2026, 1, 6)
    distance = pct(upto("HG=F", JAN_23)[-1][1], 6.0)
    assert copper.endswith(
        "Context: first close above $6 on 2026-01-06 (in closes since 2000-08-30); "
        f"now {abs(distance):.2f}% below it."
    )
    assert "first close above $6" not in copper.split("Context:")[0]


# --- the week to 2026-01-30: the natural gas roll ---------------------------------------------------------


def test_the_natural_gas_roll(wraps: dict[date, str]) -> None:
    text = wraps[JAN_30]
    base, last = week_base("NG=F", JAN_30), upto("NG=F", JAN_30)[-1][1]
    assert (base, last) == (5.275, 4.354)
    sentence = line_with(text, "Natural Gas's front month rolled")
    assert "from the February 2026 to the March 2026 contract on Thursday, January 29" in sentence
    assert "(February's last close 7.460 on 2026-01-28, March's first 3.918)" in sentence
    assert f"the week's {pct(last, base):+.2f}% spans two contracts and is not a price move" in sentence
    assert f"February rose {pct(7.46, base):.2f}% to its last session (5.275 → 7.460)" in sentence
    assert f"March rose {pct(last, 3.918):.2f}% from its first close (3.918 → 4.354)" in sentence
    gas = line_with(text, "- **Natural Gas**")
    assert "down 17.46% for the week across a futures roll" in gas
    assert "first close above $7" not in text
    higher = [d for d, c in searched_rows("NG=F") if d < date(2026, 1, 28) and c >= 7.46]
    assert higher[-1] == date(2022, 9, 21)  # so 7.460 is no first close above $7: the highest since then
    assert (
        "highest close since 2022-09-21: 7.460 $/MMBtu on 2026-01-28 (closes since 2000-08-30, February 2026 "
        "contract; the series has since rolled to March 2026)" in gas
    )
    assert "| NG=F | Nat Gas | 4.354 | +11.13% | -17.46%† |" in text
    assert "Natural Gas" not in line_with(text, "the largest moves")
    assert "commodity_shock:NG=F" not in str([n.id for n in snapshot(JAN_30).risk_notes])
