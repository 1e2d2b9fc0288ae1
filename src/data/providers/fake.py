"""Stand-ins for tests and benchmarks, serving real bundled bars (never invented prices).

- ``FakeProvider``: a Provider that serves the bundled bars up to a settable "today", and can be told to
  fail, hang or leave symbols out. It counts calls and records what was asked.
- ``yahoo_download_frame`` / ``FakeYahooDownload``: bundled bars shaped exactly as ``yf.download`` (yfinance
  1.x, ``group_by="column"``, ``auto_adjust=False``) returns them, to patch ``yfinance.download`` with.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any

from rotor.data.errors import ProviderError, ProviderUnavailable
from rotor.data.providers.base import FetchResult, Quote, SourceName
from rotor.data.providers.snapshot import SnapshotProvider, load_bundled_bars

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class HistoryRequest:
    """One ``history`` call as a FakeProvider saw it."""

    symbols: tuple[str, ...]
    start: date | None
    end: date | None


class FakeProvider:
    """A Provider over the bundled bars, cut at ``today``, with switchable failure modes.

    - ``failing = True``: every call raises ``ProviderUnavailable`` (as when Yahoo is unreachable).
    - ``hang_seconds > 0``: every call sleeps that long first (as a hung request does).
    - ``missing``: symbols reported as errors instead of served (partial data).
    ``calls`` counts ``history`` calls; ``requests`` records their arguments; ``quote_calls`` counts
    ``quotes`` calls.
    """

    def __init__(
        self,
        today: date | None = None,
        *,
        source: SourceName = "live",
        snapshot: SnapshotProvider | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.today = today
        self.failing = False
        self.hang_seconds = 0.0
        self.missing: set[str] = set()
        self.calls = 0
        self.quote_calls = 0
        self.requests: list[HistoryRequest] = []
        self._source: SourceName = source
        self._snapshot = snapshot or SnapshotProvider()
        self._sleep = sleep
        self._lock = threading.Lock()

    @property
    def source(self) -> SourceName:
        return self._source

    def _begin(self) -> None:
        if self.hang_seconds > 0:
            self._sleep(self.hang_seconds)
        if self.failing:
            raise ProviderUnavailable("fake provider told to fail")

    def history(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> FetchResult:
        """Bundled bars of ``symbols`` with ``start <= date <= min(end, today)``."""
        with self._lock:
            self.calls += 1
            self.requests.append(HistoryRequest(tuple(symbols), start, end))
        self._begin()
        cut = end if self.today is None or (end is not None and end < self.today) else self.today
        served = [s for s in symbols if s not in self.missing]
        result = self._snapshot.history(served, start, cut)
        errors: dict[str, ProviderError] = {
            s: ProviderError("fake provider left it out", s) for s in self.missing
        }
        errors.update(result.errors)
        errors = {s: e for s, e in errors.items() if s in symbols}
        if symbols and len(errors) == len(set(symbols)):
            raise ProviderUnavailable("fake provider served none of the symbols")
        return FetchResult(bars=result.bars, source=self._source, errors=errors)

    def quotes(self, symbols: Sequence[str]) -> FetchResult:
        """The close of ``today``'s bundled bar as each symbol's quote, timed at 16:00 UTC that day."""
        with self._lock:
            self.quote_calls += 1
        self._begin()
        day = self.today
        result = self._snapshot.history([s for s in symbols if s not in self.missing], day, day)
        quotes: dict[str, Quote] = {}
        if day is not None:
            moment = datetime.combine(day, clock_time(16, 0), tzinfo=UTC)
            for symbol, close in zip(result.bars["symbol"], result.bars["close"], strict=True):
                quotes[str(symbol)] = Quote(str(symbol), float(close), moment)
        errors = {s: ProviderError("no quote today", s) for s in symbols if s not in quotes}
        return FetchResult(bars=result.bars.iloc[0:0], source=self._source, errors=errors, quotes=quotes)


def yahoo_download_frame(bars: pd.DataFrame, tickers: Sequence[str]) -> pd.DataFrame:
    """Long bars shaped as ``yf.download(tickers, group_by="column", auto_adjust=False)`` returns them in
    yfinance 1.x: columns ``MultiIndex`` named ``(Price, Ticker)``, prices ``Adj Close, Close, High, Low,
    Open, Volume`` each with every requested ticker, both levels sorted; index the union of every ticker's
    dates (naive, named ``Date``), all-NaN columns for tickers without rows (as yfinance gives a failed
    ticker). ``Adj Close`` repeats ``Close`` (the bundle holds no adjusted series)."""
    import pandas as pd

    names = sorted({t.upper() for t in tickers})
    wide_by_price: dict[str, pd.DataFrame] = {}
    subset = bars[bars["symbol"].isin(names)]
    index = pd.DatetimeIndex(sorted(subset["date"].unique()), name="Date").astype("datetime64[s]")
    for price, column in (
        ("Adj Close", "close"),
        ("Close", "close"),
        ("High", "high"),
        ("Low", "low"),
        ("Open", "open"),
        ("Volume", "volume"),
    ):
        wide = subset.pivot(index="date", columns="symbol", values=column) if len(subset) else pd.DataFrame()
        wide = wide.reindex(columns=names)
        wide.index = pd.DatetimeIndex(wide.index).astype("datetime64[s]") if len(wide) else wide.index
        wide_by_price[price] = wide.reindex(index).astype("float64")
    frame = pd.concat(wide_by_price, axis=1, names=["Price", "Ticker"])
    frame.index = index
    return frame.sort_index(axis=1, level=0)


class FakeYahooDownload:
    """A stand-in for ``yfinance.download`` answering from the bundled bars, recording every call.

    It honours ``tickers``, ``start`` (inclusive) and ``end`` (exclusive) like yfinance, never serves
    past ``today``, and leaves ``missing`` tickers as all-NaN columns. ``calls`` holds each call's
    tickers and keyword arguments.
    """

    def __init__(self, today: date, missing: Collection[str] = ()) -> None:
        self.today = today
        self.missing = set(missing)
        self.calls: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self._bars = load_bundled_bars()
        self._lock = threading.Lock()

    def __call__(self, tickers: Sequence[str], **kwargs: Any) -> pd.DataFrame:
        import pandas as pd

        with self._lock:
            self.calls.append((tuple(tickers), dict(kwargs)))
        bars = self._bars
        mask = bars["symbol"].isin([t for t in tickers if t not in self.missing])
        mask &= bars["date"] <= pd.Timestamp(self.today)
        if kwargs.get("start") is not None:
            mask &= bars["date"] >= pd.Timestamp(kwargs["start"])
        if kwargs.get("end") is not None:
            mask &= bars["date"] < pd.Timestamp(kwargs["end"])
        if kwargs.get("interval", "1d") == "1d":
            return yahoo_download_frame(bars.loc[mask], tickers)
        # Intraday: one one-minute bar at 15:59 New York time today, at the day's real close (the last
        # price of the session), indexed as yfinance indexes intraday rows (tz-aware, named Datetime).
        mask &= bars["date"] == pd.Timestamp(self.today)
        today = bars.loc[mask].copy()
        for column in ("open", "high", "low"):
            today[column] = today["close"]
        today["volume"] = float("nan")
        frame = yahoo_download_frame(today, tickers)
        minute = pd.Timestamp(datetime.combine(self.today, clock_time(15, 59)))
        minute = minute.tz_localize("America/New_York")
        frame.index = pd.DatetimeIndex([minute] * len(frame), name="Datetime")
        return frame
