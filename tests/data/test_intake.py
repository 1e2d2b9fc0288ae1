"""The one pass at the source boundary (rotor.data.intake.take_in): stamped bars dated by the session
model, the repeated current day combined, settled or provisional, quotes applied only to a session in
progress, rows before the wanted day dropped. Prices are real bundled rows (CL=F and SPY, March 2026)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from rotor.data.intake import take_in
from rotor.data.sessions import resolve_markets
from rotor.data.sources.base import FetchResult, Quote
from rotor.data.sources.bundled import load_bundled_bars

NEW_YORK = ZoneInfo("America/New_York")
MARKETS = resolve_markets({"CL=F": "CMES", "SPY": "XNYS"})
Rows = dict[tuple[str, str], tuple[float, float, float, float, float]]


def et(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def rows() -> Rows:
    bars = load_bundled_bars()
    picked = bars[bars["symbol"].isin(["CL=F", "SPY"]) & (bars["date"] >= "2026-03-04")]
    return {
        (str(s), d.date().isoformat()): (o, h, lo, c, v)
        for s, d, o, h, lo, c, v in picked.itertuples(index=False)
    }


def stamped(*bars: tuple[str, datetime, tuple[float, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [(s, pd.NaT, *values, t) for s, t, values in bars],
        columns=["symbol", "date", "open", "high", "low", "close", "volume", "time"],
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def result(bars: pd.DataFrame, quotes: dict[str, Quote] | None = None) -> FetchResult:
    return FetchResult(bars=bars, source="live", quotes=quotes or {})


def test_a_sunday_evening_futures_bar_is_mondays(rows: Rows) -> None:
    monday = rows[("CL=F", "2026-03-09")]
    partial = (monday[0], monday[0] + 1.0, monday[0] - 1.0, monday[0] + 0.5, 1000.0)
    now = et("2026-03-08 19:00")
    intake = take_in(result(stamped(("CL=F", et("2026-03-08 18:59"), partial))), MARKETS, now)
    assert intake.bars["date"].tolist() == [pd.Timestamp("2026-03-09")]  # never a Sunday bar
    assert intake.bars["settled"].tolist() == [False]


def test_a_weekday_evening_bar_is_the_next_days_and_the_settled_one_stands(rows: Rows) -> None:
    monday, tuesday = rows[("CL=F", "2026-03-09")], rows[("CL=F", "2026-03-10")]
    partial = (tuesday[0], tuesday[0], tuesday[0], tuesday[0], 10.0)
    answer = stamped(("CL=F", et("2026-03-09 00:00"), monday), ("CL=F", et("2026-03-09 18:30"), partial))
    intake = take_in(result(answer), MARKETS, et("2026-03-09 18:31"))
    got = intake.bars.set_index("date")
    assert list(got.index) == [pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-10")]
    assert got.loc["2026-03-09", "close"] == monday[3] and bool(got.loc["2026-03-09", "settled"])
    assert got.loc["2026-03-10", "close"] == tuesday[0] and not bool(got.loc["2026-03-10", "settled"])


def test_the_repeated_current_day_is_one_bar(rows: Rows) -> None:
    day = rows[("SPY", "2026-03-05")]
    first = (day[0], day[1], day[0] - 1, day[0] + 0.5, 1000.0)
    later = (day[0], day[1], day[2], day[3], 1200.0)
    answer = stamped(("SPY", et("2026-03-05 09:30"), first), ("SPY", et("2026-03-05 15:59"), later))
    intake = take_in(result(answer), MARKETS, et("2026-03-05 16:00"))
    assert len(intake.bars) == 1
    bar = intake.bars.iloc[0]
    assert (bar["open"], bar["high"], bar["low"], bar["close"], bar["volume"]) == (
        day[0],
        day[1],
        day[2],
        day[3],
        1200.0,
    )
    assert not bar["settled"]  # 16:00: the official close may still replace it


def test_a_quote_overrides_the_close_only_while_its_session_is_open(rows: Rows) -> None:
    day = rows[("SPY", "2026-03-05")]
    bar = stamped(("SPY", et("2026-03-05 09:30"), day))
    last_minute = Quote("SPY", day[1], et("2026-03-05 15:59"))  # the day's high: within its range
    during = take_in(result(bar, {"SPY": last_minute}), MARKETS, et("2026-03-05 15:59:30"))
    assert during.bars["close"].tolist() == [day[1]] and during.quote_days == {"SPY": date(2026, 3, 5)}
    evening = take_in(result(bar, {"SPY": last_minute}), MARKETS, et("2026-03-05 17:30"))
    assert evening.bars["close"].tolist() == [day[3]]  # the official close stands after the session
    assert evening.bars["settled"].tolist() == [True]
    assert evening.quotes == {"SPY": last_minute}  # kept, with its day, for staleness


def test_rows_before_the_wanted_day_are_dropped(rows: Rows) -> None:
    answer = stamped(
        ("SPY", et("2026-03-04 09:30"), rows[("SPY", "2026-03-04")]),
        ("SPY", et("2026-03-05 09:30"), rows[("SPY", "2026-03-05")]),
    )
    intake = take_in(result(answer), MARKETS, et("2026-03-06 08:00"), wanted={"SPY": date(2026, 3, 5)})
    assert intake.bars["date"].tolist() == [pd.Timestamp("2026-03-05")]


def test_bad_rows_and_quotes_are_dropped_with_reasons(rows: Rows) -> None:
    day = rows[("SPY", "2026-03-05")]
    bad = (day[0], day[2], day[1], day[3], 1.0)  # high below low
    quote = Quote("SPY", float("nan"), et("2026-03-05 15:00"))
    intake = take_in(
        result(stamped(("SPY", et("2026-03-05 09:30"), bad)), {"SPY": quote}), MARKETS, et("2026-03-05 15:01")
    )
    assert intake.bars.empty and intake.quotes == {}
    assert intake.rejections == (
        "SPY: dropped 1 bad bar (high below low)",
        "SPY: dropped 1 bad quote (price missing)",
    )


def test_a_symbol_without_a_calendar_falls_back_to_the_new_york_date(rows: Rows) -> None:
    answer = stamped(("SPY", et("2026-03-05 09:30"), rows[("SPY", "2026-03-05")]))
    intake = take_in(result(answer), resolve_markets({}), datetime(2026, 3, 6, tzinfo=UTC))
    assert intake.bars["date"].tolist() == [pd.Timestamp("2026-03-05")]
    assert intake.bars["settled"].tolist() == [True]
