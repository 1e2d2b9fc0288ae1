"""Properties of metrics.py and milestones.py on random panels (date gaps, NaN cells, empty and short
histories, zero or negative prices, lows/highs that contradict the close): nothing raises, nothing is
inf, no input frame is changed; constant series have MA = the constant and zero returns; scaling every
price by k > 0 leaves every % change unchanged and scales every level by k."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rotor.data.figures import metrics, milestones
from rotor.data.figures.milestones import SearchedHistory, searched_history
from rotor.data.panel import FIELDS, Panel
from rotor.data.symbols import Symbol

PROPERTY_SETTINGS = settings(max_examples=50, deadline=None)
SYMBOLS = ["AAA", "BBB", "CCC", "DDD"]
PCT_COLUMNS = [c for c in metrics.METRIC_COLUMNS if c.endswith("_pct")]
LEVEL_COLUMNS = [c for c in metrics.METRIC_COLUMNS if not c.endswith("_pct")]
START = date(2023, 1, 2)


@st.composite
def random_panels(draw: st.DrawFn) -> Panel:
    """Up to ~1.3 years of business days with random dates dropped, 1-4 symbols of random walks, NaN
    cells, optionally all-NaN columns, zero/negative closes and lows/highs on the wrong side."""
    rows = draw(st.sampled_from([0, 1, 2, 7, 25, 60, 230, 330]))
    n_sym = draw(st.integers(min_value=1, max_value=len(SYMBOLS)))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    dates = pd.bdate_range(START, periods=rows)
    dates = dates[rng.random(rows) >= draw(st.sampled_from([0.0, 0.1, 0.4]))]
    shape = (len(dates), n_sym)
    vol = rng.choice([0.0, 0.005, 0.03], size=n_sym)
    close = rng.uniform(0.5, 5000.0, n_sym) * np.exp(np.cumsum(rng.normal(0, 1, shape) * vol, axis=0))
    close[rng.random(shape) < draw(st.sampled_from([0.0, 0.05, 0.5]))] = np.nan
    if draw(st.booleans()):
        close[:, rng.integers(n_sym)] = np.nan
    if draw(st.booleans()) and shape[0]:
        close[rng.random(shape) < 0.05] = 0.0
        close[rng.random(shape) < 0.05] *= -1.0
    low = close * rng.uniform(0.95, 1.02, shape)  # sometimes above the close
    high = close * rng.uniform(0.98, 1.05, shape)
    low[rng.random(shape) < 0.1] = np.nan
    high[rng.random(shape) < 0.1] = np.nan
    volume = rng.uniform(0, 1e6, shape)
    columns = pd.Index(SYMBOLS[:n_sym])
    index = pd.DatetimeIndex(dates, name="date")
    frames = {
        "open": close * 1.001,
        "high": high,
        "low": low,
        "close": close,
        "volume": volume,
    }
    return Panel(**{f: pd.DataFrame(frames[f], index=index, columns=columns) for f in FIELDS})


def as_of_dates() -> st.SearchStrategy[date]:
    return st.integers(min_value=-20, max_value=520).map(lambda d: START + timedelta(days=d))


def copy_panel(panel: Panel) -> Panel:
    return Panel(**{f: getattr(panel, f).copy(deep=True) for f in FIELDS})


def assert_panel_unchanged(panel: Panel, before: Panel) -> None:
    for f in FIELDS:
        pd.testing.assert_frame_equal(getattr(panel, f), getattr(before, f))


def assert_no_inf(values: object, where: str) -> None:
    array = np.asarray(values, dtype="float64")
    assert not np.isinf(array).any(), f"{where}: {values}"


def same(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == pytest.approx(b, rel=rel, abs=abs_)


def numbers(table: pd.DataFrame) -> dict[str, dict[str, float]]:
    """``instrument_metrics``' figures as plain floats, per symbol."""
    data = table[list(metrics.METRIC_COLUMNS)].to_numpy(dtype="float64")
    return {
        str(sym): {c: float(v) for c, v in zip(metrics.METRIC_COLUMNS, row, strict=True)}
        for sym, row in zip(table.index, data, strict=True)
    }


def scaled(panel: Panel, k: float) -> Panel:
    return Panel(**{f: getattr(panel, f) * (k if f != "volume" else 1.0) for f in FIELDS})


