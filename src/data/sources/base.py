"""What a source of prices returns, and the protocol every source follows.

A source knows nothing of the cache, the sessions or the UI. Asked for the days each symbol still needs
(``wanted``: symbol -> first trade date), it returns what it received, as it received it:

- ``bars``: a long frame, one row per bar, ``RAW_COLUMNS``. A live source stamps each bar with the time
  the exchange gave it (``time``, UTC) and leaves ``date`` empty: the session model dates it
  (``rotor.data.intake``). A source of settled history (the bundled data) gives the trade ``date`` and no
  ``time``.
- ``quotes``: the last price of each symbol with its exchange time (Yahoo's ``regularMarketPrice`` and
  ``regularMarketTime``);
- ``hours``: a session's regular hours where the source publishes them (Yahoo's
  ``currentTradingPeriod``), which the session model uses for ^TNX and ^VIX;
- ``errors``: per symbol, the typed failure (``rotor.data.errors``); only a failure of the whole request
  before any symbol was asked raises;
- ``requests``: how many requests it sent (HTTP requests for Yahoo), ``retry_at``: when it may be asked
  again after it asked us to slow down or could not be reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Final, Literal, Protocol, runtime_checkable

from rotor.data.errors import ProviderError

if TYPE_CHECKING:
    import pandas as pd
    from rotor.data.sessions import TradingHours

SourceName = Literal["live", "cache", "snapshot"]

#: Columns of a dated long bars frame, in order. ``date`` holds ``datetime64`` midnight values (naive): the
#: trade date.
BAR_COLUMNS: Final = ("symbol", "date", "open", "high", "low", "close", "volume")
#: Columns of a source's raw answer: a dated frame plus ``time``, the bar's exchange timestamp (UTC; NaT
#: when the source dates its bars itself).
RAW_COLUMNS: Final = (*BAR_COLUMNS, "time")


@dataclass(frozen=True, slots=True)
class Quote:
    """A price seen at a moment (timezone-aware), e.g. Yahoo's ``regularMarketPrice`` at
    ``regularMarketTime``."""

    symbol: str
    price: float
    time: datetime


@dataclass(frozen=True)
class FetchResult:
    """What one source call returned (see the module docstring)."""

    bars: pd.DataFrame
    source: SourceName
    errors: Mapping[str, ProviderError] = field(default_factory=dict)
    quotes: Mapping[str, Quote] = field(default_factory=dict)
    hours: Mapping[str, TradingHours] = field(default_factory=dict)
    requests: int = 0
    retry_at: datetime | None = None

    @property
    def served(self) -> frozenset[str]:
        """The symbols that answered (with bars, a quote, or both)."""
        symbols = {str(s) for s in self.bars["symbol"].unique()} if len(self.bars) else set()
        return frozenset(symbols | set(self.quotes))


class Source(Protocol):
    """Daily bars and quotes for Yahoo tickers, one answer per symbol."""

    @property
    def source(self) -> SourceName:
        """Which kind of source this is, as shown to the user."""
        ...

    def fetch(self, wanted: Mapping[str, date], now: datetime, budget: float) -> FetchResult:
        """Bars of each symbol from its wanted trade date (inclusive) up to ``now``, with its quote.
        ``budget``: seconds the whole call may take."""
        ...


@dataclass(frozen=True)
class IntradayAnswer:
    """One symbol's one-minute chart as the source sent it: bars as (time, open, high, low, close,
    volume), time UTC, rows without a close left out; the regular hours it published, if any; and the
    requests it took."""

    rows: list[tuple[datetime, float | None, float | None, float | None, float, float | None]]
    hours: TradingHours | None
    requests: int


@runtime_checkable
class IntradaySource(Protocol):
    """A source that also has one-minute bars (Yahoo's): the detail screen's 1D chart."""

    def intraday(self, symbol: str, budget: float, *, extended: bool) -> IntradayAnswer:
        """``symbol``'s one-minute bars of its current session, or of its last one when none is in
        progress (with pre- and post-market minutes when ``extended``), within ``budget`` seconds.
        Raises the typed failure (``ProviderError`` and kin)."""
        ...


class History(Protocol):
    """A source of settled, dated history (the bundled data): what seeds an empty cache."""

    def history(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> FetchResult:
        """Daily bars of ``symbols`` with ``start <= date <= end`` (open-ended where ``None``)."""
        ...


def empty_bars() -> pd.DataFrame:
    """A raw bars frame with no rows (``RAW_COLUMNS``, the right dtypes)."""
    import pandas as pd

    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in RAW_COLUMNS})
    frame["symbol"] = frame["symbol"].astype(object)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame
