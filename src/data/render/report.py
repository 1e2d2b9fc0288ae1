"""Renderings of a MarketSnapshot for the headless mode: a rich text table, a Markdown weekly wrap, JSON.

Every sentence of the Markdown wrap is generated from figures in the snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import IO, Any, Literal

from rotor.data.render import formatting as fmt
from rotor.data.snapshot import (
    SEVERITY_ORDER,
    InstrumentStats,
    MarketSnapshot,
    RiskNote,
    Rotation,
    Spread,
)

ReportFormat = Literal["text", "markdown", "json"]

#: JSON groups, in order (the names other tools read).
JSON_GROUPS = ("indices", "sectors", "commodities", "rates", "etfs", "watchlist")
#: Instrument keys of the JSON shape, in order.
JSON_INSTRUMENT_KEYS = (
    "symbol",
    "name",
    "last",
    "prev_close",
    "change_1d_pct",
    "change_1w_pct",
    "change_wtd_pct",
    "change_mtd_pct",
    "change_ytd_pct",
    "change_1m_pct",
    "ma20",
    "ma50",
    "ma200",
    "range_50d_low",
    "range_50d_high",
    "range_52w_low",
    "range_52w_high",
    "last_date",
    "stale",
    "source",
    "age_days",
)
GROUP_TITLES = {
    "indices": "Indices",
    "etfs": "ETFs",
    "sectors": "Sectors (SPDR)",
    "commodities": "Commodities",
    "rates": "Rates & dollar",
    "watchlist": "Watchlist",
}


def render(snapshot: MarketSnapshot, fmt_name: ReportFormat, out: IO[str]) -> None:
    """Write ``snapshot`` to ``out`` in the chosen format."""
    if fmt_name == "json":
        out.write(to_json(snapshot) + "\n")
    elif fmt_name == "markdown":
        out.write(to_markdown(snapshot))
    else:
        write_text(snapshot, out)


# --- JSON ----------------------------------------------------------------------------------------


def _instrument_json(i: InstrumentStats, rotation: Rotation | None) -> dict[str, Any]:
    data = {k: getattr(i, k) for k in JSON_INSTRUMENT_KEYS}
    data["last_date"] = i.last_date.isoformat() if i.last_date else None
    data["milestones"] = [m.text for m in i.milestones]
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


def to_dict(snapshot: MarketSnapshot) -> dict[str, Any]:
    """The report's JSON document as plain data."""
    full = snapshot.to_dict()
    doc: dict[str, Any] = {
        "as_of": snapshot.as_of.isoformat(),
        "requested_as_of": snapshot.requested_as_of.isoformat() if snapshot.requested_as_of else None,
        "source": snapshot.source,
        "generated_at": snapshot.generated_at.isoformat(),
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
    return doc


def to_json(snapshot: MarketSnapshot) -> str:
    """The report as JSON (percentages in percent, unrounded; ``null`` where undefined)."""
    return json.dumps(to_dict(snapshot), indent=2, allow_nan=False)


# --- text (rich) ---------------------------------------------------------------------------------


def _source_line(snapshot: MarketSnapshot) -> str:
    label = {"snapshot": "bundled data", "cache": "cached data", "live": "live (Yahoo Finance)"}
    return (
        f"rotor market report as of {snapshot.as_of.isoformat()} "
        f"({snapshot.as_of.strftime('%A')}) · source: {label.get(snapshot.source, snapshot.source)}"
    )


def write_text(snapshot: MarketSnapshot, out: IO[str]) -> None:
    """A rich rendering: one table per group, then rotation and risk notes."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, width=None if out.isatty() else 180, highlight=False)
    console.print(Text(_source_line(snapshot), style="bold"))
    for notice in snapshot.notices:
        console.print(Text(f"note: {notice}", style="yellow"))
    for error in snapshot.errors:
        console.print(Text(f"feed: {error}", style="red"))

    def change_cell(value: float | None) -> Text:
        style = "" if value is None else ("green" if value > 0 else "red" if value < 0 else "")
        return Text(fmt.pct(value), style=style)

    for group, title in GROUP_TITLES.items():
        members = snapshot.group(group)
        if not members:
            continue
        table = Table(title=title, title_justify="left", header_style="bold", expand=False)
        table.add_column("Symbol")
        table.add_column("Name")
        for col in ("Last", "1D", "1W", "WTD", "MTD", "YTD", "MA20", "MA50", "MA200"):
            table.add_column(col, justify="right")
        table.add_column("50-session range", justify="right")
        table.add_column("52-week range", justify="right")
        for i in members:
            name = i.short + (" (stale)" if i.stale else "")
            table.add_row(
                i.symbol,
                name,
                fmt.price(i.last, i.unit),
                *(
                    change_cell(v)
                    for v in (
                        i.change_1d_pct,
                        i.change_1w_pct,
                        i.change_wtd_pct,
                        i.change_mtd_pct,
                        i.change_ytd_pct,
                    )
                ),
                fmt.price(i.ma20, i.unit),
                fmt.price(i.ma50, i.unit),
                fmt.price(i.ma200, i.unit),
                f"{fmt.price(i.range_50d_low)}–{fmt.price(i.range_50d_high)}",
                f"{fmt.price(i.range_52w_low)}–{fmt.price(i.range_52w_high)}",
            )
        console.print(table)
        for i in members:
            if i.error and i.last is None:
                console.print(Text(f"  {i.symbol}: {i.error}", style="red"))
            for m in i.milestones:
                console.print(Text(f"  ★ {i.short}: {m.text}", style="cyan"))
    if snapshot.rotation is not None:
        _text_rotation(console, snapshot.rotation)
    if snapshot.risk_notes:
        console.print(Text("Risk notes", style="bold"))
        for note in snapshot.risk_notes:
            console.print(Text(f"  [{note.severity}] {note.title}: {note.detail}"))
            console.print(Text(f"      evidence: {_evidence_text(note)}", style="dim"))


def _text_rotation(console: Any, rotation: Rotation) -> None:
    from rich.table import Table

    spreads = Table(title="Rotation spreads", title_justify="left", header_style="bold")
    spreads.add_column("Spread")
    for col in ("1W", "1M", "YTD"):
        spreads.add_column(col, justify="right")
    for s in rotation.spreads:
        spreads.add_row(s.label, *(_spread_value(s, v) for v in (s.change_1w, s.change_1m, s.change_ytd)))
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


def _evidence_text(note: RiskNote) -> str:
    return "; ".join(fmt.evidence(e.label, e.value, e.symbol, e.unit) for e in note.evidence)


# --- Markdown weekly wrap ------------------------------------------------------------------------


def _direction(value: float | None, up: str = "up", down: str = "down") -> str:
    if value is None:
        return "unchanged (n/a)"
    if value == 0:
        return "unchanged"
    return f"{up if value > 0 else down} {abs(value):.2f}%"


def _ma_phrase(i: InstrumentStats) -> str:
    parts = []
    for label, level in (("20-day", i.ma20), ("50-day", i.ma50), ("200-day", i.ma200)):
        d = i.distance_pct(level)
        if d is not None and level is not None:
            where = "above" if d >= 0 else "below"
            size = f"{abs(d):.2f}" if abs(d) < 1 else f"{abs(d):.1f}"
            parts.append(f"{size}% {where} its {label} average ({fmt.price(level, i.unit)})")
    return ", ".join(parts)


def _index_sentence(i: InstrumentStats) -> str:
    text = (
        f"- **{i.name}** closed at {fmt.price(i.last, i.unit)}, {_direction(i.change_1d_pct)} on the day, "
        f"{_direction(i.change_wtd_pct)} for the week and {_direction(i.change_ytd_pct)} year to date"
    )
    ma = _ma_phrase(i)
    return text + (f"; {ma}." if ma else ".")


def _md_table(rows: Iterable[InstrumentStats]) -> list[str]:
    lines = [
        "| Symbol | Name | Last | 1D | Week | MTD | YTD | MA50 | MA200 | 52-week range |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i in rows:
        lines.append(
            f"| {i.symbol} | {i.short}{' (stale)' if i.stale else ''} | {fmt.price(i.last, i.unit)} | "
            f"{fmt.pct(i.change_1d_pct)} | {fmt.pct(i.change_wtd_pct)} | {fmt.pct(i.change_mtd_pct)} | "
            f"{fmt.pct(i.change_ytd_pct)} | {fmt.price(i.ma50, i.unit)} | {fmt.price(i.ma200, i.unit)} | "
            f"{fmt.price(i.range_52w_low)} – {fmt.price(i.range_52w_high)} |"
        )
    return lines


def _week_ending(day: date) -> str:
    return day.strftime("%A, %B %-d, %Y")


def to_markdown(snapshot: MarketSnapshot) -> str:
    """A weekly-wrap style document: indices, sectors, commodities & rates, rotation, risk notes."""
    lines = [f"# Market wrap: week to {_week_ending(snapshot.as_of)}", ""]
    lines.append(
        f"_Source: {snapshot.source}; figures as of the close of {snapshot.as_of.isoformat()}. "
        "Week = change since the last close of the previous calendar week._"
    )
    lines += [f"> {n}" for n in snapshot.notices]
    lines.append("")

    indices = [i for i in snapshot.group("indices") if i.symbol != "^VIX"]
    if indices:
        lines += ["## Indices", ""]
        lines += [_index_sentence(i) for i in indices if i.last is not None]
        vix = snapshot.get("^VIX")
        if vix is not None and vix.last is not None:
            lines.append(
                f"- **VIX** ended at {fmt.price(vix.last)}, {_direction(vix.change_wtd_pct)} for the week."
            )
        lines += ["", *_md_table(snapshot.group("indices")), ""]

    sectors = [s for s in snapshot.group("sectors") if s.change_wtd_pct is not None]
    if sectors:
        ranked = sorted(sectors, key=lambda s: s.change_wtd_pct or 0.0, reverse=True)
        up = sum(1 for s in sectors if (s.change_wtd_pct or 0) > 0)
        best, worst = ranked[0], ranked[-1]
        lines += ["## Sectors", ""]
        lines.append(
            f"{up} of {len(sectors)} sector ETFs rose this week. {best.name} ({best.symbol}) led with "
            f"{fmt.pct(best.change_wtd_pct)}; {worst.name} ({worst.symbol}) lagged with "
            f"{fmt.pct(worst.change_wtd_pct)}."
        )
        lines += ["", *_md_table(ranked), ""]

    commodities = snapshot.group("commodities") + snapshot.group("rates")
    if commodities:
        lines += ["## Commodities, rates and the dollar", ""]
        for i in commodities:
            if i.last is None:
                continue
            if i.unit == "%":
                bp = fmt.yield_change_bp(i.last, i.base_close("WTD"))
                move = f"{fmt.basis_points(bp)} for the week"
            else:
                move = f"{_direction(i.change_wtd_pct)} for the week"
            unit = f" {i.unit}" if i.unit and i.unit != "%" else ""
            sentence = f"- **{i.name}**: {fmt.price(i.last, i.unit)}{unit}, {move}"
            if i.milestones:
                sentence += "; " + "; ".join(m.text for m in i.milestones)
            lines.append(sentence + ".")
        lines += ["", *_md_table(commodities), ""]

    watchlist = snapshot.group("watchlist")
    if watchlist:
        lines += ["## Watchlist", "", *_md_table(watchlist), ""]
        missing = [f"- {i.symbol}: {i.error}" for i in watchlist if i.error and i.last is None]
        lines += [*missing, ""] if missing else []

    if snapshot.rotation is not None:
        rot = snapshot.rotation
        lines += ["## Rotation", ""]
        for s in rot.spreads:
            lines.append(
                f"- **{s.label}**: 1W {_spread_value(s, s.change_1w)}, 1M {_spread_value(s, s.change_1m)}, "
                f"YTD {_spread_value(s, s.change_ytd)}." + (f" {s.detail}" if s.detail else "")
            )
        if rot.breadth is not None and rot.breadth.detail:
            lines.append(f"- **Breadth**: {rot.breadth.detail}")
        if rot.rrg:
            lines += ["", f"Relative rotation against {rot.benchmark} ({rot.basis} closes):", ""]
            lines += ["| Sector | RS-Ratio | RS-Momentum | Quadrant |", "|---|---:|---:|---|"]
            lines += [
                f"| {e.symbol} | {_num(e.rs_ratio)} | {_num(e.rs_momentum)} | {e.quadrant or fmt.NA} |"
                for e in rot.rrg
            ]
        lines.append("")

    if snapshot.risk_notes:
        lines += ["## Risk notes", ""]
        for note in sorted(snapshot.risk_notes, key=lambda n: (SEVERITY_ORDER[n.severity], n.id)):
            lines.append(f"- **{note.severity.upper()}: {note.title}.** {note.detail}")
            lines.append(f"  - Evidence: {_evidence_text(note)}")
        lines.append("")
    return "\n".join(lines)
