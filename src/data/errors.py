"""Typed errors of the data layer. Each carries a one-line, user-facing message.

A source's failures keep their true reason, each its own type (``ProviderError`` subclasses): the source
could not be reached, did not answer in time, answered with a server error or with something that is not
its format, asked us to slow down, or does not know the symbol. ``kind`` is the short name the status bar
groups failures by ("3 symbols: timed out").
"""

from __future__ import annotations

from datetime import datetime


class RotorError(Exception):
    """Base of every error rotor reports to the user in one line."""


class ProviderError(RotorError):
    """A source could not serve a symbol (or a whole request); names the symbol and the reason."""

    kind = "failed"

    def __init__(self, reason: str, symbol: str | None = None) -> None:
        self.symbol = symbol
        self.reason = reason
        super().__init__(f"{symbol}: {reason}" if symbol else reason)

    def for_symbol(self, symbol: str) -> ProviderError:
        """The same failure, reported for ``symbol`` (a whole-request failure shared by every symbol)."""
        copy = type(self).__new__(type(self))
        copy.__dict__.update(self.__dict__)
        ProviderError.__init__(copy, self.reason, symbol)
        return copy


class ProviderUnavailable(ProviderError):
    """The source cannot be reached at all (DNS failure, connection refused or reset, offline)."""

    kind = "unreachable"


class ProviderTimeout(ProviderError):
    """A request did not finish within its deadline."""

    kind = "timed out"


class ServerError(ProviderError):
    """The source answered with a server error (HTTP 5xx)."""

    kind = "server error"


class MalformedAnswer(ProviderError):
    """The source answered with something that is not its format (cut JSON, missing fields)."""

    kind = "malformed answer"


class UnknownSymbol(ProviderError):
    """The source says it has no such symbol (Yahoo: "No data found, symbol may be delisted")."""

    kind = "unknown symbol"


class RateLimited(ProviderError):
    """The source asked us to slow down (HTTP 429 or a refused crumb). ``retry_at``: when it may be asked
    again (its ``Retry-After``, or the feed's backoff), if known."""

    kind = "rate limited"

    def __init__(self, reason: str, symbol: str | None = None, retry_at: datetime | None = None) -> None:
        super().__init__(reason, symbol)
        self.retry_at = retry_at


class IntradayUnavailable(RotorError):
    """The feed has no intraday bars to give: bundled data, a replay or the cache alone hold daily bars
    only (the message says which, and that intraday bars need the live feed)."""


class AsOfOutOfRange(RotorError):
    """The requested as-of date lies outside the loaded data."""


class NoData(RotorError):
    """There is no data at all to compute a snapshot from."""


def printable(text: str) -> str:
    """``text`` with every character that is not printable (newlines, ESC and the other control
    characters, bidirectional overrides, line separators) written as its Python escape (``\\n``,
    ``\\x1b``, ``\\u202e``): a message stays one line and cannot move the cursor, retitle the terminal or
    clear the screen, whatever a file name, a config key or a watchlist entry holds."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
