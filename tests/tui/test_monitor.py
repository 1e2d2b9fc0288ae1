"""The user's monitor in the app: alerts fire on the feed's snapshots (once per crossing, with a
notification, the bell, a desktop notice and a log line; never in a replay), everything added in the app
is there after a restart, a table's sort survives a refresh and a header click sorts, and a symbol Yahoo
does not know is refused with Yahoo's reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rotor.data.config import load_config
from rotor.data.feed import BundledFeed
from rotor.data.watchlists import SymbolCheck
from rotor.tui.app import create_app
from rotor.tui.monitor import UserMonitor, desktop_method, osc_sequence
from rotor.tui.screens.watchlists import WatchlistsScreen
from rotor.tui.widgets.indices import IndicesTable

from support import (
    AS_OF,
    ScriptedService,
    frozen_clock,
    run_pilot,
    settle,
    snapshot_at,
    wait_until,
    with_last,
)


def monitor_at(tmp_path: Path, text: str) -> UserMonitor:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return UserMonitor(
        load_config(str(path), {}),
        config_path=path,
        state_path=tmp_path / "state" / "monitor.json",
        alert_log=tmp_path / "data" / "alerts.log",
    )


GOLD = '[[alerts]]\nsymbol = "GC=F"\nabove = 5200\n'


def test_an_alert_fires_once_per_crossing_on_the_feed(tmp_path: Path) -> None:
    base = snapshot_at()
    prices = [5100.0, 5210.0, 5250.0, 5190.0, 5150.0, 5201.0]  # 5190 is within 0.5% of 5200: no re-arm
    service = ScriptedService([with_last(base, "GC=F", p) for p in prices])
    monitor = monitor_at(tmp_path, GOLD)
    bells: list[int] = []

    async def body(pilot: Any) -> None:
        app = pilot.app
        app.bell = lambda: bells.append(1)
        notified: list[str] = []
        app.notify = lambda message, **kw: notified.append(f"{kw.get('title')}: {message}")
        fired = []
        for n in range(len(prices)):
            await wait_until(
                pilot, lambda n=n: app.feed_status.refreshes == n + 1 and not app.feed_status.refreshing
            )
            await settle(pilot)
            fired.append(len(notified))
            app.action_refresh_now()
        assert fired == [0, 1, 1, 1, 1, 2]
        assert notified[0] == "Alert: GC=F above 5200: GC=F at 5,210.00, above 5,200.00"

    run_pilot(create_app(service, clock=frozen_clock, interval=600, monitor=monitor), body)
    assert len(bells) == 2
    log = (tmp_path / "data" / "alerts.log").read_text(encoding="utf-8").splitlines()
    assert [line.split(" ", 1)[1] for line in log] == [
        "GC=F-above-5200: GC=F above 5200: GC=F at 5,210.00, above 5,200.00",
        "GC=F-above-5200: GC=F above 5200: GC=F at 5,201.00, above 5,200.00",
    ]


def test_no_alert_in_a_replay_nor_on_the_saved_snapshot(tmp_path: Path) -> None:
    holding = with_last(snapshot_at(), "GC=F", 5300.0)
    monitor = monitor_at(tmp_path, GOLD)

    async def body(pilot: Any) -> None:
        app = pilot.app
        notified: list[str] = []
        app.notify = lambda message, **kw: notified.append(kw.get("title") or "")
        await settle(pilot)
        app.action_refresh_now()
        await settle(pilot)
        assert not any(title.startswith("Alert") for title in notified)
        assert not (tmp_path / "data" / "alerts.log").exists()

    replay = ScriptedService([holding], live=False)
    run_pilot(create_app(replay, clock=frozen_clock, first=holding, monitor=monitor), body)
    # The snapshot an earlier run saved is painted at once but judged only when a refresh brings one.
    saved = ScriptedService([RuntimeError("no network")], initial=holding)
    run_pilot(create_app(saved, clock=frozen_clock, interval=600, retry_base=600, monitor=monitor), body)


def test_a_silenced_alert_stays_quiet(tmp_path: Path) -> None:
    monitor = monitor_at(tmp_path, GOLD)
    monitor.silence("GC=F-above-5200", True)
    service = ScriptedService([with_last(snapshot_at(), "GC=F", 5300.0)])

    async def body(pilot: Any) -> None:
        notified: list[str] = []
        pilot.app.notify = lambda message, **kw: notified.append(message)
        await wait_until(pilot, lambda: pilot.app.feed_status.refreshes == 1)
        await settle(pilot)
        assert notified == []
        assert pilot.app.monitor.state.alerts["GC=F-above-5200"].fired == ("GC=F",)

    run_pilot(create_app(service, clock=frozen_clock, interval=600, monitor=monitor), body)


def test_what_the_user_adds_is_there_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# my monitor\n[refresh]\ninterval = 60  # a minute\n", encoding="utf-8")

    def app() -> Any:
        config = load_config(str(path), {})
        monitor = UserMonitor(config, config_path=path, state_path=tmp_path / "monitor.json")
        return create_app(
            BundledFeed(AS_OF, symbols=config.symbols, clock=frozen_clock),
            clock=frozen_clock,
            monitor=monitor,
        )

    async def type_in(pilot: Any, *keys: str, text: str) -> None:
        await pilot.press(*keys)
        await pilot.press(*text)
        await pilot.press("enter")
        await settle(pilot)

    async def first(pilot: Any) -> None:
        await settle(pilot)
        await type_in(pilot, "W", "n", text="Tech")
        await type_in(pilot, "a", text="MSFT")
        await pilot.press("escape")
        await type_in(pilot, "P", "n", text="SPY 10 600 2025-06-02")
        await pilot.press("escape")
        await type_in(pilot, "a", "n", text="GC=F above 5000")
        await pilot.press("s", "escape", "q")

    run_pilot(app(), first)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my monitor\n[refresh]\ninterval = 60  # a minute\n")

    async def second(pilot: Any) -> None:
        await settle(pilot)
        app = pilot.app
        assert app.monitor.watchlist == "Tech" and app.monitor.tickers() == ("MSFT",)
        indices = app.query_one(IndicesTable)
        assert "MSFT" in [r.key.value for r in indices.ordered_rows]
        group = app.query_one("#positions-group")
        assert [r.key.value for r in group.ordered_rows] == ["SPY|USD", "total:USD"]
        assert [r.id for r in app.monitor.config.alerts] == ["GC=F-above-5000"]
        assert app.monitor.is_silenced("GC=F-above-5000")

    run_pilot(app(), second)


def test_the_sort_survives_a_refresh_and_a_header_click_sorts() -> None:
    base = snapshot_at()
    service = ScriptedService([base, with_last(base, "^RUT", 99_999.0)])

    async def body(pilot: Any) -> None:
        app = pilot.app
        await wait_until(pilot, lambda: app.feed_status.refreshes == 1)
        await settle(pilot)
        indices = app.query_one(IndicesTable)
        await pilot.click("#indices", offset=(19, 0))  # the "Last" header
        assert indices.sort_column == "last" and indices.sort_text == "Last ▼"
        assert next(r.key.value for r in indices.ordered_rows) == "^DJI"
        assert "sorted by Last ▼" in str(app.query_one("#pane-indices").border_subtitle)
        app.action_refresh_now()
        await wait_until(pilot, lambda: app.feed_status.refreshes == 2)
        await settle(pilot)
        assert [r.key.value for r in indices.ordered_rows][:2] == ["^RUT", "^DJI"]  # re-sorted, still by Last
        await pilot.click("#indices", offset=(19, 0))
        assert indices.sort_reverse and next(r.key.value for r in indices.ordered_rows) == "^VIX"

    run_pilot(create_app(service, clock=frozen_clock, interval=600), body)


def test_a_symbol_yahoo_does_not_know_is_refused_with_its_reason(tmp_path: Path) -> None:
    monitor = monitor_at(tmp_path, "")
    service = ScriptedService([snapshot_at()])
    reason = "Yahoo has no such symbol (No data found, symbol may be delisted)"
    service.check_symbol = lambda text: SymbolCheck(text.upper(), False, True, reason)  # type: ignore[attr-defined]

    async def body(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("W", "a", *"zzzz", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WatchlistsScreen)
        assert str(screen.query_one("#message").render()) == f"Refused: ZZZZ: {reason}"

    run_pilot(create_app(service, clock=frozen_clock, interval=600, monitor=monitor), body)
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == ""


def test_desktop_notifications() -> None:
    assert desktop_method("auto", {"TERM_PROGRAM": "iTerm.app"}, lambda _: None) == "osc9"
    assert desktop_method("auto", {"WT_SESSION": "x"}, lambda _: None) == "osc9"
    assert desktop_method("auto", {"TERM": "foot"}, lambda _: None) == "osc777"
    found = lambda _: "/usr/bin/notify-send"  # noqa: E731
    assert desktop_method("auto", {"TERM": "xterm", "DISPLAY": ":0"}, found) == "notify-send"
    assert desktop_method("auto", {"TERM": "xterm"}, found) == "off"  # no desktop session
    assert desktop_method("off", {"TERM_PROGRAM": "iTerm.app"}, found) == "off"
    # Control characters in a text are written escaped: the text cannot end the sequence or start another.
    assert (
        osc_sequence("osc9", "rotor", "GC=F\x1b]0;evil\x07 above")
        == "\x1b]9;rotor: GC=F\\x1b]0;evil\\x07 above\x07"
    )
    assert osc_sequence("osc777", "a;b", "c;d") == "\x1b]777;notify;a,b;c,d\x07"
    assert osc_sequence("osc9", "t", "b", tmux=True) == "\x1bPtmux;\x1b\x1b]9;t: b\x07\x1b\\"
