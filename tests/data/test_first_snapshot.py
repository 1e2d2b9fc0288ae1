"""The bundled data's precomputed snapshot (what a first start on an empty cache paints at once)."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from importlib import resources
from pathlib import Path

from rotor.data.cache import Cache
from rotor.data.feed import FIRST_SNAPSHOT_FILE, BundledFeed, LiveFeed, bundled_first_snapshot
from rotor.data.snapshot import MarketSnapshot
from rotor.data.sources.fake import FakeProvider
from rotor.data.symbols import UNIVERSE, Symbol

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_first_snapshot.py"


def test_the_shipped_file_equals_a_fresh_computation() -> None:
    """Fails after a change to the bundle or to any figure's code: run scripts/build_first_snapshot.py."""
    fresh = runpy.run_path(str(SCRIPT))["first_snapshot_data"]()
    shipped = json.loads((resources.files("rotor.data.bundled") / FIRST_SNAPSHOT_FILE).read_text())
    assert shipped == json.loads(json.dumps(fresh))
    snapshot = MarketSnapshot.from_dict(shipped)
    assert snapshot.as_of.isoformat() == "2026-03-06" and snapshot.source == "snapshot"
    assert len(snapshot.instruments) == len(UNIVERSE) and snapshot.rotation and snapshot.risk_notes


def test_only_the_default_universe_and_options_get_it(tmp_path: Path) -> None:
    assert BundledFeed().initial() == bundled_first_snapshot(UNIVERSE, None, None) is not None
    assert BundledFeed(BundledFeed().initial().as_of).initial() is None  # a replay computes
    watch = (*UNIVERSE, Symbol("AAPL", "Apple", "Apple", "watchlist", "equity"))
    assert BundledFeed(symbols=watch).initial() is None
    assert bundled_first_snapshot(UNIVERSE, object(), None) is None


def test_a_first_start_paints_the_bundled_snapshot_then_the_saved_one(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    service = LiveFeed(
        Cache(tmp_path), FakeProvider(date(2026, 7, 1)), clock=lambda: datetime(2026, 7, 1, 21, tzinfo=UTC)
    )
    first = service.initial()
    assert first is not None and first == bundled_first_snapshot(UNIVERSE, None, None)
    refreshed = service.refresh()
    assert service.initial() == refreshed != first


def test_reading_it_needs_no_pandas() -> None:
    code = (
        "import sys\n"
        "from rotor.data.feed import BundledFeed\n"
        "assert BundledFeed().initial() is not None\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
