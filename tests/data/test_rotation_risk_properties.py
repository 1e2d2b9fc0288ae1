"""Properties of rotation and risk on random panels with gaps, NaN, flat and missing series: nothing
raises, no figure is NaN or inf, no note's text says "nan" or "inf", and the snapshot stays JSON."""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from rotor.data.build import compute_snapshot
from rotor.data.figures import metrics
from rotor.data.figures.risk import RiskThresholds, evaluate
from rotor.data.figures.rotation import SECTOR_TICKERS, RRGOptions, compute_rotation, quadrant
from rotor.data.panel import FIELDS, Panel
from rotor.data.snapshot import MarketSnapshot, Rotation
from rotor.data.symbols import UNIVERSE

TICKERS = [s.ticker for s in UNIVERSE]
NOT_A_NUMBER_WORD = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
PROPERTY_SETTINGS = settings(max_examples=50, deadline=None)


@st.composite
def random_panels(draw: st.DrawFn) -> Panel:
    """Business-day panels of the whole universe: random walks with per-symbol volatility (some flat,
    some jumping by orders of magnitude), random NaN gaps, and some symbols missing entirely."""
    rows = draw(st.integers(min_value=1, max_value=260))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(min_value=0, max_value=700)))
    gap_fraction = draw(st.sampled_from([0.0, 0.02, 0.2, 0.7]))
    missing = draw(st.sets(st.sampled_from(TICKERS), max_size=10))
    volatility = rng.choice([0.0, 0.001, 0.02, 0.2], size=len(TICKERS))
    steps = rng.normal(0.0, 1.0, (rows, len(TICKERS))) * volatility
    closes = rng.uniform(1.0, 5000.0, len(TICKERS)) * np.exp(np.cumsum(steps, axis=0))
    if draw(st.booleans()):
        jump_row, jump_col = rng.integers(rows), rng.integers(len(TICKERS))
        closes[jump_row:, jump_col] *= 1e6
    closes[rng.random(closes.shape) < gap_fraction] = np.nan
    for ticker in missing:
        closes[:, TICKERS.index(ticker)] = np.nan
    dates = pd.bdate_range(start, periods=rows)
    wide = pd.DataFrame(closes, index=dates, columns=TICKERS)
    long = (
        wide.rename_axis("date")
        .reset_index()
        .melt(id_vars="date", var_name="symbol", value_name="close")
        .dropna(subset=["close"])
    )
    for field in FIELDS:
        if field != "close":
            long[field] = long["close"] * (1.01 if field == "high" else 0.99 if field == "low" else 1.0)
    long["volume"] = 1000.0
    if long.empty:
        long = pd.DataFrame({"symbol": ["SPY"], "date": [dates[0]], **{f: [100.0] for f in FIELDS}})
    return Panel.from_bars(long, TICKERS)


rrg_options = st.builds(
    RRGOptions,
    window=st.integers(min_value=2, max_value=20),
    tail=st.integers(min_value=1, max_value=8),
    basis=st.sampled_from(["weekly", "daily"]),
)


def assert_finite_or_none(value: object, where: str) -> None:
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} = {value}"


def assert_rotation_clean(rotation: Rotation) -> None:
    for spread in rotation.spreads:
        for value in (spread.change_1w, spread.change_1m, spread.change_ytd):
            assert_finite_or_none(value, spread.id)
        assert not NOT_A_NUMBER_WORD.search(spread.detail), spread.detail
    if rotation.breadth is not None:
        b = rotation.breadth
        assert 0 <= b.above_ma50 <= b.total and 0 <= b.up_week <= b.total
        assert b.concentration is None or 0.0 < b.concentration <= 1.0
        assert not NOT_A_NUMBER_WORD.search(b.detail), b.detail
    for entry in rotation.rrg:
        assert_finite_or_none(entry.rs_ratio, entry.symbol)
        assert_finite_or_none(entry.rs_momentum, entry.symbol)
        assert entry.quadrant == quadrant(entry.rs_ratio, entry.rs_momentum)
        for point in entry.tail:
            assert math.isfinite(point.rs_ratio) and math.isfinite(point.rs_momentum)
        assert [p.on for p in entry.tail] == sorted({p.on for p in entry.tail})


def assert_notes_clean(snapshot: MarketSnapshot) -> None:
    rank = {"warning": 0, "watch": 1, "info": 2}
    keys = [(rank[n.severity], n.id) for n in snapshot.risk_notes]
    assert keys == sorted(keys)
    for n in snapshot.risk_notes:
        for text in (n.title, n.detail):
            assert text and "\n" not in text and not NOT_A_NUMBER_WORD.search(text), text
        for e in n.evidence:
            assert_finite_or_none(e.value, f"{n.id}: {e.label}")


@PROPERTY_SETTINGS
@given(panel=random_panels(), options=rrg_options, pick=st.floats(min_value=0.0, max_value=1.0))
def test_snapshot_rotation_and_risk_never_raise_nor_emit_nan(
    panel: Panel, options: RRGOptions, pick: float
) -> None:
    sessions = panel.sessions()
    as_of = sessions[min(int(pick * len(sessions)), len(sessions) - 1)].date()
    snapshot = compute_snapshot(
        panel, requested_as_of=as_of, source="snapshot", now=datetime(2026, 2, 1), rrg_options=options
    )
    assert snapshot.rotation is not None
    assert_rotation_clean(snapshot.rotation)
    assert_notes_clean(snapshot)
    for stats in snapshot.instruments:
        assert_finite_or_none(stats.weekly_move_z, stats.symbol)
    text = json.dumps(snapshot.to_dict(), allow_nan=False)
    assert MarketSnapshot.from_dict(json.loads(text)) == snapshot


@PROPERTY_SETTINGS
@given(
    panel=random_panels(),
    options=rrg_options,
    sectors=st.lists(st.sampled_from([*SECTOR_TICKERS, "SPY", "NOPE"]), max_size=6),
    thresholds=st.builds(
        RiskThresholds,
        vix_watch_level=st.floats(min_value=0.0, max_value=20.0),
        commodity_shock_watch_z=st.floats(min_value=0.0, max_value=2.5),
        commodity_shock_min_weeks=st.integers(min_value=2, max_value=30),
        narrow_max_sectors_up=st.integers(min_value=0, max_value=11),
        small_cap_divergence_pct=st.floats(min_value=0.0, max_value=2.0),
        yield_move_watch_bp=st.floats(min_value=0.0, max_value=15.0),
        dollar_move_watch_pct=st.floats(min_value=0.0, max_value=1.0),
    ),
)
def test_rotation_on_any_sector_list_and_risk_on_any_thresholds(
    panel: Panel, options: RRGOptions, sectors: list[str], thresholds: RiskThresholds
) -> None:
    as_of = panel.resolve_as_of(None)
    table = metrics.instrument_metrics(panel, as_of)
    rotation = compute_rotation(panel, as_of, table, options, sectors=sectors)
    assert [e.symbol for e in rotation.rrg] == sectors
    assert_rotation_clean(rotation)
    snapshot = compute_snapshot(
        panel, requested_as_of=as_of, source="snapshot", now=datetime(2026, 2, 1), risk_thresholds=thresholds
    )
    assert_notes_clean(snapshot)
    assert evaluate(snapshot, thresholds) == snapshot.risk_notes
