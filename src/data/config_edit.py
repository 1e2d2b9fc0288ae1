"""Edits the app makes to the config file: watchlists and their symbols, positions, alerts.

The config file stays the one place a user reads and edits their monitor, so what is added in the app is
written there, and nothing else of the file changes: it is parsed with tomlkit, which keeps comments,
blank lines, key order and formatting, and only the table or array item concerned is rewritten (a test
checks every other line byte for byte). Before anything is written the new text is validated by the same
rules as a file read at start (``rotor.data.config.parse_config``): an edit that would make the file
invalid is refused with that one-line reason, and a file that is already invalid is left alone.

A write replaces the file whole or not at all (a temporary file in the same directory, renamed over it;
a symlink is followed, and the file keeps its permissions; a new file is user-only). tomlkit is imported
only here, when the user edits something.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from rotor.data.config import ConfigError, parse_config
from rotor.data.config_file import read_config_bytes
from rotor.data.errors import RotorError
from rotor.data.settings import DEFAULT_WATCHLIST, AlertRule, Config, PositionLot

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument


class ConfigEditError(RotorError):
    """An edit the config file cannot take (it would not validate, or the file cannot be written)."""


def _read(path: Path) -> str:
    raw = read_config_bytes(path)
    if raw is None:
        return ""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigEditError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def edit_config(path: Path, change: Callable[[TOMLDocument], None]) -> Config:
    """Apply ``change`` to the TOML document of ``path`` (empty when it does not exist), validate the
    result and write it; the new ``Config``. Raises ``ConfigEditError`` with a one-line reason."""
    import tomlkit

    def rewrite(text: str) -> str:
        doc = tomlkit.parse(text)
        change(doc)
        return tomlkit.dumps(doc)

    return edit_text(path, rewrite)


def edit_text(path: Path, rewrite: Callable[[str], str]) -> Config:
    """``edit_config`` for a change made to the text itself (``rewrite`` returns the new text)."""
    target = path.resolve() if path.is_symlink() else path
    text = _read(target)
    try:
        parse_config(text, target)
    except ConfigError as exc:
        raise ConfigEditError(f"the config file has an error; fix it first: {exc}") from None
    new = rewrite(text)
    try:
        config = parse_config(new, target)
    except ConfigError as exc:
        reason = str(exc).split(": ", 2)[-1] if str(exc).startswith(str(target)) else str(exc)
        raise ConfigEditError(reason) from None
    _write(target, new)
    return config


def _write(path: Path, text: str) -> None:
    """``text`` into ``path`` whole or not at all, keeping the file's permissions (user-only when new)."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except OSError as exc:
        raise ConfigEditError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        temporary.unlink(missing_ok=True)


# --- the edits -------------------------------------------------------------------------------------------


def _array_of_tables(doc: TOMLDocument, name: str) -> Any:
    """The ``[[name]]`` array of ``doc``, created (at the end) when missing."""
    import tomlkit

    if name not in doc:
        doc.append(name, tomlkit.aot())
    return doc[name]


def _symbols_of(doc: TOMLDocument, watchlist: str) -> Any:
    """The ``symbols`` array of the watchlist ``watchlist`` (``[watchlist]``'s or a ``[[watchlists]]``
    item's), created when missing. Raises ``ConfigEditError`` for a watchlist that does not exist."""
    import tomlkit

    if watchlist == DEFAULT_WATCHLIST:
        if "watchlist" not in doc:
            new = tomlkit.table()
            new["symbols"] = tomlkit.array()
            new.add(tomlkit.nl())
            doc.append("watchlist", new)
        table: Any = doc["watchlist"]
    else:
        table = next((t for t in doc.get("watchlists", []) if t.get("name") == watchlist), None)
        if table is None:
            raise ConfigEditError(f"there is no watchlist named {watchlist!r}")
    if "symbols" not in table:
        table["symbols"] = tomlkit.array()
    return table["symbols"]


def _ticker_of(item: object) -> str:
    if isinstance(item, str):
        return item.strip().upper()
    if isinstance(item, dict):
        return str(item.get("symbol", "")).strip().upper()
    return ""


def add_symbols(path: Path, watchlist: str, tickers: Iterable[str]) -> Config:
    """Append ``tickers`` (validated ones; see ``rotor.data.watchlists``) to the watchlist's symbols,
    skipping those already on it."""

    def change(doc: TOMLDocument) -> None:
        symbols = _symbols_of(doc, watchlist)
        have = {_ticker_of(item) for item in symbols}
        for ticker in tickers:
            if ticker not in have:
                symbols.append(ticker)
                have.add(ticker)

    return edit_config(path, change)


def remove_symbol(path: Path, watchlist: str, ticker: str) -> Config:
    """Take ``ticker`` off the watchlist ``watchlist``."""

    def change(doc: TOMLDocument) -> None:
        symbols = _symbols_of(doc, watchlist)
        index = next((i for i, item in enumerate(symbols) if _ticker_of(item) == ticker), None)
        if index is None:
            raise ConfigEditError(f"{ticker} is not on {watchlist}")
        del symbols[index]

    return edit_config(path, change)


