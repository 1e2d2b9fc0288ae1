"""The bundled daily rows read with plain Python (gzip + csv), not through the code under test: the
reference tests compute expected figures from. The rows are the raw CSVs of ../shared/data/snapshot-raw
as bundled (tests/data/test_bundle.py compares them with the raw files when that directory is present),
so these tests need nothing outside the repository."""

from __future__ import annotations

import csv
import functools
import gzip
import io
from datetime import date
from importlib import resources

Rows = list[tuple[date, float]]


@functools.cache
def _closes() -> dict[str, Rows]:
    data = (resources.files("rotor.data.bundled") / "bars.csv.gz").read_bytes()
    out: dict[str, Rows] = {}
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(data)), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["close"].strip():
                out.setdefault(row["symbol"], []).append(
                    (date.fromisoformat(row["date"]), float(row["close"]))
                )
    for rows in out.values():
        rows.sort()
    return out


def raw_rows(ticker: str) -> Rows:
    """(date, close) of every row of ``ticker`` with a close, oldest first."""
    return list(_closes()[ticker])
