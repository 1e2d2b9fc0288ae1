"""What the detail screen shows for one symbol: its stats, its recent daily bars with their moving
averages, and its change since a date (``rotor.data.build.symbol_detail``; not part of a snapshot, and not
needed before the first frame)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rotor.data.record import Record
from rotor.data.snapshot import InstrumentStats


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Bar(Record):
    """One daily bar with the moving averages known on that day (``None`` until a full window)."""

    on: date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None
    ma20: float | None = None
    ma50: float | None = None
    ma200: float | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SinceChange(Record):
    """A change "since" a date: from the close of ``session`` (the benchmark's last session on or before
    ``requested``), using the instrument's own last close on or before it (``base_date``, ``base_close``)."""

    requested: date
    session: date
    base_date: date | None
    base_close: float | None
    change_pct: float | None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SymbolDetail(Record):
    """What the detail screen shows for one symbol: its stats and its recent bars, oldest first, and its
    change since the snapshot's ``since`` date when the snapshot asks for one."""

    stats: InstrumentStats
    bars: tuple[Bar, ...]
    since: SinceChange | None = None
