"""``rotor report`` with the user's own alerts and positions (the config's [[alerts]] and [[positions]]):
JSON ``alerts`` (which rules hold at the as-of date), ``positions`` and ``portfolio`` (figures recomputed
from the bundled rows, at the replayed date in a replay), and their text sections."""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import os
import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

CONFIG = """\
[[positions]]
symbol = "SPY"
quantity = 10
cost = 600.0
date = 2025-06-02

[[positions]]
symbol = "GC=F"
quantity = 2
cost = 2650

[[positions]]
symbol = "SPY"
quantity = 5
cost = 690
date = 2026-02-02

[[alerts]]
symbol = "GC=F"
above = 5000

[[alerts]]
symbol = "GC=F"
below = 4000

[[alerts]]
symbol = "SPY"
move_pct = 1.0
over = "1W"

[[alerts]]
symbol = "AAPL"
stale = true
"""


def report(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    env = dict(
        os.environ, ROTOR_CONFIG=str(tmp_path / "config.toml"), ROTOR_CACHE_DIR=str(tmp_path / "cache")
    )
    return subprocess.run(
        [sys.executable, "-m", "rotor", "report", "--source", "snapshot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


@functools.cache
def raw_rows(ticker: str) -> list[tuple[date, float]]:
    """(date, close) of the bundled rows of ``ticker``, read with gzip and csv (not the code under test)."""
    data = (resources.files("rotor.data.bundled") / "bars.csv.gz").read_bytes()
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(data)), encoding="utf-8", newline="") as fh:
        rows = [
            (date.fromisoformat(r["date"]), float(r["close"]))
            for r in csv.DictReader(fh)
            if r["symbol"] == ticker and r["close"].strip()
        ]
    return sorted(rows)


def closes(ticker: str, on: str) -> tuple[float, float]:
    rows = [c for d, c in raw_rows(ticker) if d.isoformat() <= on]
    return rows[-1], rows[-2]


@pytest.mark.parametrize("as_of", ["2026-03-06", "2026-01-23"])
def test_json_alerts_positions_and_portfolio(tmp_path: Path, as_of: str) -> None:
    proc = report(tmp_path, "--as-of", as_of, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    gold, gold_prev = closes("GC=F", as_of)
    spy, spy_prev = closes("SPY", as_of)
    spy_week = [c for d, c in raw_rows("SPY") if d.isoformat() <= as_of][-6]
    move = 100 * (spy / spy_week - 1)
    assert [(a["id"], a["symbol"], a["holds"]) for a in doc["alerts"]] == [
        ("GC=F-above-5000", "GC=F", gold >= 5000),
        ("GC=F-below-4000", "GC=F", gold <= 4000),
        ("SPY-move-1-1W", "SPY", abs(move) >= 1.0),
        ("AAPL-stale", "AAPL", None),  # not in the data: cannot be judged
    ]
    assert doc["alerts"][0]["rule"] == "GC=F above 5000"
    assert (
        doc["alerts"][0]["message"] == f"GC=F at {gold:,.2f}, {'above' if gold >= 5000 else 'below'} 5,000.00"
    )
    # The February lot is held on 2026-03-06, not on 2026-01-23 (the replay values at its own date).
    later = as_of < "2026-02-02"
    quantity = 10 if later else 15
    basis = 6000.0 if later else 6000.0 + 5 * 690
    spy_row, gold_row = doc["positions"]
    assert spy_row["symbol"] == "SPY" and spy_row["quantity"] == quantity
    assert spy_row["cost_basis"] == pytest.approx(basis)
    assert spy_row["market_value"] == pytest.approx(quantity * spy)
    assert spy_row["day_change"] == pytest.approx(quantity * (spy - spy_prev))
    assert spy_row["total_gain"] == pytest.approx(quantity * spy - basis)
    assert spy_row["total_gain_pct"] == pytest.approx(100 * (quantity * spy - basis) / basis)
    assert [lot["date"] for lot in spy_row["later"]] == (["2026-02-02"] if later else [])
    assert gold_row["market_value"] == pytest.approx(2 * gold) and gold_row["currency"] == "USD"
    portfolio = doc["portfolio"]
    assert portfolio["currency"] == "USD" and portfolio["other_currencies"] == []
    assert portfolio["market_value"] == pytest.approx(quantity * spy + 2 * gold)
    assert portfolio["day_change"] == pytest.approx(quantity * (spy - spy_prev) + 2 * (gold - gold_prev))
    assert portfolio["total_gain"] == pytest.approx(quantity * spy + 2 * gold - basis - 5300)
    for key in (
        "symbol",
        "quantity",
        "cost_basis",
        "market_value",
        "day_change",
        "total_gain",
        "total_gain_pct",
    ):
        assert key in spy_row


def test_text_sections(tmp_path: Path) -> None:
    proc = report(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Positions at 2026-03-06" in proc.stdout and "Total USD" in proc.stdout
    assert "Your alerts" in proc.stdout
    assert "[holds] GC=F above 5000: GC=F at 5,146.10, above 5,000.00" in proc.stdout
    assert "[n/a] AAPL goes stale: AAPL is not in the data" in proc.stdout


def test_without_any_the_json_says_so(tmp_path: Path) -> None:
    env = dict(
        os.environ, ROTOR_CONFIG=str(tmp_path / "absent.toml"), ROTOR_CACHE_DIR=str(tmp_path / "cache")
    )
    proc = subprocess.run(
        [sys.executable, "-m", "rotor", "report", "--source", "snapshot", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    doc = json.loads(proc.stdout)
    assert doc["alerts"] == [] and doc["positions"] == [] and doc["portfolio"] is None
