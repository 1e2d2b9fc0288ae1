"""Alert rules (rotor.data.alerts) on scripted sequences of snapshots: each fires once per crossing,
re-arms only past the hysteresis, a silenced rule stays quiet, and the same sequence gives the same
firings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from rotor.data.alerts import RuleState, check, evaluate, log_line
from rotor.data.feed import BundledFeed
from rotor.data.settings import AlertRule
from rotor.data.snapshot import MarketSnapshot, RiskNote, RRGEntry, RRGPoint

START = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def base() -> MarketSnapshot:
    return BundledFeed(date(2026, 3, 6)).refresh()


def moved(snapshot: MarketSnapshot, n: int, symbol: str, **changes: object) -> MarketSnapshot:
    """The ``n``-th snapshot of a sequence: one symbol's figures changed, its time ``n`` minutes on."""
    instruments = tuple(replace(i, **changes) if i.symbol == symbol else i for i in snapshot.instruments)
    return snapshot.with_changes(instruments=instruments, generated_at=START + timedelta(minutes=n))


def run(
    rules: Sequence[AlertRule], snapshots: Sequence[MarketSnapshot], silenced: Sequence[str] = ()
) -> list[list[str]]:
    """The keys that fired at each snapshot of the sequence (states carried from one to the next)."""
    states: dict[str, RuleState] = {}
    out = []
    for snapshot in snapshots:
        result = evaluate(rules, states, snapshot, hysteresis_pct=0.5, silenced=silenced)
        states = dict(result.states)
        out.append([f"{f.id}:{f.key}" for f in result.fired])
    return out


def test_a_price_crossing_fires_once_and_re_arms_past_the_hysteresis(base: MarketSnapshot) -> None:
    rule = AlertRule(symbol="GC=F", above=5000.0)
    prices = [4990, 5001, 5100, 4990, 5010, 4970, 4980, 5000]
    # 4990 is within 0.5% of 5000 (above 4975): no re-arm; 4970 is past it: armed again.
    snapshots = [moved(base, n, "GC=F", last=float(p)) for n, p in enumerate(prices)]
    fired = run([rule], snapshots)
    assert fired == [[], ["GC=F-above-5000:GC=F"], [], [], [], [], [], ["GC=F-above-5000:GC=F"]]
    # Deterministic: the same sequence, the same firings.
    assert run([rule], snapshots) == fired


def test_below_and_a_condition_already_holding_at_first_sight(base: MarketSnapshot) -> None:
    rule = AlertRule(symbol="SPY", below=10_000.0)
    result = evaluate([rule], {}, base)
    (firing,) = result.fired
    spy = base.get("SPY")
    assert spy is not None and spy.last is not None
    assert firing.message == f"SPY at {spy.last:,.2f}, below 10,000.00"
    assert firing.at == base.generated_at and firing.rule == "SPY below 10000"
    assert evaluate([rule], result.states, base).fired == ()


def test_a_move_over_1d_or_1w(base: MarketSnapshot) -> None:
    day = AlertRule(symbol="XLE", move_pct=3.0, over="1D")
    week = AlertRule(symbol="XLE", move_pct=3.0, over="1W")
    moves = [(1.0, 1.0), (-3.2, 1.0), (-4.0, 3.5), (2.99, 3.5), (2.5, 1.0), (3.0, 1.0)]
    snapshots = [moved(base, n, "XLE", change_1d_pct=d, change_1w_pct=w) for n, (d, w) in enumerate(moves)]
    assert run([day, week], snapshots) == [
        [],
        ["XLE-move-3-1D:XLE"],
        ["XLE-move-3-1W:XLE"],
        [],
        [],  # 2.5 < 3 x 0.995: the 1D rule re-arms (the 1W one at 1.0 too)
        ["XLE-move-3-1D:XLE"],
    ]


def test_a_silenced_rule_stays_quiet_and_does_not_fire_an_old_crossing_later(base: MarketSnapshot) -> None:
    rule = AlertRule(symbol="GC=F", above=5000.0)
    snapshots = [moved(base, n, "GC=F", last=p) for n, p in enumerate([4900.0, 5050.0, 5060.0])]
    assert run([rule], snapshots, silenced=[rule.id]) == [[], [], []]
    states: dict[str, RuleState] = {}
    for snapshot in snapshots[:2]:
        states = dict(evaluate([rule], states, snapshot, silenced=[rule.id]).states)
    assert states[rule.id].fired == ("GC=F",)  # it crossed while silenced: unsilenced, it stays quiet
    assert evaluate([rule], states, snapshots[2]).fired == ()


