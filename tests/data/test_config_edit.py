"""What the app writes to the config file (rotor.data.config_edit): only the lines of the change differ,
every comment and blank line elsewhere stays byte for byte, an edit that would not validate is refused
with its one-line reason and leaves the file as it was; and the state file (rotor.data.state)."""

from __future__ import annotations

import difflib
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from rotor.data.alerts import RuleState
from rotor.data.config import load_config
from rotor.data.config_edit import (
    ConfigEditError,
    add_alert,
    add_position,
    add_symbols,
    add_watchlist,
    remove_alert,
    remove_position,
    remove_symbol,
    remove_watchlist,
)
from rotor.data.settings import AlertRule, PositionLot
from rotor.data.state import MonitorState, append_alert_log, load_state, save_state

ORIGINAL = """\
# rotor config: my monitor   (a comment at the top)

[refresh]
interval = 30   # seconds, while a market trades

# the symbols I follow
[watchlist]
symbols = [
  "AAPL",   # Apple
  { symbol = "ZC=F", name = "Corn" },
]

[[watchlists]]
name = "Tech"       # tab name
symbols = ["MSFT"]  # more later

[[positions]]
symbol = "SPY"
quantity = 10
cost = 600.0            # per share, in the symbol's currency
date = 2025-06-02       # optional

# gold watch
[[alerts]]
symbol = "GC=F"
above = 5000            # or below = ...

[display]
theme = "nord"  # dark
"""


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines removed and added between two texts (unchanged lines are identical, byte for byte)."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(ORIGINAL, encoding="utf-8")
    p.chmod(0o640)
    return p


def test_adding_symbols_changes_only_the_arrays(path: Path) -> None:
    config = add_symbols(path, "Tech", ["NVDA", "MSFT", "AMD"])  # MSFT is there: skipped
    assert [e.symbol for e in config.watchlist_entries("Tech")] == ["MSFT", "NVDA", "AMD"]
    text = path.read_text(encoding="utf-8")
    assert changed_lines(ORIGINAL, text) == (
        ['symbols = ["MSFT"]  # more later\n'],
        ['symbols = ["MSFT", "NVDA", "AMD"]  # more later\n'],
    )
    add_symbols(path, "Watchlist", ["7203.T"])
    removed, added = changed_lines(text, path.read_text(encoding="utf-8"))
    assert removed == [] and [a.strip() for a in added] == ['"7203.T",']
    assert load_config(str(path), {}).watchlist_entries("Watchlist")[-1].symbol == "7203.T"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the file keeps its permissions


def test_removing_a_symbol(path: Path) -> None:
    config = remove_symbol(path, "Watchlist", "AAPL")
    assert [e.symbol for e in config.watchlist.symbols] == ["ZC=F"]
    removed, added = changed_lines(ORIGINAL, path.read_text(encoding="utf-8"))
    assert [r.strip() for r in removed] == ['"AAPL",   # Apple'] and added == []
    with pytest.raises(ConfigEditError, match="AAPL is not on Watchlist"):
        remove_symbol(path, "Watchlist", "AAPL")


def test_a_new_watchlist_and_its_removal_leave_the_rest_as_it_was(path: Path) -> None:
    config = add_watchlist(path, "Energy")
    assert config.watchlist_names == ("Watchlist", "Tech", "Energy")
    add_symbols(path, "Energy", ["XOM"])
    removed, added = changed_lines(ORIGINAL, path.read_text(encoding="utf-8"))
    assert removed == [] and added == ["[[watchlists]]\n", 'name = "Energy"\n', 'symbols = ["XOM"]\n', "\n"]
    remove_watchlist(path, "Energy")
    assert path.read_text(encoding="utf-8") == ORIGINAL
    with pytest.raises(ConfigEditError, match="there is no watchlist named 'Nope'"):
        add_symbols(path, "Nope", ["XOM"])
    with pytest.raises(ConfigEditError, match="the watchlist name 'Tech' is the same as item 1"):
        add_watchlist(path, "Tech")
    assert path.read_text(encoding="utf-8") == ORIGINAL


