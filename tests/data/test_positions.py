"""Positions and P&L (rotor.data.positions) against figures recomputed by hand from the bundled rows:
market value, day change, total gain and gain % per lot, per position and for the portfolio; lots
bought after a replayed date left out; other currencies named, never converted."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from bundled_rows import raw_rows
from rotor.data.feed import BundledFeed
from rotor.data.positions import currency_for, value_positions
from rotor.data.settings import PositionLot
from rotor.data.snapshot import MarketSnapshot

AS_OF = date(2026, 3, 6)


@pytest.fixture(scope="module")
def snapshot() -> MarketSnapshot:
    return BundledFeed(AS_OF).refresh()


def close_on(ticker: str, day: date) -> tuple[float, float]:
    """(close on ``day``, the close of the session before) from the raw rows."""
    rows = [r for r in raw_rows(ticker) if r[0] <= day]
    return rows[-1][1], rows[-2][1]


def test_one_lot_from_the_raw_rows(snapshot: MarketSnapshot) -> None:
    last, prev = close_on("SPY", AS_OF)
    portfolio = value_positions([PositionLot("SPY", 10.0, 600.0, date(2025, 6, 2))], snapshot)
    (spy,) = portfolio.positions
    assert spy.price == pytest.approx(last) and spy.prev_close == pytest.approx(prev)
    assert spy.cost_basis == 6000.0
    assert spy.market_value == pytest.approx(10 * last)
    assert spy.day_change == pytest.approx(10 * (last - prev))
    assert spy.day_change_pct == pytest.approx(100 * (last / prev - 1))
    assert spy.total_gain == pytest.approx(10 * last - 6000)
    assert spy.total_gain_pct == pytest.approx(100 * (10 * last - 6000) / 6000)
    assert spy.currency == "USD" and not spy.later
    total = portfolio.main
    assert total is not None and total.currency == "USD"
    assert (total.market_value, total.day_change, total.total_gain) == pytest.approx(
        (spy.market_value, spy.day_change, spy.total_gain)
    )


def test_lots_of_a_symbol_make_one_position_and_the_portfolio_adds_up(snapshot: MarketSnapshot) -> None:
    lots = [
        PositionLot("SPY", 10.0, 600.0),
        PositionLot("GC=F", 2.0, 2650.5, date(2024, 11, 1)),
        PositionLot("SPY", 5.0, 650.0),
        PositionLot("XLE", 100.0, 85.25),
    ]
    portfolio = value_positions(lots, snapshot)
    assert [p.symbol for p in portfolio.positions] == ["SPY", "GC=F", "XLE"]
    spy = portfolio.positions[0]
    spy_last, _ = close_on("SPY", AS_OF)
    assert spy.quantity == 15 and spy.cost_basis == 6000 + 3250
    assert spy.average_cost == pytest.approx(9250 / 15)
    assert spy.market_value == pytest.approx(15 * spy_last)
    assert spy.total_gain == pytest.approx(15 * spy_last - 9250)
    expected_value = expected_day = expected_basis = 0.0
    for lot in lots:
        last, prev = close_on(lot.symbol, AS_OF)
        expected_value += lot.quantity * last
        expected_day += lot.quantity * (last - prev)
        expected_basis += lot.quantity * lot.cost
    total = portfolio.main
    assert total is not None and total.positions == 3 and not total.unpriced
    assert total.market_value == pytest.approx(expected_value)
    assert total.day_change == pytest.approx(expected_day)
    assert total.cost_basis == pytest.approx(expected_basis)
    assert total.total_gain == pytest.approx(expected_value - expected_basis)
    assert total.total_gain_pct == pytest.approx(100 * (expected_value - expected_basis) / expected_basis)
    assert total.day_change_pct == pytest.approx(100 * expected_day / (expected_value - expected_day))


def test_a_replay_values_at_the_replayed_date_and_leaves_out_later_lots() -> None:
    day = date(2025, 6, 2)
    replay = BundledFeed(day).refresh()
    lots = [
        PositionLot("SPY", 10.0, 500.0, date(2025, 1, 2)),
        PositionLot("SPY", 3.0, 600.0, date(2025, 6, 3)),
    ]
    (spy,) = value_positions(lots, replay).positions
    last, prev = close_on("SPY", day)
    assert spy.quantity == 10 and spy.market_value == pytest.approx(10 * last)
    assert spy.day_change == pytest.approx(10 * (last - prev))
    assert [lot.quantity for lot in spy.later] == [3.0]


def test_a_lot_bought_on_the_last_session_changes_from_its_cost(snapshot: MarketSnapshot) -> None:
    last, _ = close_on("QQQ", AS_OF)
    (qqq,) = value_positions([PositionLot("QQQ", 4.0, 600.0, AS_OF)], snapshot).positions
    assert qqq.day_change == pytest.approx(4 * (last - 600.0))


def test_no_price_no_value_and_the_total_says_which(snapshot: MarketSnapshot) -> None:
    with_unknown = snapshot.with_changes(
        instruments=tuple(replace(i, last=None) if i.symbol == "XLK" else i for i in snapshot.instruments)
    )
    portfolio = value_positions(
        [PositionLot("XLK", 1.0, 200.0), PositionLot("SPY", 1.0, 600.0)], with_unknown
    )
    xlk = portfolio.positions[0]
    assert xlk.market_value is None and xlk.total_gain is None and xlk.cost_basis == 200.0
    total = portfolio.main
    assert total is not None and total.unpriced == ("XLK",) and total.cost_basis == 600.0


def test_other_currencies_are_named_and_totalled_apart(snapshot: MarketSnapshot) -> None:
    assert [
        currency_for(t) for t in ("7203.T", "BP.L", "SAP.DE", "SHOP.TO", "0700.HK", "BTC-EUR", "AAPL")
    ] == [
        "JPY",
        "GBp",
        "EUR",
        "CAD",
        "HKD",
        "EUR",
        "USD",
    ]
    lots = [
        PositionLot("SPY", 1.0, 600.0),
        PositionLot("7203.T", 100.0, 2500.0),
        PositionLot("GC=F", 1.0, 1.0, None, "EUR"),
    ]
    portfolio = value_positions(lots, snapshot)
    assert [t.currency for t in portfolio.totals] == ["USD", "JPY", "EUR"]
    jpy = portfolio.totals[1]
    assert jpy.unpriced == ("7203.T",) and jpy.market_value is None  # no bundled data for it: never converted
    eur = portfolio.totals[2]
    gold, _ = close_on("GC=F", AS_OF)
    assert eur.market_value == pytest.approx(gold)  # the lot's own currency, as the user said


def test_pure_the_same_input_the_same_figures(snapshot: MarketSnapshot) -> None:
    lots = [PositionLot("SPY", 10.0, 600.0), PositionLot("IWM", 3.0, 199.99)]
    assert value_positions(lots, snapshot) == value_positions(list(lots), snapshot)
