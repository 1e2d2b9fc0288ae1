"""The checks at the source boundary: what a source returns is checked here, once, before it reaches the
cache (``rotor.data.intake`` runs them after the session model has dated each bar).

``inspect_bars`` takes a long bars frame (``BAR_COLUMNS``, plus ``time`` when the source stamped its bars)
and returns the bars rotor can trust and every bad bar with its reason, so a bad bar never reaches the
cache; ``reasons()`` gives one line per symbol.

Normalised silently (not counted as bad):

- dates: timezone-aware values become the naive date of their own wall clock (Yahoo dates a daily bar
  at midnight in the exchange's zone; converting to UTC first would move it to the previous day), then
  midnight; rows are sorted by symbol and date;
- several rows for one (symbol, date): with exchange timestamps, parts of one session, combined in time
  order (open first, high/low over all, close and volume last: Yahoo repeats the current day); without,
  the last one is kept (a source's later row is its correction);
- ``open``/``high``/``low`` that are missing, not positive or absurd become missing (the close is the
  figure that matters; a missing high or low only narrows the ranges); negative or non-finite volume
  becomes missing;
- a close (or open) slightly outside the day's high-low range (within ``RANGE_TOLERANCE``, rounding in
  the source) widens the range to include it.

Dropped and counted (a "bad bar"):

- a symbol that is not a valid ticker, or a row without a date (a stamp in no session of its market);
- a close that is missing, not finite, zero or negative, or above ``MAX_PRICE`` (1e7: nothing rotor
  watches trades near that; the largest real prices are in the hundreds of thousands). A negative futures
  settlement (WTI on 2020-04-20) is dropped too: rotor's percentages need positive prices;
- ``high < low``: which of the two is wrong cannot be told, so the bar is not repaired;
- a close or open outside the day's range by more than ``RANGE_TOLERANCE``;
- a close more than ``MAX_DAILY_RATIO`` (10) times, or less than a tenth of, the previous good close of
  the same symbol (the last one before this frame when the caller passes it as ``reference``, else the
  median of the symbol's first closes in the frame). The bound is deliberately loose: VIX's largest
  one-day rise was +116% (2018-02-05) and natural gas's largest daily moves are well under 100%, so
  only a decimal-point or unit error (x100, /1000) or garbage trips it; a real one-day crash of more than
  90% would be dropped too, and the symbol then shows stale with this reason.

``sanitize_quotes`` applies the price checks (finite, positive, at most ``MAX_PRICE``, within
``MAX_DAILY_RATIO`` of the reference close) to intraday quotes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, cast

from rotor.data.sources.base import BAR_COLUMNS, Quote
from rotor.data.symbols import is_valid_ticker

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: A price above this is garbage.
MAX_PRICE: Final = 1e7
#: A close more than this many times (or less than 1/this of) the previous good close is garbage.
MAX_DAILY_RATIO: Final = 10.0
#: How far (as a fraction of the price) a close or open may lie outside the high-low range and still be
#: taken as rounding (the range is widened); beyond it the bar is dropped.
RANGE_TOLERANCE: Final = 0.01
#: Closes whose median anchors the jump check when no reference close is known.
ANCHOR_CLOSES: Final = 21

_PRICES: Final = ("open", "high", "low", "close")


@dataclass(frozen=True)
class SanitizedBars:
    """What ``inspect_bars`` found: the clean bars, and per bad bar its symbol, date and reason."""

    bars: pd.DataFrame
    rejected: tuple[tuple[str, str, str], ...]

    @property
    def count(self) -> int:
        return len(self.rejected)

    def reasons(self) -> list[str]:
        """One line per symbol with bad bars, e.g. ``XLE: dropped 2 bad bars (close not positive)``."""
        by_symbol: dict[str, Counter[str]] = {}
        for symbol, _, reason in self.rejected:
            by_symbol.setdefault(symbol, Counter())[reason] += 1
        return [reason_line(symbol, counts) for symbol, counts in by_symbol.items()]

    def rejected_symbols(self) -> set[str]:
        return {symbol for symbol, _, _ in self.rejected}


def reason_line(symbol: str, counts: Counter[str], what: str = "bar") -> str:
    total = sum(counts.values())
    detail = ", ".join(reason if n == 1 else f"{reason} x{n}" for reason, n in counts.most_common())
    return f"{symbol}: dropped {total} bad {what}{'s' if total != 1 else ''} ({detail})"


def sanitize_bars(
    frame: pd.DataFrame, reference: Mapping[str, float] | None = None
) -> tuple[pd.DataFrame, int, list[str]]:
    """``(clean_frame, rejected_count, reasons)`` for a long bars frame (see the module docstring).

    ``reference``: per symbol, the last good close before this frame (anchors the jump check)."""
    result = inspect_bars(frame, reference)
    return result.bars, result.count, result.reasons()


def _naive_dates(values: pd.Series) -> pd.Series:
    """Dates as naive midnight datetimes; timezone-aware values keep their own wall-clock date."""
    import pandas as pd

    dates: pd.Series
    if values.dtype == object:  # strings, or Timestamps in mixed zones: one by one
        dates = pd.Series([_one_date(v) for v in values], index=values.index, dtype="datetime64[ns]")
    else:
        dates = pd.to_datetime(values, errors="coerce")
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    return dates.dt.normalize()


def _one_date(value: object) -> object:
    """One date as a naive Timestamp (its own wall-clock date), or NaT."""
    import pandas as pd

    try:
        stamp: object = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return pd.NaT
    if isinstance(stamp, pd.Timestamp) and stamp.tzinfo is not None:
        return stamp.tz_localize(None)
    return stamp


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A column as float64 (values that are not numbers become NaN; a missing column is all NaN)."""
    import numpy as np
    import pandas as pd

    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    values = frame[column]
    if values.dtype.kind != "f":
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy(dtype="float64", na_value=np.nan, copy=True)


