"""Positions and P&L: the lots you hold (``[[positions]]``) valued at a snapshot, a pure function.

A position is every lot of one symbol. For each lot, at the snapshot's figures of its symbol:

- ``cost_basis`` = quantity x cost per share;
- ``market_value`` = quantity x ``last`` (the price shown: a live price during a session, the close after);
- ``day_change`` = quantity x (``last`` - ``prev_close``); for a lot bought on the symbol's last session
  (its ``date`` equal to ``last_date``), quantity x (``last`` - cost): it did not hold the previous close;
- ``total_gain`` = ``market_value`` - ``cost_basis``; ``total_gain_pct`` = 100 x ``total_gain`` /
  ``cost_basis`` (``None`` when the cost basis is 0).

A lot dated after the symbol's last session (a replay before it was bought) is not held then: it is left
out of every figure and listed in ``Position.later``. A symbol without a price leaves its position's
value figures ``None`` (and the portfolio lists it as unpriced).

Currencies: a lot's prices are in its own currency (``currency`` in the config, else the ticker's exchange:
``currency_for``); nothing is converted. The portfolio's totals are per currency: ``Portfolio.totals``
holds one ``Totals`` per currency, the first the main one (USD when any position is in USD).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from rotor.data.settings import PositionLot
from rotor.data.snapshot import InstrumentStats, MarketSnapshot, finite

#: The currency of a ticker's prices by its exchange's suffix (Yahoo quotes London in pence: GBp).
SUFFIX_CURRENCIES: Final = {
    ".T": "JPY",
    ".L": "GBp",
    ".DE": "EUR",
    ".F": "EUR",
    ".PA": "EUR",
    ".AS": "EUR",
    ".MI": "EUR",
    ".MC": "EUR",
    ".SW": "CHF",
    ".TO": "CAD",
    ".V": "CAD",
    ".HK": "HKD",
    ".AX": "AUD",
    ".KS": "KRW",
    ".SS": "CNY",
    ".SZ": "CNY",
    ".NS": "INR",
    ".SA": "BRL",
}
#: Crypto pairs are priced in their quote currency (``BTC-EUR``).
CRYPTO_QUOTES: Final = ("USD", "EUR", "GBP", "JPY")


def currency_for(ticker: str) -> str:
    """The currency a ticker's prices are in, from its exchange suffix (``7203.T`` JPY, ``BP.L`` GBp) or a
    crypto pair's quote currency; USD otherwise (US listings, the built-in futures and indices)."""
    upper = ticker.upper()
    if "-" in upper and upper.rsplit("-", 1)[1] in CRYPTO_QUOTES:
        return upper.rsplit("-", 1)[1]
    if "." in upper:
        return SUFFIX_CURRENCIES.get("." + upper.rsplit(".", 1)[1], "USD")
    return "USD"


def lot_currency(lot: PositionLot) -> str:
    return lot.currency or currency_for(lot.symbol)


@dataclass(frozen=True, slots=True)
class LotValue:
    """One lot valued at a snapshot (``None`` where the symbol has no price)."""

    lot: PositionLot
    cost_basis: float
    market_value: float | None
    day_change: float | None
    total_gain: float | None
    total_gain_pct: float | None


@dataclass(frozen=True, slots=True)
class Position:
    """Every lot of one symbol held at the snapshot's date, valued; ``later``: lots bought after it."""

    symbol: str
    name: str
    currency: str
    quantity: float
    cost_basis: float
    price: float | None
    prev_close: float | None
    price_date: date | None
    stale: bool
    market_value: float | None
    day_change: float | None
    day_change_pct: float | None
    total_gain: float | None
    total_gain_pct: float | None
    lots: tuple[LotValue, ...]
    later: tuple[PositionLot, ...] = ()

    @property
    def average_cost(self) -> float | None:
        return self.cost_basis / self.quantity if self.quantity else None


@dataclass(frozen=True, slots=True)
class Totals:
    """The positions of one currency added up (the priced ones; ``unpriced`` names the others; every
    figure ``None`` when none is priced)."""

    currency: str
    positions: int
    cost_basis: float | None
    market_value: float | None
    day_change: float | None
    day_change_pct: float | None
    total_gain: float | None
    total_gain_pct: float | None
    unpriced: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Portfolio:
    """Every position at one snapshot and the totals per currency (the main currency first)."""

    as_of: date
    positions: tuple[Position, ...]
    totals: tuple[Totals, ...]

    @property
    def main(self) -> Totals | None:
        return self.totals[0] if self.totals else None


def _pct(part: float | None, whole: float | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return finite(100.0 * part / whole)


def value_lot(lot: PositionLot, stats: InstrumentStats | None) -> LotValue:
    """One lot at ``stats`` (see the module docstring)."""
    basis = lot.quantity * lot.cost
    last = stats.last if stats is not None else None
    if last is None:
        return LotValue(lot, basis, None, None, None, None)
    assert stats is not None
    value = lot.quantity * last
    bought_today = lot.date is not None and stats.last_date is not None and lot.date >= stats.last_date
    reference = lot.cost if bought_today else stats.prev_close
    day = None if reference is None else lot.quantity * (last - reference)
    gain = value - basis
    return LotValue(lot, basis, finite(value), finite(day), finite(gain), _pct(gain, basis))


def held_at(lot: PositionLot, day: date | None) -> bool:
    """True when the lot was bought on or before ``day`` (an undated lot always is)."""
    return lot.date is None or day is None or lot.date <= day


def value_positions(lots: Sequence[PositionLot], snapshot: MarketSnapshot) -> Portfolio:
    """Every position of ``lots`` (grouped by symbol, in the order first listed) valued at ``snapshot``,
    and the portfolio's totals per currency. Pure: the same lots and snapshot, the same figures."""
    by_symbol: dict[tuple[str, str], list[PositionLot]] = {}
    for lot in lots:
        by_symbol.setdefault((lot.symbol, lot_currency(lot)), []).append(lot)
    positions = []
    for (symbol, currency), group in by_symbol.items():
        stats = snapshot.get(symbol)
        day = stats.last_date if stats is not None and stats.last_date is not None else snapshot.as_of
        held = [lot for lot in group if held_at(lot, day)]
        later = tuple(lot for lot in group if not held_at(lot, day))
        values = tuple(value_lot(lot, stats) for lot in held)
        positions.append(_position(symbol, currency, stats, values, later))
    return Portfolio(snapshot.as_of, tuple(positions), _totals(positions))


def _sum(values: Iterable[float | None]) -> float | None:
    items = list(values)
    if not items or any(v is None for v in items):
        return None
    return finite(sum(v for v in items if v is not None))


def _position(
    symbol: str,
    currency: str,
    stats: InstrumentStats | None,
    values: tuple[LotValue, ...],
    later: tuple[PositionLot, ...],
) -> Position:
    quantity = sum(v.lot.quantity for v in values)
    basis = sum(v.cost_basis for v in values)
    value = _sum(v.market_value for v in values)
    day = _sum(v.day_change for v in values)
    gain = None if value is None else finite(value - basis)
    start = None if value is None or day is None else value - day  # the value the day's change is from
    return Position(
        symbol=symbol,
        name=stats.short if stats is not None else symbol,
        currency=currency,
        quantity=quantity,
        cost_basis=basis,
        price=stats.last if stats is not None else None,
        prev_close=stats.prev_close if stats is not None else None,
        price_date=stats.last_date if stats is not None else None,
        stale=bool(stats.stale) if stats is not None else False,
        market_value=value,
        day_change=day,
        day_change_pct=_pct(day, start),
        total_gain=gain,
        total_gain_pct=_pct(gain, basis),
        lots=values,
        later=later,
    )


def _totals(positions: Sequence[Position]) -> tuple[Totals, ...]:
    currencies = list(dict.fromkeys(p.currency for p in positions if p.lots))
    if "USD" in currencies:
        currencies.remove("USD")
        currencies.insert(0, "USD")
    out = []
    for currency in currencies:
        mine = [p for p in positions if p.currency == currency and p.lots]
        priced = [p for p in mine if p.market_value is not None and p.day_change is not None]
        unpriced = tuple(p.symbol for p in mine if p not in priced)
        if not priced:
            out.append(Totals(currency, len(mine), None, None, None, None, None, None, unpriced))
            continue
        basis = sum(p.cost_basis for p in priced)
        value = sum(p.market_value or 0.0 for p in priced)
        day = sum(p.day_change or 0.0 for p in priced)
        gain = value - basis
        out.append(
            Totals(
                currency=currency,
                positions=len(mine),
                cost_basis=basis,
                market_value=value,
                day_change=day,
                day_change_pct=_pct(day, value - day),
                total_gain=gain,
                total_gain_pct=_pct(gain, basis),
                unpriced=unpriced,
            )
        )
    return tuple(out)


#: How a lot is typed in the app.
LOT_SYNTAX: Final = "SYMBOL QUANTITY COST [YYYY-MM-DD] [CURRENCY], e.g. SPY 10 600 2025-06-02"


def parse_lot(text: str) -> PositionLot:
    """A lot typed in the app (``LOT_SYNTAX``), checked by the rules of ``[[positions]]``. Raises
    ``ValueError`` with a one-line reason."""
    from rotor.data.errors import printable
    from rotor.data.symbols import is_valid_ticker

    words = text.split()
    if len(words) < 3 or len(words) > 5:
        raise ValueError(f"type {LOT_SYNTAX}")
    symbol = words[0].upper()
    if not is_valid_ticker(symbol):
        raise ValueError(f"{printable(words[0])[:20]!r} is not a valid Yahoo ticker")
    try:
        quantity, cost = float(words[1].replace(",", "")), float(words[2].replace(",", ""))
    except ValueError:
        raise ValueError(f"quantity and cost must be numbers; type {LOT_SYNTAX}") from None
    bought: date | None = None
    currency: str | None = None
    for word in words[3:]:
        if word[:1].isdigit():
            try:
                bought = date.fromisoformat(word)
            except ValueError:
                raise ValueError(f"{printable(word)[:12]!r} is not a date (YYYY-MM-DD)") from None
        else:
            currency = word.upper() if word != "GBp" else word
    return PositionLot(symbol, quantity, cost, bought, currency)