# --- never raise, never inf, never mutate ------------------------------------------------------


@PROPERTY_SETTINGS
@given(panel=random_panels(), as_of=as_of_dates(), since=as_of_dates())
def test_panel_metrics_are_total_finite_and_pure(panel: Panel, as_of: date, since: date) -> None:
    before = copy_panel(panel)

    table = metrics.instrument_metrics(panel, as_of)
    assert list(table.columns) == [*metrics.METRIC_COLUMNS, "last_date"]
    assert list(table.index) == panel.symbols
    for column in metrics.METRIC_COLUMNS:
        assert_no_inf(table[column], column)
    figures, last_dates = numbers(table), table["last_date"]
    for sym in panel.symbols:
        closes = panel.close[sym].loc[: pd.Timestamp(as_of)].dropna()
        if closes.empty:
            assert all(math.isnan(v) for v in figures[sym].values())
            assert pd.isna(last_dates[sym])
        else:
            assert figures[sym]["last"] == closes.iloc[-1]
            assert last_dates[sym] == closes.index[-1]

    assert_no_inf(metrics.change_since(panel, as_of, since), "change_since")
    for sym, spark in metrics.recent_closes(panel, as_of).items():
        assert len(spark) <= metrics.SPARK_SESSIONS, sym
        assert_no_inf(spark, "spark")
    for sym in panel.symbols:
        history = metrics.symbol_history(panel, sym, as_of, sessions=120)
        assert len(history) <= 120
        assert history["close"].notna().all()
        assert_no_inf(history.to_numpy(dtype="float64"), "symbol_history")
    assert_panel_unchanged(panel, before)


def history_of(close: pd.Series, as_of: date, ticker: str = "X") -> SearchedHistory | None:
    return searched_history(ticker, close.loc[: pd.Timestamp(as_of)], None)


@PROPERTY_SETTINGS
@given(panel=random_panels(), as_of=as_of_dates(), kind=st.sampled_from(["index", "future", "rate"]))
def test_series_milestones_are_total_finite_and_pure(panel: Panel, as_of: date, kind: str) -> None:
    before = copy_panel(panel)
    for sym in panel.symbols:
        h = history_of(panel.close[sym], as_of)
        if h is None:
            continue
        closes = h.closes
        cross = milestones.round_level_cross(h, 21)
        if cross is not None:
            level, on = cross
            assert math.isfinite(level) and level > 0
            assert on <= as_of
            first = int(np.flatnonzero(closes > level)[0])
            assert h.days[first] == np.datetime64(on, "D")

        rows = milestones.week_last_rows(h.days)
        weeks = pd.DatetimeIndex(h.days[rows]).to_period("W-SUN")
        assert weeks.is_unique and weeks.is_monotonic_increasing

        move = milestones.largest_weekly_move(h)
        if move is not None:
            assert math.isfinite(move.pct) and move.pct != 0
            assert h.start <= move.week_end <= as_of
            assert move.since is None or h.start < move.since < move.week_end

        symbol = Symbol(sym, sym, sym, "indices", kind, "%" if kind == "rate" else "")  # type: ignore[arg-type]
        for m in milestones.milestones_for(h, symbol):
            assert "nan" not in m.text and "inf" not in m.text, m.text
            for value in (m.level, m.pct, m.distance_pct):
                assert value is None or math.isfinite(value)
        for day in milestones.week_closes(h):
            assert math.isfinite(day.close) and (day.change_pct is None or math.isfinite(day.change_pct))
    assert_panel_unchanged(panel, before)


@PROPERTY_SETTINGS
@given(
    price=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=False),
        st.floats(min_value=1e-6, max_value=1e9),
    )
)
def test_round_step_is_a_power_of_ten_at_or_below_the_price(price: float) -> None:
    step = metrics.round_step(price)
    if not math.isfinite(price) or price <= 0:
        assert math.isnan(step)
    else:
        assert 1 - 1e-12 <= price / step < 10 * (1 + 1e-12)
        assert math.log10(step) == pytest.approx(round(math.log10(step)))


PRICES = st.one_of(
    st.just(math.nan),
    st.just(0.0),
    st.floats(min_value=-1e9, max_value=1e9).filter(lambda x: abs(x) >= 1e-6),
)


