"""Risk notes: rules that turn a finished ``MarketSnapshot`` into ``RiskNote``s, each with its evidence.

Every rule is a pure function of the snapshot and a ``RiskThresholds``; ``evaluate`` runs them all and
orders the notes by severity (warning, watch, info), then by id, so the notes are deterministic for a
given as-of date. Figures come from the snapshot's ``InstrumentStats`` (metrics.py definitions) and its
``Rotation`` (rotation.py). Texts format numbers with ``formatting`` and never contain "nan" or "inf": a
rule whose figures are undefined does not fire.

One week throughout: "this week" in every rule (VIX jump, commodity shock, narrow leadership, small-cap
divergence, 10-year yield, dollar) is the calendar week: the last close vs the last close of the
previous calendar week (the WTD change, and the spreads' and breadth's calendar-week figures; on a
Friday, the week's move as weekly commentary quotes it, also in holiday weeks). A commodity whose week
spans a futures roll has no z-score (figures/milestones.py), so its roll is never a shock.

An instrument whose last close is more than ``RiskThresholds.max_data_age_days`` calendar days older than
the as-of session is skipped by every rule (its move would not be this week's). ``RiskThresholds``, each
threshold with its default, range and meaning, is declared once in ``rotor.data.settings`` (the config
file's ``[risk]`` section).
"""

from __future__ import annotations

from collections.abc import Callable

from rotor.data.figures.rolls import ROLL_RULES
from rotor.data.render import formatting as fmt
from rotor.data.settings import RiskThresholds as RiskThresholds
from rotor.data.snapshot import (
    SEVERITY_ORDER,
    Evidence,
    InstrumentStats,
    MarketSnapshot,
    RiskNote,
    Rotation,
    Severity,
    Spread,
    finite,
)

VIX = "^VIX"
TEN_YEAR_YIELD = "^TNX"
DOLLAR_INDEX = "DX-Y.NYB"
CAP_WEIGHT = "SPY"
EQUAL_WEIGHT = "RSP"
SMALL_CAPS = "IWM"
#: Indices whose moving averages say nothing about the market's trend (a volatility index).
NON_TREND_INDICES = (VIX,)
#: Spread ids of rotation.py read by the rules.
EQUAL_VS_CAP_SPREAD = "equal_vs_cap"
SMALL_VS_LARGE_SPREAD = "small_vs_large"
RUSSELL_VS_NASDAQ_SPREAD = "russell_vs_nasdaq"


# --- helpers -------------------------------------------------------------------------------------


def _severity(size: float, watch: float, warning: float) -> Severity | None:
    """``warning`` at or above ``warning``, ``watch`` at or above ``watch``, else ``None``."""
    if size >= warning:
        return "warning"
    if size >= watch:
        return "watch"
    return None


def _fresh(snapshot: MarketSnapshot, symbol: str, thresholds: RiskThresholds) -> InstrumentStats | None:
    """The instrument when it has a last close at most ``max_data_age_days`` old, else ``None``."""
    stats = snapshot.get(symbol)
    if stats is None or stats.last is None or stats.last_date is None:
        return None
    if (snapshot.as_of - stats.last_date).days > thresholds.max_data_age_days:
        return None
    return stats


def _unit_text(unit: str) -> str:
    return f" {unit}" if unit and unit != "%" else ""


def _closes_since(stats: InstrumentStats) -> str:
    start = stats.history_start
    return f" (closes since {start.isoformat()})" if start else ""


def _since(stats: InstrumentStats) -> str:
    start = stats.history_start
    if start is None:
        return ""
    rolls = ", roll weeks left out" if stats.symbol in ROLL_RULES else ""
    return f" (weekly closes since {start.isoformat()}{rolls})"


def _spread(rotation: Rotation | None, spread_id: str) -> Spread | None:
    if rotation is None:
        return None
    return next((s for s in rotation.spreads if s.id == spread_id), None)


def round_level_text(level: float, unit: str) -> str:
    """A round level as people say it: ``$5,000``, ``$6``, ``50,000``, ``4.5%`` (``formatting.level``)."""
    return fmt.level(level, unit)


# --- rules ---------------------------------------------------------------------------------------


