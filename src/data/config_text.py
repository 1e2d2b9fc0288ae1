"""The configuration as text, derived from its one declaration (``rotor.data.settings``): ``to_toml`` (what
``rotor config show`` prints; it reads back to the same ``Config``), ``default_config_text`` (the commented
file ``rotor config init`` writes, with ``write_default_config``) and ``reference_table`` (the README's
table of every key, kept equal to it by a test)."""

from __future__ import annotations

import os
from dataclasses import MISSING, fields
from datetime import date
from pathlib import Path

from rotor.data.settings import Config, WatchlistEntry, arrays, sections, spec_of


def _toml_string(text: str) -> str:
    """A TOML basic string; every character that is not printable is escaped (``\\uXXXX``)."""

    def escape(ch: str) -> str:
        if ch in '"\\':
            return "\\" + ch
        if ch.isprintable():
            return ch
        code = ord(ch)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    return '"' + "".join(map(escape, text)) + '"'


def _toml_value(value: object) -> str:
    """A TOML literal for a string, number, boolean, date or watchlist."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        if not value:
            return "[]"
        return "\n".join(["[", *(f"  {watchlist_item(entry)}," for entry in value), "]"])
    return _toml_string(str(value))


def watchlist_item(entry: WatchlistEntry) -> str:
    """A watchlist entry as an item of ``symbols``: ``"MSFT"`` when it has no name of its own, else an
    inline table ``{ symbol = "AAPL", name = "Apple" }``."""
    if entry.name == entry.symbol and entry.short == entry.name:
        return _toml_string(entry.symbol)
    parts = [f"symbol = {_toml_value(entry.symbol)}", f"name = {_toml_value(entry.name)}"]
    if entry.short != entry.name:
        parts.append(f"short = {_toml_value(entry.short)}")
    return "{ " + ", ".join(parts) + " }"


def item_lines(item: object) -> list[str]:
    """The ``key = value`` lines of one ``[[array]]`` item: the keys it sets (those unlike the default)."""
    lines = []
    for f in fields(item):  # type: ignore[arg-type]
        value = getattr(item, f.name)
        if value is None or (f.default is not MISSING and value == f.default):
            continue
        lines.append(f"{f.name} = {_toml_value(value)}")
    return lines


def to_toml(config: Config) -> str:
    """The effective configuration as TOML (every key, defaults included); reads back to ``config``."""
    lines: list[str] = []
    for name, cls in sections().items():
        section = getattr(config, name)
        lines += ["", f"[{name}]"]
        for f in fields(cls):
            value = getattr(section, f.name)
            if value is None:
                lines.append(f"# {f.name}: not set ({spec_of(f).doc})")
            else:
                lines.append(f"{f.name} = {_toml_value(value)}")
    for name in arrays():
        for item in getattr(config, name):
            lines += ["", f"[[{name}]]", *item_lines(item)]
    return "\n".join(lines[1:]) + "\n"


def _comment(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, 108, initial_indent="# ", subsequent_indent="#   ", break_on_hyphens=False)


def default_config_text() -> str:
    """The commented file ``rotor config init`` writes: every key at its default (or an example), commented
    out, with its doc and range, so the file changes nothing until a line is uncommented (and later default
    changes still apply)."""
    lines = [
        "# rotor configuration (TOML). Every key is optional; remove the '# ' before a key to set it.",
        "# 'rotor config check' validates this file; 'rotor config show' prints the effective values.",
    ]
    for name, cls in sections().items():
        lines += ["", f"[{name}]", *_comment(str(cls.__doc__).strip())]
        for f in fields(cls):
            spec = spec_of(f)
            allowed = ("one of: " if spec.choices else "") + spec.allowed()
            lines += _comment(f"{f.name}: {spec.doc}" + (f" ({allowed})" if allowed else ""))
            example = f"{f.name} = {spec.example or _toml_value(f.default)}"
            lines += [f"# {line}" for line in example.splitlines()]
    for name, (item, f) in arrays().items():
        lines += ["", *_comment(f"{name}: {spec_of(f).doc}; one [[{name}]] table each")]
        for part in fields(item):
            spec = spec_of(part)
            allowed = ("one of: " if spec.choices else "") + spec.allowed()
            required = " (required)" if part.default is MISSING else ""
            lines += _comment(f"  {part.name}: {spec.doc}" + (f" ({allowed})" if allowed else "") + required)
        lines += [f"# {line}" if line else "#" for line in (spec_of(f).example or "").splitlines()]
    return "\n".join(lines) + "\n"


def reference_table() -> str:
    """The README's table of every key (Markdown), derived from the declarations."""
    rows = ["| key | default | allowed | meaning |", "|---|---|---|---|"]
    for name, cls in sections().items():
        for f in fields(cls):
            spec = spec_of(f)
            default = "not set" if f.default is None else f"`{_toml_value(f.default)}`"
            doc = spec.doc.replace("|", "\\|")
            rows.append(f"| `[{name}]` `{f.name}` | {default} | {spec.allowed() or '-'} | {doc} |")
    for name, (item, _) in arrays().items():
        for f in fields(item):
            spec = spec_of(f)
            default = (
                "required"
                if f.default is MISSING
                else "not set"
                if f.default is None
                else f"`{_toml_value(f.default)}`"
            )
            doc = spec.doc.replace("|", "\\|")
            rows.append(f"| `[[{name}]]` `{f.name}` | {default} | {spec.allowed() or '-'} | {doc} |")
    return "\n".join(rows) + "\n"


def write_default_config(path: Path) -> None:
    """Create ``path`` with ``default_config_text()``, user-only (0o600; a directory it creates is 0o700).

    Never overwrites: raises ``FileExistsError`` when ``path`` exists, ``OSError`` when it cannot write."""
    directory = path.parent
    missing = []
    probe = directory
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for created in missing:
        created.chmod(0o700)  # mkdir's mode is reduced by the umask; only directories created here
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            fd = -1
            handle.write(default_config_text())
    finally:
        if fd != -1:
            os.close(fd)
