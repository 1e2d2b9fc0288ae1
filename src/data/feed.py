"""The feed: where the app and the report get their ``MarketSnapshot``s, in one pass, one direction.

``source -> intake -> cache -> panel -> figures -> snapshot``

- ``LiveFeed.refresh()``: asks the source only for what the session model says may have changed
  (``sessions.fetch_start`` per symbol: nothing while every market is closed and its last session is
  settled in the cache); passes the answer once through ``intake.take_in`` (dated by the session model,
  checked, settled or provisional, quotes applied to sessions in progress); commits it to the cache, the
  one store of bars, in one transaction (a provisional bar never overwrites a settled one); merges what the
  cache stored into the panel in memory; computes the figures (kept while the panel does not change);
  builds the snapshot once (``build.assemble``) with each instrument's status (``sessions.price_status``:
  live, the last close, provisional or pre-open; stale only when its own market trades and its price is
  old, or when it lacks the last closed session) and persists it.
- ``initial()`` returns the snapshot persisted by the last refresh (plain JSON, no pandas; on an empty cache
  the bundled data's precomputed one): the app paints real figures at once, labelled with their age.
- ``BundledFeed``: the bundled data only (``--source snapshot``).
- The detail screen's charts: ``history`` (one symbol's daily closes, the panel's and its deep
  history's, for the daily timeframes: rotor.data.timeframes) and ``intraday`` (its one-minute bars of the
  current or last session, asked of the source on demand and kept in memory for a short while:
  rotor.data.intraday). Only a live feed has intraday bars; the others say so (``IntradayUnavailable``).

Modes (``--source``): ``auto`` falls back to the cache, else the bundled data, with a notice such as
"offline: bundled data as of 2026-03-06" when Yahoo cannot be reached; ``live`` raises the source's
error when it served no symbol it was asked for (the app keeps its last snapshot; the report exits with
that one line); ``cache`` never fetches. An ``--as-of`` date replays from the cache (seeded from the
bundle): no fetching, no market hours (a replay never imports exchange-calendars), the daily rule for
staleness (a symbol is stale when its last close is older than the as-of session), nothing persisted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Final, Literal, Protocol

from rotor.data.cache import Cache, resolve_cache_dir
from rotor.data.errors import (
    IntradayUnavailable,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)

# The refresh interval prices are judged stale against, unless told otherwise.
from rotor.data.settings import DEFAULT_INTERVAL as DEFAULT_INTERVAL
from rotor.data.symbols import UNIVERSE, Symbol

if TYPE_CHECKING:
    from rotor.data.build import Figures, InstrumentStatus
    from rotor.data.detail import SymbolDetail
    from rotor.data.figures.risk import RiskThresholds
    from rotor.data.figures.rotation import RRGOptions
    from rotor.data.intake import Intake
    from rotor.data.intraday import IntradayCache, IntradayChart
    from rotor.data.panel import Panel
    from rotor.data.sessions import Markets, TradingHours, Venue
    from rotor.data.snapshot import MarketSnapshot, MarketState
    from rotor.data.sources.base import FetchResult, History, IntradaySource, Quote, Source
    from rotor.data.sources.bundled import BundledProvider, DeepHistory
    from rotor.data.sources.stream import StreamStatus
    from rotor.data.streaming import LivePrices
    from rotor.data.ticks import TickOutcome
    from rotor.data.timeframes import SymbolHistory
    from rotor.data.watchlists import SymbolCheck

Clock = Callable[[], datetime]
FeedSource = Literal["auto", "live", "cache", "snapshot"]
FeedMode = Literal["auto", "live", "cache"]

#: The longest a fetch may take (seconds): ``rotor report`` answers within it even when Yahoo hangs. In the
#: app a fetch also ends within 80% of the refresh interval, so a hung source shows stale within one.
MAX_FETCH_SECONDS: Final = 15.0
#: The panel in memory starts here (the bundled bars' first day, where the bundled deep history joins them);
#: older bars in the cache (a symbol's full history, fetched once) are searched as its deep history.
PANEL_START: Final = date(2024, 1, 2)
#: The reason shown for a symbol (a watchlist symbol) the bundled data does not hold.
NOT_BUNDLED: Final = "no data in the bundled snapshot"
#: Failures that mean the source as a whole is not answering (the feed is offline, or backing off).
SOURCE_DOWN: Final = (ProviderUnavailable, ProviderTimeout, RateLimited)
#: Why a feed without a live source has no 1D chart (never an invented price).
BUNDLED_NO_INTRADAY: Final = "intraday bars need the live feed: the bundled data holds daily bars only"
CACHE_NO_INTRADAY: Final = (
    "intraday bars need the live feed: the cache alone (--source cache) holds daily bars"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Feed(Protocol):
    """A source of ``MarketSnapshot``s for the app and the report."""

    @property
    def live(self) -> bool:
        """True when repeated refreshes can bring new data (False for replays and bundled data)."""
        ...

    def initial(self) -> MarketSnapshot | None:
        """A snapshot to paint at once (e.g. the last persisted one), or ``None``. Cheap: no pandas."""
        ...

    def refresh(self) -> MarketSnapshot:
        """Fetch what is new and build the snapshot. Called from a worker thread."""
        ...

    def detail(self, snapshot: MarketSnapshot, symbol: str) -> SymbolDetail:
        """Bars and averages of one symbol (at its own date in ``snapshot``). Called from a worker thread."""
        ...

    def stream_status(self) -> StreamStatus | None:
        """What the price stream is doing, or ``None`` for a feed that does not stream."""
        ...

    def take_ticks(self, now: datetime | None = None) -> TickOutcome | None:
        """The prices streamed since the last call, applied to the last snapshot (``None``: nothing new).
        Cheap: the app calls it a few times a second on its own thread."""
        ...

    def close(self) -> None:
        """Stop what runs in the background (the stream); the app calls it on the way out."""
        ...

    def history(self, snapshot: MarketSnapshot, symbol: str) -> SymbolHistory:
        """One symbol's daily closes up to its own date in ``snapshot``, with the deep history before the
        panel (the daily chart timeframes). Called from a worker thread."""
        ...

    def intraday(self, snapshot: MarketSnapshot, symbol: str) -> IntradayChart:
        """One symbol's one-minute bars of its current or last session. Raises ``IntradayUnavailable``
        when the feed has none to give, the source's typed failure when asking failed. Called from a
        worker thread."""
        ...


def fetch_budget(interval: float) -> float:
    """Seconds one fetch may take: at most ``MAX_FETCH_SECONDS``, and 80% of the refresh interval."""
    return max(1.0, min(MAX_FETCH_SECONDS, 0.8 * interval))


# -- the bundled data ---------------------------------------------------------------------------------------


class BundledFeed:
    """Snapshots from the bundled real data (offline). The panel is built once; the figures computed
    once. A symbol the bundle does not hold (a watchlist symbol) is shown with ``NOT_BUNDLED``."""

    def __init__(
        self,
        as_of: date | None = None,
        *,
        symbols: Sequence[Symbol] = UNIVERSE,
        clock: Clock = utc_now,
        provider: BundledProvider | None = None,
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
        self._figures: Figures | None = None
        self._lock = threading.Lock()

    @property
    def live(self) -> bool:
        return False

    def initial(self) -> MarketSnapshot | None:
        """The precomputed snapshot of the bundle when this feed would compute exactly it."""
        if self._as_of is not None or self._provider is not None:
            return None
        return bundled_first_snapshot(self._symbols, self._rrg_options, self._risk_thresholds)

    def use_symbols(self, symbols: Sequence[Symbol]) -> None:
        """From the next refresh on, ``symbols`` are the feed's (a watchlist edited in the app)."""
        with self._lock:
            if tuple(symbols) != self._symbols:
                self._symbols = tuple(symbols)
                self._panel, self._figures = None, None

    def check_symbol(self, text: str) -> SymbolCheck:
        """A ticker the user adds: the pattern only (the bundled data has no source to ask)."""
        from rotor.data.watchlists import check_symbol

        return check_symbol(None, text, self._clock())

    def _load_panel(self) -> Panel:
        from rotor.data.panel import Panel
        from rotor.data.sources.bundled import BundledProvider

        with self._lock:
            if self._panel is None:
                provider = self._provider or BundledProvider()
                tickers = [s.ticker for s in self._symbols]
                self._panel = Panel.from_bars(provider.history(tickers).bars, tickers)
            return self._panel

    def refresh(self) -> MarketSnapshot:
        from rotor.data.build import assemble, compute_figures, daily_status

        panel = self._load_panel()
        if self._figures is None:
            as_of = self._as_of or complete_as_of(panel)
            self._figures = compute_figures(
                panel,
                requested_as_of=as_of,
                cut=panel.resolve_as_of(as_of),
                symbols=self._symbols,
                rrg_options=self._rrg_options,
                risk_thresholds=self._risk_thresholds,
            )
        figures = self._figures
        notices = (
            () if self._as_of is not None else (f"offline: bundled data as of {figures.as_of.isoformat()}",)
        )
        status = {
            s: (replace_reason(st, NOT_BUNDLED) if _missing(figures, s) else st)
            for s, st in daily_status(figures, {}, "snapshot").items()
        }
        return assemble(figures, source="snapshot", now=self._clock(), status=status, notices=notices)

    def detail(self, snapshot: MarketSnapshot, symbol: str) -> SymbolDetail:
        from rotor.data.build import symbol_detail

        return symbol_detail(self._load_panel(), snapshot, symbol)

    def stream_status(self) -> StreamStatus | None:
        return None  # the bundled data does not move

    def take_ticks(self, now: datetime | None = None) -> TickOutcome | None:
        return None

    def close(self) -> None:
        pass

    def history(self, snapshot: MarketSnapshot, symbol: str) -> SymbolHistory:
        from rotor.data.sources.bundled import load_deep_history

        return detail_history(self._load_panel(), snapshot, symbol, load_deep_history().get(symbol))

    def intraday(self, snapshot: MarketSnapshot, symbol: str) -> IntradayChart:
        raise IntradayUnavailable(BUNDLED_NO_INTRADAY)


