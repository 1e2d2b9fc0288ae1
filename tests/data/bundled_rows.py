"""The bundled daily rows read with plain Python (gzip + csv), not through the code under test: the
reference tests compute expected figures from. The rows are the raw CSVs of ../shared/data/snapshot-raw
as bundled (tests/data/test_bundle.py compares them with the raw files when that directory is present),
so these tests need nothing outside the repository. The deep history (closes before 2024-01-02, from
../shared/data/history-raw) is read the same way, from history.npz with zipfile + struct."""

from __future__ import annotations

import ast
import csv
import functools
import gzip
import io
import itertools
import json
import struct
import zipfile
from datetime import date, timedelta
from importlib import resources

Rows = list[tuple[date, float]]
EPOCH = date(1970, 1, 1)


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


# --- the deep history (history.npz / history.json), read with zipfile + struct, not numpy -------------


def _npy_ints(data: bytes) -> list[int]:
    """The integers of a little-endian int16/int32 ``.npy`` file (format 1.0)."""
    assert data[:6] == b"\x93NUMPY"
    header_len = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10 : 10 + header_len].decode("latin1"))
    kind = {"<i2": "h", "<i4": "i"}[header["descr"]]
    (count,) = header["shape"]
    return list(struct.unpack(f"<{count}{kind}", data[10 + header_len :]))


@functools.cache
def history_entries() -> list[dict[str, object]]:
    """history.json: each symbol's basis, range, rows, decimals, seam and raw/adj factor at the seam."""
    entries: list[dict[str, object]] = json.loads(
        (resources.files("rotor.data.bundled") / "history.json").read_text("utf-8")
    )
    return entries


@functools.cache
def _history() -> dict[str, Rows]:
    data = (resources.files("rotor.data.bundled") / "history.npz").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        day_delta = _npy_ints(archive.read("day_delta.npy"))
        close_delta = _npy_ints(archive.read("close_delta.npy"))
    out: dict[str, Rows] = {}
    start = 0
    for entry in history_entries():
        rows = int(str(entry["rows"]))
        days = list(itertools.accumulate(day_delta[start : start + rows]))
        closes = list(itertools.accumulate(close_delta[start : start + rows]))
        scale = 10 ** int(str(entry["decimals"]))
        out[str(entry["symbol"])] = [
            (EPOCH + timedelta(days=d), c / scale) for d, c in zip(days, closes, strict=True)
        ]
        start += rows
    return out


def history_rows(ticker: str) -> Rows:
    """(date, close) of the deep history of ``ticker`` as published (not rebased), oldest first."""
    return list(_history()[ticker])


def searched_rows(ticker: str) -> Rows:
    """The history the milestones search: the deep history rebased by its raw/adj factor at the seam
    (history.json, from HISTORY_SOURCES.md note 2), then the bundled rows (which start at the seam)."""
    entry = next(e for e in history_entries() if e["symbol"] == ticker)
    factor = float(str(entry["seam_factor"]))
    bundled = raw_rows(ticker)
    assert bundled[0][0] == date.fromisoformat(str(entry["seam"]))
    deep = [(d, c * factor) if factor != 1.0 else (d, c) for d, c in history_rows(ticker)]
    return deep + bundled


@functools.cache
def _bars() -> dict[str, list[tuple[date, float | None, float | None, float]]]:
    data = (resources.files("rotor.data.bundled") / "bars.csv.gz").read_bytes()
    out: dict[str, list[tuple[date, float | None, float | None, float]]] = {}
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(data)), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["close"].strip():
                low = float(row["low"]) if row["low"].strip() else None
                high = float(row["high"]) if row["high"].strip() else None
                out.setdefault(row["symbol"], []).append(
                    (date.fromisoformat(row["date"]), low, high, float(row["close"]))
                )
    return out


def raw_bars(ticker: str) -> list[tuple[date, float | None, float | None, float]]:
    """(date, low, high, close) of every bundled row of ``ticker`` with a close, oldest first."""
    return sorted(_bars()[ticker])


@functools.cache
def _opens() -> dict[tuple[str, date], float]:
    data = (resources.files("rotor.data.bundled") / "bars.csv.gz").read_bytes()
    out: dict[tuple[str, date], float] = {}
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(data)), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["open"].strip():
                out[row["symbol"], date.fromisoformat(row["date"])] = float(row["open"])
    return out


def raw_open(ticker: str, day: date) -> float:
    """The bundled open of ``ticker`` on ``day``."""
    return _opens()[ticker, day]
