"""The bundled data: real daily bars shipped with rotor (see bundled/SOURCES.md), as a source of settled
history (dated bars, no timestamps)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from rotor.data.bundled import path as bundled_file
from rotor.data.errors import ProviderError
from rotor.data.sources.base import BAR_COLUMNS, FetchResult, SourceName

if TYPE_CHECKING:
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
