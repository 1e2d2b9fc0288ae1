"""Alerts of the user's own (``[[alerts]]``): what each rule says about a snapshot, and which fire.

``evaluate(rules, states, snapshot)`` is a pure function: the same rules, previous states and snapshot
give the same firings and new states, so a sequence of snapshots gives one sequence of firings. The app
calls it after each refreshed snapshot (never in a replay) and persists the states; the report calls
``check`` for each rule (which holds at the as-of date) and fires nothing.

A rule matches *keys*: the symbol of a price, move or stale rule; each risk note's id for a risk rule;
each sector (with its quadrant) for a quadrant rule. A key fires once when it starts to match and is
armed again only when the condition has cleared, past the hysteresis for prices and moves:

- ``above L``: matches when ``last >= L``; clears when ``last < L x (1 - h/100)``;
- ``below L``: matches when ``last <= L``; clears when ``last > L x (1 + h/100)``;
- ``move_pct M`` over 1D or 1W: matches when ``|change| >= M``; clears when ``|change| < M x (1 - h/100)``;
- ``risk S``: each note of severity S or worse matches by its id; it clears when the note is gone;
- ``quadrant Q``: each sector (the rule's symbol, or every sector) in quadrant Q matches; ``any``: a
  sector whose last RRG point lies in another quadrant than the point before matches (keyed by its new
  quadrant); either clears when it no longer matches;
- ``stale``: matches while the symbol is stale.

``h`` is ``[notify] hysteresis_pct``. A key that cannot be judged (no price) neither fires nor clears.
A silenced rule's states move on as usual but its firings are dropped, so unsilencing it never brings
back an old crossing. A rule seen for the first time is armed: a condition that already holds fires.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from rotor.data.render import formatting as fmt
from rotor.data.settings import SEVERITIES, AlertRule
from rotor.data.snapshot import MarketSnapshot, RRGEntry

#: The default hysteresis (``[notify] hysteresis_pct``), in % of the level or threshold.
HYSTERESIS_PCT: Final = 0.5


@dataclass(frozen=True, slots=True)
class Check:
    """What a rule says about one snapshot: ``matches`` (key -> message), the keys that ``cleared``
    (``every_other``: every key not matching has cleared, as a risk note that is gone), ``holds`` (any key
    matches; ``None`` when it cannot be judged) and a one-line ``message``."""

    holds: bool | None
    message: str
    matches: Mapping[str, str] = field(default_factory=dict)
    cleared: frozenset[str] = frozenset()
    every_other: bool = False


@dataclass(frozen=True, slots=True)
class RuleState:
    """A rule's memory between snapshots: the keys that fired and have not cleared (not armed), and
    when it last fired (the snapshot's time)."""

    fired: tuple[str, ...] = ()
    last_fired: datetime | None = None


@dataclass(frozen=True, slots=True)
class Firing:
    """One alert firing: the rule's id and words, the key that fired, what happened and when."""

    id: str
    rule: str
    symbol: str | None
    key: str
    message: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The firings of one snapshot, in rule order, and every rule's new state (by id)."""

    fired: tuple[Firing, ...]
    states: Mapping[str, RuleState]


def _price(value: float | None) -> str:
    return fmt.price(value)


def _quadrant(point: tuple[float, float] | None) -> str | None:
    if point is None:
        return None
    ratio, momentum = point
    if ratio > 100:
        return "Leading" if momentum > 100 else "Weakening"
    return "Improving" if momentum > 100 else "Lagging"


def _last_two(entry: RRGEntry) -> tuple[str | None, str | None]:
    """The quadrants of an RRG entry's point before the last one, and of the last."""
    tail = entry.tail
    last = entry.quadrant or _quadrant((tail[-1].rs_ratio, tail[-1].rs_momentum) if tail else None)
    before = _quadrant((tail[-2].rs_ratio, tail[-2].rs_momentum)) if len(tail) >= 2 else None
    return before, last


def check(rule: AlertRule, snapshot: MarketSnapshot, hysteresis_pct: float = HYSTERESIS_PCT) -> Check:
    """What ``rule`` says about ``snapshot`` (see the module docstring)."""
    h = hysteresis_pct / 100.0
    c = rule.condition
    if c == "risk":
        worst = SEVERITIES.index(rule.risk or "warning")
        notes = [n for n in snapshot.risk_notes if SEVERITIES.index(n.severity) >= worst]
        matches = {n.id: f"{n.severity}: {n.title}" for n in notes}
        message = "; ".join(matches.values()) or f"no {rule.risk} risk note"
        return Check(bool(matches), message, matches, every_other=True)
    if c == "quadrant":
        return _check_quadrant(rule, snapshot)
    symbol = rule.symbol or ""
    stats = snapshot.get(symbol)
    if stats is None:
        return Check(None, f"{symbol} is not in the data")
    if c == "stale":
        if stats.stale:
            reason = f" ({stats.error})" if stats.error else ""
            return Check(
                True, f"{symbol} is stale: last price of {stats.last_date}{reason}", {symbol: "stale"}
            )
        return Check(False, f"{symbol} is current", cleared=frozenset({symbol}))
    last = stats.last
    if c in ("above", "below"):
        level = rule.above if c == "above" else rule.below
        assert level is not None
        if last is None:
            return Check(None, f"{symbol} has no price")
        holds = last >= level if c == "above" else last <= level
        clear = last < level * (1 - h) if c == "above" else last > level * (1 + h)
        side = c if holds else ("below" if c == "above" else "above")
        message = f"{symbol} at {_price(last)}, {side} {_price(level)}"
        return Check(
            holds, message, {symbol: message} if holds else {}, frozenset({symbol}) if clear else frozenset()
        )
    threshold = rule.move_pct
    assert threshold is not None
    change = stats.change(rule.over)
    if change is None:
        return Check(None, f"{symbol} has no {rule.over} change")
    holds = abs(change) >= threshold
    clear = abs(change) < threshold * (1 - h)
    message = f"{symbol} {'moved' if holds else 'is'} {fmt.pct(change)} ({rule.over})"
    message += f", at least {threshold:g}% either way" if holds else f", under {threshold:g}%"
    return Check(
        holds, message, {symbol: message} if holds else {}, frozenset({symbol}) if clear else frozenset()
    )


def _check_quadrant(rule: AlertRule, snapshot: MarketSnapshot) -> Check:
    rotation = snapshot.rotation
    entries = [] if rotation is None else [e for e in rotation.rrg if rule.symbol in (None, e.symbol)]
    if not entries:
        return Check(None, f"no RRG position for {rule.symbol or 'the sectors'}")
    matches: dict[str, str] = {}
    cleared: set[str] = set()
    judged = False
    for entry in entries:
        before, last = _last_two(entry)
        if last is None:
            continue
        judged = True
        if rule.quadrant == "any":
            if before is not None and before != last:
                matches[f"{entry.symbol}:{last}"] = f"{entry.symbol} moved from {before} to {last}"
            cleared |= {f"{entry.symbol}:{q}" for q in ("Leading", "Weakening", "Lagging", "Improving")}
        elif last == rule.quadrant:
            matches[entry.symbol] = f"{entry.symbol} is {last}"
        else:
            cleared.add(entry.symbol)
    if not judged:
        return Check(None, "no RRG quadrant yet")
    cleared -= set(matches)
    if matches:
        message = "; ".join(matches.values())
    elif rule.quadrant == "any":
        message = (
            f"{rule.symbol or 'no sector'} kept its quadrant" if rule.symbol else "no sector changed quadrant"
        )
    else:
        message = (
            f"{rule.symbol or 'no sector'} is not {rule.quadrant}"
            if rule.symbol
            else f"no sector is {rule.quadrant}"
        )
    return Check(bool(matches), message, matches, frozenset(cleared))


def evaluate(
    rules: Sequence[AlertRule],
    states: Mapping[str, RuleState],
    snapshot: MarketSnapshot,
    *,
    hysteresis_pct: float = HYSTERESIS_PCT,
    silenced: Collection[str] = (),
) -> Evaluation:
    """The alerts that fire at ``snapshot`` given each rule's previous state, and the new states (states
    of rules no longer listed are dropped). Pure and deterministic."""
    fired: list[Firing] = []
    out: dict[str, RuleState] = {}
    for rule in rules:
        rid = rule.id
        state = states.get(rid, RuleState())
        result = check(rule, snapshot, hysteresis_pct)
        new = [key for key in result.matches if key not in state.fired]
        if result.every_other and result.holds is not None:
            still = [key for key in state.fired if key in result.matches]
        else:
            still = [key for key in state.fired if key not in result.cleared]
        last_fired = state.last_fired
        if new:
            last_fired = snapshot.generated_at
            if rid not in silenced:
                fired += [
                    Firing(rid, rule.describe(), rule.symbol, key, result.matches[key], snapshot.generated_at)
                    for key in new
                ]
        out[rid] = RuleState(tuple(dict.fromkeys([*still, *new])), last_fired)
    return Evaluation(tuple(fired), out)


def log_line(firing: Firing) -> str:
    """The alert log's line for a firing: time, id, the rule and what happened (one line)."""
    from rotor.data.errors import printable

    return printable(
        f"{firing.at.isoformat(timespec='seconds')} {firing.id}: {firing.rule}: {firing.message}"
    )


#: How an alert is typed in the app, one example per condition.
ALERT_SYNTAX: Final = (
    "GC=F above 5000",
    "SPY below 600",
    "SPY move 3 1D",
    "risk warning",
    "XLK quadrant Leading",
    "quadrant any",
    "CL=F stale",
)


def parse_alert(text: str) -> AlertRule:
    """An alert typed in the app (``ALERT_SYNTAX``: ``SYMBOL above|below LEVEL``, ``SYMBOL move PCT
    [1D|1W]``, ``risk SEVERITY``, ``[SYMBOL] quadrant QUADRANT|any``, ``SYMBOL stale``), checked by the
    same rules as ``[[alerts]]``. Raises ``ValueError`` with a one-line reason."""
    from rotor.data.errors import printable
    from rotor.data.settings import QUADRANT_CHOICES, TIMEFRAME_CHOICES
    from rotor.data.symbols import is_valid_ticker

    words = text.replace(">", " above ").replace("<", " below ").replace("%", " ").split()
    if not words:
        raise ValueError("type an alert, e.g. " + ", ".join(ALERT_SYNTAX[:3]))
    lower = [w.lower() for w in words]
    symbol: str | None = None
    if lower[0] not in ("risk", "quadrant"):
        symbol = words[0].upper()
        if not is_valid_ticker(symbol):
            raise ValueError(f"{printable(words[0])[:20]!r} is not a valid Yahoo ticker")
        words, lower = words[1:], lower[1:]
    if not words:
        raise ValueError(
            f"what should {symbol} do? e.g. '{symbol} above 100', '{symbol} move 3 1D', '{symbol} stale'"
        )
    kind, rest = lower[0], words[1:]

    def number(word: str) -> float:
        try:
            return float(word.replace(",", ""))
        except ValueError:
            raise ValueError(f"{printable(word)[:20]!r} is not a number") from None

    if kind in ("above", "below") and len(rest) == 1:
        return AlertRule(symbol=symbol, **{kind: number(rest[0])})  # type: ignore[arg-type]
    if kind == "move" and len(rest) in (1, 2):
        over = rest[1].upper() if len(rest) == 2 else "1D"
        if over not in TIMEFRAME_CHOICES:
            raise ValueError(f"over {printable(rest[1])[:10]!r}: choose 1D or 1W")
        return AlertRule(symbol=symbol, move_pct=number(rest[0]), over=over)
    if kind == "risk" and len(rest) == 1:
        severity = rest[0].lower()
        if severity not in SEVERITIES:
            raise ValueError(f"risk {printable(rest[0])[:10]!r}: choose info, watch or warning")
        return AlertRule(risk=severity)
    if kind == "quadrant" and len(rest) == 1:
        quadrant = next((q for q in QUADRANT_CHOICES if q.lower() == rest[0].lower()), None)
        if quadrant is None:
            raise ValueError(f"quadrant {printable(rest[0])[:10]!r}: choose {', '.join(QUADRANT_CHOICES)}")
        return AlertRule(symbol=symbol, quadrant=quadrant)
    if kind == "stale" and not rest:
        return AlertRule(symbol=symbol, stale=True)
    raise ValueError("not an alert; type e.g. " + ", ".join(ALERT_SYNTAX))
