"""metrics.py against plain-Python references over the bundled rows (csv + gzip, no pandas).

Every figure of ``InstrumentStats`` is recomputed here with loops over the raw bundled rows, following
design.md's "Metric definitions", and compared with what ``BundledFeed(as_of).refresh()`` shows, at
several as-of sessions: a July 4th week (futures trade on the holiday), Thanksgiving week, the year
boundary, the bundle's last complete session, and two early dates where the history is still short.
"""

from __future__ import annotations

import csv
import functools
import gzip
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources

import pytest
from rotor.data.errors import AsOfOutOfRange
from rotor.data.feed import BundledFeed
from rotor.data.figures import metrics
from rotor.data.panel import Panel
from rotor.data.snapshot import InstrumentStats, MarketSnapshot
from rotor.data.sources.bundled import BundledProvider
from rotor.data.symbols import UNIVERSE, by_ticker

# Thu before the July 4th holiday (Fri); Mon after it (futures traded on the 4th); Thanksgiving Friday
# (the Thursday is closed); the first session of 2026; the bundle's last complete session; two dates
# whose history is too short for some figures.
AS_OF_DATES = (
    date(2025, 7, 3),
    date(2025, 7, 7),
    date(2025, 11, 28),
    date(2026, 1, 2),
    date(2026, 3, 6),
    date(2024, 2, 9),
    date(2024, 3, 15),
)
SYMBOLS = ("^GSPC", "^RUT", "^VIX", "SPY", "XLE", "XLP", "GC=F", "NG=F", "^TNX", "DX-Y.NYB")
FIXED_NOW = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    day: date
    open: float | None
    high: float | None
    low: float | None
    close: float


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


@functools.cache
def bundled_rows() -> dict[str, tuple[Row, ...]]:
    """Every bundled row with a close, per symbol, oldest first, read with csv + gzip only."""
    out: dict[str, list[Row]] = {}
    with (
        resources.files("rotor.data.bundled").joinpath("bars.csv.gz").open("rb") as raw,
        gzip.open(raw, "rt", newline="") as fh,
    ):
        for r in csv.DictReader(fh):
            close = _number(r["close"])
            if close is None:
                continue
            out.setdefault(r["symbol"], []).append(
                Row(
                    date.fromisoformat(r["date"]),
                    _number(r["open"]),
                    _number(r["high"]),
                    _number(r["low"]),
                    close,
                )
            )
    for rows in out.values():
        rows.sort(key=lambda row: row.day)
    return {sym: tuple(rows) for sym, rows in out.items()}


@functools.cache
def provider() -> BundledProvider:
    return BundledProvider()


@functools.cache
def snapshot_at(as_of: date | None) -> MarketSnapshot:
    return BundledFeed(as_of, provider=provider(), clock=lambda: FIXED_NOW).refresh()


def stats(as_of: date, symbol: str) -> InstrumentStats:
    found = snapshot_at(as_of).get(symbol)
    assert found is not None, symbol
    return found


# --- the plain-Python reference ----------------------------------------------------------------


def upto(symbol: str, as_of: date) -> list[Row]:
    return [r for r in bundled_rows()[symbol] if r.day <= as_of]


def pct(current: float, base: float | None) -> float | None:
    if base is None or base <= 0:
        return None
    return 100.0 * (current / base - 1.0)


def last_close_before(rows: list[Row], cutoff: date) -> float | None:
    base = None
    for r in rows:
        if r.day < cutoff:
            base = r.close
    return base


def nth_last_close(rows: list[Row], n: int) -> float | None:
    return rows[-n].close if len(rows) >= n else None


def mean_last(rows: list[Row], n: int) -> float | None:
    if len(rows) < n:
        return None
    total = 0.0
    for r in rows[-n:]:
        total += r.close
    return total / n


def low_of(r: Row) -> float:
    # A missing low, or one above the close, gives way to the close (metrics.py's definition).
    return r.close if r.low is None else min(r.low, r.close)


def high_of(r: Row) -> float:
    return r.close if r.high is None else max(r.high, r.close)


def one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def reference_stats(symbol: str, as_of: date) -> dict[str, float | None]:
    rows = upto(symbol, as_of)
    last = rows[-1].close
    monday = as_of - timedelta(days=as_of.weekday())
    recent = rows[-50:] if len(rows) >= 50 else []
    year_ago = one_year_before(as_of)
    covered = any(r.day <= year_ago for r in rows)
    in_year = [r for r in rows if r.day > year_ago] if covered else []
    return {
        "last": last,
        "prev_close": nth_last_close(rows, 2),
        "change_1d_pct": pct(last, nth_last_close(rows, 2)),
        "change_1w_pct": pct(last, nth_last_close(rows, 6)),
        "change_wtd_pct": pct(last, last_close_before(rows, monday)),
        "change_1m_pct": pct(last, nth_last_close(rows, 22)),
        "change_mtd_pct": pct(last, last_close_before(rows, as_of.replace(day=1))),
        "change_ytd_pct": pct(last, last_close_before(rows, date(as_of.year, 1, 1))),
        "ma20": mean_last(rows, 20),
        "ma50": mean_last(rows, 50),
        "ma200": mean_last(rows, 200),
        "range_50d_low": min((low_of(r) for r in recent), default=None),
        "range_50d_high": max((high_of(r) for r in recent), default=None),
        "range_52w_low": min((low_of(r) for r in in_year), default=None),
        "range_52w_high": max((high_of(r) for r in in_year), default=None),
    }


