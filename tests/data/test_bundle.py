"""The bundled snapshot (src/data/bundled/): every symbol of the universe, small, provenance that
agrees with the bars, values equal to the raw CSVs, and a byte-identical rebuild by
scripts/build_snapshot.py; the same for the deep history (history.npz, history.json). The raw CSVs live
outside the repo (../shared/data/snapshot-raw and history-raw); tests that need them are skipped where
they are missing (CI)."""

from __future__ import annotations

import csv
import functools
import gzip
import json
import math
import os
import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from bundled_rows import history_entries, history_rows
from rotor.data.sources.bundled import load_bundled_bars, load_deep_history, load_provenance
from rotor.data.symbols import UNIVERSE, file_stem

REPO = Path(__file__).resolve().parents[2]
BUNDLE = resources.files("rotor.data.bundled")
FIELDS = ("open", "high", "low", "close", "volume")

#: Basis per SOURCES.md: RAW ETF closes as traded (split-adjusted), ADJ dividend-adjusted ETFs, IDX the rest.
EXPECTED_BASIS = {
    **{t: "RAW" for t in ("SPY", "QQQ", "IWM", "XLC", "XLE", "XLF", "XLK", "XLRE", "XLU")},
    **{t: "ADJ" for t in ("XLB", "XLI", "XLP", "XLV", "XLY", "RSP")},
}
EXPECTED_TICKERS = {
    *("^GSPC", "^IXIC", "^DJI", "^RUT", "^VIX", "SPY", "QQQ", "IWM", "RSP"),
    *("XLB", "XLC", "XLE", "XLF", "XLI", "XLK", "XLP", "XLRE", "XLU", "XLV", "XLY"),
    *("GC=F", "SI=F", "CL=F", "NG=F", "HG=F", "^TNX", "DX-Y.NYB"),
}


def raw_dir() -> Path | None:
    """The raw CSVs the bundle was built from, when this machine has them."""
    candidates = [REPO.parent / "shared" / "data" / "snapshot-raw", Path("/work/shared/data/snapshot-raw")]
    if os.environ.get("ROTOR_SNAPSHOT_RAW"):
        candidates.insert(0, Path(os.environ["ROTOR_SNAPSHOT_RAW"]))
    return next((p for p in candidates if (p / "SOURCES.md").is_file()), None)


def require_raw_dir() -> Path:
    found = raw_dir()
    if found is None:
        pytest.skip("raw snapshot CSVs (../shared/data/snapshot-raw) are not available here")
    return found


