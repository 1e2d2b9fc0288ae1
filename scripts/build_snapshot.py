"""Rebuild the bundled snapshot (src/data/bundled/) from the raw CSVs in ../shared/data/snapshot-raw.

Usage: python scripts/build_snapshot.py [RAW_DIR]

Writes one gzip-compressed long CSV (symbol,date,open,high,low,close,volume), deterministic byte for
byte (gzip mtime 0), a provenance.json with each symbol's basis (IDX/RAW/ADJ), date range and row count,
and a copy of SOURCES.md. Values are copied as published; nothing is filled in.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from src.data.symbols import UNIVERSE  # noqa: E402  (the script runs without an install)

OUT = ROOT / "src" / "data" / "bundled"
DEFAULT_RAW = ROOT.parent / "shared" / "data" / "snapshot-raw"

#: Basis of each bundled series, from SOURCES.md: IDX index/futures level, RAW ETF close as traded
#: (split-adjusted), ADJ dividend-adjusted as of 2026-06-12.
BASIS = {
    **{t: "RAW" for t in ("SPY", "QQQ", "IWM", "XLC", "XLE", "XLF", "XLK", "XLRE", "XLU")},
    **{t: "ADJ" for t in ("XLB", "XLI", "XLP", "XLV", "XLY", "RSP")},
}
FIELDS = ("open", "high", "low", "close", "volume")


def main(raw_dir: Path) -> int:
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
    size = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    print(f"wrote {len(rows)} bars for {len(provenance)} symbols to {OUT} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_RAW))