def inspect_bars(frame: pd.DataFrame, reference: Mapping[str, float] | None = None) -> SanitizedBars:
    """The clean bars of ``frame`` and every bad bar with its reason (see the module docstring).

    Works on numpy arrays (it runs on every provider answer, which is usually a few rows)."""
    import numpy as np
    import pandas as pd

    reference = reference or {}
    size = 0 if frame is None else len(frame)
    if size == 0 or not {"symbol", "date", "close"} <= set(frame.columns):
        named = list(frame["symbol"]) if size and "symbol" in frame.columns else ["?"] * size
        return SanitizedBars(_empty_bars(), tuple((str(s), "", "malformed answer") for s in named))
    symbols = np.array([str(s) for s in frame["symbol"]], dtype=object)
    dates = _naive_dates(frame["date"].reset_index(drop=True)).to_numpy(dtype="datetime64[ns]")
    open_, high, low, close, volume = (_floats(frame, c) for c in ("open", "high", "low", "close", "volume"))
    reason = np.full(size, "", dtype=object)

    def reject(mask: np.ndarray[Any, np.dtype[np.bool_]], why: str) -> None:
        reason[mask & (reason == "")] = why

    valid = {s: is_valid_ticker(s) for s in set(symbols)}
    reject(np.array([not valid[s] for s in symbols], dtype=bool), "invalid symbol")
    reject(np.isnat(dates), "no date")
    finite = np.isfinite(close)
    reject(~finite, "close missing")
    with np.errstate(invalid="ignore"):
        reject(finite & (close <= 0), "close not positive")
        reject(finite & (close > MAX_PRICE), "close absurd")
        for values in (open_, high, low):
            values[~np.isfinite(values) | (values <= 0) | (values > MAX_PRICE)] = np.nan
        volume[~np.isfinite(volume) | (volume < 0)] = np.nan
        reject(high < low, "high below low")
        top, bottom = high * (1 + RANGE_TOLERANCE), low * (1 - RANGE_TOLERANCE)
        reject(
            (close > top) | (close < bottom) | (open_ > top) | (open_ < bottom),
            "close outside the day's range",
        )
        # Rounding in the source: widen the range to hold the open and the close.
        has_high, has_low = ~np.isnan(high), ~np.isnan(low)
        high[has_high] = np.fmax(np.fmax(high, open_), close)[has_high]
        low[has_low] = np.fmin(np.fmin(low, open_), close)[has_low]

    # Sort the good rows by symbol and date, keep the last of each (symbol, date), then the jump check.
    good = pd.DataFrame(
        {
            "symbol": symbols,
            "date": dates,
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": volume,
            "_row": np.arange(size),
            "_t": _stamps(frame, size),
        }
    ).loc[reason == ""]
    good = _one_bar_per_day(good.sort_values(["symbol", "date", "_t", "_row"], kind="stable"))
    keep = np.ones(len(good), dtype=bool)
    good_symbols = good["symbol"].to_numpy()
    good_closes = good["close"].to_numpy()
    good_rows = good["_row"].to_numpy()
    previous = math.nan
    for i in range(len(good)):
        if i == 0 or good_symbols[i] != good_symbols[i - 1]:
            previous = reference.get(good_symbols[i], math.nan)
            if not math.isfinite(previous) or previous <= 0:
                same = good_closes[i : i + ANCHOR_CLOSES][
                    good_symbols[i : i + ANCHOR_CLOSES] == good_symbols[i]
                ]
                previous = float(np.median(same))
        value = float(good_closes[i])
        if value > previous * MAX_DAILY_RATIO or value * MAX_DAILY_RATIO < previous:
            keep[i] = False
            reason[good_rows[i]] = "jump of more than 10x from the previous close"
        else:
            previous = value
    clean = good.loc[keep, list(BAR_COLUMNS)].reset_index(drop=True)
    clean["symbol"] = clean["symbol"].astype(object)
    bad = np.flatnonzero(reason != "")
    rejected = tuple(
        (
            str(symbols[i]),
            "" if np.isnat(dates[i]) else str(dates[i])[:10],
            str(reason[i]),
        )
        for i in bad
    )
    return SanitizedBars(clean, rejected)