def detail_history(
    panel: Panel, snapshot: MarketSnapshot, symbol: str, deep: DeepHistory | None
) -> SymbolHistory:
    """``symbol``'s daily closes up to its own date in ``snapshot`` (its last bar; the as-of date when it
    has none), ``deep`` before the panel. Raises ``KeyError`` for a symbol the snapshot does not hold."""
    from rotor.data.timeframes import symbol_history

    stats = snapshot.get(symbol)
    if stats is None:
        raise KeyError(symbol)
    return symbol_history(panel, symbol, stats.last_date or snapshot.as_of, deep)


def _missing(figures: Figures, symbol: str) -> bool:
    return any(i.symbol == symbol and i.last_date is None for i in figures.instruments)


def replace_reason(status: InstrumentStatus, reason: str) -> InstrumentStatus:
    from dataclasses import replace

    return replace(status, reason=reason)


def complete_as_of(panel: Panel) -> date:
    """The last session on which every symbol with data has a close: the bundle's natural as-of (later
    sessions would show some symbols stale)."""
    last = panel.last_dates().dropna()
    if last.empty:
        return panel.resolve_as_of(None)
    return panel.resolve_as_of(min(last).date())


#: The bundled data's snapshot, precomputed (scripts/build_first_snapshot.py) so that even a first start on
#: an empty cache paints real figures at once; tests/data/test_first_snapshot.py keeps it equal to a fresh
#: computation.
FIRST_SNAPSHOT_FILE: Final = "first_snapshot.json"


