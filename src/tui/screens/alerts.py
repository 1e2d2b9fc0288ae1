"""``a``: the user's alerts: each rule, whether it holds now, its state (armed, fired, silenced) and when it
last fired; ``n`` adds one (written to the config file), ``s`` silences or unsilences the one under the
cursor (remembered in the state file), ``d`` deletes it (from the config file)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from rotor.data.alerts import ALERT_SYNTAX, check, parse_alert
from rotor.data.settings import AlertRule
from rotor.tui.screens.prompt import MonitorView, bindings_of
from rotor.tui.widgets.columns import Column
from rotor.tui.widgets.table import KeyedTable
from textual.app import ComposeResult
from textual.binding import BindingType

COLUMNS = (
    Column("rule", "Alert", 30, right=False),
    Column("now", " Now", 7, right=False),
    Column("state", " State", 10, right=False),
    Column("fired", " Last fired", 18, right=False),
    Column("message", " What it says now", 100, right=False),
)


class AlertsScreen(MonitorView):
    """The alerts view (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_of("Alerts")
    TITLE_TEXT = "Alerts"

    def body(self) -> ComposeResult:
        yield KeyedTable(COLUMNS, id="alerts")

    def _rule(self, rule_id: str | None) -> AlertRule | None:
        return next((r for r in self.actions.monitor.config.alerts if r.id == rule_id), None)

    def show(self) -> None:
        monitor = self.actions.monitor
        tones = self.actions.tones
        snapshot = self.actions.snapshot
        rows = []
        for rule in monitor.config.alerts:
            holds = None
            message = "no data yet"
            if snapshot is not None:
                result = check(rule, snapshot, monitor.config.notify.hysteresis_pct)
                holds, message = result.holds, result.message
            state = monitor.state.alerts.get(rule.id)
            silenced = monitor.is_silenced(rule.id)
            fired = bool(state and state.fired)
            label = "silenced" if silenced else "fired" if fired else "armed"
            colour = "dim" if silenced else tones.warning if fired else tones.up
            when = state.last_fired.strftime("%Y-%m-%d %H:%M") if state and state.last_fired else "never"
            rows.append(
                (
                    rule.id,
                    {
                        "rule": Text(rule.describe()),
                        "now": Text(" " + {True: "holds", False: "clear", None: "n/a"}[holds]),
                        "state": Text(" " + label, style=colour),
                        "fired": Text(" " + when, style="dim"),
                        "message": Text(" " + message),
                    },
                )
            )
        table = self.query_one("#alerts", KeyedTable)
        table.sync(rows)
        if not rows:
            self.say("No alert yet: n adds one (" + ", ".join(ALERT_SYNTAX[:4]) + " ...)")

    def action_new_alert(self) -> None:
        self.ask("New alert", "e.g. " + " · ".join(ALERT_SYNTAX), self._add)

    def _add(self, text: str) -> None:
        from rotor.data.config_edit import ConfigEditError, add_alert

        try:
            rule = parse_alert(text)
            config = self.actions.monitor.edit(lambda path: add_alert(path, rule))
        except (ValueError, ConfigEditError) as exc:
            self.say(str(exc), error=True)
            return
        self.actions.monitor_changed(config)
        self.show()
        self.say(f"Added: {rule.describe()} (written to {self.actions.monitor.config_path})")

    def action_toggle_silence(self) -> None:
        rule = self._rule(self.query_one("#alerts", KeyedTable).cursor_symbol)
        if rule is None:
            return
        monitor = self.actions.monitor
        silenced = not monitor.is_silenced(rule.id)
        monitor.silence(rule.id, silenced)
        self.show()
        self.say(f"{'Silenced' if silenced else 'Unsilenced'}: {rule.describe()}")

    def action_delete_alert(self) -> None:
        from rotor.data.config_edit import ConfigEditError, remove_alert

        rule = self._rule(self.query_one("#alerts", KeyedTable).cursor_symbol)
        if rule is None:
            return
        try:
            config = self.actions.monitor.edit(lambda path: remove_alert(path, rule.id))
        except ConfigEditError as exc:
            self.say(str(exc), error=True)
            return
        self.actions.monitor.silence(rule.id, False)
        self.actions.monitor_changed(config)
        self.show()
        self.say(f"Deleted: {rule.describe()}")
