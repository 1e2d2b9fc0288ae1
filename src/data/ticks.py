"""Cheap ticks: a streamed price moves an instrument's figures without recomputing the panel.

Every change is measured from a close that does not move within a session (``InstrumentStats.prev_close``
and the ``base_*`` closes, ``snapshot.TIMEFRAMES``), so a new price gives every change at once; the
moving averages move by ``(price - last) / n`` (the session's close is in each window), the ranges widen
to hold the price. The session model decides what a tick is:

- a tick of the session the instrument's last bar belongs to, while that session trades, is its price;
- a tick of a later session (the futures' evening open, Monday's first trade) needs that session's bar:
  the symbol is returned in ``refresh`` (the feed's next poll brings the bar) and the tick waits;
- a pre- or post-market tick of a US stock or ETF is its extended-hours price, shown beside the regular
  close with its own change (the regular figures stay on the official close);
- anything else (an older session's tick, a symbol the snapshot lacks, a closed market) is ignored.

Rotation and risk notes are not moved by ticks (the feed recomputes them on its slower schedule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Final

from rotor.data.snapshot import TIMEFRAMES, InstrumentStats, MarketSnapshot, finite

if TYPE_CHECKING:
    from rotor.data.sessions import Markets
    from rotor.data.sources.stream import Tick

#: Kinds whose pre- and post-market trades Yahoo streams (US listings).
EXTENDED_KINDS: Final = frozenset({"etf", "sector", "equity"})
#: The stream's sessions that are extended hours of a US listing.
EXTENDED_SESSIONS: Final = frozenset({"pre", "post"})
_AVERAGES: Final = (("ma20", 20), ("ma50", 50), ("ma200", 200))


@dataclass(frozen=True)
class TickOutcome:
    """The snapshot with the ticks applied (``None`` when no tick changed anything), the symbols whose
    ticks belong to a session rotor has no bar for yet, and the symbols that changed."""

    snapshot: MarketSnapshot | None
    refresh: frozenset[str]
    changed: frozenset[str]


def _pct(price: float, base: float | None) -> float | None:
    if base is None or base <= 0:
        return None
    return finite(100.0 * (price / base - 1.0))


def at_price(stats: InstrumentStats, price: float) -> InstrumentStats:
    """``stats`` with ``price`` as the session's price: every change from its base, the averages and the
    ranges moved accordingly, the sparkline's last point (an instrument without a price is left alone)."""
    old = stats.last
    if old is None:
        return stats
    changes: dict[str, object] = {"last": price, "price_state": "live"}
    for change, base in TIMEFRAMES.values():
        changes[change] = _pct(price, getattr(stats, base))
    for name, n in _AVERAGES:
        average = getattr(stats, name)
        if average is not None:
            changes[name] = average + (price - old) / n
    for low, high in (("range_50d_low", "range_50d_high"), ("range_52w_low", "range_52w_high")):
        lo, hi = getattr(stats, low), getattr(stats, high)
        if lo is not None and hi is not None:
            changes[low], changes[high] = min(lo, price), max(hi, price)
    if stats.spark:
        changes["spark"] = (*stats.spark[:-1], price)
    return replace(stats, **changes)  # type: ignore[arg-type]


def apply_ticks(
    snapshot: MarketSnapshot, ticks: Iterable[Tick], markets: Markets, now: datetime, *, extended: bool = True
) -> TickOutcome:
    """``snapshot`` with ``ticks`` applied (see the module docstring); the last tick of each symbol wins.
    ``extended=False`` ignores pre- and post-market ticks (``[display] extended_hours``)."""
    latest: dict[str, Tick] = {}
    for tick in ticks:
        if tick.symbol not in latest or tick.time >= latest[tick.symbol].time:
            latest[tick.symbol] = tick
    refresh: set[str] = set()
    moved: dict[str, InstrumentStats] = {}
    for symbol, tick in latest.items():
        stats = snapshot.get(symbol)
        market = markets.get(symbol)
        if stats is None or market is None or stats.last_date is None:
            continue
        if tick.session in EXTENDED_SESSIONS and stats.kind in EXTENDED_KINDS:
            if extended and stats.last is not None:
                moved[symbol] = replace(
                    stats,
                    extended_price=tick.price,
                    extended_session=tick.session,
                    extended_change_pct=_pct(tick.price, stats.last),
                    extended_time=tick.time,
                )
            continue
        session = market.session_at(tick.time)
        if session is None or not session.holds(now):
            continue
        if session.day > stats.last_date:
            refresh.add(symbol)
            continue
        if session.day == stats.last_date and tick.price != stats.last:
            updated = at_price(stats, tick.price)
            moved[symbol] = replace(
                updated, stale=False, error=None, extended_price=None, extended_session=None
            )
    if not moved:
        return TickOutcome(None, frozenset(refresh), frozenset())
    instruments = tuple(moved.get(i.symbol, i) for i in snapshot.instruments)
    rebuilt = replace(snapshot, instruments=instruments, generated_at=now)
    return TickOutcome(rebuilt, frozenset(refresh), frozenset(moved))
