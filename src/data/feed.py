"""The live feed: Yahoo (or any Provider) -> Cache -> in-memory panel -> MarketSnapshot.

``LiveService`` implements ``MarketService``:

- ``initial()`` returns the snapshot persisted by the last refresh (plain JSON, no pandas; on an empty
  cache the bundled data's precomputed one): the app paints
  real figures at once, labelled with their age.
- ``refresh()`` seeds an empty cache from the bundled snapshot (each bar recorded with source
  ``snapshot``), asks the provider only for the days the cache lacks (per symbol, from its last cached day
  inclusive, since that bar may have been a partial session, to today), then for intraday quotes; writes
  what came back to the cache; merges the new bars into the panel it keeps in memory (the cache is read
  once per service); computes the snapshot and persists it.
- A failed fetch keeps the cached values: the symbols concerned are marked stale with the reason, and
  the next refresh asks again from the same day.

Modes (``--source``): ``auto`` falls back to the cache, else the bundled data, with a notice such as
"offline: bundled data as of 2026-03-06"; ``live`` raises ``ProviderUnavailable`` when the provider
answers for no symbol at all (the app keeps its last snapshot); ``cache`` never fetches. An ``--as-of``
date replays from the cache (seeded from the bundle): no fetching, ``live`` is False, nothing persisted.

Market hours (``rotor.data.sessions``): unless replaying, every refresh attaches ``markets``, the state
at the clock time of each exchange calendar the symbols use (XNYS, CMES, IEPA for the built-in universe),
whatever the source (the hours are about now, not about the data). A replay leaves ``markets`` empty: the
present hours say nothing about a past session (and a replay never imports exchange-calendars). A symbol
whose intraday quote stopped updating while its market is open is marked stale (``market_hours.is_stale``
with ``refresh_interval``); a quiet price on a closed market is not. When the hours cannot be computed
(exchange-calendars missing or failing), the calendars concerned are left out with a notice.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal, Protocol, runtime_checkable

from rotor.data.cache import Cache, resolve_cache_dir
from rotor.data.errors import ProviderError, RotorError
from rotor.data.service import (
    BundledService,
    Clock,
    MarketService,
    bundled_first_snapshot,
    complete_as_of,
    explain_missing,
    utc_now,
)
from rotor.data.sources.base import FetchResult, Provider, Quote
from rotor.data.symbols import UNIVERSE, Symbol

if TYPE_CHECKING:
    import pandas as pd
    from rotor.data.figures.risk import RiskThresholds
    from rotor.data.figures.rotation import RRGOptions
    from rotor.data.panel import Panel
    from rotor.data.snapshot import MarketSnapshot, SymbolDetail

ServiceSource = Literal["auto", "live", "cache", "snapshot"]
FeedMode = Literal["auto", "live", "cache"]

#: The refresh interval quotes are judged stale against (= ``market_hours.DEFAULT_INTERVAL``; not imported
#: from there so that opening the feed, on the way to the app's first frame, stays cheap).
DEFAULT_INTERVAL: Final = 60.0

#: How far back to ask for a symbol the cache has never seen (enough for 52-week ranges and 200-day MAs).
NEW_SYMBOL_HISTORY_DAYS: Final = 800
#: Symbols share one provider request when their first missing days lie within this many days of each
#: other. 0: only symbols with the same start share a request, so a warm start never downloads a row it
#: already has (in daily use every symbol is current and they all share one request anyway).
START_GROUPING_DAYS: Final = 0


@runtime_checkable
class QuoteProvider(Protocol):
    """A provider that also serves intraday last prices."""

    def quotes(self, symbols: Sequence[str]) -> FetchResult:
        """The last price of each symbol seen today."""
        ...


def group_by_start(
    starts: Mapping[str, date], tolerance_days: int = START_GROUPING_DAYS
) -> list[tuple[date, list[str]]]:
    """Requests for per-symbol start dates: symbols sorted by start, a new group whenever a start lies
    more than ``tolerance_days`` after its group's first (earliest) start. Each group asks from its
    earliest start; the caller drops bars before each symbol's own start."""
    groups: list[tuple[date, list[str]]] = []
    for symbol, start in sorted(starts.items(), key=lambda item: (item[1], item[0])):
        if groups and (start - groups[-1][0]).days <= tolerance_days:
            groups[-1][1].append(symbol)
        else:
            groups.append((start, [symbol]))
    return groups


