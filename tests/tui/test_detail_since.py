"""The detail screen's "since a date" (``s``): the change since the close of a date, as ``rotor report
--since`` computes it, recomputed here from the raw rows."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

from rotor.tui.app import create_app
from rotor.tui.screens.detail import DetailScreen
from textual.widgets import Input, Static

from support import bundled, frozen_clock, run_pilot, settle, snapshot_at, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from bundled_rows import raw_rows

JAN_23 = date(2026, 1, 23)


def change_since(ticker: str, since: date, day: date) -> tuple[date, float, float]:
    base_day, base = [r for r in raw_rows(ticker) if r[0] <= since][-1]
    last = [c for d, c in raw_rows(ticker) if d <= day][-1]
    return base_day, base, 100 * (last / base - 1)


def since_line(screen: DetailScreen) -> str:
    return str(screen.query_one("#since", Static).render())


def test_s_asks_for_a_date_and_shows_the_change_since_its_close() -> None:
    feed, snapshot = bundled(JAN_23), snapshot_at(JAN_23)

    async def body(pilot: Any) -> None:
        await settle(pilot)
        screen = DetailScreen(feed, snapshot, "^RUT", pilot.app.tones)
        await pilot.app.push_screen(screen)
        await wait_until(pilot, lambda: screen.detail is not None)
        assert since_line(screen) == ""
        await pilot.press("s")
        field = screen.query_one("#since-date", Input)
        assert field.display and field.has_focus
        await pilot.press("escape")  # closes the question, not the screen
        assert not field.display and pilot.app.screen is screen
        await pilot.press("s", *"2025-09-30", "enter")
        await wait_until(pilot, lambda: "Since" in since_line(screen))
        base_day, base, change = change_since("^RUT", date(2025, 9, 30), JAN_23)
        assert round(change, 2) == 9.55
        assert (
            since_line(screen)
            == f"Since the close of {base_day.isoformat()}: {change:+.2f}%  (from {base:,.2f})"
        )
        # A Saturday: the close of the Friday before it.
        await pilot.press("s", *"2025-10-04", "enter")
        await wait_until(pilot, lambda: "2025-10-03" in since_line(screen))
        base_day, _, change = change_since("^RUT", date(2025, 10, 4), JAN_23)
        assert base_day == date(2025, 10, 3) and f"{change:+.2f}%" in since_line(screen)
        # Not a date: the question stays open and nothing changes.
        await pilot.press("s", *"soon", "enter")
        assert field.display and field.value == "soon" and "2025-10-03" in since_line(screen)

    run_pilot(create_app(feed, clock=frozen_clock), body)


def test_a_yield_s_change_since_is_in_basis_points() -> None:
    feed, snapshot = bundled(JAN_23), snapshot_at(JAN_23)

    async def body(pilot: Any) -> None:
        await settle(pilot)
        screen = DetailScreen(feed, snapshot, "^TNX", pilot.app.tones)
        await pilot.app.push_screen(screen)
        await wait_until(pilot, lambda: screen.detail is not None)
        await pilot.press("s", *"2025-09-30", "enter")
        await wait_until(pilot, lambda: "Since" in since_line(screen))
        base_day, base, _ = change_since("^TNX", date(2025, 9, 30), JAN_23)
        last = [c for d, c in raw_rows("^TNX") if d <= JAN_23][-1]
        assert since_line(screen).startswith(
            f"Since the close of {base_day.isoformat()}: {100 * (last - base):+.0f} bp"
        )

    run_pilot(create_app(feed, clock=frozen_clock), body)
