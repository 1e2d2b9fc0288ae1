"""Print the live week as a Markdown table: at each step, each market's state and what rotor shows for a few
symbols, against what Yahoo (the fake, from the real rows) shows as current. The same replay as
tests/data/test_live_week.py, for reading (and for the issue note).

    .venv/bin/python scripts/week_timeline.py
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
from rotor.data.sources.fake import FakeProvider
from rotor.data.sources.fake_yahoo import FakeYahoo, keep_yahoo_cookies, progress
from rotor.data.sources.yahoo import YahooSource

NY = ZoneInfo("America/New_York")
SHOWN = ("^GSPC", "CL=F", "^TNX", "DX-Y.NYB")
STEPS = (
    "2026-03-05 15:59",
    "2026-03-05 16:05",
    "2026-03-05 17:30",
    "2026-03-05 18:30",
    "2026-03-06 17:10",
    "2026-03-07 12:00",
    "2026-03-08 18:05",
    "2026-03-08 19:00",
    "2026-03-08 20:30",
    "2026-03-09 04:30",
    "2026-03-09 09:35",
    "2026-03-09 15:30",
    "2026-03-09 17:15",
    "2026-03-09 18:30",
)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def yahoo_shows(yahoo: FakeYahoo, symbol: str, at: datetime) -> str:
    t = int(at.timestamp())
    shown = "-"
    for window in yahoo.windows(symbol):
        if window.row is None or window.start > t:
            continue
        so_far = progress(window, t)
        if so_far is not None and so_far.close is not None:
            shown = f"{so_far.close:,.2f} ({window.row.day:%m-%d}{' live' if so_far.live else ''})"
    return shown


def main() -> int:
    clock = Clock(datetime.fromisoformat(STEPS[0]).replace(tzinfo=NY))
    rows = ["| ET | NYSE | CME | ICE | TNX | " + " | ".join(SHOWN) + " |", "|" + "---|" * (5 + len(SHOWN))]
    with tempfile.TemporaryDirectory() as tmp, FakeYahoo(clock) as yahoo:
        source = YahooSource(
            cache_dir=Path(tmp), rewrite=yahoo.rewrite, on_response=keep_yahoo_cookies, clock=clock
        )
        seed = FakeProvider(date(2026, 3, 2), source="snapshot")
        feed = LiveFeed(Cache(Path(tmp) / "cache"), source, clock=clock, seed=seed)
        for step in STEPS:
            clock.now = datetime.fromisoformat(step).replace(tzinfo=NY)
            snapshot = feed.refresh()
            states = {m.calendar: m.state for m in snapshot.markets}
            cells = [clock.now.strftime("%a %m-%d %H:%M")]
            cells += [states.get(code, "?") for code in ("XNYS", "CMES", "IEPA", "CBOE-TNX")]
            for symbol in SHOWN:
                stats = snapshot.get(symbol)
                assert stats is not None
                mark = {"live": " ●", "pre-open": " ○", "provisional": " ◑"}.get(stats.price_state, "")
                stale = " STALE" if stats.stale else ""
                last = f"{stats.last:,.2f}" if stats.last is not None else "n/a"
                day = f"{stats.last_date:%m-%d}" if stats.last_date else "-"
                cells.append(f"{last} ({day}){mark}{stale} / Yahoo {yahoo_shows(yahoo, symbol, clock.now)}")
            rows.append("| " + " | ".join(cells) + " |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
