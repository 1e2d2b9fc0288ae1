"""MarketService: what the app and the report ask for snapshots.

The app calls ``initial()`` on the UI thread (it must be cheap: no pandas, no network) and ``refresh()``
from a worker thread. ``refresh()`` raises a ``RotorError`` when nothing new could be computed; the caller
keeps its last good snapshot and marks it stale.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol

from rotor.data.symbols import UNIVERSE, Symbol

if TYPE_CHECKING:
    from rotor.data.figures.risk import RiskThresholds
    from rotor.data.figures.rotation import RRGOptions
    from rotor.data.panel import Panel
    from rotor.data.snapshot import MarketSnapshot, SymbolDetail
    from rotor.data.sources.bundled import SnapshotProvider

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class MarketService(Protocol):
    """A source of ``MarketSnapshot``s for the app and the report."""

    @property
    def live(self) -> bool:
        """True when repeated refreshes can bring new data (False for replays and bundled data)."""
        ...

    def initial(self) -> MarketSnapshot | None:
        """A snapshot to paint at once (e.g. the last persisted one), or ``None``. Cheap."""
        ...

    def refresh(self) -> MarketSnapshot:
        """Fetch what is new and recompute every figure. Called from a worker thread."""
        ...

    def detail(self, snapshot: MarketSnapshot, symbol: str) -> SymbolDetail:
        """Bars and averages of one symbol at ``snapshot.as_of``. Called from a worker thread."""
        ...


class BundledService:
    """Snapshots computed from the bundled real data (offline). The panel is built once; every
    ``refresh`` recomputes every figure from it. A symbol the bundle does not hold (a watchlist symbol)
    is shown with ``error = "no data in the bundled snapshot"``; everything else works as usual.
    ``rrg_options`` and ``risk_thresholds`` go to ``compute_snapshot`` (defaults when ``None``)."""

    def __init__(
        self,
        as_of: date | None = None,
        *,
        symbols: Sequence[Symbol] = UNIVERSE,
        clock: Clock = utc_now,
        provider: SnapshotProvider | None = None,
        rrg_options: RRGOptions | None = None,
        risk_thresholds: RiskThresholds | None = None,
    ) -> None:
        self._as_of = as_of
        self._symbols = tuple(symbols)
        self._clock = clock
        self._provider = provider
        self._rrg_options = rrg_options
        self._risk_thresholds = risk_thresholds
        self._panel: Panel | None = None
        self._lock = threading.Lock()

    @property
    def live(self) -> bool:
        return False

    def initial(self) -> MarketSnapshot | None:
        """The precomputed snapshot of the bundle when this service would compute exactly it."""
        if self._as_of is not None or self._provider is not None:
            return None
        return bundled_first_snapshot(self._symbols, self._rrg_options, self._risk_thresholds)

    def _load_panel(self) -> Panel:
        from rotor.data.panel import Panel
        from rotor.data.sources.bundled import SnapshotProvider

        with self._lock:
            if self._panel is None:
                provider = self._provider or SnapshotProvider()
                tickers = [s.ticker for s in self._symbols]
                self._panel = Panel.from_bars(provider.history(tickers).bars, tickers)
            return self._panel

    def refresh(self) -> MarketSnapshot:
        from rotor.data.build import compute_snapshot

        panel = self._load_panel()
        as_of = self._as_of
        if as_of is None:
            as_of = complete_as_of(panel)
        snapshot = compute_snapshot(
            panel,
            requested_as_of=as_of,
            source="snapshot",
            now=self._clock(),
            symbols=self._symbols,
            notices=(f"offline: bundled data as of {as_of.isoformat()}",) if self._as_of is None else (),
            rrg_options=self._rrg_options,
            risk_thresholds=self._risk_thresholds,
        )
        return explain_missing(snapshot, {}, NOT_BUNDLED)

    def detail(self, snapshot: MarketSnapshot, symbol: str) -> SymbolDetail:
        from rotor.data.build import symbol_detail

        return symbol_detail(self._load_panel(), snapshot, symbol)


#: The reason shown for a symbol (a watchlist symbol) the bundled data does not hold.
NOT_BUNDLED = "no data in the bundled snapshot"


def explain_missing(snapshot: MarketSnapshot, reasons: Mapping[str, str], default: str) -> MarketSnapshot:
    """``snapshot`` with the reason each symbol without data has none: its entry in ``reasons`` (e.g. the
    provider's error), else ``default``. Symbols with data are left alone."""
    if not any(i.last_date is None for i in snapshot.instruments):
        return snapshot
    return snapshot.with_changes(
        instruments=tuple(
            replace(i, error=reasons.get(i.symbol, default)) if i.last_date is None else i
            for i in snapshot.instruments
        )
    )


def complete_as_of(panel: Panel) -> date:
    """The last session on which every symbol with data has a close: the bundle's natural as-of
    (later sessions would show some symbols stale)."""
    last = panel.last_dates().dropna()
    if last.empty:
        return panel.resolve_as_of(None)
    return panel.resolve_as_of(min(last).date())


#: The bundled data's snapshot, precomputed (scripts/build_first_snapshot.py) so that even a first start
#: on an empty cache paints real figures at once; tests/data/test_first_snapshot.py keeps it equal to a
#: fresh computation.
FIRST_SNAPSHOT_FILE = "first_snapshot.json"


def bundled_first_snapshot(
    symbols: Sequence[Symbol], rrg_options: object | None, risk_thresholds: object | None
) -> MarketSnapshot | None:
    """The precomputed bundled snapshot, for the default universe and options only (a watchlist or
    other thresholds would make it wrong); ``None`` otherwise or if it cannot be read. No pandas."""
    import json

    from rotor.data.bundled import path as bundled_file
    from rotor.data.snapshot import MarketSnapshot

    if tuple(symbols) != UNIVERSE or rrg_options is not None or risk_thresholds is not None:
        return None
    try:
        text = bundled_file(FIRST_SNAPSHOT_FILE).read_text("utf-8")
        return MarketSnapshot.from_dict(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError):
        return None
