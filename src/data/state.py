"""What the app remembers of the user's monitor between runs that is not configuration: the watchlist
shown, the alerts silenced, and each alert's state (which crossings already fired, so a restart does
not fire them again); and the alert log.

- ``monitor.json`` in ``platformdirs.user_state_dir("rotor")`` (beside the theme's ``state.json``),
  written whole or not at all; a missing or mangled file only means nothing is remembered.
- ``alerts.log`` in ``platformdirs.user_data_dir("rotor")``: one line per alert fired (time, id, rule,
  what happened), appended, user-only.

Watchlists, positions and alerts themselves live in the config file (``rotor.data.config_edit``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from rotor.data.record import Record

if TYPE_CHECKING:
    from rotor.data.alerts import RuleState

STATE_FILE_NAME: Final = "monitor.json"
ALERT_LOG_NAME: Final = "alerts.log"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MonitorState(Record):
    """The watchlist shown (its name), the ids of the silenced alerts and every alert's state."""

    watchlist: str | None = None
    silenced: frozenset[str] = frozenset()
    alerts: Mapping[str, RuleState] = field(default_factory=dict)


def _user_dir(kind: str) -> Path | None:
    import platformdirs

    directory = Path(getattr(platformdirs, kind)("rotor")).expanduser()
    return directory if directory.is_absolute() else None


def default_state_path() -> Path | None:
    """``monitor.json`` in the platform's user state dir; ``None`` without a home directory."""
    directory = _user_dir("user_state_dir")
    return directory / STATE_FILE_NAME if directory is not None else None


def default_alert_log() -> Path | None:
    """``alerts.log`` in the platform's user data dir; ``None`` without a home directory."""
    directory = _user_dir("user_data_dir")
    return directory / ALERT_LOG_NAME if directory is not None else None


def _rule_state(data: object) -> RuleState | None:
    from rotor.data.alerts import RuleState  # only with alert states: not on the first frame's path

    if not isinstance(data, dict):
        return None
    fired = data.get("fired", [])
    last = data.get("last_fired")
    try:
        when = datetime.fromisoformat(last) if isinstance(last, str) else None
    except ValueError:
        when = None
    if not isinstance(fired, list) or not all(isinstance(k, str) for k in fired):
        return None
    return RuleState(tuple(fired), when)


def load_state(path: Path | None) -> MonitorState:
    """The state saved in ``path``; an empty one when it is missing or not what rotor wrote."""
    if path is None:
        return MonitorState()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return MonitorState()
    if not isinstance(data, dict):
        return MonitorState()
    watchlist = data.get("watchlist")
    silenced = data.get("silenced", [])
    alerts = data.get("alerts", {})
    states = {}
    if isinstance(alerts, dict):
        for rid, raw in alerts.items():
            state = _rule_state(raw)
            if isinstance(rid, str) and state is not None:
                states[rid] = state
    return MonitorState(
        watchlist=watchlist if isinstance(watchlist, str) else None,
        silenced=frozenset(s for s in silenced if isinstance(s, str))
        if isinstance(silenced, list)
        else frozenset(),
        alerts=states,
    )


def _encode(state: MonitorState) -> dict[str, Any]:
    return {
        "watchlist": state.watchlist,
        "silenced": sorted(state.silenced),
        "alerts": {
            rid: {"fired": list(s.fired), "last_fired": s.last_fired.isoformat() if s.last_fired else None}
            for rid, s in state.alerts.items()
        },
    }


def save_state(path: Path, state: MonitorState) -> None:
    """Write ``state`` to ``path`` whole or not at all. Raises ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(_encode(state), indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def append_alert_log(path: Path, lines: Iterable[str]) -> None:
    """Append ``lines`` (one alert firing each, already one line) to the alert log. Raises ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
