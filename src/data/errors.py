"""Typed errors of the data layer. Each carries a one-line, user-facing message."""

from __future__ import annotations


class RotorError(Exception):
    """Base of every error rotor reports to the user in one line."""


class ProviderError(RotorError):
    """A provider could not serve a symbol (or a whole request); names the symbol and the reason."""

    def __init__(self, reason: str, symbol: str | None = None) -> None:
        self.symbol = symbol
        self.reason = reason
        super().__init__(f"{symbol}: {reason}" if symbol else reason)


class ProviderUnavailable(ProviderError):
    """The source cannot be reached at all (offline, DNS failure, every symbol failed)."""


class RateLimited(ProviderError):
    """The source asked us to slow down."""


class ProviderTimeout(ProviderError):
    """A call did not finish within its time budget."""


class AsOfOutOfRange(RotorError):
    """The requested as-of date lies outside the loaded data."""


class NoData(RotorError):
    """There is no data at all to compute a snapshot from."""
