"""Rebuild the bundled data (src/data/bundled/) from the raw CSVs in ../shared/data/snapshot-raw and the
deep history in ../shared/data/history-raw.

Usage: python scripts/build_snapshot.py [RAW_DIR [HISTORY_DIR]]

Writes, deterministic byte for byte:

- bars.csv.gz: one gzip-compressed long CSV (symbol,date,open,high,low,close,volume) of the bars from
  2024-01-02, provenance.json (each symbol's basis IDX/RAW/ADJ, date range, row count) and SOURCES.md;
- history.npz: the daily closes before 2024-01-02 (closes only: every long-history figure reads closes),
  history.json (each symbol's basis, range, rows, decimals and the raw/adj factor at the seam) and
  HISTORY_SOURCES.md. See ``encode_history`` for the encoding.

Values are copied as published; nothing is filled in.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from src.data.symbols import UNIVERSE  # noqa: E402  (the script runs without an install)

OUT = ROOT / "src" / "data" / "bundled"
DEFAULT_RAW = ROOT.parent / "shared" / "data" / "snapshot-raw"
DEFAULT_HISTORY = ROOT.parent / "shared" / "data" / "history-raw"

#: Basis of each bundled series, from SOURCES.md: IDX index/futures level, RAW ETF close as traded
#: (split-adjusted), ADJ dividend-adjusted as of 2026-06-12.
BASIS = {
    **{t: "RAW" for t in ("SPY", "QQQ", "IWM", "XLC", "XLE", "XLF", "XLK", "XLRE", "XLU")},
    **{t: "ADJ" for t in ("XLB", "XLI", "XLP", "XLV", "XLY", "RSP")},
}
FIELDS = ("open", "high", "low", "close", "volume")

#: Basis of each deep-history series, from history-raw/SOURCES.md: every ETF there is ADJ (Yahoo's
#: dividend-adjusted closes, 2026-06-12 vintage); the rest are IDX.
HISTORY_BASIS = {t: "ADJ" for t in (*BASIS, "RSP")}
#: The raw/adj factor on 2024-01-02 (history-raw/SOURCES.md, note 2) of the nine ETFs whose bundled bars
#: are RAW: their adjusted history joins the as-traded bars by returns, rebased by this factor, never by
#: levels. The six ADJ ETFs come from the same file as their bundled bars and join with factor 1.
SEAM_FACTORS = {
    "SPY": "1.02752",
    "QQQ": "1.01232",
    "IWM": "1.02496",
    "XLC": "1.02660",
    "XLE": "1.07465",
    "XLF": "1.03514",
    "XLK": "1.01439",
    "XLRE": "1.07803",
    "XLU": "1.06865",
}
#: The first date of the bundled bars: the deep history ends before it.
SEAM = "2024-01-02"
#: A fixed zip timestamp, so the archive is the same byte for byte on every build.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def encode_history(series: list[tuple[list[str], list[str]]]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The deep history as two integer arrays, all symbols one after the other (history.json gives each
    one's row count and decimals): ``day_delta`` (int16), the first day of a symbol as days since
    1970-01-01 and then the days since its previous row; ``close_delta`` (int32), the first close of a
    symbol times ``10**decimals`` and then the difference from the previous one. Exact: every close is the
    published decimal string, ``decimals`` the most any of the symbol's closes has, so the close is
    ``cumsum(close_delta) / 10**decimals`` to the last bit of ``float(text)``."""
    day_parts, close_parts, decimals = [], [], []
    for dates, closes in series:
        places = max(len(c.split(".")[1]) if "." in c else 0 for c in closes)
        scaled = np.array([int(Decimal(c).scaleb(places)) for c in closes], dtype=np.int64)
        if not all(float(c) == v / 10**places for c, v in zip(closes, scaled.tolist(), strict=True)):
            raise SystemExit("a close does not survive its integer encoding")
        days = np.array(dates, dtype="datetime64[D]").astype(np.int64)
        day_parts.append(np.diff(days, prepend=0))
        close_parts.append(np.diff(scaled, prepend=0))
        decimals.append(places)
    day_delta, close_delta = np.concatenate(day_parts), np.concatenate(close_parts)
    if np.abs(day_delta).max() > np.iinfo(np.int16).max or np.abs(close_delta).max() > np.iinfo(np.int32).max:
        raise SystemExit("the deep history does not fit its integer types")
    return day_delta.astype(np.int16), close_delta.astype(np.int32), decimals


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``arrays`` as a NumPy ``.npz`` archive (deflated; read by ``numpy.load``), with fixed timestamps."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buf.getvalue(), compresslevel=9)


