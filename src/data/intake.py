"""The one pass at the source boundary: a source's raw answer becomes dated, checked, settled-or-not bars
and usable quotes, ready for the cache. Nothing downstream re-checks, re-dates or reshapes them.

In order, for one ``FetchResult``:

1. **Date** every stamped bar by its market's session model (``Venue.trade_date``): a futures bar
   stamped Sunday 19:00 ET is Monday's, one stamped 18:30 ET on a weekday the next day's. A bar whose
   stamp falls in no session is dropped with that reason; a symbol without a calendar (exchange-calendars
   failing) has its bars dated by the stamp's New York date.
2. **Check** the bars (``sources.sanitize.inspect_bars``: prices, ranges, jumps against the last good close
   in memory, one bar per day). Bars dated before the day the symbol was asked from are dropped (the
   source sends a day more than asked, the cache has them).
3. **Settle**: a bar is *settled* when its session's daily bar is final at ``now`` (``Session.settled``),
   else provisional (the cache replaces a provisional bar, never a settled one, and a provisional bar
   never replaces a settled one).
4. **Quotes**: a quote with a usable price (``sanitize.quote_problem``) is kept with the trade date of
   its stamp. It overrides the close of its session's bar (widening high and low) only while that
   session is in progress: once a session has closed, its daily bar (the official close) stands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from rotor.data.sources.base import FetchResult, Quote

NEW_YORK: Final = ZoneInfo("America/New_York")

if TYPE_CHECKING:
    import pandas as pd
    from rotor.data.sessions import Markets


@dataclass(frozen=True)
class Intake:
    """What a source's answer brings: ``bars`` (``BAR_COLUMNS`` plus ``settled``), the accepted quotes,
    each quote's trade date, and one line per symbol whose bars or quotes were dropped."""

    bars: pd.DataFrame
    quotes: Mapping[str, Quote]
    quote_days: Mapping[str, date]
    rejections: tuple[str, ...]


def take_in(
    result: FetchResult,
    markets: Markets,
    now: datetime,
    *,
    wanted: Mapping[str, date] | None = None,
    reference: Mapping[str, float] | None = None,
) -> Intake:
    """The one pass (see the module docstring). ``wanted``: symbol -> the first trade date asked for;
    ``reference``: symbol -> its last good close before this answer (anchors the jump check)."""
    import pandas as pd
    from rotor.data.sources.sanitize import inspect_bars, reason_line, sanitize_quotes

    raw = result.bars
    undated: list[str] = []
    if len(raw) and "time" in raw.columns and raw["time"].notna().any():
        raw, undated = _date_by_session(raw, markets)
    checked = inspect_bars(raw, reference)
    bars = checked.bars
    if wanted and len(bars):
        starts = bars["symbol"].map({s: pd.Timestamp(d) for s, d in wanted.items()})
        bars = bars[~(bars["date"] < starts)].reset_index(drop=True)
    bars = bars.assign(settled=_settled(bars, markets, now))

    clean, _, quote_reasons = sanitize_quotes(result.quotes, reference)
    quotes: dict[str, Quote] = {}
    days: dict[str, date] = {}
    for symbol, quote in clean.items():
        market = markets.get(symbol)
        session = market.session_at(quote.time) if market is not None else None
        if session is None:
            continue
        quotes[symbol] = quote
        days[symbol] = session.day
        if session.holds(now):
            bars = _apply_quote(bars, quote, session.day)
    rejections = [
        reason_line(s, Counter({"stamped outside every session of its market": n}))
        for s, n in Counter(undated).items()
    ]
    rejections += checked.reasons() + quote_reasons
    return Intake(bars, quotes, days, tuple(rejections))


def _date_by_session(raw: pd.DataFrame, markets: Markets) -> tuple[pd.DataFrame, list[str]]:
    """``raw`` with ``date`` set from each stamped row's session (rows already dated keep their date),
    and the symbols of rows no session holds (dropped)."""
    import pandas as pd

    frame = raw.reset_index(drop=True).copy()
    stamps = pd.to_datetime(frame["time"], utc=True, errors="coerce")
    days: list[object] = list(pd.to_datetime(frame["date"], errors="coerce"))
    undated: list[str] = []
    keep = [True] * len(frame)
    lookup: dict[tuple[str, pd.Timestamp], date | None] = {}
    moments: list[object] = list(stamps.tolist())
    for i, (symbol, stamp) in enumerate(zip(frame["symbol"], moments, strict=True)):
        if not isinstance(stamp, pd.Timestamp):  # NaT: a row the source dated itself
            continue
        key = (str(symbol), stamp)
        if key not in lookup:
            market = markets.get(str(symbol))
            moment = stamp.to_pydatetime()
            # Without a calendar (exchange-calendars failing), the stamp's New York date stands in.
            lookup[key] = (
                market.trade_date(moment) if market is not None else moment.astimezone(NEW_YORK).date()
            )
        day = lookup[key]
        if day is None:
            keep[i] = False
            undated.append(str(symbol))
        else:
            days[i] = pd.Timestamp(day)
    frame["date"] = pd.to_datetime(pd.Series(days, index=frame.index), errors="coerce")
    frame["time"] = stamps
    return frame.loc[keep].reset_index(drop=True), undated


def _settled(bars: pd.DataFrame, markets: Markets, now: datetime) -> list[bool]:
    """Per bar, whether its session's daily bar is final at ``now`` (a day that is no session of its
    market, such as old bundled history, counts as settled)."""
    out: list[bool] = []
    cache: dict[tuple[str, object], bool] = {}
    for symbol, stamp in zip(bars["symbol"], bars["date"], strict=True):
        key = (str(symbol), stamp)
        if key not in cache:
            market = markets.get(str(symbol))
            session = market.session(stamp.date()) if market is not None else None
            cache[key] = session is None or session.settled(now)
        out.append(cache[key])
    return out


def _apply_quote(bars: pd.DataFrame, quote: Quote, day: date) -> pd.DataFrame:
    """``bars`` with ``quote`` as the close of its symbol's bar of ``day`` (high and low widened to hold
    it). A quote for a day without a bar changes nothing: rotor never invents a bar."""
    import pandas as pd

    mask = (bars["symbol"] == quote.symbol) & (bars["date"] == pd.Timestamp(day))
    if not mask.any():
        return bars
    bars = bars.copy()
    bars.loc[mask, "close"] = quote.price
    high = bars.loc[mask, "high"]
    low = bars.loc[mask, "low"]
    bars.loc[mask, "high"] = high.where(high.isna(), high.clip(lower=quote.price))
    bars.loc[mask, "low"] = low.where(low.isna(), low.clip(upper=quote.price))
    return bars
