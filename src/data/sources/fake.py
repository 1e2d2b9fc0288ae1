"""Stand-ins for tests and benchmarks, serving real bundled bars (never invented prices).

- ``FakeProvider``: a Provider that serves the bundled bars up to a settable "today", and can be told to
  fail, hang or leave symbols out. It counts calls and records what was asked.
- ``FaultyProvider``: a FakeProvider whose answers are corrupted at random (seeded): errors, timeouts,
  hangs, empty or partial answers, and every kind of bad bar and quote ``sanitize.py`` must catch.
- ``yahoo_download_frame`` / ``FakeYahooDownload``: bundled bars shaped exactly as ``yf.download`` (yfinance
  1.x, ``group_by="column"``, ``auto_adjust=False``) returns them, to patch ``yfinance.download`` with.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import TYPE_CHECKING, Any

from rotor.data.errors import ProviderError, ProviderTimeout, ProviderUnavailable, RateLimited
from rotor.data.sources.base import FetchResult, Quote, SourceName
from rotor.data.sources.bundled import SnapshotProvider, load_bundled_bars

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


#: Faults that make a ``FaultyProvider`` call raise (after a short hang for ``hang``).
RAISING_FAULTS = ("error", "unavailable", "rate_limited", "timeout", "hang")
#: Faults that corrupt an answer's bars.
BAR_FAULTS = (
    "empty",
    "partial",
    "nan",
    "zero",
    "negative",
    "high_below_low",
    "duplicates",
    "shuffled",
    "tz_aware",
    "absurd",
    "scaled",
    "strings",
    "foreign_symbol",
)
#: Faults that corrupt an answer's quotes.
QUOTE_FAULTS = ("nan", "zero", "negative", "absurd", "empty")


class FaultyProvider:
    """Bundled bars (through a ``FakeProvider`` cut at ``today``) with faults injected at random.

    Each call, with probability ``rate``, picks one fault: raise ``ProviderError``,
    ``ProviderUnavailable``, ``RateLimited`` or ``ProviderTimeout``; hang (sleep ``timeout * 1.5``, then
    raise ``ProviderTimeout``, as a provider with a call time limit does); or corrupt the answer: empty,
    partial (symbols silently missing), a few rows with a NaN, zero or negative close, high below low,
    duplicated rows (one duplicate with a NaN close), shuffled rows, timezone-aware dates, an absurd close
    (1e9) or a whole bar scaled by 1000, prices as strings, or rows for a symbol nobody asked for. Quotes
    get NaN, zero, negative or absurd prices. ``injected`` counts the faults by call and name
    (``history.nan``, ``quotes.hang``); ``rate`` may be changed between calls (0 stops the faults).
    Deterministic for a given ``seed`` and call sequence.
    """

    def __init__(
        self,
        seed: int,
        rate: float,
        *,
        today: date | None = None,
        snapshot: SnapshotProvider | None = None,
        timeout: float = 0.02,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.timeout = timeout
        self.injected: Counter[str] = Counter()
        self.inner = FakeProvider(today, snapshot=snapshot)
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not cryptography
        self._sleep = sleep
        self._lock = threading.Lock()

    @property
    def source(self) -> SourceName:
        return "live"

    @property
    def today(self) -> date | None:
        return self.inner.today

    @today.setter
    def today(self, value: date | None) -> None:
        self.inner.today = value

    def _pick(self, faults: Sequence[str], call: str) -> str | None:
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            fault = self._random.choice([*RAISING_FAULTS, *faults])
            self.injected[f"{call}.{fault}"] += 1
            return fault

    def _raise(self, fault: str) -> None:
        if fault == "error":
            raise ProviderError("injected fault: bad gateway")
        if fault == "unavailable":
            raise ProviderUnavailable("injected fault: unreachable")
        if fault == "rate_limited":
            raise RateLimited("injected fault: too many requests")
        if fault == "timeout":
            raise ProviderTimeout(f"injected fault: no answer within {self.timeout:g} s")
        if fault == "hang":
            self._sleep(self.timeout * 1.5)
            raise ProviderTimeout(f"injected fault: hung past {self.timeout:g} s")

    def history(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> FetchResult:
        fault = self._pick(BAR_FAULTS, "history")
        if fault is not None:
            self._raise(fault)
        result = self.inner.history(symbols, start, end)
        if fault is None:
            return result
        with self._lock:
            bars = corrupt_bars(result.bars, fault, self._random)
        return FetchResult(bars=bars, source="live", errors=result.errors)

    def quotes(self, symbols: Sequence[str]) -> FetchResult:
        fault = self._pick(QUOTE_FAULTS, "quotes")
        if fault is not None:
            self._raise(fault)
        result = self.inner.quotes(symbols)
        if fault is None or not result.quotes:
            return result
        quotes = dict(result.quotes)
        if fault == "empty":
            quotes = {}
        else:
            with self._lock:
                victim = self._random.choice(sorted(quotes))
            prices = {"nan": float("nan"), "zero": 0.0, "negative": -quotes[victim].price, "absurd": 1e12}
            price = prices[fault]
            quotes[victim] = Quote(victim, price, quotes[victim].time)
        return FetchResult(bars=result.bars, source="live", errors=result.errors, quotes=quotes)


def corrupt_bars(bars: pd.DataFrame, fault: str, rng: random.Random) -> pd.DataFrame:
    """``bars`` (a long frame) with one kind of fault injected into a few random rows."""
    import numpy as np
    import pandas as pd

    frame = bars.copy()
    if fault == "empty" or frame.empty:
        return frame.iloc[0:0]
    rows = rng.sample(range(len(frame)), k=max(1, min(3, len(frame))))
    positions = frame.index[rows]
    if fault == "partial":
        symbols = sorted(set(frame["symbol"]))
        keep = set(rng.sample(symbols, k=len(symbols) // 2))
        return frame[frame["symbol"].isin(keep)]
    if fault in ("nan", "zero", "negative"):
        frame["close"] = frame["close"].astype("float64")
        values = {"nan": np.nan, "zero": 0.0, "negative": -frame.loc[positions, "close"]}
        frame.loc[positions, "close"] = values[fault]
    elif fault == "high_below_low":
        high = frame.loc[positions, "high"].copy()
        frame.loc[positions, "high"] = frame.loc[positions, "low"] * 0.9
        frame.loc[positions, "low"] = high * 1.1
    elif fault == "duplicates":
        copies = frame.loc[positions].copy()
        broken = copies.copy()
        broken["close"] = np.nan
        frame = pd.concat([frame, copies, broken], ignore_index=True)
    elif fault == "shuffled":
        frame = frame.sample(frac=1.0, random_state=rng.randrange(2**32))
    elif fault == "tz_aware":
        frame["date"] = pd.DatetimeIndex(frame["date"]).tz_localize("America/New_York")
    elif fault == "absurd":
        frame.loc[positions, "close"] = 1e9
    elif fault == "scaled":
        for column in ("open", "high", "low", "close"):
            frame.loc[positions, column] = frame.loc[positions, column] * 1000.0
    elif fault == "strings":
        frame["close"] = frame["close"].astype(object)
        frame.loc[positions, "close"] = "n/a"
    elif fault == "foreign_symbol":
        extra = frame.loc[positions].copy()
        extra["symbol"] = "../../etc\x1b[2J"
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


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