@PROPERTY_SETTINGS
@given(pairs=st.lists(st.tuples(PRICES, PRICES), min_size=1, max_size=8))
def test_pct_change_is_nan_not_inf_for_bad_bases(pairs: list[tuple[float, float]]) -> None:
    cur = np.array([c for c, _ in pairs])
    bas = np.array([b for _, b in pairs])
    cur_before, bas_before = cur.copy(), bas.copy()
    got = metrics.pct_change(cur, bas)
    assert_no_inf(got, "pct_change")
    for (c, b), g in zip(pairs, got, strict=True):
        if math.isnan(c) or math.isnan(b) or b <= 0:
            assert math.isnan(g)
        else:
            assert g == pytest.approx(100.0 * (c / b - 1.0), rel=1e-12, abs=1e-9)
    np.testing.assert_array_equal(cur, cur_before)
    np.testing.assert_array_equal(bas, bas_before)


# --- constant series -----------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(
    rows=st.integers(min_value=1, max_value=330),
    price=st.floats(min_value=0.01, max_value=1e5),
    drop=st.sampled_from([0.0, 0.2]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    as_of_offset=st.integers(min_value=0, max_value=40),
)
def test_constant_series_have_ma_equal_to_the_price_and_zero_returns(
    rows: int, price: float, drop: float, seed: int, as_of_offset: int
) -> None:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(START, periods=rows)
    dates = dates[rng.random(rows) >= drop]
    index = pd.DatetimeIndex(dates, name="date")
    frame = pd.DataFrame({"FLAT": np.full(len(index), price)}, index=index)
    panel = Panel(**{f: frame.copy() for f in FIELDS})
    if len(index) == 0:
        return
    as_of = index[-1].date() + timedelta(days=as_of_offset)
    row = numbers(metrics.instrument_metrics(panel, as_of))["FLAT"]
    n = len(index)
    for window in metrics.MA_WINDOWS:
        ma = row[f"ma{window}"]
        assert math.isnan(ma) if n < window else ma == pytest.approx(price, rel=1e-12), (window, n, ma)
    for column in PCT_COLUMNS:
        assert math.isnan(row[column]) or row[column] == pytest.approx(0.0, abs=1e-9), column
    if n >= 2:
        assert row["change_1d_pct"] == pytest.approx(0.0, abs=1e-9)
    if n >= metrics.RECENT_RANGE_SESSIONS:
        assert row["range_50d_low"] == row["range_50d_high"] == price
    for column in ("last", "prev_close", "range_52w_low", "range_52w_high"):
        assert math.isnan(row[column]) or row[column] == price
    flat = history_of(frame["FLAT"], as_of)
    assert flat is not None and milestones.largest_weekly_move(flat) is None


# --- scale invariance ------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(
    panel=random_panels(),
    as_of=as_of_dates(),
    since=as_of_dates(),
    k=st.floats(min_value=1e-3, max_value=1e3).filter(lambda x: x != 1.0),
)
def test_scaling_prices_leaves_percent_changes_unchanged(
    panel: Panel, as_of: date, since: date, k: float
) -> None:
    base = numbers(metrics.instrument_metrics(panel, as_of))
    big = numbers(metrics.instrument_metrics(scaled(panel, k), as_of))
    for sym in panel.symbols:
        for column in PCT_COLUMNS:
            assert same(big[sym][column], base[sym][column]), (sym, column)
        for column in LEVEL_COLUMNS:
            assert same(big[sym][column], k * base[sym][column], abs_=0.0), (sym, column)

    changes = metrics.change_since(panel, as_of, since)
    changes_k = metrics.change_since(scaled(panel, k), as_of, since)
    for sym in panel.symbols:
        assert same(changes_k[sym], changes[sym]), sym
        h, h_k = history_of(panel.close[sym], as_of), history_of(panel.close[sym] * k, as_of)
        move = None if h is None else milestones.largest_weekly_move(h)
        move_k = None if h_k is None else milestones.largest_weekly_move(h_k)
        if move is None or move_k is None:
            # Only a week whose move is zero up to rounding may flip to None under scaling.
            other = move or move_k
            assert other is None or abs(other.pct) < 1e-9
        else:
            assert same(move_k.pct, move.pct)
            assert move_k.week_end == move.week_end
