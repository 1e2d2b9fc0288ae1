"""Cheap ticks (rotor.data.ticks): a streamed price gives the same figures as recomputing the panel with
that price as the session's close; ticks of a later session ask for a refresh; pre- and post-market ticks
of US listings are extended-hours prices beside the regular close."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from rotor.data.build import assemble, compute_figures, daily_status
from rotor.data.panel import Panel
from rotor.data.sessions import resolve_markets
from rotor.data.snapshot import METRIC_FIELDS, MarketSnapshot
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.sources.stream import Tick
from rotor.data.symbols import UNIVERSE
from rotor.data.ticks import apply_ticks

NY = ZoneInfo("America/New_York")
DAY = date(2026, 3, 5)
TICKERS = [s.ticker for s in UNIVERSE]
MARKETS = resolve_markets({s.ticker: s.venue for s in UNIVERSE})


def snapshot_of(bars: pd.DataFrame, now: datetime) -> MarketSnapshot:
    panel = Panel.from_bars(bars, TICKERS)
    figures = compute_figures(panel, requested_as_of=DAY, cut=DAY, deep_history={})
    return assemble(figures, source="live", now=now, status=daily_status(figures, {}, "live"))


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    all_bars = load_bundled_bars()
    return all_bars[all_bars["date"] <= pd.Timestamp(DAY)].reset_index(drop=True)


def with_close(bars: pd.DataFrame, symbol: str, price: float) -> pd.DataFrame:
    """The bars with ``price`` as the last session's close (high and low widened to hold it)."""
    out = bars.copy()
    row = (out["symbol"] == symbol) & (out["date"] == pd.Timestamp(DAY))
    out.loc[row, "close"] = price
    out.loc[row, "high"] = out.loc[row, "high"].clip(lower=price)
    out.loc[row, "low"] = out.loc[row, "low"].clip(upper=price)
    return out


@pytest.mark.parametrize(
    ("symbol", "factor"), [("^GSPC", 1.012), ("SPY", 0.97), ("GC=F", 1.05), ("NG=F", 0.8)]
)
def test_a_tick_gives_the_figures_of_a_full_recompute(bars: pd.DataFrame, symbol: str, factor: float) -> None:
    now = datetime(2026, 3, 5, 12, 0, tzinfo=NY)
    before = snapshot_of(bars, now)
    old = before.get(symbol)
    assert old is not None and old.last is not None
    price = round(old.last * factor, 4)
    outcome = apply_ticks(before, [Tick(symbol, price, now, "regular")], MARKETS, now)
    assert outcome.snapshot is not None and outcome.changed == {symbol} and not outcome.refresh
    ticked = outcome.snapshot.get(symbol)
    truth = snapshot_of(with_close(bars, symbol, price), now).get(symbol)
    assert ticked is not None and truth is not None
    for name in METRIC_FIELDS:
        got, want = getattr(ticked, name), getattr(truth, name)
        assert (got is None) == (want is None), name
        if want is not None:
            assert got == pytest.approx(want, rel=1e-9), name
    assert ticked.spark[-1] == price and ticked.price_state == "live"
    assert outcome.snapshot.get("QQQ") == before.get("QQQ")  # only what ticked changed


def test_a_tick_of_a_later_session_asks_for_its_bar(bars: pd.DataFrame) -> None:
    sunday = datetime(2026, 3, 8, 19, 0, tzinfo=NY)  # Globex trades Monday's session; the last bar is 03-05
    before = snapshot_of(bars, sunday)
    outcome = apply_ticks(before, [Tick("CL=F", 95.0, sunday, "regular")], MARKETS, sunday)
    assert outcome.snapshot is None and outcome.refresh == {"CL=F"}


def test_ticks_on_a_closed_market_or_an_older_session_change_nothing(bars: pd.DataFrame) -> None:
    evening = datetime(2026, 3, 5, 21, 0, tzinfo=NY)
    before = snapshot_of(bars, evening)
    late = Tick("SPY", 600.0, datetime(2026, 3, 5, 15, 59, tzinfo=NY), "regular")
    assert apply_ticks(before, [late], MARKETS, evening).snapshot is None
    assert apply_ticks(before, [Tick("NOPE", 1.0, evening, "regular")], MARKETS, evening).snapshot is None


def test_extended_hours_ticks_sit_beside_the_regular_close(bars: pd.DataFrame) -> None:
    evening = datetime(2026, 3, 5, 17, 30, tzinfo=NY)
    before = snapshot_of(bars, evening)
    spy = before.get("SPY")
    assert spy is not None and spy.last is not None
    post = Tick("SPY", round(spy.last * 1.004, 2), evening.astimezone(UTC), "post")
    outcome = apply_ticks(before, [post], MARKETS, evening)
    assert outcome.snapshot is not None
    after = outcome.snapshot.get("SPY")
    assert after is not None and after.last == spy.last and after.change_1d_pct == spy.change_1d_pct
    assert after.extended_session == "post" and after.extended_price == post.price
    assert after.extended_change_pct == pytest.approx(100 * (post.price / spy.last - 1))
    hidden = apply_ticks(before, [post], MARKETS, evening, extended=False)
    assert hidden.snapshot is None
    index = apply_ticks(before, [Tick("^GSPC", 7000.0, evening, "post")], MARKETS, evening)
    assert index.snapshot is None  # an index has no extended hours


def test_the_last_tick_of_a_symbol_wins(bars: pd.DataFrame) -> None:
    now = datetime(2026, 3, 5, 12, 0, tzinfo=NY)
    before = snapshot_of(bars, now)
    first = Tick("SPY", 680.0, datetime(2026, 3, 5, 11, 59, 58, tzinfo=NY), "regular")
    second = Tick("SPY", 681.0, datetime(2026, 3, 5, 11, 59, 59, tzinfo=NY), "regular")
    outcome = apply_ticks(before, [second, first], MARKETS, now)
    assert outcome.snapshot is not None and outcome.snapshot.get("SPY").last == 681.0  # type: ignore[union-attr]
