"""Renderings of a MarketSnapshot for the headless mode: a rich text table, a Markdown weekly wrap
(render/wrap.py), JSON.

The text report, like the wrap, is one document with one week: its weekly figures are the calendar week
("Week": the WTD changes, the spreads' calendar-week change, the breadth); yields move in basis points.
JSON carries every figure (both weeks, each named by its key).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, Literal

from rotor.data.render import formatting as fmt
from rotor.data.snapshot import (
    METRIC_FIELDS,
    TIMEFRAMES,
    InstrumentStats,
    MarketSnapshot,
    RiskNote,
    Rotation,
    Spread,
    encode,
)

if TYPE_CHECKING:
    from rotor.data.positions import Portfolio
    from rotor.data.settings import AlertRule, PositionLot

ReportFormat = Literal["text", "markdown", "json"]

#: JSON groups, in order (the names other tools read).
JSON_GROUPS = ("indices", "sectors", "commodities", "rates", "etfs", "watchlist")
#: Instrument keys of the JSON shape, in order: the identity, every figure (``METRIC_FIELDS``), the status.
JSON_INSTRUMENT_KEYS = (
    "symbol",
    "name",
    *METRIC_FIELDS,
    "last_date",
    "stale",
    "source",
    "price_state",
    "age_days",
    "change_since_pct",
    "record_close",
    "record_date",
    "history_start",
    "history_basis",
)
#: A yield's changes, shown in basis points: JSON gives ``change_*_bp`` for these and ``null`` for the
#: ``change_*_pct`` keys (a yield's percent change is never shown).
YIELD_CHANGES = tuple(
    (change.removesuffix("_pct"), timeframe) for timeframe, (change, _) in TIMEFRAMES.items()
)
#: Cells of a change that spans a futures roll carry this mark (explained under the table).
ROLL_MARK = "†"
GROUP_TITLES = {
    "indices": "Indices",
    "etfs": "ETFs",
    "sectors": "Sectors (SPDR)",
    "commodities": "Commodities",
    "rates": "Rates & dollar",
    "watchlist": "Watchlist",
}


class Monitor:
    """The user's own rules and lots for a report: ``[[alerts]]`` (judged with ``hysteresis_pct``, though
    a report fires nothing) and ``[[positions]]``."""

    def __init__(
        self,
        alerts: Sequence[AlertRule] = (),
        positions: Sequence[PositionLot] = (),
        hysteresis_pct: float = 0.5,
    ) -> None:
        self.alerts = tuple(alerts)
        self.positions = tuple(positions)
        self.hysteresis_pct = hysteresis_pct


def render(
    snapshot: MarketSnapshot, fmt_name: ReportFormat, out: IO[str], monitor: Monitor | None = None
) -> None:
    """Write ``snapshot`` to ``out`` in the chosen format (with the user's alerts and positions)."""
    if fmt_name == "json":
        out.write(to_json(snapshot, monitor) + "\n")
    elif fmt_name == "markdown":
        out.write(to_markdown(snapshot))
    else:
        write_text(snapshot, out, monitor)


def to_markdown(snapshot: MarketSnapshot) -> str:
    """The Markdown weekly wrap (``render.wrap.to_markdown``, imported only when asked for)."""
    from rotor.data.render.wrap import to_markdown as wrap

    return wrap(snapshot)


# --- cells shared by the text report and the wrap --------------------------------------------------


def is_yield(i: InstrumentStats) -> bool:
    """A yield (quoted in percent): its changes are shown in basis points, never in percent."""
    return i.unit == "%"


def change_bp(i: InstrumentStats, timeframe: str) -> float | None:
    """A yield's change over ``timeframe`` in basis points."""
    return fmt.yield_change_bp(i.last, i.base_close(timeframe))


def change_text(i: InstrumentStats, timeframe: str) -> str:
    """A change as a table cell: % for prices, bp for yields, marked when it spans a futures roll."""
    text = fmt.basis_points(change_bp(i, timeframe)) if is_yield(i) else fmt.pct(i.change(timeframe))
    return text + (ROLL_MARK if i.spans_roll(timeframe) and text != fmt.NA else "")


def evidence_text(note: RiskNote) -> str:
    """A risk note's evidence in one line: ``SI=F change this week -22.43%; ...``."""
    return "; ".join(fmt.evidence(e.label, e.value, e.symbol, e.unit) for e in note.evidence)


# --- JSON ----------------------------------------------------------------------------------------


def _instrument_json(i: InstrumentStats, rotation: Rotation | None) -> dict[str, Any]:
    data = {k: getattr(i, k) for k in JSON_INSTRUMENT_KEYS}
    for key in ("last_date", "record_date", "history_start"):
        value = getattr(i, key)
        data[key] = value.isoformat() if value else None
    if is_yield(i):
        for key, timeframe in YIELD_CHANGES:
            data[f"{key}_pct"] = None
            data[f"{key}_bp"] = fmt.yield_change_bp(i.last, i.base_close(timeframe))
        data["change_since_pct"] = None
        data["change_since_bp"] = fmt.yield_change_bp(
            i.last, fmt.base_from_change(i.last, i.change_since_pct)
        )
    data["milestones"] = [m.text for m in i.milestones]
    data["week"] = [
        {"date": d.on.isoformat(), "close": d.close, "change_pct": d.change_pct, "rolled": d.rolled}
        for d in i.week
    ]
    data["rolled"] = list(i.rolled)
    data["rolls"] = [
        {
            "date": r.on.isoformat(),
            "previous": r.previous.isoformat(),
            "from_contract": r.from_contract,
            "to_contract": r.to_contract,
            "last_close": r.last_close,
            "first_close": r.first_close,
        }
        for r in i.rolls
    ]
    if i.error:
        data["error"] = i.error
    if i.group == "sectors" and rotation is not None:
        entry = rotation.rrg_for(i.symbol)
        data["rrg"] = (
            None
            if entry is None
            else {
                "rs_ratio": entry.rs_ratio,
                "rs_momentum": entry.rs_momentum,
                "quadrant": entry.quadrant,
                "tail": [
                    {"date": p.on.isoformat(), "rs_ratio": p.rs_ratio, "rs_momentum": p.rs_momentum}
                    for p in entry.tail
                ],
            }
        )
    return data


def alerts_json(snapshot: MarketSnapshot, monitor: Monitor) -> list[dict[str, Any]]:
    """Each rule and whether it holds at the snapshot (``null`` when it cannot be judged)."""
    from rotor.data.alerts import check

    out = []
    for rule in monitor.alerts:
        result = check(rule, snapshot, monitor.hysteresis_pct)
        out.append(
            {
                "id": rule.id,
                "rule": rule.describe(),
                "symbol": rule.symbol,
                "holds": result.holds,
                "message": result.message,
            }
        )
    return out


_TOTAL_KEYS = ("cost_basis", "market_value", "day_change", "day_change_pct", "total_gain", "total_gain_pct")


def positions_json(portfolio: Portfolio) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """``positions`` (one per symbol, with its lots) and ``portfolio`` (the totals in the main currency,
    the others in ``other_currencies``; ``null`` without positions)."""
    positions = []
    for p in portfolio.positions:
        positions.append(
            {
                "symbol": p.symbol,
                "name": p.name,
                "currency": p.currency,
                "quantity": p.quantity,
                "price": p.price,
                "price_date": p.price_date.isoformat() if p.price_date else None,
                "stale": p.stale,
                **{key: getattr(p, key) for key in _TOTAL_KEYS},
                "lots": [
                    {
                        "quantity": v.lot.quantity,
                        "cost": v.lot.cost,
                        "date": v.lot.date.isoformat() if v.lot.date else None,
                        "cost_basis": v.cost_basis,
                        "market_value": v.market_value,
                        "day_change": v.day_change,
                        "total_gain": v.total_gain,
                        "total_gain_pct": v.total_gain_pct,
                    }
                    for v in p.lots
                ],
                "later": [
                    {
                        "quantity": lot.quantity,
                        "cost": lot.cost,
                        "date": lot.date.isoformat() if lot.date else None,
                    }
                    for lot in p.later
                ],
            }
        )
    totals = [
        {
            "currency": t.currency,
            "positions": t.positions,
            **{k: getattr(t, k) for k in _TOTAL_KEYS},
            "unpriced": list(t.unpriced),
        }
        for t in portfolio.totals
    ]
    if not totals:
        return positions, None
    return positions, {**totals[0], "other_currencies": totals[1:]}


def to_dict(snapshot: MarketSnapshot, monitor: Monitor | None = None) -> dict[str, Any]:
    """The report's JSON document as plain data."""
    # Only the parts shown are encoded (the snapshot's own encoding, not the whole snapshot: sparks and
    # the rest of the instruments' fields are not part of the report).
    full = {
        "week": encode(snapshot.week),
        "markets": encode(snapshot.markets),
        "rotation": encode(snapshot.rotation),
        "risk_notes": encode(snapshot.risk_notes),
    }
    doc: dict[str, Any] = {
        "as_of": snapshot.as_of.isoformat(),
        "requested_as_of": snapshot.requested_as_of.isoformat() if snapshot.requested_as_of else None,
        "source": snapshot.source,
        "generated_at": snapshot.generated_at.isoformat(),
        "since": snapshot.since.isoformat() if snapshot.since else None,
        "week": full["week"],
        "notices": list(snapshot.notices),
        "errors": list(snapshot.errors),
        "markets": full["markets"],
    }
    for group in JSON_GROUPS:
        members = snapshot.group(group)
        if members or group != "watchlist":
            doc[group] = [_instrument_json(i, snapshot.rotation) for i in members]
    if snapshot.rotation is not None:
        rot = full["rotation"]
        doc["rotation"] = {
            "benchmark": rot["benchmark"],
            "basis": rot["basis"],
            "spreads": rot["spreads"],
            "breadth": rot["breadth"],
        }
    doc["risk_notes"] = full["risk_notes"]
    monitor = monitor or Monitor()
    doc["alerts"] = alerts_json(snapshot, monitor)
    from rotor.data.positions import value_positions

    doc["positions"], doc["portfolio"] = positions_json(value_positions(monitor.positions, snapshot))
    return doc


def to_json(snapshot: MarketSnapshot, monitor: Monitor | None = None) -> str:
    """The report as JSON (percentages in percent, unrounded; ``null`` where undefined)."""
    return json.dumps(to_dict(snapshot, monitor), indent=2, allow_nan=False)


# --- text (rich) ---------------------------------------------------------------------------------


def _source_line(snapshot: MarketSnapshot) -> str:
    label = {"snapshot": "bundled data", "cache": "cached data", "live": "live (Yahoo Finance)"}
    return (
        f"rotor market report as of {snapshot.as_of.isoformat()} "
        f"({snapshot.as_of.strftime('%A')}) · source: {label.get(snapshot.source, snapshot.source)}"
    )


def write_text(snapshot: MarketSnapshot, out: IO[str], monitor: Monitor | None = None) -> None:
    """A rich rendering: one table per group, then rotation and risk notes. One week: the calendar week
    ("Week"); yields in basis points; a change spanning a futures roll is marked."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, width=None if out.isatty() else 180, highlight=False)
    console.print(Text(_source_line(snapshot), style="bold"))
    for notice in snapshot.notices:
        console.print(Text(f"note: {notice}", style="yellow"))
    for error in snapshot.errors:
        console.print(Text(f"feed: {error}", style="red"))

    def change_cell(i: InstrumentStats, timeframe: str) -> Text:
        value = i.change(timeframe)
        style = "" if value is None else ("green" if value > 0 else "red" if value < 0 else "")
        return Text(change_text(i, timeframe), style=style)

    since = snapshot.since
    timeframes = ("1D", "WTD", "MTD", "YTD")
    for group, title in GROUP_TITLES.items():
        members = snapshot.group(group)
        if not members:
            continue
        table = Table(title=title, title_justify="left", header_style="bold", expand=False)
        table.add_column("Symbol")
        table.add_column("Name")
        for col in ("Last", "1D", "Week", "MTD", "YTD"):
            table.add_column(col, justify="right")
        if since is not None:
            table.add_column(f"Since {since.isoformat()}", justify="right")
        for col in ("MA20", "MA50", "MA200", "50-session range", "52-week range"):
            table.add_column(col, justify="right")
        for i in members:
            name = i.short + (" (stale)" if i.stale else "")
            extra = [Text(_since_text(i))] if since is not None else []
            table.add_row(
                i.symbol,
                name,
                fmt.price(i.last, i.unit),
                *(change_cell(i, tf) for tf in timeframes),
                *extra,
                fmt.price(i.ma20, i.unit),
                fmt.price(i.ma50, i.unit),
                fmt.price(i.ma200, i.unit),
                f"{fmt.price(i.range_50d_low, i.unit)}–{fmt.price(i.range_50d_high, i.unit)}",
                f"{fmt.price(i.range_52w_low, i.unit)}–{fmt.price(i.range_52w_high, i.unit)}",
            )
        console.print(table)
        if any(i.rolled for i in members):
            console.print(
                Text(f"  {ROLL_MARK} spans a futures roll: two contracts, not a price move", style="dim")
            )
        if any(is_yield(i) for i in members):
            console.print(Text("  yields: changes in basis points", style="dim"))
        for i in members:
            if i.error and i.last is None:
                console.print(Text(f"  {i.symbol}: {i.error}", style="red"))
            for r in i.rolls:
                closes = f"last close {fmt.price(r.last_close)}, first close {fmt.price(r.first_close)}"
                switch = f"{r.from_contract} → {r.to_contract} on {r.on.isoformat()}"
                console.print(
                    Text(f"  roll {i.short}: {switch} ({closes}; not a price move)", style="yellow")
                )
            for m in i.milestones:
                mark = "context" if m.context else "★"
                console.print(Text(f"  {mark} {i.short}: {m.text}", style="dim" if m.context else "cyan"))
    if snapshot.rotation is not None:
        _text_rotation(console, snapshot.rotation)
    if snapshot.risk_notes:
        console.print(Text("Risk notes", style="bold"))
        for note in snapshot.risk_notes:
            console.print(Text(f"  [{note.severity}] {note.title}: {note.detail}"))
            console.print(Text(f"      evidence: {evidence_text(note)}", style="dim"))
    if monitor is not None and monitor.positions:
        _text_positions(console, snapshot, monitor)
    if monitor is not None and monitor.alerts:
        console.print(Text("Your alerts", style="bold"))
        for alert in alerts_json(snapshot, monitor):
            mark = {True: "holds", False: "clear", None: "n/a"}[alert["holds"]]
            console.print(Text(f"  [{mark}] {alert['rule']}: {alert['message']}"))


def money(value: float | None, currency: str, *, sign: bool = False) -> str:
    """An amount with its currency named unless USD: ``+1,234.50``, ``12,000 JPY``."""
    if value is None:
        return fmt.NA
    text = f"{value:+,.2f}" if sign else f"{value:,.2f}"
    return text if currency == "USD" else f"{text} {currency}"


def _text_positions(console: Any, snapshot: MarketSnapshot, monitor: Monitor) -> None:
    from rich.table import Table
    from rich.text import Text
    from rotor.data.positions import value_positions

    portfolio = value_positions(monitor.positions, snapshot)
    table = Table(
        title=f"Positions at {portfolio.as_of.isoformat()}", title_justify="left", header_style="bold"
    )
    table.add_column("Symbol")
    for col in ("Quantity", "Avg cost", "Price", "Value", "Day", "Day %", "Gain", "Gain %"):
        table.add_column(col, justify="right")
    for p in portfolio.positions:
        table.add_row(
            p.symbol + (" (stale)" if p.stale else ""),
            f"{p.quantity:,g}",
            money(p.average_cost, p.currency),
            money(p.price, p.currency),
            money(p.market_value, p.currency),
            money(p.day_change, p.currency, sign=True),
            fmt.pct(p.day_change_pct),
            money(p.total_gain, p.currency, sign=True),
            fmt.pct(p.total_gain_pct),
        )
    for t in portfolio.totals:
        table.add_row(
            Text(f"Total {t.currency}", style="bold"),
            "",
            "",
            "",
            money(t.market_value, t.currency),
            money(t.day_change, t.currency, sign=True),
            fmt.pct(t.day_change_pct),
            money(t.total_gain, t.currency, sign=True),
            fmt.pct(t.total_gain_pct),
        )
    console.print(table)
    for p in portfolio.positions:
        for lot in p.later:
            console.print(
                Text(
                    f"  {p.symbol}: a lot of {lot.quantity:g} bought {lot.date} is after this date",
                    style="dim",
                )
            )
    for t in portfolio.totals:
        if t.unpriced:
            console.print(
                Text(
                    f"  no price for {', '.join(t.unpriced)}: left out of the {t.currency} total",
                    style="yellow",
                )
            )


def _since_text(i: InstrumentStats) -> str:
    if is_yield(i):
        return fmt.basis_points(fmt.yield_change_bp(i.last, fmt.base_from_change(i.last, i.change_since_pct)))
    return fmt.pct(i.change_since_pct)


def _text_rotation(console: Any, rotation: Rotation) -> None:
    from rich.table import Table

    spreads = Table(title="Rotation spreads", title_justify="left", header_style="bold")
    spreads.add_column("Spread")
    for col in ("Week", "1M", "YTD"):
        spreads.add_column(col, justify="right")
    for s in rotation.spreads:
        spreads.add_row(s.label, *(_spread_value(s, v) for v in (s.change_wtd, s.change_1m, s.change_ytd)))
    console.print(spreads)
    if rotation.breadth is not None and rotation.breadth.detail:
        console.print(f"Breadth: {rotation.breadth.detail}")
    if rotation.rrg:
        rrg = Table(
            title=f"Relative rotation vs {rotation.benchmark} ({rotation.basis})",
            title_justify="left",
            header_style="bold",
        )
        for col, justify in (("Sector", "left"), ("RS-Ratio", "right"), ("RS-Momentum", "right")):
            rrg.add_column(col, justify=justify)  # type: ignore[arg-type]
        rrg.add_column("Quadrant")
        for e in rotation.rrg:
            rrg.add_row(e.symbol, _num(e.rs_ratio), _num(e.rs_momentum), e.quadrant or fmt.NA)
        console.print(rrg)


def _num(value: float | None, digits: int = 2) -> str:
    return fmt.NA if value is None else f"{value:.{digits}f}"


def _spread_value(spread: Spread, value: float | None) -> str:
    return fmt.points(value) if spread.unit == "pts" else fmt.pct(value)