def bundled_first_snapshot(
    symbols: Sequence[Symbol], rrg_options: object | None, risk_thresholds: object | None
) -> MarketSnapshot | None:
    """The precomputed bundled snapshot, for the default universe and options only (a watchlist or other
    thresholds would make it wrong); ``None`` otherwise or if it cannot be read. No pandas."""
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


# -- the live feed ------------------------------------------------------------------------------------------


class LiveFeed:
    """Snapshots from a cache kept current by a source (see the module docstring).

    ``refresh()`` is never called concurrently with itself (the app guarantees it); ``detail()`` may run
    while a refresh is under way: the panel is swapped whole under a lock, never mutated.
    """

    def __init__(
        self,
        cache: Cache,
        source: Source | None,
        *,
        mode: FeedMode = "auto",
        as_of: date | None = None,
        symbols: Sequence[Symbol] = UNIVERSE,
        clock: Clock = utc_now,
        seed: History | None = None,
        refresh_interval: float = DEFAULT_INTERVAL,
        rrg_options: RRGOptions | None = None,
        risk_thresholds: RiskThresholds | None = None,
        stream_url: str | None = None,
        extended_hours: bool = True,
    ) -> None:
        self.cache = cache
        self.source = source if mode != "cache" and as_of is None else None
        #: Streamed prices while markets trade (``stream_url``: Yahoo's price stream; ``None``: poll only).
        self.prices: LivePrices | None = None
        if stream_url and self.source is not None:
            from rotor.data.streaming import LivePrices

            self.prices = LivePrices(stream_url)
        self._extended_hours = extended_hours
        self._last: MarketSnapshot | None = None
        self._markets: Markets | None = None
        self._mode = mode
        self._as_of = as_of
        self._symbols = tuple(symbols)
        self._tickers = [s.ticker for s in self._symbols]
        self._clock = clock
        self._seed = seed
        self._interval = refresh_interval
        self._rrg_options = rrg_options
        self._risk_thresholds = risk_thresholds
        self._lock = threading.RLock()
        self._panel: Panel | None = None
        self._origins: dict[str, str] = {}
        self._checks: dict[str, date] = {}
        self._quotes: dict[str, tuple[Quote, date]] = {}
        self._hours: dict[str, dict[date, TradingHours]] = {}
        self._figures: tuple[int, Figures] | None = None
        self._panel_version = 0
        #: Closes before ``PANEL_START`` that the cache holds (a full history fetched live), per symbol.
        self._deep: dict[str, DeepHistory] = {}
        self._saved: MarketSnapshot | None = None
        #: One line per symbol whose bars or quotes the last fetch dropped (see sources/sanitize.py).
        self._rejections: tuple[str, ...] = ()
        #: The 1D charts asked for lately (in memory, for a short while: rotor.data.intraday); one asks at a
        #: time, so a second look while the first is under way waits for it instead of asking again.
        self._intraday: IntradayCache | None = None
        self._intraday_lock = threading.Lock()
        #: The symbols of the next refresh on, when the user changed a watchlist (``use_symbols``).
        self._next_symbols: tuple[Symbol, ...] | None = None
        #: One request to the source at a time: a refresh's, or the check of a symbol the user adds.
        self._source_lock = threading.Lock()

    @property
    def live(self) -> bool:
        return self.source is not None

    # -- the user's symbols (watchlists and positions edited in the app) ------------------------------------

    def use_symbols(self, symbols: Sequence[Symbol]) -> None:
        """From the next refresh on, ``symbols`` are the feed's (the panel is read again from the cache)."""
        with self._lock:
            self._next_symbols = tuple(symbols)

    def _take_symbols(self) -> None:
        with self._lock:
            symbols, self._next_symbols = self._next_symbols, None
            if symbols is None or symbols == self._symbols:
                return
            self._symbols = symbols
            self._tickers = [s.ticker for s in symbols]
            self._panel, self._figures = None, None

    def check_symbol(self, text: str) -> SymbolCheck:
        """A ticker the user adds, checked with the live source (``rotor.data.watchlists.check_symbol``);
        blocking, for a worker thread."""
        from rotor.data.watchlists import check_symbol

        with self._source_lock:
            return check_symbol(self.source, text, self._clock())

    @property
    def retry_at(self) -> datetime | None:
        """When the source will be asked again after it rate-limited us or could not be reached."""
        return getattr(self.source, "retry_at", None)

    def initial(self) -> MarketSnapshot | None:
        """The snapshot the last refresh persisted (none while replaying a past date). No pandas."""
        if self._as_of is not None:
            return None
        saved = self.cache.load_snapshot()
        if saved is not None:
            return saved
        # A first start (empty cache): the bundled data's precomputed snapshot, when it applies.
        return bundled_first_snapshot(self._symbols, self._rrg_options, self._risk_thresholds)

    # -- loading ------------------------------------------------------------------------------------------

    def _ensure_loaded(self, now: datetime) -> None:
        """Seed an empty cache from the bundle, then read the cache into memory (once per feed)."""
        from rotor.data.panel import Panel
        from rotor.data.sources.bundled import BundledProvider

        with self._lock:
            if self._panel is not None:
                return
            if self.cache.is_empty():
                from rotor.data.sources.sanitize import inspect_bars

                seed: History = self._seed or BundledProvider()
                self.cache.write_bars(inspect_bars(seed.history(self._tickers).bars).bars, "snapshot", now)
            self._panel = Panel.from_bars(self.cache.read_bars(self._tickers, PANEL_START), self._tickers)
            self._deep = self._cached_history(self._tickers)
            self._origins = self.cache.last_bar_sources()
            # A symbol never checked but with settled bars in the cache (seeded from the bundle) is
            # checked through its last settled bar: no cached row is ever asked for again.
            self._checks = {**self.cache.last_settled_dates(), **self.cache.checks()}
            days = self.cache.quote_days()
            self._quotes = {s: (q, days[s]) for s, q in self.cache.read_quotes().items() if s in days}
            self._hours = {s: {d: _hours(a, b)} for s, (d, a, b) in self.cache.read_hours().items()}

    def _cached_history(self, symbols: Sequence[str]) -> dict[str, DeepHistory]:
        """Per symbol, the closes the cache holds before ``PANEL_START`` (a full history fetched live, once)
        as its deep history: what the milestones and records search beyond the panel."""
        from rotor.data.sources.bundled import DeepHistory

        out: dict[str, DeepHistory] = {}
        with self._lock:
            panel = self._panel
        firsts = panel.close.apply(lambda c: c.first_valid_index()) if panel is not None else None
        for symbol, (days, closes) in self.cache.read_closes_before(symbols, PANEL_START).items():
            first = firsts.get(symbol) if firsts is not None else None
            if first is None or first != first or len(days) == 0:
                continue
            days.flags.writeable = False
            closes.flags.writeable = False
            out[symbol] = DeepHistory(symbol, "RAW", first.date(), 1.0, days, closes)
        return out

    def _last_dates(self) -> dict[str, date]:
        """Per symbol, the date of its last bar in memory."""
        with self._lock:
            panel = self._panel
        if panel is None:
            return {}
        return {str(s): d.date() for s, d in panel.last_dates().dropna().items()}

    def _last_closes(self) -> dict[str, float]:
        """Per symbol, its last close in memory (the reference of the jump checks)."""
        with self._lock:
            panel = self._panel
        if panel is None:
            return {}
        last = panel.close.ffill().iloc[-1] if len(panel.dates) else None
        if last is None:
            return {}
        return {str(s): float(v) for s, v in last.items() if v == v}

    # -- one refresh --------------------------------------------------------------------------------------

    def refresh(self) -> MarketSnapshot:
        """Fetch what may have changed (unless replaying or cache-only), build the snapshot, persist it."""
        from rotor.data.build import assemble
        from rotor.data.snapshot import FetchReport

        now = self._clock()
        self._take_symbols()
        self._ensure_loaded(now)
        markets: Markets | None = None
        states: tuple[MarketState, ...] = ()
        notices = [self.cache.notice] if self.cache.notice else []
        result: FetchResult | None = None
        if self._as_of is None:
            from rotor.data.sessions import market_states, resolve_markets

            venues = {s.ticker: s.venue for s in self._symbols}
            markets = resolve_markets(venues, self._hours)
            hours_by_venue = {
                s.venue: self._hours[s.ticker] for s in self._symbols if s.ticker in self._hours
            }
            found, problems = market_states(venues.values(), now, hours_by_venue)
            states = tuple(found.values())
            notices += problems  # one line per venue that failed (its symbols go without sessions)
            if self.source is not None:
                result = self._fetch(self.source, markets, now)
        offline = result is not None and _offline(result)
        if offline and self._mode == "live":
            assert result is not None
            failure = _first_failure(result)
            raise type(failure)(failure.reason)  # the source's reason, for every symbol alike
        if self.prices is not None and markets is not None:
            self._fold_streamed(markets, now)
        figures = self._current_figures()
        sources = self._sources(result)
        status = self._status(figures, markets, result, sources, offline, now)
        source = self._overall_source(sources, offline)
        if self._as_of is None and (offline or self.source is None):
            kind = "cached" if source == "cache" else "bundled"
            prefix = "offline" if offline else "cache only"
            notices.append(f"{prefix}: {kind} data as of {figures.as_of.isoformat()}")
        fetch = None
        errors: list[str] = []
        if result is not None:
            kinds = Counter(e.kind for e in result.errors.values())
            reason = _first_failure(result).reason if offline else None
            fetch = FetchReport(result.requests, tuple(sorted(kinds.items())), result.retry_at, reason)
            errors = [str(e) for e in result.errors.values()]
        errors += list(self._rejections)
        snapshot = assemble(
            figures,
            source=source,
            now=now,
            status=status,
            markets=states,
            notices=notices,
            errors=errors,
            fetch=fetch,
        )
        # Persisted only when a figure, a state or a notice changed (not for the clock or a fetch's counts).
        if self._as_of is None and (
            self._saved is None
            or snapshot.with_changes(generated_at=self._saved.generated_at, fetch=self._saved.fetch)
            != self._saved
        ):
            self.cache.save_snapshot(snapshot)
            self._saved = snapshot
        if self.prices is not None and markets is not None:
            snapshot = self._with_stream(snapshot, markets, now)
        with self._lock:
            self._last, self._markets = snapshot, markets
        if self.prices is not None and markets is not None:
            from rotor.data.streaming import stream_symbols

            self.prices.update(stream_symbols(self._symbols, markets, now))
        return snapshot

    # -- streaming ----------------------------------------------------------------------------------------

    def _fold_streamed(self, markets: Markets, now: datetime) -> None:
        """The latest streamed price of each symbol, as the close of its session's bar in the panel (the
        poll's figures start from what the stream last said, never from an older polled price)."""
        from rotor.data.sources.base import Quote

        assert self.prices is not None
        prices: dict[str, tuple[date, float]] = {}
        for symbol, tick in self.prices.latest().items():
            market = markets.get(symbol)
            session = market.session_at(tick.time) if market is not None else None
            if session is not None and session.holds(now):
                prices[symbol] = (session.day, tick.price)
                self._quotes[symbol] = (Quote(symbol, tick.price, tick.time), session.day)
        with self._lock:
            assert self._panel is not None
            priced = self._panel.with_prices(prices)
            if priced is not self._panel:
                self._panel = priced
                self._panel_version += 1

    def _with_stream(self, snapshot: MarketSnapshot, markets: Markets, now: datetime) -> MarketSnapshot:
        """``snapshot`` with what the stream says now (a later price than the poll's, a pre- or post-market
        price): the poll never takes a streamed price off the screen."""
        from rotor.data.ticks import apply_ticks

        assert self.prices is not None
        outcome = apply_ticks(snapshot, self.prices.recent(), markets, now, extended=self._extended_hours)
        return outcome.snapshot or snapshot

    def stream_status(self) -> StreamStatus | None:
        return self.prices.status if self.prices is not None else None

    def take_ticks(self, now: datetime | None = None) -> TickOutcome | None:
        """The ticks streamed since the last call, applied to the last snapshot (``rotor.data.ticks``):
        the new snapshot (``None`` when nothing changed on screen), and the symbols whose ticks need a
        poll first (a session without a bar yet). ``None`` when there is nothing to apply."""
        from rotor.data.ticks import apply_ticks

        if self.prices is None:
            return None
        ticks = self.prices.take()
        with self._lock:
            last, markets = self._last, self._markets
        if not ticks or last is None or markets is None:
            return None
        moment = now or self._clock()
        outcome = apply_ticks(last, ticks, markets, moment, extended=self._extended_hours)
        if outcome.snapshot is not None:
            with self._lock:
                if self._last is last:  # a poll that finished meanwhile wins: its snapshot has the ticks
                    self._last = outcome.snapshot
        return outcome

    def close(self) -> None:
        """Stop the stream (the app calls this on the way out)."""
        if self.prices is not None:
            self.prices.stop()

    def _fetch(self, source: Source, markets: Markets, now: datetime) -> FetchResult | None:
        """Ask ``source`` for what may have changed; take the answer in, commit it, merge it."""
        from rotor.data.intake import take_in
        from rotor.data.sessions import FULL_HISTORY, checked_through, fetch_start

        wanted: dict[str, date] = {}
        last = self._last_dates()
        streamed = self.prices.fresh(now) if self.prices is not None else frozenset()
        for symbol in self._tickers:
            market = markets.get(symbol)
            if market is None:
                # No calendar for it (exchange-calendars failing): ask from its last cached day, every time.
                wanted[symbol] = last.get(symbol) or FULL_HISTORY
                continue
            start = fetch_start(market, self._checks.get(symbol), now)
            if start is not None and not self._streamed(symbol, start, market, now, streamed):
                wanted[symbol] = start
        self._rejections = ()
        if not wanted:
            return None
        with self._source_lock:
            result = source.fetch(wanted, now, fetch_budget(self._interval))
        intake = take_in(result, markets, now, wanted=wanted, reference=self._last_closes())
        self._rejections = intake.rejections
        answered = {s for s in result.served if s in wanted}
        checks = {}
        for symbol in answered:
            market = markets.get(symbol)
            through = checked_through(market, now) if market is not None else None
            if through is not None:
                checks[symbol] = through
        hours: dict[str, tuple[date, datetime, datetime]] = {}
        for symbol, published in result.hours.items():
            day = markets[symbol].trade_date(published.start) if markets.get(symbol) else None
            if day is not None:
                hours[symbol] = (day, published.start, published.end)
        self._commit(intake, result, checks, hours, now)
        return result

    def _commit(
        self,
        intake: Intake,
        result: FetchResult,
        checks: Mapping[str, date],
        published: Mapping[str, tuple[date, datetime, datetime]],
        now: datetime,
    ) -> None:
        """Store what came in (bars, quotes, checks, hours), then merge the stored bars into the panel."""
        stored = self.cache.write_bars(intake.bars, result.source, now)
        self.cache.write_quotes(intake.quotes.values(), result.source, now, intake.quote_days)
        self.cache.record_checks(checks, now)
        self.cache.write_hours(published)
        import pandas as pd

        older = stored[stored["date"] < pd.Timestamp(PANEL_START)] if len(stored) else stored
        stored = stored[stored["date"] >= pd.Timestamp(PANEL_START)] if len(stored) else stored
        with self._lock:
            assert self._panel is not None
            if len(stored):
                merged = self._panel.merge(stored)
                if merged is not self._panel:
                    self._panel = merged
                    self._panel_version += 1
                self._origins.update({str(s): result.source for s in stored["symbol"].unique()})
            self._checks.update(checks)
            self._quotes.update({s: (q, intake.quote_days[s]) for s, q in intake.quotes.items()})
            for symbol, (day, start, end) in published.items():
                self._hours[symbol] = {day: _hours(start, end)}
        if len(older):
            # A full history came in: the bars before the panel's start become the symbol's deep history.
            deep = self._cached_history(sorted({str(s) for s in older["symbol"].unique()}))
            with self._lock:
                self._deep.update(deep)
                self._panel_version += 1

    def _streamed(
        self, symbol: str, start: date, market: Venue, now: datetime, fresh: frozenset[str]
    ) -> bool:
        """True when the stream keeps ``symbol`` current: all it needs is its session in progress, whose bar
        the panel already has, and the stream gave it a price lately. (After the session closes, its
        official close is asked for as usual.)"""
        if symbol not in fresh:
            return False
        current = market.current(now)
        return current is not None and start == current.day and self._last_dates().get(symbol) == start

    def _current_figures(self) -> Figures:
        """The figures of the panel in memory (computed again only when the panel changed)."""
        from rotor.data.build import compute_figures

        with self._lock:
            panel, version, kept = self._panel, self._panel_version, self._figures
        assert panel is not None
        if kept is not None and kept[0] == version:
            return kept[1]
        requested = self._as_of
        if requested is None and not any(o == "live" for o in self._origins.values()):
            requested = complete_as_of(panel)  # bundled data only: its natural as-of, none shown stale
        cut = panel.resolve_as_of(requested) if requested is not None else None
        from rotor.data.sources.bundled import load_deep_history

        with self._lock:
            cached_history = dict(self._deep)
        figures = compute_figures(
            panel,
            requested_as_of=requested,
            cut=cut,
            symbols=self._symbols,
            rrg_options=self._rrg_options,
            risk_thresholds=self._risk_thresholds,
            deep_history={**load_deep_history(), **cached_history},
        )
        with self._lock:
            self._figures = (version, figures)
        return figures

    def _sources(self, result: FetchResult | None) -> dict[str, str]:
        """Per symbol: ``live`` when its data came from the live source (and did not just fail),
        ``cache`` when live data is served from the cache after a failed fetch, ``snapshot`` when bundled."""
        failed = set(result.errors) if result is not None else set()
        out = {}
        for symbol in self._tickers:
            origin = self._origins.get(symbol, "snapshot")
            if (self.source is None and origin == "live") or (origin == "live" and symbol in failed):
                out[symbol] = "cache"
            else:
                out[symbol] = origin
        return out

    def _overall_source(self, sources: Mapping[str, str], offline: bool) -> str:
        values = set(sources.values())
        if "live" in values and not offline and self.source is not None:
            return "live"
        if "live" in values or "cache" in values:
            return "cache"
        return "snapshot"

    def _status(
        self,
        figures: Figures,
        markets: Markets | None,
        result: FetchResult | None,
        sources: Mapping[str, str],
        offline: bool,
        now: datetime,
    ) -> dict[str, InstrumentStatus]:
        """Each instrument's status: the session model's in live mode, the daily rule in a replay, for a
        cache-only feed and for bundled data while offline."""
        from rotor.data.build import InstrumentStatus, daily_status
        from rotor.data.sessions import price_status

        daily = daily_status(figures, sources, "snapshot")
        failures = result.errors if result is not None else {}
        out: dict[str, InstrumentStatus] = {}
        for stats in figures.instruments:
            symbol = stats.symbol
            market = markets.get(symbol) if markets is not None else None
            failure = failures.get(symbol)
            bundled_only = self._origins.get(symbol, "snapshot") != "live"
            if market is None or self.source is None or (bundled_only and (offline or failure)):
                own = daily[symbol]
                if failure is not None and (own.stale or stats.last_date is None):
                    own = replace_reason(own, failure.reason)
                elif stats.last_date is None and bundled_only:
                    own = replace_reason(own, NOT_BUNDLED if self.source is None else "no data in the cache")
                out[symbol] = own
                continue
            quote = self._quotes.get(symbol)
            quote_time = quote[0].time if quote is not None and quote[1] == stats.last_date else None
            price = price_status(market, stats.last_date, quote_time, now, self._interval)
            stale, reason = price.stale, price.reason
            if failure is not None and (stale or price.state in ("live", "pre-open")):
                # Its market trades and this refresh could not update it: the price shown is not known to
                # be current (a quiet close on a closed market stays as it is).
                stale, reason = True, failure.reason
            out[symbol] = InstrumentStatus(sources[symbol], stale, price.state, reason)
        return out

    def detail(self, snapshot: MarketSnapshot, symbol: str) -> SymbolDetail:
        """Bars and moving averages of ``symbol`` at its own date in ``snapshot``, from the panel."""
        from rotor.data.build import symbol_detail

        self._ensure_loaded(self._clock())
        with self._lock:
            panel = self._panel
        assert panel is not None
        return symbol_detail(panel, snapshot, symbol)

    def history(self, snapshot: MarketSnapshot, symbol: str) -> SymbolHistory:
        """``symbol``'s daily closes up to its own date in ``snapshot``: the panel's, and before them the
        full history the cache holds, else the bundled deep history (as the milestones search)."""
        from rotor.data.sources.bundled import load_deep_history

        self._ensure_loaded(self._clock())
        with self._lock:
            panel, cached = self._panel, self._deep.get(symbol)
        assert panel is not None
        return detail_history(panel, snapshot, symbol, cached or load_deep_history().get(symbol))

    def intraday(self, snapshot: MarketSnapshot, symbol: str) -> IntradayChart:
        """``symbol``'s one-minute bars of its current or last session, from the source (one request,
        within the fetch budget; pre- and post-market for US stocks and ETFs), dated by the session model
        and kept in memory until ``intraday.fresh_until`` (a second look within it asks nothing)."""
        from rotor.data.intraday import IntradayCache, fresh_until, has_extended_hours
        from rotor.data.sources.base import IntradaySource

        if self._as_of is not None:
            raise IntradayUnavailable(
                f"intraday bars need the live feed: this is a replay as of {self._as_of.isoformat()}, "
                "from daily bars"
            )
        source = self.source
        if source is None:
            raise IntradayUnavailable(CACHE_NO_INTRADAY)
        if not isinstance(source, IntradaySource):
            raise IntradayUnavailable("intraday bars need the live feed: this source has daily bars only")
        spec = next((s for s in self._symbols if s.ticker == symbol), None)
        if spec is None or snapshot.get(symbol) is None:
            raise KeyError(symbol)
        with self._intraday_lock:
            now = self._clock()
            if self._intraday is None:
                self._intraday = IntradayCache()
            kept = self._intraday
            chart = kept.get(symbol, now)
            if chart is None:
                chart = self._ask_intraday(source, spec, now)
                kept.put(chart, fresh_until(self._market_of(spec), now, extended=has_extended_hours(spec)))
            return chart

    def _market_of(self, spec: Symbol) -> Venue:
        """``spec``'s venue with the hours Yahoo published for it; ``IntradayUnavailable`` without one."""
        from rotor.data.sessions import resolve_markets

        with self._lock:
            hours = dict(self._hours.get(spec.ticker, {}))
        markets = resolve_markets({spec.ticker: spec.venue}, {spec.ticker: hours})
        market = markets.get(spec.ticker)
        if market is None:
            raise IntradayUnavailable(
                f"{spec.ticker}'s minutes cannot be dated: {'; '.join(markets.problems)}"
            )
        return market

    def _ask_intraday(self, source: IntradaySource, spec: Symbol, now: datetime) -> IntradayChart:
        """One request for ``spec``'s one-minute bars, dated by its venue."""
        from rotor.data.intraday import has_extended_hours, intraday_chart

        symbol = spec.ticker
        self._ensure_loaded(now)
        market = self._market_of(spec)
        extended = has_extended_hours(spec)
        answer = source.intraday(symbol, fetch_budget(self._interval), extended=extended)
        return intraday_chart(
            symbol,
            answer.rows,
            market,
            extended=extended,
            previous=lambda day: self._close_before(symbol, day),
            fetched_at=now,
            requests=answer.requests,
        )

    def _close_before(self, symbol: str, day: date) -> tuple[date, float] | None:
        """``symbol``'s last close in memory dated before ``day``, with its date."""
        import pandas as pd

        with self._lock:
            panel = self._panel
        if panel is None or symbol not in panel.symbols:
            return None
        closes = panel.close[symbol].dropna()
        closes = closes[closes.index < pd.Timestamp(day)]
        if closes.empty:
            return None
        return pd.Timestamp(closes.index[-1]).date(), float(closes.iloc[-1])


