"""The Provider protocol: where daily bars and quotes come from.

A provider knows nothing of the cache or the UI. It returns bars in one long frame and, per symbol, the
reason it could not serve it. Only whole-request failures raise (``ProviderUnavailable``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from rotor.data.errors import ProviderError

if TYPE_CHECKING:
    import pandas as pd

SourceName = Literal["live", "cache", "snapshot"]

#: Columns of a long bars frame, in order. ``date`` holds ``datetime64`` midnight values (naive).
BAR_COLUMNS = ("symbol", "date", "open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class Quote:
    """A last price seen during a session (intraday), with the time it was seen."""

    symbol: str
    price: float
    time: datetime


@dataclass(frozen=True)
class FetchResult:
    """What one provider call returned: bars in a long frame, quotes, and per-symbol failures."""

    bars: pd.DataFrame
    source: SourceName
    errors: Mapping[str, ProviderError] = field(default_factory=dict)
    quotes: Mapping[str, Quote] = field(default_factory=dict)


class Provider(Protocol):
    """Daily bars (and, for live sources, intraday quotes) for a set of Yahoo tickers."""

    @property
    def source(self) -> SourceName:
        """Which kind of source this is, as shown to the user."""
        ...

    def history(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> FetchResult:
        """Daily bars for ``symbols`` with ``start <= date <= end`` (open-ended where ``None``)."""
        ...