def apply_quotes(panel: Panel, quotes: Mapping[str, Quote]) -> Panel:
    """The panel with each quote as the close of its symbol's bar of the same day (high and low widened
    to include it). A quote for a day without a bar is ignored: rotor never invents a bar."""
    from rotor.data.panel import FIELDS, Panel

    if not quotes:
        return panel
    frames = {f: getattr(panel, f).copy() for f in FIELDS}
    last = panel.last_dates()
    changed = False
    for symbol, quote in quotes.items():
        if symbol not in frames["close"].columns:
            continue
        day = last.get(symbol)
        if day is None or day != day or day.date() != quote.time.date():  # NaT or another day
            continue
        frames["close"].loc[day, symbol] = quote.price
        high = frames["high"].loc[day, symbol]
        low = frames["low"].loc[day, symbol]
        if high == high:
            frames["high"].loc[day, symbol] = max(float(high), quote.price)
        if low == low:
            frames["low"].loc[day, symbol] = min(float(low), quote.price)
        changed = True
    return Panel(**frames) if changed else panel


class LiveService:
    """Snapshots from a cache kept current by a provider (see the module docstring).

    ``refresh()`` is never called concurrently with itself (the app guarantees it); ``detail()`` may run
    while a refresh is under way: the panel is swapped whole under a lock, never mutated.
    """

    def __init__(
        self,
        cache: Cache,
        provider: Provider | None,
        *,
        mode: FeedMode = "auto",
        as_of: date | None = None,
        symbols: Sequence[Symbol] = UNIVERSE,
        clock: Clock = utc_now,
        seed: Provider | None = None,
        fetch_quotes: bool = True,
        refresh_interval: float = DEFAULT_INTERVAL,
        rrg_options: RRGOptions | None = None,
        risk_thresholds: RiskThresholds | None = None,
    ) -> None:
        self.cache = cache
        self._provider = provider if mode != "cache" and as_of is None else None
        self._mode = mode
        self._as_of = as_of
        self._symbols = tuple(symbols)
        self._tickers = [s.ticker for s in self._symbols]
        self._clock = clock
        self._seed = seed
        self._quotes_enabled = fetch_quotes
        self._refresh_interval = refresh_interval
        self._rrg_options = rrg_options
        self._risk_thresholds = risk_thresholds
        #: One line per symbol whose bars or quotes the last refresh dropped as bad (see sanitize.py).
        self._rejections: list[str] = []
        self._lock = threading.RLock()
        self._bars: pd.DataFrame | None = None
        self._panel: Panel | None = None
        self._view: Panel | None = None
        self._origins: dict[str, str] = {}
        #: Bumped whenever the bars in memory change; with the quotes and the labels it keys the last
        #: computation, so a refresh that brings nothing new costs a fetch, not a recompute.
        self._data_version = 0
        self._computed: tuple[tuple[object, ...], Panel, MarketSnapshot] | None = None
        self._saved: MarketSnapshot | None = None

    @property
    def live(self) -> bool:
        return self._provider is not None

    def initial(self) -> MarketSnapshot | None:
        """The snapshot the last refresh persisted (none while replaying a past date). No pandas."""
        if self._as_of is not None:
            return None
        saved = self.cache.load_snapshot()
        if saved is not None:
            return saved
        # A first start (empty cache): the bundled data's precomputed snapshot, when it applies.
        return bundled_first_snapshot(self._symbols, self._rrg_options, self._risk_thresholds)

    # -- loading ---------------------------------------------------------------------------------------

    def _ensure_loaded(self, now: datetime) -> None:
        """Seed an empty cache from the bundle, then read the cache into memory (once per service)."""
        from rotor.data.panel import Panel
        from rotor.data.sources.bundled import SnapshotProvider

        with self._lock:
            if self._bars is not None:
                return
            if self.cache.is_empty():
                seed = self._seed or SnapshotProvider()
                from rotor.data.sources.sanitize import inspect_bars

                checked = inspect_bars(seed.history(self._tickers).bars)
                self.cache.write_bars(checked.bars, "snapshot", now)
            self._bars = self.cache.read_bars(self._tickers)
            self._origins = self.cache.last_bar_sources()
            self._panel = Panel.from_bars(self._bars, self._tickers)
            self._view = self._panel

    def _merge(self, new_bars: pd.DataFrame) -> None:
        """Merge fetched bars into the in-memory bars (newer rows win) and rebuild the panel."""
        import pandas as pd
        from rotor.data.panel import Panel

        with self._lock:
            assert self._bars is not None  # _ensure_loaded ran first
            merged = pd.concat([self._bars, new_bars], ignore_index=True)
            merged = merged.drop_duplicates(["symbol", "date"], keep="last")
            merged = merged.sort_values(["symbol", "date"], kind="stable", ignore_index=True)
            if merged.equals(self._bars):
                return  # the answer repeated what we have (the usual case between sessions)
            self._bars = merged
            self._panel = Panel.from_bars(merged, self._tickers)
            self._data_version += 1

    def _last_dates(self) -> dict[str, date]:
        assert self._bars is not None
        if self._bars.empty:
            return {}
        last = self._bars.groupby("symbol")["date"].max()
        return {str(symbol): day.date() for symbol, day in last.items()}

    # -- fetching --------------------------------------------------------------------------------------

    def _fetch_history(
        self, provider: Provider, today: date, now: datetime
    ) -> tuple[set[str], dict[str, ProviderError]]:
        """Ask ``provider`` for the days the cache lacks; store and merge what came back. Returns the
        symbols served and the per-symbol failures; raises the provider's error when no group was served."""
        import pandas as pd

        cached = self._last_dates()
        starts = {t: cached.get(t, today - timedelta(days=NEW_SYMBOL_HISTORY_DAYS)) for t in self._tickers}
        served: set[str] = set()
        failures: dict[str, ProviderError] = {}
        whole_failures: list[ProviderError] = []
        answers: list[pd.DataFrame] = []
        asked: list[str] = []
        for group_start, group in group_by_start(starts):
            try:
                result = provider.history(group, group_start, today)
            except ProviderError as exc:
                whole_failures.append(exc)
                failures.update({s: ProviderError(exc.reason, s) for s in group})
                continue
            answer = result.bars
            answers.append(answer[answer["symbol"].isin(group)])  # rows nobody asked for are ignored
            asked.extend(group)
            failures.update({s: e for s, e in result.errors.items() if s in group})
        if not asked and whole_failures:
            raise whole_failures[0]
        frames: list[pd.DataFrame] = []
        if answers:
            # Bad bars never reach the cache: every answer is checked (sanitize.py), in one pass, before
            # the per-symbol start filter (dates may come tz-aware).
            from rotor.data.sources.sanitize import inspect_bars

            checked = inspect_bars(pd.concat(answers, ignore_index=True), self._last_closes())
            self._rejections.extend(checked.reasons())
            bars = checked.bars
            if not bars.empty:
                own_start = bars["symbol"].map({s: pd.Timestamp(starts[s]) for s in asked})
                bars = bars[bars["date"] >= own_start]
                frames.append(bars)
            got = set(bars["symbol"])
            rejected = checked.rejected_symbols()
            for s in asked:
                if s not in failures and s not in got:
                    why = "every bar was bad" if s in rejected else "no bars in the answer"
                    failures[s] = ProviderError(why, s)
            served.update(s for s in asked if s not in failures)
        if not served and whole_failures:
            raise whole_failures[0]
        if frames:
            new_bars = pd.concat(frames, ignore_index=True)
            self.cache.write_bars(new_bars, provider.source, now)
            self._merge(new_bars)
            self._origins.update({s: provider.source for s in served})
        return served, failures

    def _fetch_quotes(self, provider: Provider, symbols: Sequence[str], now: datetime) -> dict[str, Quote]:
        """Intraday quotes for ``symbols`` (empty when the provider has none or fails: the daily bars
        just fetched already carry the session so far)."""
        if not self._quotes_enabled or not symbols or not isinstance(provider, QuoteProvider):
            return {}
        try:
            result = provider.quotes(symbols)
        except RotorError:
            return {}
        wanted = set(symbols)
        from rotor.data.sources.sanitize import sanitize_quotes

        quotes, _, reasons = sanitize_quotes(
            {k: q for k, q in result.quotes.items() if k in wanted}, self._last_closes()
        )
        self._rejections.extend(reasons)
        self.cache.write_quotes(quotes.values(), provider.source, now)
        return quotes

    def _last_closes(self) -> dict[str, float]:
        """Per symbol, its last close in memory (the reference of the jump checks in sanitize.py)."""
        with self._lock:
            bars = self._bars
        if bars is None or bars.empty:
            return {}
        last = bars.groupby("symbol")["close"].last()
        return {str(symbol): float(close) for symbol, close in last.items()}

    # -- MarketService ---------------------------------------------------------------------------------

    def refresh(self) -> MarketSnapshot:
        """Fetch what is new (unless replaying or cache-only), recompute every figure and persist it."""

        now = self._clock()
        self._ensure_loaded(now)
        served: set[str] = set()
        failures: dict[str, ProviderError] = {}
        errors: list[str] = []
        offline = False
        quotes: dict[str, Quote] = {}
        provider = self._provider
        self._rejections = []
        if provider is not None:
            try:
                served, failures = self._fetch_history(provider, now.date(), now)
            except ProviderError as exc:
                if self._mode == "live":
                    raise
                offline = True
                failures = {t: ProviderError(exc.reason, t) for t in self._tickers}
                errors = [str(exc)]
            quotes = self._fetch_quotes(provider, sorted(served), now)
            if not offline:
                errors = [str(e) for e in failures.values()]
            errors += self._rejections
        with self._lock:
            assert self._panel is not None
            origins = dict(self._origins)
            version = self._data_version
            computed = self._computed
        quote_key = tuple(sorted((t, q.price) for t, q in quotes.items()))
        sources = {
            t: "live" if t in served else ("cache" if origins.get(t) == "live" else "snapshot")
            for t in self._tickers
        }
        if served:
            source = "live"
        elif "cache" in sources.values():
            source = "cache"
        else:
            source = "snapshot"
        key = (version, quote_key, source, tuple(sorted(sources.items())), tuple(errors), offline, now.date())
        if computed is not None and computed[0] == key:
            # Nothing new since the last computation: same figures, only the time moves on.
            panel, snapshot = computed[1], computed[2].with_changes(generated_at=now)
        else:
            with self._lock:
                panel = apply_quotes(self._panel, quotes)
            snapshot = self._compute(panel, source, sources, errors, offline, now)
            with self._lock:
                self._computed = (key, panel, snapshot)
        reasons = {s: f.reason for s, f in failures.items()}
        snapshot = explain_missing(snapshot, reasons, "no data in the cache")
        # Offline, only what was once live is stale; bundled data served offline from the start is a
        # normal, labelled state (the notice says so), not a stale one.
        stale = {t for t in failures if not offline or origins.get(t) == "live"}
        if self._as_of is None:
            snapshot, stale_quotes = self._with_market_hours(snapshot, now, quotes)
            stale |= stale_quotes
        if stale:
            snapshot = snapshot.with_changes(
                instruments=tuple(
                    replace(i, stale=True) if i.symbol in stale else i for i in snapshot.instruments
                )
            )
        with self._lock:
            self._view = panel
        if self._as_of is None and (
            self._saved is None or snapshot.with_changes(generated_at=self._saved.generated_at) != self._saved
        ):
            self.cache.save_snapshot(snapshot)
            self._saved = snapshot
        return snapshot

    def _compute(
        self,
        panel: Panel,
        source: str,
        sources: Mapping[str, str],
        errors: list[str],
        offline: bool,
        now: datetime,
    ) -> MarketSnapshot:
        """Every figure from ``panel`` (metrics, milestones, rotation, risk notes), with the notices."""
        from rotor.data.build import compute_snapshot

        requested = self._as_of
        if requested is None and source == "snapshot":
            requested = complete_as_of(panel)  # the bundle's natural as-of: no symbol shown stale
        notices = [self.cache.notice] if self.cache.notice else []
        as_of_text = panel.resolve_as_of(requested).isoformat()
        if self._as_of is None and (offline or self._provider is None):
            kind = "cached" if source == "cache" else "bundled"
            prefix = "offline" if offline else "cache only"
            notices.append(f"{prefix}: {kind} data as of {as_of_text}")
        return compute_snapshot(
            panel,
            requested_as_of=requested,
            source=source,
            now=now,
            symbols=self._symbols,
            symbol_sources=sources,
            errors=errors,
            notices=notices,
            rrg_options=self._rrg_options,
            risk_thresholds=self._risk_thresholds,
        )

    def _with_market_hours(
        self, snapshot: MarketSnapshot, now: datetime, quotes: Mapping[str, Quote]
    ) -> tuple[MarketSnapshot, set[str]]:
        """``snapshot`` with the market state of each calendar the symbols use (a notice for those that
        failed), and the symbols whose quote is stale for its market's state."""
        from rotor.data.sessions import is_stale, market_states

        states, problems = market_states((s.calendar for s in self._symbols), now)
        stale = {
            s.ticker
            for s in self._symbols
            if s.ticker in quotes
            and s.calendar in states
            and is_stale(quotes[s.ticker].time, states[s.calendar], now, self._refresh_interval)
        }
        changes: dict[str, object] = {"markets": tuple(states.values())}
        if problems:
            changes["notices"] = (*snapshot.notices, *problems)
        return snapshot.with_changes(**changes), stale

    def detail(self, snapshot: MarketSnapshot, symbol: str) -> SymbolDetail:
        """Bars and moving averages of ``symbol`` at ``snapshot.as_of``, from the panel in memory."""
        from rotor.data.build import symbol_detail

        self._ensure_loaded(self._clock())
        with self._lock:
            panel = self._view
        assert panel is not None
        return symbol_detail(panel, snapshot, symbol)