def mismatches(actual: InstrumentStats, expected: dict[str, float | None]) -> list[str]:
    out = []
    for name, want in expected.items():
        got = getattr(actual, name)
        if want is None or got is None:
            if want is not got:
                out.append(f"{name}: got {got!r}, expected {want!r}")
        elif got != pytest.approx(want, rel=1e-9, abs=1e-9):
            out.append(f"{name}: got {got!r}, expected {want!r}")
    return out


# --- every InstrumentStats figure --------------------------------------------------------------


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_instrument_stats_match_plain_python(as_of: date, symbol: str) -> None:
    actual = stats(as_of, symbol)
    assert snapshot_at(as_of).as_of == as_of
    assert mismatches(actual, reference_stats(symbol, as_of)) == []
    rows = upto(symbol, as_of)
    assert actual.last_date == rows[-1].day
    assert actual.age_days == (as_of - rows[-1].day).days


def test_every_symbol_matches_at_the_last_complete_session() -> None:
    as_of = date(2026, 3, 6)
    problems = {
        s.ticker: bad
        for s in UNIVERSE
        if (bad := mismatches(stats(as_of, s.ticker), reference_stats(s.ticker, as_of)))
    }
    assert problems == {}


def test_known_published_figures() -> None:
    """Numbers quoted in the market commentary of the week ending 2026-01-23 (bundled/SOURCES.md)."""
    as_of = date(2026, 1, 23)
    assert stats(as_of, "^GSPC").last == pytest.approx(6915.61)
    assert stats(as_of, "^IXIC").last == pytest.approx(23501.24)
    assert stats(as_of, "^DJI").last == pytest.approx(49098.71)
    rut = stats(as_of, "^RUT")
    assert rut.last == pytest.approx(2669.16)
    assert rut.ma20 == pytest.approx(2601.576, abs=5e-4)
    assert rut.ma50 == pytest.approx(2524.372, abs=5e-4)


def test_holiday_weeks_make_wtd_differ_from_1w() -> None:
    """In a short week the previous week's last close is not the close five sessions back."""
    for as_of, prev_friday, five_back in (
        (date(2025, 7, 3), date(2025, 6, 27), date(2025, 6, 26)),
        (date(2025, 11, 28), date(2025, 11, 21), date(2025, 11, 20)),
    ):
        rows = upto("^GSPC", as_of)
        assert rows[-6].day == five_back
        assert [r for r in rows if r.day < as_of - timedelta(days=as_of.weekday())][-1].day == prev_friday
        spx = stats(as_of, "^GSPC")
        base_wtd = next(r.close for r in rows if r.day == prev_friday)
        base_1w = next(r.close for r in rows if r.day == five_back)
        assert spx.change_wtd_pct == pytest.approx(100 * (rows[-1].close / base_wtd - 1))
        assert spx.change_1w_pct == pytest.approx(100 * (rows[-1].close / base_1w - 1))
        assert spx.change_wtd_pct != pytest.approx(spx.change_1w_pct)


def test_futures_use_their_own_sessions_across_a_holiday() -> None:
    """Gold traded on 2025-07-04 (NYSE closed): on 2025-07-07 its previous close is the 4th's."""
    gold_rows = upto("GC=F", date(2025, 7, 7))
    assert [r.day for r in gold_rows[-3:]] == [date(2025, 7, 3), date(2025, 7, 4), date(2025, 7, 7)]
    assert date(2025, 7, 4) not in {r.day for r in upto("^GSPC", date(2025, 7, 7))}
    gold = stats(date(2025, 7, 7), "GC=F")
    assert gold.prev_close == gold_rows[-2].close
    assert gold.change_1d_pct == pytest.approx(100 * (gold_rows[-1].close / gold_rows[-2].close - 1))


def test_year_boundary() -> None:
    """On the first session of a year YTD, MTD and 1D share a base: the last close of the old year."""
    spx = stats(date(2026, 1, 2), "^GSPC")
    last_2025 = upto("^GSPC", date(2025, 12, 31))[-1]
    assert last_2025.day == date(2025, 12, 31)
    assert spx.prev_close == last_2025.close
    assert spx.change_ytd_pct == pytest.approx(spx.change_1d_pct)
    assert spx.change_mtd_pct == pytest.approx(spx.change_1d_pct)


