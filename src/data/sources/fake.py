"""Stand-ins for tests and benchmarks, serving real bundled bars (never invented prices).

- ``FakeProvider``: a source that serves the bundled bars up to a settable "today", and can be told to
  fail, hang or leave symbols out. It counts calls and records what was asked. Its bars are dated (no
  exchange timestamps), as settled history is; its quote is today's close, stamped 16:00 UTC (within
  every US market's session of that day).
- ``FaultyProvider``: a FakeProvider whose answers are corrupted at random (seeded): errors, timeouts,
  hangs, empty or partial answers, and every kind of bad bar and quote ``sanitize.py`` must catch.

For the live path through the real yfinance over HTTP, see ``fake_yahoo.py``.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from typing import TYPE_CHECKING

from rotor.data.errors import ProviderError, ProviderTimeout, ProviderUnavailable, RateLimited

if TYPE_CHECKING:
    import pandas as pd
    from rotor.data.sources.base import FetchResult, SourceName
    from rotor.data.sources.bundled import BundledProvider


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One ``fetch`` call as a FakeProvider saw it: per symbol, the first trade date asked for."""

    wanted: Mapping[str, date]
    now: datetime


class FakeProvider:
    """A source over the bundled bars, cut at ``today``, with switchable failure modes.

    - ``failing = True``: every symbol fails with ``ProviderUnavailable`` (as when Yahoo is unreachable).
    - ``hang_seconds > 0``: every call sleeps that long first (as a hung request does).
    - ``missing``: symbols reported as errors instead of served (partial data).
    ``calls`` counts ``fetch`` calls; ``requests`` records their arguments; ``asked`` counts the symbols
    asked for (one request each, as from Yahoo).
    """

    def __init__(
        self,
        today: date | None = None,
        *,
        source: SourceName = "live",
        bundled: BundledProvider | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.today = today
        self.failing = False
        self.hang_seconds = 0.0
        self.missing: set[str] = set()
        self.calls = 0
        self.asked = 0
        self.requests: list[FetchRequest] = []
        self._source: SourceName = source
        self._given = bundled
        self._sleep = sleep
        self._lock = threading.Lock()

    @property
    def source(self) -> SourceName:
        return self._source

    @functools.cached_property
    def _bundled(self) -> BundledProvider:
        """The bundled bars, read when first asked for (the start-up benchmark builds a provider that
        fails at once: it never reads them, as no real provider does before the first frame)."""
        from rotor.data.sources.bundled import BundledProvider

        return self._given or BundledProvider()

    def history(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> FetchResult:
        """Bundled bars of ``symbols`` with ``start <= date <= min(end, today)`` (a seed)."""
        cut = end if self.today is None or (end is not None and end < self.today) else self.today
        return self._bundled.history([s for s in symbols if s not in self.missing], start, cut)

    def fetch(self, wanted: Mapping[str, date], now: datetime, budget: float) -> FetchResult:
        """Each wanted symbol's bundled bars from its start to ``today``, and today's close as its quote."""
        import pandas as pd
        from rotor.data.sources.base import FetchResult, Quote, empty_bars

        with self._lock:
            self.calls += 1
            self.asked += len(wanted)
            self.requests.append(FetchRequest(dict(wanted), now))
        if self.hang_seconds > 0:
            self._sleep(self.hang_seconds)
        if self.failing:
            down = ProviderUnavailable("fake provider told to fail")
            return FetchResult(
                empty_bars(), self._source, {s: down.for_symbol(s) for s in wanted}, requests=1
            )
        served = [s for s in wanted if s not in self.missing]
        answer = self.history(served, min(wanted.values(), default=None))
        rows = answer.bars
        if len(rows):
            starts = rows["symbol"].map({s: pd.Timestamp(d) for s, d in wanted.items()})
            rows = rows[rows["date"] >= starts].reset_index(drop=True)
        bars = rows.copy()
        bars["time"] = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns, UTC]")
        quotes: dict[str, Quote] = {}
        if self.today is not None and len(rows):
            today = rows[rows["date"] == pd.Timestamp(self.today)]
            moment = datetime.combine(self.today, clock_time(16, 0), tzinfo=UTC)
            for symbol, close in zip(today["symbol"], today["close"], strict=True):
                quotes[str(symbol)] = Quote(str(symbol), float(close), moment)
        present = set(rows["symbol"]) if len(rows) else set()
        errors: dict[str, ProviderError] = {
            s: ProviderError("fake provider left it out", s) for s in wanted if s in self.missing
        }
        errors.update({s: e for s, e in answer.errors.items() if s in wanted})
        for symbol in served:
            if symbol not in present and symbol not in quotes and symbol not in errors:
                errors[symbol] = ProviderError("no bars in the answer", symbol)
        return FetchResult(bars, self._source, errors, quotes, requests=len(wanted))


#: Faults that make a whole ``FaultyProvider`` call fail (after a short hang for ``hang``).
CALL_FAULTS = ("error", "unavailable", "rate_limited", "timeout", "hang")
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
QUOTE_FAULTS = ("quote_nan", "quote_zero", "quote_negative", "quote_absurd", "quote_empty")


class FaultyProvider:
    """Bundled bars (through a ``FakeProvider`` cut at ``today``) with faults injected at random.

    Each call, with probability ``rate``, picks one fault: every symbol fails with ``ProviderError``,
    ``ProviderUnavailable``, ``RateLimited`` or ``ProviderTimeout``; a hang (sleep ``timeout * 1.5``, then
    every symbol times out, as a source with a deadline does); or the answer is corrupted: empty, partial
    (symbols silently missing), a few rows with a NaN, zero or negative close, high below low, duplicated
    rows (one duplicate with a NaN close), shuffled rows, timezone-aware dates, an absurd close (1e9) or a
    whole bar scaled by 1000, prices as strings, rows for a symbol nobody asked for; or a quote with a NaN,
    zero, negative or absurd price, or no quotes. ``injected`` counts the faults by name; ``rate`` may be
    changed between calls (0 stops the faults). Deterministic for a given ``seed`` and call sequence.
    """

    def __init__(
        self,
        seed: int,
        rate: float,
        *,
        today: date | None = None,
        bundled: BundledProvider | None = None,
        timeout: float = 0.02,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.timeout = timeout
        self.injected: Counter[str] = Counter()
        self.inner = FakeProvider(today, bundled=bundled)
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

    def history(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> FetchResult:
        return self.inner.history(symbols, start, end)

    def _pick(self) -> str | None:
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            fault = self._random.choice([*CALL_FAULTS, *BAR_FAULTS, *QUOTE_FAULTS])
            self.injected[fault] += 1
            return fault

    def _call_error(self, fault: str) -> ProviderError:
        if fault == "unavailable":
            return ProviderUnavailable("injected fault: unreachable")
        if fault == "rate_limited":
            return RateLimited("injected fault: too many requests")
        if fault == "timeout":
            return ProviderTimeout(f"injected fault: no answer within {self.timeout:g} s")
        if fault == "hang":
            self._sleep(self.timeout * 1.5)
            return ProviderTimeout(f"injected fault: hung past {self.timeout:g} s")
        return ProviderError("injected fault: bad gateway")

    def fetch(self, wanted: Mapping[str, date], now: datetime, budget: float) -> FetchResult:
        from rotor.data.sources.base import FetchResult, Quote, empty_bars

        fault = self._pick()
        if fault in CALL_FAULTS:
            assert fault is not None
            error = self._call_error(fault)
            return FetchResult(empty_bars(), "live", {s: error.for_symbol(s) for s in wanted}, requests=1)
        result = self.inner.fetch(wanted, now, budget)
        if fault is None:
            return result
        bars, quotes = result.bars, dict(result.quotes)
        with self._lock:
            if fault in BAR_FAULTS:
                bars = corrupt_bars(bars, fault, self._random)
            elif fault == "quote_empty":
                quotes = {}
            elif quotes:
                victim = self._random.choice(sorted(quotes))
                price = {
                    "quote_nan": float("nan"),
                    "quote_zero": 0.0,
                    "quote_negative": -quotes[victim].price,
                    "quote_absurd": 1e12,
                }[fault]
                quotes[victim] = Quote(victim, price, quotes[victim].time)
        return FetchResult(bars, "live", result.errors, quotes, requests=result.requests)


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