def open_service(
    source: ServiceSource,
    *,
    cache_dir: str | None,
    as_of: date | None,
    clock: Clock = utc_now,
    provider: Provider | None = None,
    symbols: Sequence[Symbol] = UNIVERSE,
    refresh_interval: float = DEFAULT_INTERVAL,
    rrg_options: RRGOptions | None = None,
    risk_thresholds: RiskThresholds | None = None,
) -> MarketService:
    """The MarketService for a ``--source`` choice.

    ``snapshot``: the bundled data only (no cache). ``auto``/``live``/``cache``: a ``LiveService`` over the
    cache in ``resolve_cache_dir(cache_dir)`` (``--cache-dir`` > ``$ROTOR_CACHE_DIR`` > platform dir);
    ``provider`` defaults to ``YahooProvider``. With ``as_of``, a replay from the cache (never fetches).
    ``refresh_interval`` (seconds) sets how old a quote may be while its market is open (see
    ``market_hours.is_stale``). ``rrg_options`` and ``risk_thresholds`` (the config's ``[rotation]`` and
    ``[risk]``) go to ``compute_snapshot``.
    """
    if source == "snapshot":
        return BundledService(
            as_of, symbols=symbols, clock=clock, rrg_options=rrg_options, risk_thresholds=risk_thresholds
        )
    # Opened lazily: the first refresh (in the worker) opens and checks it; the first frame only peeks
    # at the saved snapshot.
    cache = Cache(resolve_cache_dir(cache_dir), clock=clock, lazy=True)
    mode: FeedMode = "cache" if source == "cache" or as_of is not None else source
    if mode != "cache" and provider is None:
        from rotor.data.sources.yahoo import YahooProvider

        provider = YahooProvider()
    return LiveService(
        cache,
        provider,
        mode=mode,
        as_of=as_of,
        symbols=symbols,
        clock=clock,
        refresh_interval=refresh_interval,
        rrg_options=rrg_options,
        risk_thresholds=risk_thresholds,
    )