def test_short_history_gives_none() -> None:
    early = stats(date(2024, 2, 9), "^GSPC")
    assert len(upto("^GSPC", date(2024, 2, 9))) < 50
    assert early.ma20 is not None
    assert early.ma50 is None and early.ma200 is None
    assert early.range_50d_low is None and early.range_50d_high is None
    assert early.range_52w_low is None and early.range_52w_high is None
    assert early.change_ytd_pct is None and early.change_1m_pct is not None
    later = stats(date(2024, 3, 15), "^GSPC")
    assert 50 <= len(upto("^GSPC", date(2024, 3, 15))) < 200
    assert later.ma50 is not None and later.range_50d_low is not None
    assert later.ma200 is None and later.range_52w_high is None


def test_missing_low_and_high_fall_back_to_the_close() -> None:
    """VIX 2026-02-06 has a close but no open/high/low; it still counts in the 50-session range."""
    vix_row = next(r for r in bundled_rows()["^VIX"] if r.day == date(2026, 2, 6))
    assert vix_row.low is None and vix_row.high is None and vix_row.close == 17.76
    vix = stats(date(2026, 2, 6), "^VIX")
    assert vix.last == 17.76
    assert vix.range_50d_low is not None and vix.range_50d_low <= 17.76


# --- since a date ---------------------------------------------------------------------------------


def test_change_since_a_date() -> None:
    panel = Panel.from_bars(provider().history(["^GSPC", "GC=F"]).bars, ["^GSPC", "GC=F"])
    # A Saturday: the base is the Friday close before it.
    got = metrics.change_since(panel, date(2026, 3, 6), date(2025, 12, 6))
    for symbol in ("^GSPC", "GC=F"):
        rows = upto(symbol, date(2026, 3, 6))
        base = [r for r in rows if r.day <= date(2025, 12, 6)][-1]
        assert base.day == date(2025, 12, 5)
        assert got[symbol] == pytest.approx(100 * (rows[-1].close / base.close - 1))


# --- as-of resolution ---------------------------------------------------------------------------


def gspc_sessions() -> list[date]:
    return [r.day for r in bundled_rows()["^GSPC"]]


def test_a_session_date_is_used_as_is() -> None:
    snap = snapshot_at(date(2026, 1, 30))
    assert snap.as_of == snap.requested_as_of == date(2026, 1, 30)
    assert not any("not a session" in n for n in snap.notices)


@pytest.mark.parametrize(
    ("requested", "resolved"),
    [
        (date(2026, 1, 31), date(2026, 1, 30)),
        (date(2025, 7, 4), date(2025, 7, 3)),
        (date(2025, 11, 27), date(2025, 11, 26)),
    ],
    ids=str,
)
def test_a_non_session_date_uses_the_last_session_before_it(requested: date, resolved: date) -> None:
    assert requested not in gspc_sessions()
    assert max(d for d in gspc_sessions() if d <= requested) == resolved
    snap = snapshot_at(requested)
    assert snap.as_of == resolved
    assert snap.requested_as_of == requested
    assert any(requested.isoformat() in n and resolved.isoformat() in n for n in snap.notices), snap.notices
    gold = snap.get("GC=F")
    assert gold is not None and gold.last_date is not None and gold.last_date <= resolved


def test_holiday_futures_row_is_after_the_as_of_session() -> None:
    """Gold has a 2025-07-04 row, but as of Fri 2025-07-04 the session is the 3rd, so gold shows the 3rd."""
    assert date(2025, 7, 4) in {r.day for r in bundled_rows()["GC=F"]}
    gold = snapshot_at(date(2025, 7, 4)).get("GC=F")
    assert gold is not None
    assert gold.last_date == date(2025, 7, 3)
    assert gold.last == upto("GC=F", date(2025, 7, 3))[-1].close


def test_default_as_of_is_the_last_session_every_symbol_has() -> None:
    expected = min(rows[-1].day for rows in bundled_rows().values())
    assert expected == date(2026, 3, 6)
    snap = snapshot_at(None)
    assert snap.as_of == expected
    assert snap.stale_symbols == ()


@pytest.mark.parametrize(
    "requested", [date(2023, 12, 29), date(2024, 1, 1), date(2026, 6, 24), date(2030, 1, 1)], ids=str
)
def test_out_of_range_as_of_raises_with_the_range(requested: date) -> None:
    sessions = gspc_sessions()
    assert requested < sessions[0] or requested > sessions[-1]
    with pytest.raises(AsOfOutOfRange) as info:
        BundledFeed(requested, provider=provider(), clock=lambda: FIXED_NOW).refresh()
    message = str(info.value)
    assert requested.isoformat() in message
    assert f"{sessions[0].isoformat()} to {sessions[-1].isoformat()}" in message
    assert sessions[0] == date(2024, 1, 2)


def test_symbol_names_come_from_the_universe() -> None:
    snap = snapshot_at(date(2026, 3, 6))
    assert [i.symbol for i in snap.instruments] == [s.ticker for s in UNIVERSE]
    assert stats(date(2026, 3, 6), "GC=F").name == by_ticker("GC=F").name == "Gold"
