"""``Record`` gives a frozen dataclass the equality, hash and repr ``@dataclass`` would have generated."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rotor.data.record import Record
from rotor.data.settings import Config
from rotor.data.snapshot import MarketSnapshot
from rotor.data.symbols import UNIVERSE


@dataclass(frozen=True, slots=True)
class Generated:
    name: str
    level: float | None
    on: date | None = None
    tags: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Written(Record):
    name: str
    level: float | None
    on: date | None = None
    tags: tuple[str, ...] = ()
    note: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Other(Written):
    """The same fields, another class."""


VALUES = st.tuples(
    st.sampled_from(["SPY", "^GSPC", ""]),
    st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    st.one_of(st.none(), st.dates()),
    st.lists(st.sampled_from(["a", "b"]), max_size=2).map(tuple),
    st.sampled_from(["", "x"]),
)


@given(a=VALUES, b=VALUES)
def test_equality_hash_and_repr_are_those_dataclass_generates(
    a: tuple[object, ...], b: tuple[object, ...]
) -> None:
    ga, gb = Generated(*a), Generated(*b)  # type: ignore[arg-type]
    wa, wb = Written(*a), Written(*b)  # type: ignore[arg-type]
    assert (wa == wb) is (ga == gb)
    assert (wa != wb) is (ga != gb)
    assert (wa == wa) is (ga == ga)  # a NaN field: the same object is equal to itself, as in a tuple
    if ga == gb:
        assert hash(wa) == hash(wb)
    assert hash(wa) == hash(ga)  # both hash the tuple of the compared fields
    assert repr(wa) == repr(ga).replace("Generated(", "Written(", 1)


def test_records_of_different_classes_are_never_equal_and_stay_frozen() -> None:
    assert Written("SPY", 1.0) != Other("SPY", 1.0)
    assert Written("SPY", 1.0) != ("SPY", 1.0, None, (), "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Written("SPY", 1.0).name = "QQQ"  # type: ignore[misc]
    assert not hasattr(Written("SPY", 1.0), "__dict__")  # slots kept


@pytest.mark.parametrize("record", [Config(), UNIVERSE[0]], ids=["config", "symbol"])
def test_rotor_records_compare_by_value(record: Record) -> None:
    assert record == dataclasses.replace(record) and hash(record) == hash(dataclasses.replace(record))
    assert repr(record).startswith(f"{type(record).__name__}(")


def test_a_snapshot_equals_its_round_trip_through_json() -> None:
    from rotor.data.feed import bundled_first_snapshot

    snapshot = bundled_first_snapshot(UNIVERSE, None, None)
    assert snapshot is not None and snapshot.instruments
    again = MarketSnapshot.from_dict(snapshot.to_dict())
    assert again == snapshot and again is not snapshot
    assert again != snapshot.with_changes(notices=(*snapshot.notices, "one more"))