def vix_level(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """VIX close at or above the watch (20) / warning (30) level."""
    vix = _fresh(snapshot, VIX, thresholds)
    if vix is None or vix.last is None:
        return []
    severity = _severity(vix.last, thresholds.vix_watch_level, thresholds.vix_warning_level)
    if severity is None:
        return []
    level = thresholds.vix_warning_level if severity == "warning" else thresholds.vix_watch_level
    title = "Volatility high" if severity == "warning" else "Volatility elevated"
    return [
        RiskNote(
            id="vix_level",
            severity=severity,
            title=f"{title}: VIX {fmt.price(vix.last)}",
            detail=f"VIX closed at {fmt.price(vix.last)}, at or above the {level:g} {severity} level.",
            evidence=(
                Evidence("close", vix.last, VIX),
                Evidence(f"{severity} level", level, None),
            ),
        )
    ]


def vix_jump(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """VIX up this week by at least the watch (20%) / warning (40%) threshold."""
    vix = _fresh(snapshot, VIX, thresholds)
    if vix is None or vix.change_wtd_pct is None:
        return []
    move = vix.change_wtd_pct
    severity = _severity(move, thresholds.vix_jump_watch_pct, thresholds.vix_jump_warning_pct)
    if severity is None:
        return []
    base = vix.base_close("WTD")
    return [
        RiskNote(
            id="vix_jump",
            severity=severity,
            title=f"VIX jumped {fmt.pct(move, 1, sign=False)} this week",
            detail=f"VIX rose from {fmt.price(base)} to {fmt.price(vix.last)} this week ({fmt.pct(move)}).",
            evidence=(
                Evidence("close", vix.last, VIX),
                Evidence("previous week's close", base, VIX),
                Evidence("change this week", move, VIX, "%"),
            ),
        )
    ]


def commodity_shock(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """A commodity whose move this week is at least 2.5 (watch) / 4 (warning) standard deviations away
    from the mean of its earlier weekly moves (``InstrumentStats.weekly_move_z``)."""
    notes = []
    for stats in snapshot.group("commodities"):
        fresh = _fresh(snapshot, stats.symbol, thresholds)
        z, move = stats.weekly_move_z, stats.change_wtd_pct
        if fresh is None or z is None or move is None:
            continue
        severity = _severity(abs(z), thresholds.commodity_shock_watch_z, thresholds.commodity_shock_warning_z)
        if severity is None:
            continue
        direction = "rose" if move > 0 else "fell"
        notes.append(
            RiskNote(
                id=f"commodity_shock:{stats.symbol}",
                severity=severity,
                title=f"{stats.name} {direction} {fmt.pct(abs(move), 1, sign=False)} this week",
                detail=(
                    f"{stats.name} moved {fmt.pct(move)} this week to {fmt.price(stats.last)}"
                    f"{_unit_text(stats.unit)}, {abs(z):.1f} standard deviations "
                    f"{'above' if z > 0 else 'below'} its average weekly move in the history searched"
                    f"{_since(stats)}."
                ),
                evidence=(
                    Evidence("change this week", move, stats.symbol, "%"),
                    Evidence("z-score of the weekly move", z, stats.symbol),
                    Evidence("close", stats.last, stats.symbol, stats.unit),
                ),
            )
        )
    return notes


def round_level_milestones(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """A first close above a round level (``first_close_above`` milestones) at most
    ``milestone_recent_days`` old: info."""
    notes = []
    for stats in snapshot.instruments:
        for milestone in stats.milestones:
            if milestone.kind != "first_close_above" or milestone.on is None or milestone.level is None:
                continue
            if milestone.context:  # from before this week: context in the wrap, not news
                continue
            if not 0 <= (snapshot.as_of - milestone.on).days <= thresholds.milestone_recent_days:
                continue
            level = round_level_text(milestone.level, stats.unit)
            notes.append(
                RiskNote(
                    id=f"milestone:{stats.symbol}:{milestone.level:g}",
                    severity="info",
                    title=f"{stats.name}: first close above {level}",
                    detail=(
                        f"{stats.name} closed above {level} for the first time in the history searched"
                        f"{_closes_since(stats)} on {milestone.on.isoformat()}; last close "
                        f"{fmt.price(stats.last)}{_unit_text(stats.unit)}."
                    ),
                    evidence=(
                        Evidence("round level", milestone.level, stats.symbol, stats.unit),
                        Evidence("first close above", milestone.on.isoformat(), stats.symbol),
                        Evidence("close", stats.last, stats.symbol, stats.unit),
                    ),
                )
            )
    return notes


def index_below_average(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """A stock index closing below its 50-session (watch) or 200-session (warning) moving average."""
    notes = []
    for stats in snapshot.instruments:
        if stats.kind != "index" or stats.symbol in NON_TREND_INDICES:
            continue
        fresh = _fresh(snapshot, stats.symbol, thresholds)
        if fresh is None or stats.last is None:
            continue
        below_50 = stats.ma50 is not None and stats.last < stats.ma50
        below_200 = stats.ma200 is not None and stats.last < stats.ma200
        if not below_50 and not below_200:
            continue
        distance_50, distance_200 = stats.distance_pct(stats.ma50), stats.distance_pct(stats.ma200)
        parts = []
        for label, average, distance in (
            ("50-day", stats.ma50, distance_50),
            ("200-day", stats.ma200, distance_200),
        ):
            if average is not None and distance is not None:
                side = "below" if distance < 0 else "above"
                parts.append(
                    f"{fmt.pct(abs(distance), sign=False)} {side} its {label} average ({fmt.price(average)})"
                )
        worst = "200-day" if below_200 else "50-day"
        notes.append(
            RiskNote(
                id=f"index_below_average:{stats.symbol}",
                severity="warning" if below_200 else "watch",
                title=f"{stats.name} below its {worst} average",
                detail=f"{stats.name} closed at {fmt.price(stats.last)}, " + " and ".join(parts) + ".",
                evidence=(
                    Evidence("close", stats.last, stats.symbol),
                    Evidence("50-day average", stats.ma50, stats.symbol),
                    Evidence("distance from 50-day average", distance_50, stats.symbol, "%"),
                    Evidence("200-day average", stats.ma200, stats.symbol),
                    Evidence("distance from 200-day average", distance_200, stats.symbol, "%"),
                ),
            )
        )
    return notes


def narrow_leadership(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """Cap weight rising this week while equal weight lags it by at least ``narrow_equal_weight_lag_pct``
    (RSP/SPY ratio change this week), or while at most ``narrow_max_sectors_up`` sectors rose: watch."""
    spy = _fresh(snapshot, CAP_WEIGHT, thresholds)
    rotation = snapshot.rotation
    if spy is None or spy.change_wtd_pct is None or spy.change_wtd_pct <= 0 or rotation is None:
        return []
    equal = _spread(rotation, EQUAL_VS_CAP_SPREAD)
    ratio = None if equal is None else equal.change_wtd
    breadth = rotation.breadth
    lagging = ratio is not None and ratio <= -thresholds.narrow_equal_weight_lag_pct
    few_up = breadth is not None and breadth.total > 0 and breadth.up_week <= thresholds.narrow_max_sectors_up
    if not lagging and not few_up:
        return []
    rsp = snapshot.get(EQUAL_WEIGHT)
    rsp_week = None if rsp is None else rsp.change_wtd_pct
    reasons = []
    if lagging:
        reasons.append(f"equal weight lagged: RSP {fmt.pct(rsp_week)}, RSP/SPY {fmt.pct(ratio)}")
    if breadth is not None and breadth.total > 0:
        leaders = ", ".join(breadth.leaders) or "none"
        reasons.append(f"{breadth.up_week} of {breadth.total} sectors rose (leaders {leaders})")
    evidence = [
        Evidence("change this week", spy.change_wtd_pct, CAP_WEIGHT, "%"),
        Evidence("change this week", rsp_week, EQUAL_WEIGHT, "%"),
        Evidence("RSP/SPY ratio change this week", ratio, None, "%"),
    ]
    if breadth is not None:
        concentration = None if breadth.concentration is None else 100.0 * breadth.concentration
        evidence += [
            Evidence("sectors up this week", breadth.up_week),
            Evidence("sectors", breadth.total),
            Evidence("share of sector gains from the top 3", concentration, None, "%"),
        ]
    return [
        RiskNote(
            id="narrow_leadership",
            severity="watch",
            title="Narrow leadership",
            detail=f"SPY rose {fmt.pct(spy.change_wtd_pct, sign=False)} this week while "
            + "; ".join(reasons)
            + ".",
            evidence=tuple(evidence),
        )
    ]


def small_cap_divergence(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """The IWM/SPY ratio moving at least ``small_cap_divergence_pct`` this week: watch when IWM and SPY
    moved in opposite directions, info otherwise."""
    small = _spread(snapshot.rotation, SMALL_VS_LARGE_SPREAD)
    iwm, spy = _fresh(snapshot, SMALL_CAPS, thresholds), _fresh(snapshot, CAP_WEIGHT, thresholds)
    if small is None or small.change_wtd is None or iwm is None or spy is None:
        return []
    ratio = small.change_wtd
    if abs(ratio) < thresholds.small_cap_divergence_pct:
        return []
    iwm_week, spy_week = iwm.change_wtd_pct, spy.change_wtd_pct
    opposite = iwm_week is not None and spy_week is not None and iwm_week * spy_week < 0
    russell = _spread(snapshot.rotation, RUSSELL_VS_NASDAQ_SPREAD)
    return [
        RiskNote(
            id="small_cap_divergence",
            severity="watch" if opposite else "info",
            title="Small caps " + ("outperform" if ratio > 0 else "lag") + " large caps",
            detail=(
                f"IWM {fmt.pct(iwm_week)} vs SPY {fmt.pct(spy_week)} this week: the IWM/SPY ratio moved "
                f"{fmt.pct(ratio)}" + ("; they moved in opposite directions." if opposite else ".")
            ),
            evidence=(
                Evidence("change this week", iwm_week, SMALL_CAPS, "%"),
                Evidence("change this week", spy_week, CAP_WEIGHT, "%"),
                Evidence("IWM/SPY ratio change this week", ratio, None, "%"),
                Evidence(
                    "Russell 2000 - Nasdaq this week",
                    None if russell is None else russell.change_wtd,
                    None,
                    "pts",
                ),
            ),
        )
    ]


def yield_move(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """The 10-year Treasury yield (^TNX, 4.239 = 4.239%) moving at least 15 (watch) / 25 (warning)
    basis points this week."""
    tnx = _fresh(snapshot, TEN_YEAR_YIELD, thresholds)
    if tnx is None:
        return []
    base = tnx.base_close("WTD")
    change = fmt.yield_change_bp(tnx.last, base)
    if change is None:
        return []
    severity = _severity(abs(change), thresholds.yield_move_watch_bp, thresholds.yield_move_warning_bp)
    if severity is None:
        return []
    word = "rose" if change > 0 else "fell"
    return [
        RiskNote(
            id="yield_move",
            severity=severity,
            title=f"10-year yield {word} {fmt.basis_points(abs(change)).lstrip('+')} this week",
            detail=(
                f"The 10-year Treasury yield {word} from {fmt.price(base, '%')} to "
                f"{fmt.price(tnx.last, '%')} this week ({fmt.basis_points(change)})."
            ),
            evidence=(
                Evidence("yield", tnx.last, TEN_YEAR_YIELD, "%"),
                Evidence("previous week's close", base, TEN_YEAR_YIELD, "%"),
                Evidence("change this week", change, TEN_YEAR_YIELD, "bp"),
            ),
        )
    ]


def dollar_move(snapshot: MarketSnapshot, thresholds: RiskThresholds) -> list[RiskNote]:
    """The dollar index (DX-Y.NYB) moving at least 1% (watch) / 2% (warning) this week."""
    dollar = _fresh(snapshot, DOLLAR_INDEX, thresholds)
    if dollar is None or dollar.change_wtd_pct is None:
        return []
    move = dollar.change_wtd_pct
    severity = _severity(abs(move), thresholds.dollar_move_watch_pct, thresholds.dollar_move_warning_pct)
    if severity is None:
        return []
    base = dollar.base_close("WTD")
    return [
        RiskNote(
            id="dollar_move",
            severity=severity,
            title=f"Dollar {'rallied' if move > 0 else 'slid'} {fmt.pct(abs(move), sign=False)} this week",
            detail=(
                f"The dollar index moved from {fmt.price(base)} to {fmt.price(dollar.last)} this week "
                f"({fmt.pct(move)})."
            ),
            evidence=(
                Evidence("close", dollar.last, DOLLAR_INDEX),
                Evidence("previous week's close", base, DOLLAR_INDEX),
                Evidence("change this week", move, DOLLAR_INDEX, "%"),
            ),
        )
    ]


Rule = Callable[[MarketSnapshot, RiskThresholds], list[RiskNote]]

#: Every rule ``evaluate`` runs.
RULES: tuple[Rule, ...] = (
    vix_level,
    vix_jump,
    commodity_shock,
    round_level_milestones,
    index_below_average,
    narrow_leadership,
    small_cap_divergence,
    yield_move,
    dollar_move,
)


def _clean(note: RiskNote) -> RiskNote:
    """The note with every evidence figure finite or ``None`` (a float NaN/inf never leaves here)."""
    evidence = tuple(
        Evidence(e.label, finite(e.value) if isinstance(e.value, float) else e.value, e.symbol, e.unit)
        for e in note.evidence
    )
    return RiskNote(note.id, note.severity, note.title, note.detail, evidence)


def evaluate(snapshot: MarketSnapshot, thresholds: RiskThresholds | None = None) -> tuple[RiskNote, ...]:
    """Every rule's notes for ``snapshot``, ordered by severity (warning, watch, info), then by id.
    ``thresholds`` defaults to ``RiskThresholds()``."""
    thresholds = thresholds or RiskThresholds()
    notes = [_clean(note) for rule in RULES for note in rule(snapshot, thresholds)]
    return tuple(sorted(notes, key=lambda n: (SEVERITY_ORDER[n.severity], n.id)))
