"""The bundled data: real daily bars shipped with rotor (see bundled/SOURCES.md), as a source of settled
history (dated bars, no timestamps); and the deep history before those bars (closes only, see
bundled/HISTORY_SOURCES.md), which the milestones search (``load_deep_history``)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from rotor.data.bundled import path as bundled_file
from rotor.data.errors import ProviderError
from rotor.data.sources.base import BAR_COLUMNS, FetchResult, SourceName

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where one bundled series comes from: basis (IDX, RAW or ADJ), date range and row count."""

    symbol: str
    file: str
    basis: str
    first: date
    last: date
    rows: int


def load_provenance() -> dict[str, Provenance]:
    """The bundled provenance table, keyed by Yahoo ticker (no pandas needed)."""
    raw = json.loads(bundled_file("provenance.json").read_text("utf-8"))
    return {
        r["symbol"]: Provenance(
            r["symbol"],
            r["file"],
            r["basis"],
            date.fromisoformat(r["first"]),
            date.fromisoformat(r["last"]),
            int(r["rows"]),
        )
        for r in raw
    }


@dataclass(frozen=True, eq=False)
class DeepHistory:
    """One symbol's bundled daily closes before the bundled bars (history.npz / history.json).

    ``days`` (ascending ``datetime64[D]``) and ``closes`` (float64, exactly the published values, in the
    history's own ``basis``: ``IDX`` levels or ``ADJ`` dividend-adjusted ETF closes) end before ``seam``,
    the first date of the bundled bars. ``seam_factor`` is the raw/adj factor at the seam: 1 when the
    history and the bars share their basis, else (an ADJ history before RAW bars) the factor that rebases
    the history onto the bars' level at the seam, so the two join by returns (``rebased``), never by
    levels. Both arrays are read-only."""

    symbol: str
    basis: str
    seam: date
    seam_factor: float
    days: np.ndarray
    closes: np.ndarray

    @property
    def first(self) -> date:
        first: date = self.days[0].astype(object)
        return first

    @property
    def joins_by_returns(self) -> bool:
        """True when the history is rebased at the seam (an ADJ history before RAW bars)."""
        return self.seam_factor != 1.0

    def rebased(self) -> np.ndarray:
        """The closes on the bars' level at the seam: ``closes * seam_factor`` (the same returns)."""
        return self.closes * self.seam_factor if self.joins_by_returns else self.closes


@functools.cache
def load_deep_history() -> Mapping[str, DeepHistory]:
    """The bundled deep history, keyed by Yahoo ticker (read once per process; the data never changes).

    history.npz holds two integer arrays, every symbol's rows one after the other in history.json's order:
    ``day_delta`` (a symbol's first day as days since 1970-01-01, then the days since its previous row) and
    ``close_delta`` (its first close times ``10**decimals``, then the difference from the previous one), so
    a close is ``cumsum(close_delta) / 10**decimals``, the published decimal to the last bit."""
    import numpy as np

    entries = json.loads(bundled_file("history.json").read_text("utf-8"))
    with np.load(bundled_file("history.npz"), allow_pickle=False) as archive:
        day_delta = archive["day_delta"].astype(np.int64)
        close_delta = archive["close_delta"].astype(np.int64)
    out: dict[str, DeepHistory] = {}
    start = 0
    for entry in entries:
        stop = start + int(entry["rows"])
        days = np.cumsum(day_delta[start:stop]).astype("datetime64[D]")
        closes = np.cumsum(close_delta[start:stop]) / 10.0 ** int(entry["decimals"])
        days.flags.writeable = False
        closes.flags.writeable = False
        out[entry["symbol"]] = DeepHistory(
            symbol=entry["symbol"],
            basis=entry["basis"],
            seam=date.fromisoformat(entry["seam"]),
            seam_factor=float(entry["seam_factor"]),
            days=days,
            closes=closes,
        )
        start = stop
    return out


def load_bundled_bars() -> pd.DataFrame:
    """Every bundled bar as one long frame with the columns of ``BAR_COLUMNS``."""
    import pandas as pd

    with bundled_file("bars.csv.gz").open("rb") as fh:
        frame = pd.read_csv(
            fh,
            compression="gzip",
            dtype={
                "symbol": "string",
                "open": "float64",
                "high": "float64",
                "low": "float64",
                "close": "float64",
                "volume": "float64",
            },
            parse_dates=["date"],
        )
    frame["symbol"] = frame["symbol"].astype(object)
    return frame.loc[:, list(BAR_COLUMNS)]


class BundledProvider:
    """Serves the bundled real data. Never touches the network; loads the file once per instance."""

    @property
    def source(self) -> SourceName:
        return "snapshot"

    @cached_property
    def _bars(self) -> pd.DataFrame:
        return load_bundled_bars()

    def history(
        self, symbols: Sequence[str], start: date | None = None, end: date | None = None
    ) -> FetchResult:
        import pandas as pd

        bars = self._bars
        mask = bars["symbol"].isin(list(symbols))
        if start is not None:
            mask &= bars["date"] >= pd.Timestamp(start)
        if end is not None:
            mask &= bars["date"] <= pd.Timestamp(end)
        selected = bars.loc[mask].reset_index(drop=True)
        present = set(selected["symbol"].unique())
        errors = {s: ProviderError("not in the bundled snapshot", s) for s in symbols if s not in present}
        return FetchResult(bars=selected, source="snapshot", errors=errors)
