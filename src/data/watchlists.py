"""Symbols a user adds in the app: checked before they reach the config file, and read in bulk.

A ticker typed in the app is upper-cased and must match the strict pattern (``is_valid_ticker``); a
built-in symbol is refused (it is always shown); then Yahoo is asked for it (one chart request, as a
refresh would send): a symbol Yahoo does not know is refused with Yahoo's own reason. When Yahoo cannot
be asked (offline, bundled data, a replay, rate limited) the symbol is added unchecked and the user is
told; it then shows "no data" with the reason until Yahoo answers for it.

Bulk import (``read_tickers``): a text or CSV file of tickers: one or more per line, separated by commas,
semicolons, tabs or spaces; ``#`` starts a comment; a CSV header row naming a ``symbol`` or ``ticker``
column takes that column only (other header words are skipped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rotor.data.errors import UnknownSymbol, printable
from rotor.data.symbols import UNIVERSE, is_valid_ticker

if TYPE_CHECKING:
    from rotor.data.sources.base import Source

#: The largest file read in a bulk import.
MAX_IMPORT_BYTES: Final = 1 << 20
#: Seconds the check of one symbol may take.
CHECK_BUDGET: Final = 10.0
_SPLIT: Final = re.compile(r"[,;\t ]+")
_CSV_SPLIT: Final = re.compile(r"[,;\t]")


@dataclass(frozen=True, slots=True)
class SymbolCheck:
    """The answer for one ticker: ``ok`` (it may be added), ``checked`` (Yahoo answered for it) and a
    one-line ``reason`` (why it is refused, or why it is added unchecked)."""

    ticker: str
    ok: bool
    checked: bool = False
    reason: str = ""


def pattern_check(text: str) -> SymbolCheck:
    """The checks that need no network: the strict pattern and not a built-in symbol."""
    ticker = text.strip().upper()
    if not is_valid_ticker(ticker):
        shown = printable(text.strip())[:40]
        return SymbolCheck(
            ticker,
            False,
            reason=f"{shown!r} is not a valid Yahoo ticker (letters, digits and ^ = - . only, at most 15)",
        )
    builtin = next((s for s in UNIVERSE if s.ticker == ticker), None)
    if builtin is not None:
        return SymbolCheck(ticker, False, reason=f"{ticker} is already a built-in symbol ({builtin.group})")
    return SymbolCheck(ticker, True)


def check_symbol(
    source: Source | None, text: str, now: datetime, budget: float = CHECK_BUDGET
) -> SymbolCheck:
    """``pattern_check``, then Yahoo's answer for the ticker (see the module docstring). Blocking: call it
    from a worker thread."""
    first = pattern_check(text)
    if not first.ok:
        return first
    ticker = first.ticker
    if source is None:
        return SymbolCheck(
            ticker, True, reason="not checked with Yahoo (no live source: bundled data, cache or replay)"
        )
    result = source.fetch({ticker: (now - timedelta(days=10)).date()}, now, budget)
    if ticker in result.served:
        return SymbolCheck(ticker, True, checked=True)
    error = result.errors.get(ticker)
    if isinstance(error, UnknownSymbol):
        return SymbolCheck(ticker, False, checked=True, reason=error.reason)
    why = error.reason if error is not None else "no answer"
    return SymbolCheck(ticker, True, reason=f"not checked with Yahoo ({why})")


@dataclass(frozen=True, slots=True)
class ImportedTickers:
    """What a bulk import read: the tickers (each once, in file order) and one line per refused item."""

    tickers: tuple[str, ...]
    problems: tuple[str, ...]


def read_tickers(text: str) -> ImportedTickers:
    """Tickers from the text of a ticker list or CSV file (see the module docstring); each passes
    ``pattern_check`` (no network), the others are named with their line."""
    tickers: dict[str, None] = {}
    problems: list[str] = []
    column: int | None = None
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split("#", 1)[0].strip().strip("\ufeff")
        if not body:
            continue
        splitter = _SPLIT if column is None else _CSV_SPLIT
        cells = [c.strip().strip("\"'") for c in splitter.split(body)]
        if first:  # a CSV header row: the symbol column only, from the next row on
            first = False
            lowered = [
                c.strip().strip("\"'").lower()
                for c in (_CSV_SPLIT.split(body) if _CSV_SPLIT.search(body) else cells)
            ]
            named = next(
                (i for i, c in enumerate(lowered) if c in ("symbol", "ticker", "symbols", "tickers")), None
            )
            if named is not None:
                column = named
                continue
        if column is not None:
            cells = cells[column : column + 1]
        for cell in filter(None, cells):
            check = pattern_check(cell)
            if check.ok:
                tickers.setdefault(check.ticker, None)
            else:
                problems.append(f"line {number}: {check.reason}")
    return ImportedTickers(tuple(tickers), tuple(problems))


def read_ticker_file(path: Path) -> ImportedTickers:
    """``read_tickers`` of a file (``~`` expanded). Raises ``OSError`` or ``ValueError`` (not a regular
    file, too large, not UTF-8) with a one-line message."""
    resolved = path.expanduser()
    if not resolved.is_file():
        raise ValueError(f"{printable(str(path))}: no such file")
    if resolved.stat().st_size > MAX_IMPORT_BYTES:
        raise ValueError(f"{printable(str(path))}: larger than 1 MiB")
    try:
        return read_tickers(resolved.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{printable(str(path))}: not UTF-8 text (byte {exc.start})") from None
