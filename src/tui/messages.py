"""Messages the panes post to the app (handled in one place, ``RotorApp``)."""

from __future__ import annotations

from textual.message import Message


class SymbolChosen(Message):
    """The user asked for the detail of one symbol (``enter`` or a click on a row or tile)."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        super().__init__()