@functools.cache
def bundled_rows() -> dict[str, list[dict[str, str]]]:
    """Bundled rows per symbol, as strings, in file order (csv + gzip only)."""
    out: dict[str, list[dict[str, str]]] = {}
    with BUNDLE.joinpath("bars.csv.gz").open("rb") as raw, gzip.open(raw, "rt", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["symbol", "date", *FIELDS]
        for r in reader:
            out.setdefault(r["symbol"], []).append(r)
    return out


def provenance_json() -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(BUNDLE.joinpath("provenance.json").read_text())
    return data


# --- contents --------------------------------------------------------------------------------------


def test_bundle_has_every_symbol_of_the_universe() -> None:
    tickers = [s.ticker for s in UNIVERSE]
    assert len(tickers) == 27 == len(set(tickers))
    assert set(tickers) == EXPECTED_TICKERS
    assert set(bundled_rows()) == EXPECTED_TICKERS
    assert all(len(rows) > 500 for rows in bundled_rows().values())


def test_bundle_is_small() -> None:
    """The bars and the deep history together stay under 1 MB (the deep history, 206,794 closes back to
    1927, is about 0.4 MB of it)."""
    files = [p for p in BUNDLE.iterdir() if p.is_file() and not p.name.startswith("__")]
    assert {p.name for p in files} >= {"bars.csv.gz", "provenance.json", "SOURCES.md"}
    assert {p.name for p in files} >= {"history.npz", "history.json", "HISTORY_SOURCES.md"}
    bars = BUNDLE.joinpath("bars.csv.gz").read_bytes()
    assert len(bars) < 1_000_000
    assert len(BUNDLE.joinpath("history.npz").read_bytes()) < 500_000
    assert sum(len(p.read_bytes()) for p in files) < 1_000_000
    assert bars[:2] == b"\x1f\x8b"  # gzip


def test_rows_are_sorted_unique_and_have_a_close() -> None:
    for symbol, rows in bundled_rows().items():
        days = [r["date"] for r in rows]
        assert days == sorted(set(days)), symbol
        assert all(r["close"].strip() for r in rows), symbol
        for r in rows:
            for field in FIELDS:
                if r[field].strip():
                    assert math.isfinite(float(r[field])), (symbol, r["date"], field)


def test_provenance_lists_basis_and_range_of_every_symbol() -> None:
    entries = provenance_json()
    assert [e["symbol"] for e in entries] == [s.ticker for s in UNIVERSE]
    for entry in entries:
        symbol = str(entry["symbol"])
        rows = bundled_rows()[symbol]
        assert entry["basis"] in ("RAW", "ADJ", "IDX")
        assert entry["basis"] == EXPECTED_BASIS.get(symbol, "IDX"), symbol
        assert entry["file"] == f"{file_stem(symbol)}.csv"
        assert (entry["first"], entry["last"], entry["rows"]) == (
            rows[0]["date"],
            rows[-1]["date"],
            len(rows),
        ), symbol


def test_load_provenance_agrees_with_the_json() -> None:
    table = load_provenance()
    assert list(table) == [s.ticker for s in UNIVERSE]
    for entry in provenance_json():
        p = table[str(entry["symbol"])]
        assert (p.basis, p.file, p.rows) == (entry["basis"], entry["file"], entry["rows"])
        assert (p.first.isoformat(), p.last.isoformat()) == (entry["first"], entry["last"])
    # SOURCES.md: every file starts on 2024-01-02 and covers at least up to 2026-03-06.
    assert {p.first for p in table.values()} == {date(2024, 1, 2)}
    assert min(p.last for p in table.values()) == date(2026, 3, 6)


def test_loaded_frame_matches_the_file() -> None:
    frame = load_bundled_bars()
    assert list(frame.columns) == ["symbol", "date", *FIELDS]
    assert len(frame) == sum(len(rows) for rows in bundled_rows().values())
    vix = frame[(frame["symbol"] == "^VIX") & (frame["date"] == "2026-02-06")].iloc[0]
    assert vix["close"] == 17.76 and math.isnan(vix["open"]) and math.isnan(vix["low"])
    gold = frame[(frame["symbol"] == "GC=F") & (frame["date"] == "2026-01-26")].iloc[0]
    assert gold["close"] == 5079.7


def test_known_values() -> None:
    """Cross-checks quoted in SOURCES.md, straight from the bundled rows."""

    def row(symbol: str, day: str) -> dict[str, str]:
        return next(r for r in bundled_rows()[symbol] if r["date"] == day)

    assert row("^GSPC", "2026-01-23")["close"] == "6915.61"
    assert row("^IXIC", "2026-01-23")["close"] == "23501.24"
    assert row("^DJI", "2026-01-23")["close"] == "49098.71"
    assert row("^RUT", "2026-01-23")["close"] == "2669.16"
    assert row("GC=F", "2026-01-23")["close"] == "4976.2"
    assert row("GC=F", "2026-01-26")["close"] == "5079.7"
    assert row("NG=F", "2026-01-28")["close"] == "7.46"
    assert row("NG=F", "2026-01-29")["close"] == "3.918"
    vix = row("^VIX", "2026-02-06")
    assert (vix["open"], vix["high"], vix["low"], vix["close"]) == ("", "", "", "17.76")


# --- against the raw CSVs (skipped where they are missing) -------------------------------------------


def read_raw(directory: Path, symbol: str) -> list[dict[str, str]]:
    with (directory / f"{file_stem(symbol)}.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    ("symbol", "day"),
    [
        ("^GSPC", "2026-01-23"),
        ("GC=F", "2026-01-26"),
        ("^TNX", "2026-03-06"),
        ("XLE", "2025-11-28"),
        ("DX-Y.NYB", "2025-09-01"),
        ("RSP", "2024-01-02"),
        ("SPY", "2026-07-01"),
    ],
)
def test_bundled_closes_equal_the_raw_csvs(symbol: str, day: str) -> None:
    raw = {r["date"]: r for r in read_raw(require_raw_dir(), symbol)}
    bundled = {r["date"]: r for r in bundled_rows()[symbol]}
    assert day in raw and day in bundled
    assert float(bundled[day]["close"]) == float(raw[day]["close"])
    assert all(bundled[day][f] == raw[day][f] for f in FIELDS)


def test_every_bundled_row_equals_the_raw_csvs() -> None:
    directory = require_raw_dir()
    for sym in UNIVERSE:
        raw = [{"symbol": sym.ticker, **r} for r in read_raw(directory, sym.ticker)]
        assert bundled_rows()[sym.ticker] == raw, sym.ticker


def test_build_script_reproduces_the_bundle_byte_for_byte(tmp_path: Path) -> None:
    directory = require_raw_dir()
    history = require_history_dir()
    script = REPO / "scripts" / "build_snapshot.py"
    # The script writes to its module-level OUT; point it at tmp_path so the repo is never touched.
    code = (
        "import importlib.util, sys\n"
        "from pathlib import Path\n"
        f"spec = importlib.util.spec_from_file_location('build_snapshot', {str(script)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        f"module.OUT = Path({str(tmp_path / 'out')!r})\n"
        f"sys.exit(module.main(Path({str(directory)!r}), Path({str(history)!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False
    )
    assert out.returncode == 0, out.stderr
    built = tmp_path / "out"
    assert (built / "bars.csv.gz").read_bytes() == BUNDLE.joinpath("bars.csv.gz").read_bytes()
    assert (built / "provenance.json").read_text() == BUNDLE.joinpath("provenance.json").read_text()
    assert (built / "SOURCES.md").read_bytes() == BUNDLE.joinpath("SOURCES.md").read_bytes()
    for name in ("history.npz", "history.json", "HISTORY_SOURCES.md"):
        assert (built / name).read_bytes() == BUNDLE.joinpath(name).read_bytes(), name


# --- the deep history -------------------------------------------------------------------------------

#: The raw/adj factors on 2024-01-02 of the nine ETFs whose bundled bars are RAW (HISTORY_SOURCES.md,
#: note 2); the other symbols join with factor 1.
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


def history_dir() -> Path | None:
    candidates = [REPO.parent / "shared" / "data" / "history-raw", Path("/work/shared/data/history-raw")]
    return next((p for p in candidates if (p / "SOURCES.md").is_file()), None)


def require_history_dir() -> Path:
    found = history_dir()
    if found is None:
        pytest.skip("raw history CSVs (../shared/data/history-raw) are not available here")
    return found


def test_history_json_describes_every_symbol() -> None:
    entries = history_entries()
    assert [e["symbol"] for e in entries] == [s.ticker for s in UNIVERSE]
    for entry in entries:
        symbol = str(entry["symbol"])
        rows = history_rows(symbol)
        assert (entry["first"], entry["last"], entry["rows"]) == (
            rows[0][0].isoformat(),
            rows[-1][0].isoformat(),
            len(rows),
        )
        etf = symbol in EXPECTED_BASIS
        assert entry["basis"] == ("ADJ" if etf else "IDX"), symbol
        assert entry["seam"] == "2024-01-02" and rows[-1][0] < date(2024, 1, 2)
        assert entry["seam_factor"] == SEAM_FACTORS.get(symbol, "1"), symbol
        assert entry["file"] == f"{file_stem(symbol)}.csv"
    assert sum(len(history_rows(s.ticker)) for s in UNIVERSE) == 206_794
    assert history_rows("^GSPC")[0] == (date(1927, 12, 30), 17.66)


def test_seam_factors_are_the_ones_history_sources_gives() -> None:
    text = BUNDLE.joinpath("HISTORY_SOURCES.md").read_text()
    note = text[text.index("The raw/adj factor on 2024-01-02 is") :]
    for symbol, factor in SEAM_FACTORS.items():
        assert f"{symbol} {factor}" in note[:400], symbol


def test_loaded_deep_history_equals_the_plain_decoding() -> None:
    loaded = load_deep_history()
    assert list(loaded) == [s.ticker for s in UNIVERSE]
    for symbol, deep in loaded.items():
        rows = history_rows(symbol)
        assert [d.astype(object) for d in deep.days] == [d for d, _ in rows], symbol
        assert deep.closes.tolist() == [c for _, c in rows], symbol
        assert not deep.closes.flags.writeable
    assert loaded["SPY"].rebased()[-1] == pytest.approx(462.58 * 1.02752)
    assert loaded["CL=F"].closes.min() == -37.63  # 2020-04-20, a genuine negative settlement


def test_every_deep_history_close_equals_the_raw_csvs() -> None:
    directory = require_history_dir()
    for sym in UNIVERSE:
        raw = [(date.fromisoformat(r["date"]), float(r["close"])) for r in read_raw(directory, sym.ticker)]
        assert history_rows(sym.ticker) == raw, sym.ticker
