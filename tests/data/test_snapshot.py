"""MarketSnapshot persistence: to_dict -> JSON -> from_dict gives back the same snapshot (rotation, risk
notes, milestones and market states included), nothing non-finite ever reaches the JSON, a wrong format
version is refused, and reading a snapshot back needs neither pandas nor numpy."""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from rotor.data.feed import BundledFeed
from rotor.data.snapshot import SNAPSHOT_FORMAT, MarketSnapshot, MarketState
from rotor.data.sources.bundled import BundledProvider

FIXED_NOW = datetime(2026, 1, 31, 14, 30, 5, 123456, tzinfo=UTC)


@functools.cache
def provider() -> BundledProvider:
    return BundledProvider()


@functools.cache
def computed(as_of: date) -> MarketSnapshot:
    snap = BundledFeed(as_of, provider=provider(), clock=lambda: FIXED_NOW).refresh()
    markets = (
        MarketState(
            calendar="XNYS",
            state="closed",
            label="NYSE closed (weekend)",
            next_open=datetime(2026, 2, 2, 14, 30, tzinfo=UTC),
            next_close=datetime(2026, 2, 2, 21, 0, tzinfo=UTC),
        ),
        MarketState(calendar="CMES", state="closed", label="CME closed", holiday="none"),
    )
    return snap.with_changes(markets=markets, errors=("DX-Y.NYB: example error",))


def round_trip(snap: MarketSnapshot) -> MarketSnapshot:
    return MarketSnapshot.from_dict(json.loads(json.dumps(snap.to_dict(), allow_nan=False)))


def walk(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    """Every leaf of a JSON-like value with its path."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in walk(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in walk(v, f"{path}[{i}]")]
    return [(path, value)]


# The snapshot of the week gold crossed $5,000 and then crashed has milestones and many risk notes;
# the last complete session has the fullest rotation; an early date has many undefined (None) figures;
# the holiday week to 2026-01-23 has a closed weekday, a futures roll and best/worst-day milestones.
AS_OF_DATES = (date(2026, 1, 30), date(2026, 3, 6), date(2024, 2, 9), date(2026, 1, 23))


@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_round_trip_through_json_is_exact(as_of: date) -> None:
    snap = computed(as_of)
    back = round_trip(snap)
    assert back == snap
    for before, after in zip(snap.instruments, back.instruments, strict=True):
        assert after == before, before.symbol
    assert back.rotation == snap.rotation
    assert back.risk_notes == snap.risk_notes
    assert back.markets == snap.markets
    assert back.generated_at == FIXED_NOW and back.generated_at.tzinfo is not None


def test_the_round_tripped_snapshot_is_not_trivial() -> None:
    """The round trip must cover every nested type, so the snapshot used must contain them all."""
    snap = computed(date(2026, 1, 30))
    assert snap.rotation is not None
    assert snap.rotation.spreads and snap.rotation.breadth is not None
    assert snap.rotation.breadth.leaders
    rrg = [e for e in snap.rotation.rrg if e.tail]
    assert rrg and all(e.quadrant is not None for e in rrg)
    assert snap.risk_notes and any(n.evidence for n in snap.risk_notes)
    assert any(isinstance(e.value, float) for n in snap.risk_notes for e in n.evidence)
    gold = snap.get("GC=F")
    assert gold is not None and gold.milestones and gold.spark and gold.weekly_move_z is not None
    kinds = {m.kind for day in AS_OF_DATES for i in computed(day).instruments for m in i.milestones}
    assert kinds == {
        "first_close_above",
        "weekly_move",
        "record_close",
        "highest_since",
        "lowest_since",
        "daily_move",
        "near_level",
    }
    assert any(m.context for i in snap.instruments for m in i.milestones)
    assert any(i.rolls for i in snap.instruments) and any(i.rolled for i in snap.instruments)
    assert all(i.week for i in snap.instruments) and snap.week is not None and snap.week.sessions
    holiday = computed(date(2026, 1, 23)).week
    assert (
        holiday is not None and holiday.closed == (date(2026, 1, 19),) and holiday.base == date(2026, 1, 16)
    )
    gas = snap.get("NG=F")
    assert gas is not None and gas.record_date is not None and gas.history_start is not None
    early = computed(date(2024, 2, 9)).get("^GSPC")
    assert early is not None and early.ma200 is None and early.range_52w_high is None


@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_to_dict_has_no_nan_or_inf(as_of: date) -> None:
    data = computed(as_of).to_dict()
    text = json.dumps(data, allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text
    for path, leaf in walk(data):
        assert leaf is None or isinstance(leaf, str | int | float | bool), path
        if isinstance(leaf, float):
            assert math.isfinite(leaf), path


def test_to_dict_turns_nan_and_inf_into_null() -> None:
    snap = computed(date(2026, 3, 6))
    spy = snap.get("SPY")
    assert spy is not None
    broken = dataclasses.replace(spy, last=math.nan, ma50=math.inf, change_1d_pct=-math.inf)
    data = snap.with_changes(instruments=(broken, *snap.instruments[1:])).to_dict()
    json.dumps(data, allow_nan=False)
    first = data["instruments"][0]
    assert (first["last"], first["ma50"], first["change_1d_pct"]) == (None, None, None)


def test_to_dict_is_plain_json_data() -> None:
    data = computed(date(2026, 3, 6)).to_dict()
    assert data["format"] == SNAPSHOT_FORMAT
    assert data["as_of"] == "2026-03-06"
    assert data["requested_as_of"] == "2026-03-06"
    assert data["generated_at"] == FIXED_NOW.isoformat()
    assert [i["symbol"] for i in data["instruments"]][:2] == ["^GSPC", "^IXIC"]


@pytest.mark.parametrize("version", [SNAPSHOT_FORMAT + 1, 0, None, str(SNAPSHOT_FORMAT)])
def test_from_dict_rejects_other_format_versions(version: object) -> None:
    data = computed(date(2026, 3, 6)).to_dict()
    if version is None:
        del data["format"]
    else:
        data["format"] = version
    with pytest.raises(ValueError, match="format"):
        MarketSnapshot.from_dict(data)


def test_from_dict_rejects_broken_data() -> None:
    data = computed(date(2026, 3, 6)).to_dict()
    del data["as_of"]
    with pytest.raises(KeyError):
        MarketSnapshot.from_dict(data)
    data = computed(date(2026, 3, 6)).to_dict()
    data["as_of"] = "not a date"
    with pytest.raises(ValueError):
        MarketSnapshot.from_dict(data)


def test_snapshots_are_immutable() -> None:
    snap = computed(date(2026, 3, 6))
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.as_of = date(2020, 1, 1)  # type: ignore[misc]
    assert isinstance(snap.instruments, tuple)


def test_reading_a_snapshot_back_needs_no_pandas(tmp_path: Path) -> None:
    snap = computed(date(2026, 1, 30))
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(snap.to_dict(), allow_nan=False))
    code = (
        "import json, sys\n"
        "sys.modules['pandas'] = None\n"
        "sys.modules['numpy'] = None\n"
        "from rotor.data.snapshot import MarketSnapshot\n"
        f"snap = MarketSnapshot.from_dict(json.loads(open({str(path)!r}).read()))\n"
        "print(snap.as_of, len(snap.instruments), len(snap.risk_notes))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["2026-01-30", str(len(snap.instruments)), str(len(snap.risk_notes))]
