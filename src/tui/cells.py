"""Rich text for table cells and tiles: one place that decides how a figure looks on screen.

Every figure comes from a ``MarketSnapshot``; these functions only format and colour it (the same text
as the report through ``rotor.data.render.formatting``), with the colours of the current theme
(``Tones``). ``None`` is shown as ``n/a``; a stale value is dimmed.
"""

from __future__ import annotations

from rich.text import Text
from rotor.data.render import formatting as fmt
from rotor.data.snapshot import InstrumentStats, Milestone
from rotor.tui.tones import Tones

NA_STYLE = "dim"


def look(text: Text) -> tuple[object, ...]:
    """What ``text`` looks like (its characters, styles and alignment): compared to decide whether a cell
    must be written again, at a twentieth of the cost of comparing markup."""
    return (text.plain, text.style, tuple(text.spans), text.justify)


STALE_STYLE = "dim italic"


def change(value: float | None, tones: Tones, *, stale: bool = False, digits: int = 2) -> Text:
    """A coloured % change, right-aligned: ``+1.25%``."""
    text = Text(fmt.pct(value, digits), style=tones.change(value), justify="right")
    if stale:
        text.stylize(STALE_STYLE)
    return text


def bp_change(value: float | None, tones: Tones, *, stale: bool = False) -> Text:
    """A coloured change in basis points: ``+12 bp``."""
    text = Text(fmt.basis_points(value), style=tones.change(value), justify="right")
    if stale:
        text.stylize(STALE_STYLE)
    return text


def level(stats: InstrumentStats, tones: Tones, *, stale: bool = False) -> Text:
    """The last level with its unit's precision (a yield in percent); ``no data`` (in the down colour)
    for a symbol the feed has nothing for (the detail screen and the report give the reason)."""
    if stats.last is None and stats.error:
        return Text("no data", style=f"bold {tones.down}", justify="right")
    text = Text(fmt.price(stats.last, "%" if stats.unit == "%" else ""), justify="right")
    if stats.last is None:
        text.stylize(NA_STYLE)
    if stale:
        text.stylize(STALE_STYLE)
    return text


#: The mark of a pre- or post-market price (``InstrumentStats.extended_session``).
EXTENDED_MARKS: dict[str, str] = {"pre": "PRE", "post": "POST"}


def extended(stats: InstrumentStats, tones: Tones, *, stale: bool = False) -> Text:
    """``POST 671.42 +0.35%``: the pre- or post-market price of a US stock or ETF and its own change from
    the regular close (empty without one; the regular figures stay on the close)."""
    mark = EXTENDED_MARKS.get(stats.extended_session or "")
    if mark is None or stats.extended_price is None:
        return Text(justify="right")
    text = Text(justify="right")
    text.append(f"{mark} ", style=f"bold {tones.info}")
    text.append(fmt.price(stats.extended_price, ""))
    text.append(" ")
    text.append_text(change(stats.extended_change_pct, tones))
    if stale:
        text.stylize(STALE_STYLE)
    return text


#: How a price relates to its market now (``InstrumentStats.price_state``), as a mark before the name,
#: with its colour role (``Tones``): trading now, the market trades but rotor shows the previous
#: session's close, the session just closed (the official close may still replace the price). A final
#: close has no mark.
SESSION_MARKS: dict[str, tuple[str, str]] = {
    "live": ("●", "up"),
    "pre-open": ("○", "warning"),
    "provisional": ("◑", "info"),
}
#: What each mark means, for the help screen and the detail.
SESSION_WORDS: dict[str, str] = {
    "live": "trading now",
    "pre-open": "its market trades, the price is the previous session's close",
    "provisional": "session just closed, the official close may still replace it",
    "close": "the final close of its last session",
    "none": "no price",
}


def session_mark(stats: InstrumentStats, tones: Tones) -> Text:
    """The mark of ``stats.price_state`` (empty for a final close)."""
    mark = SESSION_MARKS.get(stats.price_state)
    return Text(f"{mark[0]} ", style=tones.text[mark[1]]) if mark else Text()


def name(stats: InstrumentStats, tones: Tones, *, stale: bool = False) -> Text:
    """The display name (a watchlist symbol starred) after its session mark; a stale row gets a ``!``."""
    text = Text(stats.short)
    if stats.group == "watchlist":
        text = Text.assemble(("★ ", tones.warning), stats.short)
    # Marks go in front (names are cut at the column's width, the marks must survive).
    text = Text.assemble(session_mark(stats, tones), text)
    if stale and stats.last is not None:
        text = Text.assemble(("! ", f"bold {tones.warning}"), text)
        text.stylize(STALE_STYLE, 2)
    return text


def distance(stats: InstrumentStats, average: float | None, tones: Tones, *, stale: bool = False) -> Text:
    """% distance of the last level from an average: above in the up colour, below in the down one."""
    return change(stats.distance_pct(average), tones, stale=stale, digits=1)


def range_bar(position: float | None, tones: Tones, width: int = 9) -> Text:
    """Where the last level sits in a range: ``━━━━●━━━━`` (left = at the low, right = at the high)."""
    if position is None:
        return Text(fmt.NA.center(width), style=NA_STYLE)
    at = min(width - 1, max(0, round(position * (width - 1))))
    colour = tones.down if position < 0.2 else tones.up if position > 0.8 else tones.warning
    return Text.assemble(("━" * at, "dim"), ("●", f"bold {colour}"), ("━" * (width - 1 - at), "dim"))


def range_52w_position(stats: InstrumentStats) -> float | None:
    """Where ``last`` sits in its 52-week low/high range (0..1), ``None`` when undefined."""
    lo, hi, last = stats.range_52w_low, stats.range_52w_high, stats.last
    if lo is None or hi is None or last is None or hi <= lo:
        return None
    return min(1.0, max(0.0, (last - lo) / (hi - lo)))


#: Sessions (one character each) in the tables' sparklines; their column header (``SPARK_COLUMN`` in
#: widgets/table.py) says this number.
#: How the app labels a timeframe of the figures: 1W is the change over five sessions (design.md), so it
#: is shown as "5D", never to be read as the calendar week (WTD, the weekly wrap's week).
SHOWN_AS = {"1W": "5D"}


def timeframe_label(code: str) -> str:
    """The label of the timeframe ``code`` (``1D``, ``1W``, ``1M``, ``YTD``...) in headers and legends."""
    return SHOWN_AS.get(code, code)


SPARK_WIDTH = 12


def sparkline(stats: InstrumentStats, tones: Tones, width: int = SPARK_WIDTH, *, stale: bool = False) -> Text:
    """The last ``width`` closes as a block sparkline, coloured by the direction over the window."""
    values = stats.spark[-width:]
    style = tones.change(values[-1] - values[0]) if len(values) > 1 else NA_STYLE
    text = Text(fmt.spark(values, width), style=style)
    if stale:
        text.stylize(STALE_STYLE)
    return text


def milestone_badge(milestone: Milestone, tones: Tones) -> Text:
    """A milestone as a short badge: ``★ first close above $5,000 (2026-01-26)``."""
    icon = "★" if milestone.kind == "first_close_above" else "⚡"
    return Text.assemble((f"{icon} ", f"bold {tones.warning}"), (milestone.text, tones.warning))
