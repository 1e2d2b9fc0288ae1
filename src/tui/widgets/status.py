"""The status bar and the ticker tape: what the data is, how fresh it is, and how the feed is doing."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import MarketSnapshot
from rotor.tui import cells
from rotor.tui.tones import Tones
from rotor.tui.widgets.lines import TextLines

if TYPE_CHECKING:
    from rotor.tui.refresh import FeedStatus

#: The badge of each source: its label and its colour role (``Tones``).
SOURCE_BADGE = {
    "live": ("LIVE", "up"),
    "cache": ("CACHE", "warning"),
    "snapshot": ("BUNDLED", "info"),
    "replay": ("REPLAY", "secondary"),
}

#: Ticker tape symbols, in order.
TAPE = ("^GSPC", "^IXIC", "^DJI", "^RUT", "^VIX", "GC=F", "CL=F", "^TNX")


def data_age(snapshot: MarketSnapshot, today: date) -> str:
    """``as of 2026-03-06 (264 days ago)``; ``as of today`` for a current session."""
    days = (today - snapshot.as_of).days
    if days <= 0:
        return f"as of {snapshot.as_of.isoformat()} (today)"
    unit = "day" if days == 1 else "days"
    return f"as of {snapshot.as_of.isoformat()} ({days} {unit} old)"


def status_text(snapshot: MarketSnapshot | None, feed: FeedStatus, now: datetime, tones: Tones) -> Text:
    """One line: source badge and age, market state, last refresh and outcome, interval, errors."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if snapshot is None:
        if feed.last_error is None:
            text.append(" LOADING ", style="bold reverse")
            text.append(" computing the first snapshot…", style="dim")
            return text
        text.append(" NO DATA ", style=tones.badge("down"))
        text.append(f" refresh failed: {feed.last_error}", style=tones.down)
        if feed.next_at is not None:
            text.append(f" · retry {feed.next_at.astimezone().strftime('%H:%M:%S')}", style="dim")
        return text
    key = "replay" if feed.replay else snapshot.source
    label, role = SOURCE_BADGE.get(key, (key.upper(), ""))
    text.append(f" {label} ", style=tones.badge(role) if role else "bold reverse")
    if any(n.startswith("offline") for n in snapshot.notices):
        text.append(" OFFLINE ", style=tones.badge("down"))
    if feed.stale:
        text.append(" STALE ", style=tones.badge("warning"))
    if feed.live and not feed.replay:
        text.append_text(stream_text(feed, tones))
    text.append(f" {data_age(snapshot, now.date())}")
    if feed.initial:
        text.append(" · saved snapshot", style=tones.warning)
    for market in snapshot.markets:
        text.append(" · ")
        text.append(market.label, style=tones.up if market.state == "open" else "")
    text.append(" · ")
    if feed.refreshing:
        text.append("refreshing…", style=tones.info)
    elif feed.last_refresh is not None:
        when = feed.last_refresh.astimezone().strftime("%H:%M:%S")
        if feed.last_ok:
            text.append(f"updated {when}")
        else:
            text.append(f"refresh failed {when}", style=f"bold {tones.down}")
            if feed.last_error:
                text.append(f": {feed.last_error}", style=tones.down)
    if feed.paused:
        text.append(" · ")
        text.append("PAUSED (p)", style=tones.badge("warning"))
    elif not feed.live:
        text.append(" · live updates off", style="dim")
    elif feed.next_at is not None:
        retry = "retry" if not feed.last_ok else "next"
        text.append(f" · {retry} {feed.next_at.astimezone().strftime('%H:%M:%S')}", style="dim")
        if feed.interval is not None and feed.last_ok:
            text.append(f" (every {feed.interval:.0f} s)", style="dim")
    fetch = snapshot.fetch
    if fetch is not None and fetch.reason:
        # The source as a whole is not answering: its true reason (and when it is asked again).
        text.append(" · ")
        text.append(fetch.reason, style=f"bold {tones.down}")
    elif fetch is not None and fetch.failures:
        for kind, count in fetch.failures:
            text.append(" · ")
            text.append(f"{count} symbol{'s' if count != 1 else ''}: {kind}", style=tones.down)
    elif snapshot.errors:
        count = len(snapshot.errors)
        text.append(" · ")
        text.append(f"{count} feed error{'s' if count != 1 else ''}", style=tones.down)
    for notice in snapshot.notices:
        if notice.startswith(("offline", "cache only")):
            continue  # the badge and the age already say it
        text.append(" · ")
        text.append(notice, style=tones.warning)
    return text


#: The mode badge of a live feed: prices pushed by the stream, or polled (the stream is off while no
#: market trades, or resting after repeated failures, or not wanted: ``[refresh] stream = false``).
STREAM_BADGE = {"stream": ("STREAM", "up"), "connecting": ("STREAM", "info")}


def stream_text(feed: FeedStatus, tones: Tones) -> Text:
    """`` STREAM  last tick 14:31:02`` while prices stream; `` POLL `` otherwise, with the stream's reason
    when it failed."""
    text = Text()
    label, role = STREAM_BADGE.get(feed.stream or "", ("POLL", "secondary"))
    text.append(" ")
    text.append(f" {label} ", style=tones.badge(role))
    if feed.stream == "connecting":
        text.append(" connecting…", style="dim")
    elif feed.stream == "stream" and feed.last_tick is not None:
        text.append(f" tick {feed.last_tick.astimezone().strftime('%H:%M:%S')}", style="dim")
    elif feed.stream == "poll" and feed.stream_reason:
        text.append(f" {feed.stream_reason}", style=tones.warning)
    return text


def tape_text(snapshot: MarketSnapshot | None, tones: Tones, *, stale: bool = False) -> Text:
    """The ticker tape: level and 1D change of the indices, VIX, gold, crude and the 10-year yield."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if snapshot is None:
        return text
    for symbol in TAPE:
        stats = snapshot.get(symbol)
        if stats is None:
            continue
        stale_row = stale or stats.stale
        if text:
            text.append(" │ ", style="dim")
        text.append_text(cells.session_mark(stats, tones))
        text.append(stats.short + " ", style="bold")
        text.append_text(cells.level(stats, tones, stale=stale_row))
        text.append(" ")
        if stats.unit == "%":
            bp = fmt.yield_change_bp(stats.last, stats.base_close("1D"))
            text.append_text(cells.bp_change(bp, tones, stale=stale_row))
        else:
            arrow = "▲" if (stats.change_1d_pct or 0) > 0 else "▼" if (stats.change_1d_pct or 0) < 0 else ""
            change = cells.change(stats.change_1d_pct, tones, stale=stale_row)
            text.append(arrow, style=change.style)
            text.append_text(change)
    return text


class OneLine(TextLines):
    """A line of fixed height (see ``TextLines``): an unchanged text is not even repainted."""

    DEFAULT_CSS = "OneLine { height: 1; }"

    def show(self, text: Text) -> None:
        self.show_lines([text])


class StatusBar(OneLine):
    """The bottom line (one line, never wraps)."""


class TickerTape(OneLine):
    """The top line (one line, never wraps)."""
