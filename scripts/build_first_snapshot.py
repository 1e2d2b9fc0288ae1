"""Precompute the bundled data's snapshot (src/data/bundled/first_snapshot.json).

A first start on an empty cache paints it at once (no pandas needed to read it) while the worker
computes the real thing. Run after changing the bundle or any figure's code; tests/data/
test_first_snapshot.py fails until the file matches a fresh computation. Deterministic: the
``generated_at`` time is the as-of session's 21:00 UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path

from rotor.data.feed import FIRST_SNAPSHOT_FILE, BundledFeed, complete_as_of

OUT = Path(__file__).resolve().parent.parent / "src" / "data" / "bundled" / FIRST_SNAPSHOT_FILE


def first_snapshot_data() -> dict[str, object]:
    """The bundled snapshot as plain data, computed the way ``BundledFeed`` computes it."""
    probe = BundledFeed()
    as_of = complete_as_of(probe._load_panel())
    moment = datetime.combine(as_of, time(21, 0), tzinfo=UTC)
    return BundledFeed(clock=lambda: moment).refresh().to_dict()


def main() -> int:
    text = json.dumps(first_snapshot_data(), separators=(",", ":"), sort_keys=True, allow_nan=False)
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(OUT.parents[3])} ({len(text) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