def note(id: str, severity: str) -> RiskNote:
    return RiskNote(id, severity, f"title of {id}", "detail")  # type: ignore[arg-type]


def test_each_new_risk_note_of_the_severity_fires_once(base: MarketSnapshot) -> None:
    rule = AlertRule(risk="watch")
    sequence = [
        [note("vix", "info")],
        [note("vix", "watch")],
        [note("vix", "watch"), note("dollar", "warning")],
        [note("dollar", "warning")],
        [note("vix", "warning"), note("dollar", "warning")],
    ]
    snapshots = [
        base.with_changes(risk_notes=tuple(notes), generated_at=START + timedelta(minutes=n))
        for n, notes in enumerate(sequence)
    ]
    assert run([rule], snapshots) == [[], ["risk-watch:vix"], ["risk-watch:dollar"], [], ["risk-watch:vix"]]
    assert check(rule, snapshots[2]).holds is True
    assert check(rule, snapshots[0]).message == "no watch risk note"


def rrg(snapshot: MarketSnapshot, n: int, symbol: str, *points: tuple[float, float]) -> MarketSnapshot:
    assert snapshot.rotation is not None
    tail = tuple(RRGPoint(date(2026, 1, 2) + timedelta(weeks=k), r, m) for k, (r, m) in enumerate(points))
    entries = tuple(
        RRGEntry(e.symbol, points[-1][0], points[-1][1], None, tail) if e.symbol == symbol else e
        for e in snapshot.rotation.rrg
    )
    return snapshot.with_changes(
        rotation=replace(snapshot.rotation, rrg=entries), generated_at=START + timedelta(minutes=n)
    )


def test_a_sector_entering_a_quadrant_or_changing_it(base: MarketSnapshot) -> None:
    leading = AlertRule(symbol="XLK", quadrant="Leading")
    change = AlertRule(symbol="XLK", quadrant="any")
    snapshots = [
        rrg(base, 0, "XLK", (99, 101), (99.5, 101)),  # Improving, stays
        rrg(base, 1, "XLK", (99.5, 101), (100.5, 101)),  # Improving -> Leading
        rrg(base, 2, "XLK", (100.5, 101), (101, 102)),  # stays Leading
        rrg(base, 3, "XLK", (101, 102), (101, 99)),  # Leading -> Weakening
        rrg(base, 4, "XLK", (101, 99), (100.2, 100.1)),  # -> Leading again
    ]
    assert run([leading, change], snapshots) == [
        [],
        ["XLK-quadrant-Leading:XLK", "XLK-quadrant-any:XLK:Leading"],
        [],
        ["XLK-quadrant-any:XLK:Weakening"],
        ["XLK-quadrant-Leading:XLK", "XLK-quadrant-any:XLK:Leading"],
    ]
    assert check(change, snapshots[1]).message == "XLK moved from Improving to Leading"


def test_a_symbol_going_stale(base: MarketSnapshot) -> None:
    rule = AlertRule(symbol="CL=F", stale=True)
    snapshots = [moved(base, n, "CL=F", stale=s) for n, s in enumerate([False, True, True, False, True])]
    assert run([rule], snapshots) == [[], ["CL=F-stale:CL=F"], [], [], ["CL=F-stale:CL=F"]]


def test_what_cannot_be_judged_neither_fires_nor_clears(base: MarketSnapshot) -> None:
    rule = AlertRule(symbol="GC=F", above=5000.0)
    snapshots = [moved(base, n, "GC=F", last=p) for n, p in enumerate([5050.0, None, 5050.0])]
    assert run([rule], snapshots) == [["GC=F-above-5000:GC=F"], [], []]
    assert check(rule, snapshots[1]).holds is None
    assert check(AlertRule(symbol="NOPE", above=1.0), base).holds is None


def test_states_of_rules_no_longer_listed_are_dropped_and_the_log_line_is_one_line(
    base: MarketSnapshot,
) -> None:
    first = AlertRule(symbol="GC=F", above=1.0)
    result = evaluate([first], {"gone": RuleState(("X",))}, base)
    assert set(result.states) == {first.id}
    line = log_line(replace(result.fired[0], message="evil\x1b[2J\nline"))
    assert "\n" not in line and "\x1b" not in line
    assert line.startswith(base.generated_at.isoformat(timespec="seconds") + " GC=F-above-1: GC=F above 1: ")
