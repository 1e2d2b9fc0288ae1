"""The provider-boundary checks: every kind of bad bar is dropped or repaired as documented, good data
(the whole bundle, violent but real moves) passes untouched."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rotor.data.sources.base import BAR_COLUMNS, Quote
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.sources.sanitize import (
    MAX_PRICE,
    inspect_bars,
    sanitize_bars,
    sanitize_quotes,
)


def bars(*rows: tuple[object, ...]) -> pd.DataFrame:
    """A long frame from (symbol, date, open, high, low, close[, volume]) rows."""
    full = [(*r, 1000.0) if len(r) == 6 else r for r in rows]
    frame = pd.DataFrame(full, columns=list(BAR_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def day(symbol: str, on: str, close: float, spread: float = 1.0) -> tuple[object, ...]:
    return (symbol, on, close, close + spread, close - spread, close)


GOOD = [day("SPY", "2026-01-05", 600.0), day("SPY", "2026-01-06", 603.0), day("SPY", "2026-01-07", 598.0)]


def test_the_whole_bundle_passes_untouched() -> None:
    bundle = load_bundled_bars()
    clean, rejected, reasons = sanitize_bars(bundle)
    assert rejected == 0 and reasons == []
    expected = bundle.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(clean, expected, check_dtype=False)


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (("SPY", "2026-01-08", 600.0, 601.0, 599.0, float("nan")), "close missing"),
        (("SPY", "2026-01-08", 600.0, 601.0, 599.0, 0.0), "close not positive"),
        (("SPY", "2026-01-08", 600.0, 601.0, 599.0, -600.0), "close not positive"),
        (("SPY", "2026-01-08", 600.0, 601.0, 599.0, 2e7), "close absurd"),
        (("SPY", "2026-01-08", 600.0, 590.0, 610.0, 600.0), "high below low"),
        (("SPY", "2026-01-08", 600.0, 601.0, 599.0, 640.0), "close outside the day's range"),
        (("SPY", "2026-01-08", 600_000.0, 601_000.0, 599_000.0, 600_000.0), "jump of more than 10x"),
        (("SPY", "2026-01-08", 0.6, 0.61, 0.59, 0.6), "jump of more than 10x"),
        (("SPY;DROP", "2026-01-08", 600.0, 601.0, 599.0, 600.0), "invalid symbol"),
        (("SPY", None, 600.0, 601.0, 599.0, 600.0), "no date"),
    ],
)
def test_a_bad_bar_is_dropped_with_its_reason(bad_row: tuple[object, ...], reason: str) -> None:
    result = inspect_bars(bars(*GOOD, bad_row))
    assert len(result.bars) == 3
    assert result.count == 1
    assert reason in result.rejected[0][2]
    line = result.reasons()[0]
    assert line.startswith(f"{bad_row[0]}: dropped 1 bad bar (") and reason in line


def test_prices_as_strings_and_missing_columns() -> None:
    frame = bars(*GOOD).astype({"close": object})
    frame.loc[1, "close"] = "n/a"
    clean, rejected, _ = sanitize_bars(frame)
    assert rejected == 1 and list(clean["close"]) == [600.0, 598.0]
    malformed = pd.DataFrame({"symbol": ["SPY"], "date": ["2026-01-05"]})
    clean, rejected, reasons = sanitize_bars(malformed)
    assert clean.empty and rejected == 1 and "malformed answer" in reasons[0]
    assert sanitize_bars(bars().iloc[0:0])[1] == 0


def test_duplicates_keep_the_last_good_row_and_order_is_restored() -> None:
    frame = bars(
        day("SPY", "2026-01-07", 598.0),
        day("SPY", "2026-01-05", 600.0),
        day("SPY", "2026-01-06", 603.0),
        day("SPY", "2026-01-06", 604.0),  # a later correction wins
        ("SPY", "2026-01-05", 600.0, 601.0, 599.0, float("nan")),  # a broken duplicate loses
        day("QQQ", "2026-01-05", 520.0),
    )
    clean, rejected, _ = sanitize_bars(frame)
    assert rejected == 1
    assert list(zip(clean["symbol"], clean["date"].dt.strftime("%m-%d"), clean["close"], strict=True)) == [
        ("QQQ", "01-05", 520.0),
        ("SPY", "01-05", 600.0),
        ("SPY", "01-06", 604.0),
        ("SPY", "01-07", 598.0),
    ]


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "UTC"])
def test_timezone_aware_dates_keep_their_own_date(zone: str) -> None:
    frame = bars(*GOOD)
    frame["date"] = pd.DatetimeIndex(frame["date"]).tz_localize(zone)
    clean, rejected, _ = sanitize_bars(frame)
    assert rejected == 0
    assert clean["date"].dt.tz is None
    assert list(clean["date"].dt.strftime("%Y-%m-%d")) == ["2026-01-05", "2026-01-06", "2026-01-07"]


def test_repairs_widen_the_range_and_clear_bad_side_fields() -> None:
    frame = bars(
        ("SPY", "2026-01-05", 600.0, 600.5, 599.0, 601.0, 10.0),  # close 0.08% above the high: rounding
        ("SPY", "2026-01-06", -1.0, float("inf"), 0.0, 603.0, -5.0),  # side fields garbage, close fine
    )
    clean, rejected, _ = sanitize_bars(frame)
    assert rejected == 0
    assert clean.loc[0, "high"] == 601.0 and clean.loc[0, "low"] == 599.0
    row = clean.loc[1]
    assert math.isnan(row["open"]) and math.isnan(row["high"]) and math.isnan(row["low"])
    assert math.isnan(row["volume"]) and row["close"] == 603.0


def test_real_violent_moves_pass() -> None:
    # VIX on 2018-02-05 (+116%) and the next day; a -30% natural gas day; a 5x rise over a year is fine.
    vix = bars(
        ("^VIX", "2018-02-02", 13.0, 17.5, 12.9, 17.31, 0.0),
        ("^VIX", "2018-02-05", 18.4, 38.8, 16.8, 37.32, 0.0),
        ("^VIX", "2018-02-06", 36.0, 50.3, 22.4, 29.98, 0.0),
    )
    gas = bars(day("NG=F", "2022-08-22", 9.68, 0.5), day("NG=F", "2022-08-23", 6.78, 0.5))
    assert sanitize_bars(vix)[1] == 0
    assert sanitize_bars(gas)[1] == 0


def test_the_reference_close_anchors_the_jump_check() -> None:
    # The first fetched bar is scaled by 1000: with the cached close as reference it is caught, and the
    # bars after it are compared with the last good close, not with the bad one.
    frame = bars(
        ("SPY", "2026-01-05", 600e3, 601e3, 599e3, 600e3),
        day("SPY", "2026-01-06", 603.0),
        day("SPY", "2026-01-07", 598.0),
    )
    clean, rejected, _ = sanitize_bars(frame, {"SPY": 599.0})
    assert rejected == 1 and list(clean["close"]) == [603.0, 598.0]
    # Without a reference the median of the first closes anchors it.
    clean, rejected, _ = sanitize_bars(frame)
    assert rejected == 1 and list(clean["close"]) == [603.0, 598.0]


def test_quotes() -> None:
    moment = datetime(2026, 1, 5, 15, 59, tzinfo=UTC)
    quotes = {
        "SPY": Quote("SPY", 601.0, moment),
        "QQQ": Quote("QQQ", float("nan"), moment),
        "IWM": Quote("IWM", 0.0, moment),
        "RSP": Quote("RSP", -190.0, moment),
        "XLK": Quote("XLK", 1e12, moment),
        "XLE": Quote("XLE", 9000.0, moment),  # 100x the last close
    }
    clean, rejected, reasons = sanitize_quotes(quotes, {"XLE": 90.0, "SPY": 600.0})
    assert list(clean) == ["SPY"] and rejected == 5
    assert any(r.startswith("XLE: dropped 1 bad quote (jump") for r in reasons)


FINITE = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
VALUE = st.one_of(FINITE, st.just(float("nan")), st.just(float("inf")), st.just(0.0))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["SPY", "^VIX", "GC=F", "bad sym", ""]),
            st.integers(min_value=0, max_value=15),
            VALUE,
            VALUE,
            VALUE,
            VALUE,
            VALUE,
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_whatever_comes_in_only_clean_bars_come_out(
    rows: list[tuple[str, int, float, float, float, float, float]], tz_aware: bool
) -> None:
    frame = pd.DataFrame(
        [
            (s, pd.Timestamp("2026-01-05") + pd.Timedelta(days=d), o, h, lo, c, v)
            for s, d, o, h, lo, c, v in rows
        ],
        columns=list(BAR_COLUMNS),
    )
    if tz_aware and len(frame):
        frame["date"] = pd.DatetimeIndex(frame["date"]).tz_localize("America/New_York")
    clean, rejected, reasons = sanitize_bars(frame)
    assert len(clean) + rejected <= len(frame)
    assert list(clean.columns) == list(BAR_COLUMNS)
    assert bool(reasons) == (rejected > 0)
    if clean.empty:
        return
    close = clean["close"].to_numpy()
    assert np.isfinite(close).all() and (close > 0).all() and (close <= MAX_PRICE).all()
    high, low = clean["high"].to_numpy(), clean["low"].to_numpy()
    both = ~np.isnan(high) & ~np.isnan(low)
    assert (high[both] >= low[both]).all()
    assert (high[~np.isnan(high)] >= close[~np.isnan(high)]).all()
    assert (low[~np.isnan(low)] <= close[~np.isnan(low)]).all()
    assert not clean.duplicated(["symbol", "date"]).any()
    assert clean["date"].dt.tz is None
    ordered = clean.sort_values(["symbol", "date"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(clean, ordered)
    for _, group in clean.groupby("symbol"):
        closes = group["close"].to_numpy()
        if len(closes) > 1:
            ratios = closes[1:] / closes[:-1]
            assert ((ratios <= 10) & (ratios >= 0.1)).all()
