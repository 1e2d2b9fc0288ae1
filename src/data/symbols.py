"""The universe rotor watches: Yahoo ticker, display name, group and kind of every symbol."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from rotor.data.record import Record

Group = Literal["indices", "etfs", "sectors", "commodities", "rates", "watchlist"]
Kind = Literal["index", "etf", "sector", "future", "rate", "fx", "equity"]
Basis = Literal["IDX", "RAW", "ADJ"]

#: Yahoo tickers are short and made of letters, digits and ``^ = - .``; anything else is refused before
#: it reaches a request, a file name or SQL.
TICKER_PATTERN: Final = re.compile(r"^\^?[A-Z0-9][A-Z0-9.=\-]{0,14}$")

#: Venues (see rotor.data.sessions): NYSE for cash indices, ETFs and sectors; CME Globex for the metal and
#: energy futures; ICE Futures US for the US Dollar Index; Yahoo's own hours for the 10-year yield and VIX.
NYSE: Final = "XNYS"
CME: Final = "CMES"
ICE_US: Final = "IEPA"
TNX_HOURS: Final = "CBOE-TNX"
VIX_HOURS: Final = "CBOE-VIX"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Symbol(Record):
    """One instrument: its Yahoo ticker and how rotor shows it."""

    ticker: str
    name: str
    short: str
    group: Group
    kind: Kind
    unit: str = ""
    venue: str = NYSE

    @property
    def file_stem(self) -> str:
        """Bundled file name: ``^`` dropped; ``=``, ``-``, ``.`` become ``_`` (``GC=F`` -> ``GC_F``)."""
        return file_stem(self.ticker)


def file_stem(ticker: str) -> str:
    """File-name form of a Yahoo ticker, as used by the bundled data."""
    return ticker.replace("^", "").replace("=", "_").replace("-", "_").replace(".", "_")


def is_valid_ticker(ticker: str) -> bool:
    """True when ``ticker`` matches the strict pattern rotor accepts."""
    return bool(TICKER_PATTERN.match(ticker))


INDICES: Final = (
    Symbol("^GSPC", "S&P 500", "S&P 500", "indices", "index"),
    Symbol("^IXIC", "NASDAQ Composite", "Nasdaq", "indices", "index"),
    Symbol("^DJI", "Dow Jones Industrial Average", "Dow", "indices", "index"),
    Symbol("^RUT", "Russell 2000", "Russell 2000", "indices", "index"),
    Symbol("^VIX", "CBOE Volatility Index", "VIX", "indices", "index", venue=VIX_HOURS),
)
ETFS: Final = (
    Symbol("SPY", "SPDR S&P 500 ETF", "SPY", "etfs", "etf"),
    Symbol("QQQ", "Invesco QQQ (Nasdaq-100)", "QQQ", "etfs", "etf"),
    Symbol("IWM", "iShares Russell 2000 ETF", "IWM", "etfs", "etf"),
    Symbol("RSP", "Invesco S&P 500 Equal Weight ETF", "RSP", "etfs", "etf"),
)
SECTORS: Final = (
    Symbol("XLB", "Materials", "Materials", "sectors", "sector"),
    Symbol("XLC", "Communication Services", "Comm Svcs", "sectors", "sector"),
    Symbol("XLE", "Energy", "Energy", "sectors", "sector"),
    Symbol("XLF", "Financials", "Financials", "sectors", "sector"),
    Symbol("XLI", "Industrials", "Industrials", "sectors", "sector"),
    Symbol("XLK", "Technology", "Technology", "sectors", "sector"),
    Symbol("XLP", "Consumer Staples", "Staples", "sectors", "sector"),
    Symbol("XLRE", "Real Estate", "Real Estate", "sectors", "sector"),
    Symbol("XLU", "Utilities", "Utilities", "sectors", "sector"),
    Symbol("XLV", "Health Care", "Health Care", "sectors", "sector"),
    Symbol("XLY", "Consumer Discretionary", "Cons Disc", "sectors", "sector"),
)
COMMODITIES: Final = (
    Symbol("GC=F", "Gold", "Gold", "commodities", "future", "$/oz", CME),
    Symbol("SI=F", "Silver", "Silver", "commodities", "future", "$/oz", CME),
    Symbol("CL=F", "WTI Crude Oil", "Crude", "commodities", "future", "$/bbl", CME),
    Symbol("NG=F", "Natural Gas", "Nat Gas", "commodities", "future", "$/MMBtu", CME),
    Symbol("HG=F", "Copper", "Copper", "commodities", "future", "$/lb", CME),
)
RATES: Final = (
    Symbol("^TNX", "US 10-Year Treasury Yield", "10Y yield", "rates", "rate", "%", TNX_HOURS),
    Symbol("DX-Y.NYB", "US Dollar Index", "Dollar", "rates", "fx", "", ICE_US),
)

#: Every built-in symbol, in display order.
UNIVERSE: Final[tuple[Symbol, ...]] = INDICES + ETFS + SECTORS + COMMODITIES + RATES

#: The benchmark whose sessions define "a session" for as-of dates, and of relative strength.
SESSION_BENCHMARK: Final = "^GSPC"
RS_BENCHMARK: Final = "SPY"

#: Sector groups used by the rotation spreads (design.md).
CYCLICAL_SECTORS: Final = ("XLY", "XLF", "XLI", "XLB", "XLE")
DEFENSIVE_SECTORS: Final = ("XLP", "XLU", "XLV", "XLRE")
GROWTH_SECTORS: Final = ("XLK", "XLC")
VALUE_SECTORS: Final = ("XLF", "XLE", "XLI")

_BY_TICKER: Final = {s.ticker: s for s in UNIVERSE}


def by_ticker(ticker: str) -> Symbol:
    """The built-in symbol for a Yahoo ticker; raises ``KeyError`` for unknown ones."""
    return _BY_TICKER[ticker]


def lookup(ticker: str) -> Symbol | None:
    """The built-in symbol for ``ticker``, or ``None``."""
    return _BY_TICKER.get(ticker)


def group_of(symbols: tuple[Symbol, ...], group: Group) -> tuple[Symbol, ...]:
    """The symbols of one group, in display order."""
    return tuple(s for s in symbols if s.group == group)