def build_history(history_dir: Path) -> int:
    """history.npz, history.json and HISTORY_SOURCES.md from ``history_dir``; returns the row count."""
    series, entries = [], []
    for sym in UNIVERSE:
        path = history_dir / f"{sym.file_stem}.csv"
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames != ["date", *FIELDS]:
                raise SystemExit(f"{path}: unexpected header {reader.fieldnames}")
            data = [(r["date"], r["close"].strip()) for r in reader]
        if not data or any(not close for _, close in data):
            raise SystemExit(f"{path}: no rows, or a row without a close")
        dates = [d for d, _ in data]
        if dates != sorted(set(dates)) or dates[-1] >= SEAM:
            raise SystemExit(f"{path}: dates not strictly increasing, or reaching the bundled bars")
        series.append((dates, [c for _, c in data]))
        entries.append(
            {
                "symbol": sym.ticker,
                "file": path.name,
                "basis": HISTORY_BASIS.get(sym.ticker, "IDX"),
                "first": dates[0],
                "last": dates[-1],
                "rows": len(data),
                "seam": SEAM,
                "seam_factor": SEAM_FACTORS.get(sym.ticker, "1"),
            }
        )
    day_delta, close_delta, decimals = encode_history(series)
    for entry, places in zip(entries, decimals, strict=True):
        entry["decimals"] = places
    write_npz(OUT / "history.npz", {"day_delta": day_delta, "close_delta": close_delta})
    (OUT / "history.json").write_text(json.dumps(entries, indent=1) + "\n")
    shutil.copyfile(history_dir / "SOURCES.md", OUT / "HISTORY_SOURCES.md")
    return len(day_delta)


def main(raw_dir: Path, history_dir: Path = DEFAULT_HISTORY) -> int:
    rows: list[list[str]] = []
    provenance = []
    for sym in UNIVERSE:
        path = raw_dir / f"{sym.file_stem}.csv"
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames != ["date", *FIELDS]:
                raise SystemExit(f"{path}: unexpected header {reader.fieldnames}")
            data = [[sym.ticker, r["date"], *(r[f] for f in FIELDS)] for r in reader]
        if not data:
            raise SystemExit(f"{path}: no rows")
        dates = [r[1] for r in data]
        if dates != sorted(set(dates)):
            raise SystemExit(f"{path}: dates not strictly increasing")
        rows.extend(data)
        provenance.append(
            {
                "symbol": sym.ticker,
                "file": path.name,
                "basis": BASIS.get(sym.ticker, "IDX"),
                "first": dates[0],
                "last": dates[-1],
                "rows": len(data),
            }
        )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["symbol", "date", *FIELDS])
    writer.writerows(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        (OUT / "bars.csv.gz").open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(buf.getvalue().encode())
    (OUT / "provenance.json").write_text(json.dumps(provenance, indent=1) + "\n")
    shutil.copyfile(raw_dir / "SOURCES.md", OUT / "SOURCES.md")
    closes = build_history(history_dir)
    size = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    history = (OUT / "history.npz").stat().st_size
    print(
        f"wrote {len(rows)} bars and {closes} earlier closes for {len(provenance)} symbols to {OUT} "
        f"({size / 1024:.0f} KiB, of which history.npz {history / 1024:.0f} KiB)"
    )
    return 0


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    raise SystemExit(main(*(args or [DEFAULT_RAW])))