def add_watchlist(path: Path, name: str) -> Config:
    """A new, empty watchlist ``name`` (a ``[[watchlists]]`` item at the end of the file)."""
    import tomlkit

    def change(doc: TOMLDocument) -> None:
        table = tomlkit.table()
        table["name"] = name.strip()
        table["symbols"] = tomlkit.array()
        table.add(tomlkit.nl())
        _array_of_tables(doc, "watchlists").append(table)

    return edit_config(path, change)


def remove_watchlist(path: Path, name: str) -> Config:
    """Delete the watchlist ``name`` (a ``[[watchlists]]`` item; ``[watchlist]`` itself stays)."""
    if name == DEFAULT_WATCHLIST:
        raise ConfigEditError(f"{DEFAULT_WATCHLIST} is the [watchlist] section: empty it instead")

    before = _current(path).watchlists
    index = next((i for i, w in enumerate(before) if w.name == name), None)
    if index is None:
        raise ConfigEditError(f"there is no watchlist named {name!r}")
    return _remove_array_item(
        path, "watchlists", index, lambda c: c.watchlists == before[:index] + before[index + 1 :]
    )


def _remove_item(doc: TOMLDocument, name: str, index: int) -> None:
    items = doc[name]
    del items[index]
    if not items:
        del doc[name]


_ANY_HEADER: Final = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def _without_item(text: str, name: str, index: int) -> str | None:
    """``text`` without the ``index``-th ``[[name]]`` table: its header and keys; the comments and blank
    lines after its last key stay (they introduce what follows). ``None`` when the item is not written as
    a ``[[name]]`` table (an inline array)."""
    lines = text.splitlines(keepends=True)
    found = {i: m.group(1) for i, line in enumerate(lines) if (m := _ANY_HEADER.match(line))}
    headers = list(found)
    mine = [i for i, table in found.items() if lines[i].strip().startswith("[[") and table == name]
    if index >= len(mine):
        return None
    start = mine[index]
    end = next((i for i in headers if i > start), len(lines))
    last = end
    while last > start + 1 and (not lines[last - 1].strip() or lines[last - 1].lstrip().startswith("#")):
        last -= 1
    if last < end and not lines[last].strip():
        last += 1  # one blank line goes with it, so none doubles
    return "".join(lines[:start] + lines[last:])


def _remove_array_item(path: Path, name: str, index: int, check: Callable[[Config], bool]) -> Config:
    """Delete the ``index``-th item of ``[[name]]`` by its lines (see ``_without_item``), or through
    tomlkit when it is not written as a table; ``check`` confirms the result lost just that item."""

    def rewrite(text: str) -> str:
        import tomlkit

        cut = _without_item(text, name, index)
        if cut is not None:
            try:
                if check(parse_config(cut, path)):
                    return cut
            except ConfigError:
                pass
        doc = tomlkit.parse(text)
        _remove_item(doc, name, index)
        return tomlkit.dumps(doc)

    return edit_text(path, rewrite)


def _table_of(item: object) -> Any:
    """A dataclass item (a lot, an alert) as a tomlkit table of the keys it sets (those unlike their
    default, as ``rotor config show`` writes them)."""
    from dataclasses import MISSING, fields

    import tomlkit

    table = tomlkit.table()
    for f in fields(item):  # type: ignore[arg-type]
        value = getattr(item, f.name)
        if value is None or (f.default is not MISSING and value == f.default):
            continue
        table[f.name] = int(value) if isinstance(value, float) and value.is_integer() else value
    table.add(tomlkit.nl())  # a blank line before whatever follows, as people write TOML
    return table


def add_position(path: Path, lot: PositionLot) -> Config:
    """A ``[[positions]]`` item for ``lot``, after the others."""
    return edit_config(path, lambda doc: _array_of_tables(doc, "positions").append(_table_of(lot)))


def remove_position(path: Path, index: int) -> Config:
    """Delete the ``index``-th ``[[positions]]`` item (0-based, the order of ``Config.positions``)."""

    before = _current(path).positions
    if not 0 <= index < len(before):
        raise ConfigEditError("that lot is no longer in the config file")
    return _remove_array_item(
        path, "positions", index, lambda c: c.positions == before[:index] + before[index + 1 :]
    )


def add_alert(path: Path, rule: AlertRule) -> Config:
    """A ``[[alerts]]`` item for ``rule``, after the others (refused when the same rule exists)."""
    return edit_config(path, lambda doc: _array_of_tables(doc, "alerts").append(_table_of(rule)))


def remove_alert(path: Path, rule_id: str) -> Config:
    """Delete the ``[[alerts]]`` item whose rule has the id ``rule_id``."""

    before = _current(path).alerts
    index = next((i for i, rule in enumerate(before) if rule.id == rule_id), None)
    if index is None:
        raise ConfigEditError(f"no alert {rule_id} in the config file")
    return _remove_array_item(
        path, "alerts", index, lambda c: c.alerts == before[:index] + before[index + 1 :]
    )


def _current(path: Path) -> Config:
    """The config in ``path`` now (``ConfigEditError`` when it is invalid)."""
    target = path.resolve() if path.is_symlink() else path
    try:
        return parse_config(_read(target), target)
    except ConfigError as exc:
        raise ConfigEditError(f"the config file has an error; fix it first: {exc}") from None
