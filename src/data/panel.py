"""The aligned panel: daily bars of many symbols as wide frames sharing one date index.

Rows are the union of every symbol's dates; a symbol has NaN on dates it did not trade (futures trade on
some NYSE holidays, for example). Metrics always use each symbol's own sessions (its non-NaN closes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from rotor.data.errors import AsOfOutOfRange, NoData
from rotor.data.symbols import SESSION_BENCHMARK

FIELDS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Panel:
    """Wide OHLCV frames (index: naive midnight ``DatetimeIndex``, columns: Yahoo tickers)."""

    open: pd.DataFrame
    high: pd.DataFrame
    low: pd.DataFrame
    close: pd.DataFrame
    volume: pd.DataFrame

    @classmethod
    def from_bars(cls, bars: pd.DataFrame, symbols: Iterable[str] | None = None) -> Panel:
        """Pivot a long bars frame (``symbol, date, open, high, low, close, volume``) into a panel.

        Duplicate (symbol, date) rows keep the last one. ``symbols`` fixes the column order and adds
        all-NaN columns for symbols without bars.
        """
        frame = bars.drop_duplicates(["symbol", "date"], keep="last")
        wide = frame.pivot(index="date", columns="symbol", values=list(FIELDS)).sort_index()
        index = pd.DatetimeIndex(wide.index).normalize()
        index.name = "date"
        columns = list(symbols) if symbols is not None else sorted(frame["symbol"].unique())
        parts: dict[str, pd.DataFrame] = {}
        for f in FIELDS:
            part = pd.DataFrame(wide[f]) if f in wide.columns.get_level_values(0) else pd.DataFrame()
            part = part.reindex(columns=columns).astype("float64")
            part.index = index
            part.columns = pd.Index(columns)
            parts[f] = part
        return cls(**parts)

    @property
    def symbols(self) -> list[str]:
        return [str(c) for c in self.close.columns]

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.close.index)

    def sessions(self) -> pd.DatetimeIndex:
        """The session calendar: dates on which the benchmark (^GSPC) closed, else any symbol did."""
        close = self.close
        if SESSION_BENCHMARK in close.columns and close[SESSION_BENCHMARK].notna().any():
            return pd.DatetimeIndex(close.index[close[SESSION_BENCHMARK].notna()])
        return pd.DatetimeIndex(close.index[close.notna().any(axis=1)])

    def resolve_as_of(self, requested: date | None) -> date:
        """The last session on or before ``requested`` (the last session overall when ``None``).

        Raises ``AsOfOutOfRange`` (with the available range in its message) when ``requested`` is
        before the first session or after the last one, and ``NoData`` for an empty panel.
        """
        sessions = self.sessions()
        if len(sessions) == 0:
            raise NoData("no market data loaded")
        first, last = sessions[0].date(), sessions[-1].date()
        if requested is None:
            return last
        if requested < first or requested > last:
            raise AsOfOutOfRange(
                f"--as-of {requested.isoformat()} is outside the data "
                f"(available: {first.isoformat()} to {last.isoformat()})"
            )
        pos = int(sessions.searchsorted(pd.Timestamp(requested), side="right")) - 1
        return sessions[pos].date()

    def merge(self, bars: pd.DataFrame) -> Panel:
        """This panel with ``bars`` (a long frame, ``symbol, date, open ...``) laid over it: each bar
        replaces the whole bar of its symbol and day (new days and symbols are added). The one way new
        bars reach the panel in memory."""
        if bars.empty:
            return self
        new = Panel.from_bars(bars)
        columns = self.close.columns.union(new.close.columns, sort=False)
        index = self.dates.union(new.dates)
        index.name = "date"
        present = new.close.notna().reindex(index=index, columns=columns, fill_value=False)
        parts = {}
        for f in FIELDS:
            old = getattr(self, f).reindex(index=index, columns=columns)
            parts[f] = old.mask(present, getattr(new, f).reindex(index=index, columns=columns))
        return Panel(**parts)

    def with_prices(self, prices: Mapping[str, tuple[date, float]]) -> Panel:
        """This panel with each price (symbol -> (day, price)) as the close of that symbol's bar of that day,
        its high and low widened to hold it (a streamed price during its session). A price for a day
        without a bar changes nothing: the panel never invents a bar. Returns this panel when nothing
        changes."""
        close, high, low = self.close, self.high, self.low
        changed = False
        for symbol, (day, price) in prices.items():
            stamp = pd.Timestamp(day)
            if symbol not in close.columns or stamp not in close.index:
                continue
            current = float(close.at[stamp, symbol])  # type: ignore[arg-type]
            if math.isnan(current) or current == price:  # no bar that day, or nothing new
                continue
            if not changed:
                close, high, low = close.copy(), high.copy(), low.copy()
                changed = True
            close.at[stamp, symbol] = price
            top = float(high.at[stamp, symbol])  # type: ignore[arg-type]
            bottom = float(low.at[stamp, symbol])  # type: ignore[arg-type]
            if not math.isnan(top):
                high.at[stamp, symbol] = max(top, price)
            if not math.isnan(bottom):
                low.at[stamp, symbol] = min(bottom, price)
        if not changed:
            return self
        return Panel(open=self.open, high=high, low=low, close=close, volume=self.volume)

    def upto(self, as_of: date) -> Panel:
        """The panel cut after ``as_of`` (rows dated on or before it)."""
        stop = int(self.dates.searchsorted(pd.Timestamp(as_of), side="right"))
        return Panel(**{f: getattr(self, f).iloc[:stop] for f in FIELDS})

    def select(self, symbols: Iterable[str]) -> Panel:
        """The panel restricted to ``symbols`` (missing ones become all-NaN columns)."""
        cols = list(symbols)
        return Panel(**{f: getattr(self, f).reindex(columns=cols) for f in FIELDS})

    def last_dates(self) -> pd.Series:
        """Per symbol, the date of its last close (NaT when it has none)."""
        valid = self.close.notna().to_numpy()
        if valid.shape[0] == 0:
            return pd.Series(pd.NaT, index=self.close.columns, dtype="datetime64[ns]")
        last_row = valid.shape[0] - 1 - valid[::-1].argmax(axis=0)
        values = self.dates.to_numpy()[last_row].astype("datetime64[ns]")
        values[~valid.any(axis=0)] = np.datetime64("NaT")
        return pd.Series(values, index=self.close.columns)