def test_positions_and_alerts_added_and_removed(path: Path) -> None:
    add_position(path, PositionLot("XLE", 100.0, 85.25, date(2026, 1, 5)))
    config = add_alert(path, AlertRule(symbol="SPY", move_pct=3.0, over="1W"))
    assert config.positions[-1] == PositionLot("XLE", 100.0, 85.25, date(2026, 1, 5))
    assert config.alerts[-1].id == "SPY-move-3-1W"
    removed, added = changed_lines(ORIGINAL, path.read_text(encoding="utf-8"))
    assert removed == []
    assert "".join(added) == (
        '[[positions]]\nsymbol = "XLE"\nquantity = 100\ncost = 85.25\ndate = 2026-01-05\n\n'
        '[[alerts]]\nsymbol = "SPY"\nmove_pct = 3\nover = "1W"\n\n'
    )
    remove_alert(path, "SPY-move-3-1W")
    remove_position(path, 1)
    assert path.read_text(encoding="utf-8") == ORIGINAL
    config = remove_position(path, 0)
    assert config.positions == ()
    removed, added = changed_lines(ORIGINAL, path.read_text(encoding="utf-8"))
    assert [r.split("#")[0].strip() for r in removed] == [
        "[[positions]]",
        'symbol = "SPY"',
        "quantity = 10",
        "cost = 600.0",
        "date = 2025-06-02",
        "",
    ]
    assert added == []
    assert "\n# gold watch\n[[alerts]]\n" in path.read_text(
        encoding="utf-8"
    )  # the next table's comment stays


def test_an_edit_that_would_not_validate_is_refused_and_writes_nothing(path: Path) -> None:
    cases = [
        (lambda: add_symbols(path, "Tech", ["SPY"]), "SPY is already a built-in symbol"),
        (lambda: add_alert(path, AlertRule(symbol="GC=F", above=5000.0)), "is the same as item 1"),
        (lambda: remove_alert(path, "nope"), "no alert nope in the config file"),
        (lambda: remove_position(path, 5), "no longer in the config file"),
        (lambda: remove_watchlist(path, "Watchlist"), "empty it instead"),
    ]
    for edit, needle in cases:
        with pytest.raises(ConfigEditError, match=needle):
            edit()
        assert path.read_text(encoding="utf-8") == ORIGINAL
    path.write_text(ORIGINAL + "[risk]\nvix_watch_level = -1\n", encoding="utf-8")
    with pytest.raises(ConfigEditError, match=r"fix it first: .*risk\.vix_watch_level: must not be negative"):
        add_symbols(path, "Tech", ["NVDA"])


def test_a_new_file_is_user_only_and_a_symlink_is_followed(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "config.toml"
    add_symbols(fresh, "Watchlist", ["AAPL"])
    add_alert(fresh, AlertRule(risk="warning"))
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
    assert fresh.read_text(encoding="utf-8") == (
        '[watchlist]\nsymbols = ["AAPL"]\n\n[[alerts]]\nrisk = "warning"\n\n'
    )
    link = tmp_path / "link.toml"
    link.symlink_to(fresh)
    add_symbols(link, "Watchlist", ["MSFT"])
    assert link.is_symlink() and '["AAPL", "MSFT"]' in fresh.read_text(encoding="utf-8")


def test_the_state_file_round_trip_and_a_mangled_one(tmp_path: Path) -> None:
    path = tmp_path / "state" / "monitor.json"
    assert load_state(path) == MonitorState()
    state = MonitorState(
        watchlist="Tech",
        silenced=frozenset({"GC=F-above-5000"}),
        alerts={"GC=F-above-5000": RuleState(("GC=F",), datetime(2026, 3, 9, 15, 0, tzinfo=UTC))},
    )
    save_state(path, state)
    assert load_state(path) == state
    for mangled in ("[]", "{", '{"alerts": {"x": {"fired": [1]}}, "silenced": "x", "watchlist": 3}'):
        path.write_text(mangled, encoding="utf-8")
        assert load_state(path) == MonitorState()
    log = tmp_path / "data" / "alerts.log"
    append_alert_log(log, ["one", "two"])
    append_alert_log(log, ["three"])
    assert log.read_text(encoding="utf-8") == "one\ntwo\nthree\n"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