def _hours(start: datetime, end: datetime) -> TradingHours:
    from rotor.data.sessions import TradingHours

    return TradingHours(start, end)


def _offline(result: FetchResult) -> bool:
    """No symbol served, and every failure says the source itself is not answering."""
    return (
        not result.served
        and bool(result.errors)
        and all(isinstance(e, SOURCE_DOWN) for e in result.errors.values())
    )


def _first_failure(result: FetchResult) -> ProviderError:
    for error in result.errors.values():
        return error
    return ProviderError("the source served nothing")


# -- choosing a feed -----------------------------------------------------------------------------------------


def open_feed(
    source: FeedSource,
    *,
    cache_dir: str | None,
    as_of: date | None,
    clock: Clock = utc_now,
    provider: Source | None = None,
    symbols: Sequence[Symbol] = UNIVERSE,
    refresh_interval: float = DEFAULT_INTERVAL,
    rrg_options: RRGOptions | None = None,
    risk_thresholds: RiskThresholds | None = None,
    stream: bool = False,
    stream_url: str | None = None,
    extended_hours: bool = True,
) -> Feed:
    """The feed for a ``--source`` choice.

    ``snapshot``: the bundled data only (no cache). ``auto``/``live``/``cache``: a ``LiveFeed`` over the
    cache in ``resolve_cache_dir(cache_dir)`` (``--cache-dir`` > ``$ROTOR_CACHE_DIR`` > platform dir);
    ``provider`` defaults to ``YahooSource`` (its yfinance caches in the same directory). With ``as_of``,
    a replay from the cache (never fetches). ``refresh_interval`` (seconds) sets how old a price may be
    while its market trades, and the fetch's time budget. ``rrg_options`` and ``risk_thresholds`` (the
    config's ``[rotation]`` and ``[risk]``) go to the figures. ``stream`` (``[refresh] stream``): a live
    feed (``auto``/``live``) also streams prices from ``stream_url`` (default: Yahoo's price stream) while
    markets trade; ``extended_hours`` (``[display] extended_hours``) keeps pre- and post-market ticks.
    """
    if source == "snapshot":
        return BundledFeed(
            as_of, symbols=symbols, clock=clock, rrg_options=rrg_options, risk_thresholds=risk_thresholds
        )
    directory = resolve_cache_dir(cache_dir)
    # Opened lazily: the first refresh (in the worker) opens and checks it; the first frame only peeks at
    # the saved snapshot.
    cache = Cache(directory, clock=clock, lazy=True)
    mode: FeedMode = "cache" if source == "cache" or as_of is not None else source
    if mode != "cache" and provider is None:
        from rotor.data.sources.yahoo import YahooSource

        provider = YahooSource(cache_dir=None if str(directory).startswith("~") else directory, clock=clock)
    if stream and mode != "cache" and stream_url is None:
        from rotor.data.sources.stream import YAHOO_STREAM_URL

        stream_url = YAHOO_STREAM_URL
    return LiveFeed(
        cache,
        provider,
        mode=mode,
        as_of=as_of,
        symbols=symbols,
        clock=clock,
        refresh_interval=refresh_interval,
        rrg_options=rrg_options,
        risk_thresholds=risk_thresholds,
        stream_url=stream_url if stream and mode != "cache" else None,
        extended_hours=extended_hours,
    )