def _stamps(frame: pd.DataFrame, size: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Each row's exchange timestamp in seconds (NaN where the source gave none)."""
    import numpy as np
    import pandas as pd

    if "time" not in frame.columns:
        return np.full(size, np.nan)
    stamps = pd.to_datetime(frame["time"].reset_index(drop=True), utc=True, errors="coerce")
    seconds = stamps.astype("int64").to_numpy(dtype="float64") / 1e9
    seconds[stamps.isna().to_numpy()] = np.nan
    return seconds


def _one_bar_per_day(good: pd.DataFrame) -> pd.DataFrame:
    """One row per (symbol, date), sorted. Rows of one day that carry exchange timestamps are parts of
    one session (Yahoo repeats the current day with the last trade's time; a futures holiday's trading
    counts toward the next trade date): combined in time order, open from the first, high and low over
    all, close and volume from the last. Rows without timestamps: the last one stands (a correction)."""
    import pandas as pd

    repeated = good.duplicated(["symbol", "date"], keep=False).to_numpy()
    if not repeated.any():
        return good
    part = good.loc[repeated]
    all_timed = part["_t"].notna().groupby([part["symbol"], part["date"]]).transform("all").to_numpy()
    combined = (
        part.loc[all_timed]
        .groupby(["symbol", "date"], as_index=False, sort=False)
        .agg(
            open=("open", "first"),
            high=("high", "max"),
            low=("low", "min"),
            close=("close", "last"),
            volume=("volume", "last"),
            _row=("_row", "last"),
            _t=("_t", "last"),
        )
    )
    corrected = part.loc[~all_timed].drop_duplicates(["symbol", "date"], keep="last")
    merged = pd.concat([good.loc[~repeated], corrected, combined], ignore_index=True)
    return merged.sort_values(["symbol", "date", "_row"], kind="stable")


def _empty_bars() -> pd.DataFrame:
    import pandas as pd

    empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in BAR_COLUMNS})
    empty["symbol"] = empty["symbol"].astype(object)
    empty["date"] = pd.to_datetime(empty["date"])
    return empty


def quote_problem(quote: Quote, reference: float | None = None) -> str | None:
    """Why ``quote`` cannot be used, or ``None`` when it can."""
    if not is_valid_ticker(quote.symbol):
        return "invalid symbol"
    if not isinstance(cast(object, quote.time), datetime):
        return "no time"
    try:
        price = float(quote.price)
    except (TypeError, ValueError):
        return "price missing"
    if not math.isfinite(price):
        return "price missing"
    if price <= 0:
        return "price not positive"
    if price > MAX_PRICE:
        return "price absurd"
    known = reference is not None and math.isfinite(reference) and reference > 0
    if known and (price > reference * MAX_DAILY_RATIO or price * MAX_DAILY_RATIO < reference):  # type: ignore[operator]
        return "jump of more than 10x from the last close"
    return None


def sanitize_quotes(
    quotes: Mapping[str, Quote], reference: Mapping[str, float] | None = None
) -> tuple[dict[str, Quote], int, list[str]]:
    """``(clean_quotes, rejected_count, reasons)``: quotes with a usable price (see ``quote_problem``);
    ``reference`` holds each symbol's last good close."""
    reference = reference or {}
    clean: dict[str, Quote] = {}
    problems: dict[str, Counter[str]] = {}
    for key, quote in quotes.items():
        problem = quote_problem(quote, reference.get(quote.symbol))
        if problem is None and quote.symbol != key:
            problem = "quote for another symbol"
        if problem is None:
            clean[key] = quote
        else:
            problems.setdefault(str(key), Counter())[problem] += 1
    rejected = sum(sum(c.values()) for c in problems.values())
    return clean, rejected, [reason_line(s, c, "quote") for s, c in problems.items()]
