"""LiveFeed and open_feed over a FakeProvider (dated bundled bars): seeding, asking only for what may have
changed, one request per symbol, failures, fallbacks, replay, market states, reuse of the figures.

The live path through the real yfinance over HTTP (timestamps, sessions, rate limits) is tested in
test_live_week.py and test_yahoo.py against the fake Yahoo server."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rotor.data.cache import Cache
from rotor.data.errors import ProviderUnavailable
from rotor.data.feed import BundledFeed, LiveFeed, bundled_first_snapshot, open_feed
from rotor.data.sources.bundled import BundledProvider
from rotor.data.sources.fake import FakeProvider
from rotor.data.symbols import UNIVERSE

TICKERS = [s.ticker for s in UNIVERSE]
SEEDED_TO = date(2026, 5, 29)  # a Friday; the seed serves bundled bars up to here
FIRST_LIVE_DAY = date(2026, 6, 5)  # the next Friday
#: ^TNX and DX-Y.NYB have bundled rows only to 2026-03-06: the fake serves them nothing later.
ENDED = {"^TNX", "DX-Y.NYB"}


class Clock:
    """A settable clock; by default 17:30 New York time (21:30 UTC in June), after every close."""

    def __init__(self, day: date, at: time = time(21, 30)) -> None:
        self.day = day
        self.at = at

    def __call__(self) -> datetime:
        return datetime.combine(self.day, self.at, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundled() -> BundledProvider:
    return BundledProvider()


def _feed(
    tmp_path: Path, bundled: BundledProvider, **options: Any
) -> tuple[LiveFeed, FakeProvider, FakeProvider, Clock]:
    clock = Clock(FIRST_LIVE_DAY)
    seed = FakeProvider(SEEDED_TO, source="snapshot", bundled=bundled)
    live = FakeProvider(FIRST_LIVE_DAY, bundled=bundled)
    feed = LiveFeed(Cache(tmp_path), live, clock=clock, seed=seed, **options)
    return feed, seed, live, clock


def test_cold_start_seeds_from_the_bundle_and_asks_each_symbol_once(
    tmp_path: Path, bundled: BundledProvider
) -> None:
    feed, seed, live, _ = _feed(tmp_path, bundled)
    assert feed.live and feed.initial() == bundled_first_snapshot(UNIVERSE, None, None)  # empty cache
    snapshot = feed.refresh()
    assert live.calls == 1 and live.asked == len(TICKERS)  # one request per symbol, in one call
    wanted = live.requests[0].wanted
    seeded = seed.history(TICKERS).bars.groupby("symbol")["date"].max()
    # Each symbol from the first session after its last seeded (settled) bar: no cached row asked again.
    assert wanted["SPY"] == date(2026, 6, 1) and wanted["GC=F"] == date(2026, 6, 1)
    assert all(wanted[s] > seeded[s].date() for s in TICKERS)
    assert feed.cache.read_bars(["SPY"])["date"].max() == pd.Timestamp(FIRST_LIVE_DAY)
    assert feed.cache.last_bar_sources()["SPY"] == "live"
    assert snapshot.source == "live" and snapshot.as_of == FIRST_LIVE_DAY
    spy = snapshot.get("SPY")
    assert spy is not None and spy.source == "live" and not spy.stale and spy.price_state == "close"
    assert snapshot.fetch is not None and snapshot.fetch.requests == len(TICKERS)
    assert feed.initial() == snapshot  # persisted for the next start


def test_nothing_is_asked_while_every_market_is_closed_and_settled(
    tmp_path: Path, bundled: BundledProvider
) -> None:
    feed, _, live, clock = _feed(tmp_path, bundled)
    feed.refresh()
    asked = live.asked
    clock.day = date(2026, 6, 6)  # Saturday
    saturday = feed.refresh()
    assert live.asked - asked == len(ENDED)  # only the two that failed: nothing else can have changed
    assert not saturday.get("SPY").stale and saturday.get("SPY").price_state == "close"  # type: ignore[union-attr]


def test_next_day_asks_from_the_first_session_not_yet_final(tmp_path: Path, bundled: BundledProvider) -> None:
    feed, _, live, clock = _feed(tmp_path, bundled)
    feed.refresh()
    clock.day = live.today = date(2026, 6, 9)  # Tuesday: Monday and Tuesday are new
    snapshot = feed.refresh()
    assert live.requests[-1].wanted["SPY"] == date(2026, 6, 8)
    spy = snapshot.get("SPY")
    truth = bundled.history(["SPY"], date(2026, 6, 9), date(2026, 6, 9)).bars["close"].iloc[0]
    assert spy is not None and spy.last == truth and spy.last_date == date(2026, 6, 9)
    assert snapshot.as_of == date(2026, 6, 9)


def test_restart_reads_the_cache_and_does_not_reseed_or_reask(
    tmp_path: Path, bundled: BundledProvider
) -> None:
    first, _, _, clock = _feed(tmp_path, bundled)
    persisted = first.refresh()
    first.cache.close()
    seed = FakeProvider(SEEDED_TO, source="snapshot", bundled=bundled)
    live = FakeProvider(FIRST_LIVE_DAY, bundled=bundled)
    second = LiveFeed(Cache(tmp_path), live, clock=clock, seed=seed)
    assert second.initial() == persisted
    second.refresh()
    assert seed.calls == 0
    assert set(live.requests[0].wanted) == ENDED  # everything else was checked through Friday


def test_failure_keeps_values_marks_missing_sessions_stale_and_recovers(
    tmp_path: Path, bundled: BundledProvider
) -> None:
    feed, _, live, clock = _feed(tmp_path, bundled)
    good = feed.refresh()
    clock.day = live.today = date(2026, 6, 9)
    live.failing = True
    kept = feed.refresh()
    spy = kept.get("SPY")
    assert spy is not None and spy.last == good.get("SPY").last  # type: ignore[union-attr]
    assert spy.stale and spy.source == "cache" and spy.error == "fake provider told to fail"
    assert kept.source == "cache"
    assert f"offline: cached data as of {FIRST_LIVE_DAY.isoformat()}" in kept.notices
    assert kept.fetch is not None and kept.fetch.reason == "fake provider told to fail"
    assert kept.fetch.failures == (("unreachable", len(TICKERS)),)
    live.failing = False
    recovered = feed.refresh()
    assert live.requests[-1].wanted["SPY"] == date(2026, 6, 8)  # retried from where it stopped
    assert recovered.source == "live" and recovered.as_of == date(2026, 6, 9)
    assert not recovered.get("SPY").stale and not any(n.startswith("offline") for n in recovered.notices)  # type: ignore[union-attr]


def test_partial_failure_marks_only_those_symbols(tmp_path: Path, bundled: BundledProvider) -> None:
    feed, _, live, _ = _feed(tmp_path, bundled)
    live.missing = {"XLB", "GC=F"}
    snapshot = feed.refresh()
    stale = {i.symbol for i in snapshot.instruments if i.stale}
    assert stale == {"XLB", "GC=F", *ENDED}
    xlb = snapshot.get("XLB")
    assert xlb is not None and xlb.source == "snapshot" and xlb.error == "fake provider left it out"
    assert "XLB: fake provider left it out" in snapshot.errors


def test_live_mode_raises_when_nothing_answers(tmp_path: Path, bundled: BundledProvider) -> None:
    feed, _, live, _ = _feed(tmp_path, bundled, mode="live")
    live.failing = True
    with pytest.raises(ProviderUnavailable, match="fake provider told to fail"):
        feed.refresh()


def test_auto_falls_back_to_the_bundle_with_a_notice(tmp_path: Path) -> None:
    provider = FakeProvider(date(2026, 11, 20))
    provider.failing = True
    feed = open_feed(
        "auto", cache_dir=str(tmp_path), as_of=None, clock=Clock(date(2026, 11, 20)), provider=provider
    )
    snapshot = feed.refresh()
    assert snapshot.source == "snapshot" and snapshot.as_of == date(2026, 3, 6)
    assert "offline: bundled data as of 2026-03-06" in snapshot.notices
    assert {i.source for i in snapshot.instruments} == {"snapshot"}
    assert not any(i.stale for i in snapshot.instruments)  # labelled bundled data, not stale prices
    assert provider.calls == 1


def test_cache_source_never_fetches(tmp_path: Path) -> None:
    provider = FakeProvider(date(2026, 6, 12))
    feed = open_feed(
        "cache", cache_dir=str(tmp_path), as_of=None, clock=Clock(date(2026, 6, 12)), provider=provider
    )
    assert not feed.live
    snapshot = feed.refresh()
    assert provider.calls == 0 and snapshot.source == "snapshot"
    assert "cache only: bundled data as of 2026-03-06" in snapshot.notices


def test_as_of_replays_without_fetching_or_persisting(tmp_path: Path) -> None:
    provider = FakeProvider(date(2026, 6, 12))
    feed = open_feed(
        "auto",
        cache_dir=str(tmp_path),
        as_of=date(2026, 5, 15),
        clock=Clock(date(2026, 6, 12)),
        provider=provider,
    )
    assert not feed.live and feed.initial() is None
    snapshot = feed.refresh()
    assert snapshot.as_of == date(2026, 5, 15) and provider.calls == 0
    assert snapshot.markets == ()  # the present market hours say nothing about a past session
    assert Cache(tmp_path).load_snapshot() is None


def test_snapshot_source_is_the_bundled_feed(tmp_path: Path) -> None:
    feed = open_feed("snapshot", cache_dir=str(tmp_path), as_of=None, clock=Clock(date(2026, 6, 12)))
    assert isinstance(feed, BundledFeed)
    assert not any(tmp_path.iterdir())  # no cache created


def test_detail_runs_while_refreshing(tmp_path: Path, bundled: BundledProvider) -> None:
    feed, _, live, clock = _feed(tmp_path, bundled)
    snapshot = feed.refresh()
    clock.day = live.today = date(2026, 6, 9)
    failures: list[BaseException] = []

    def refresh_twice() -> None:
        try:
            feed.refresh()
            feed.refresh()
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    worker = threading.Thread(target=refresh_twice)
    worker.start()
    details = []
    while worker.is_alive():
        details.append(feed.detail(snapshot, "SPY"))
    worker.join()
    assert failures == [] and details
    assert all(d.bars[-1].on == FIRST_LIVE_DAY for d in details)  # at the snapshot's own date for SPY


def test_initial_is_cheap(tmp_path: Path, bundled: BundledProvider) -> None:
    feed, _, _, _ = _feed(tmp_path, bundled)
    feed.refresh()
    feed.cache.close()
    code = (
        "import sys\nfrom rotor.data.feed import open_feed\n"
        f"feed = open_feed('auto', cache_dir={str(tmp_path)!r}, as_of=None)\n"
        "snapshot = feed.initial()\n"
        "assert snapshot is not None and snapshot.source == 'live'\n"
        "assert 'pandas' not in sys.modules and 'yfinance' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_snapshot_carries_market_states_at_the_clock(tmp_path: Path, bundled: BundledProvider) -> None:
    feed, _, _, _ = _feed(tmp_path, bundled)  # Friday 2026-06-05 17:30 ET
    snapshot = feed.refresh()
    markets = {m.calendar: m for m in snapshot.markets}
    assert list(markets) == ["XNYS", "CBOE-VIX", "CMES", "CBOE-TNX", "IEPA"]  # the universe's, in order
    assert markets["XNYS"].state == "post" and markets["XNYS"].label == "NYSE after hours, opens Mon 09:30 ET"
    assert markets["XNYS"].next_open == datetime(2026, 6, 8, 13, 30, tzinfo=UTC)
    assert markets["CMES"].label == "CME closed, opens Sun 18:00 ET"
    assert markets["IEPA"].state == "closed"  # ICE's break: it reopens at 20:00 ET
    assert not snapshot.get("SPY").stale and not snapshot.get("GC=F").stale  # type: ignore[union-attr]
    assert feed.initial() == snapshot  # the market states survive persistence
    cached = LiveFeed(Cache(tmp_path / "other"), None, mode="cache", clock=Clock(FIRST_LIVE_DAY))
    assert [m.calendar for m in cached.refresh().markets] == list(markets)  # hours are about now


@pytest.mark.parametrize(
    ("at", "interval", "stale"),
    [
        (time(16, 10), 60.0, False),  # a 10-minute-old quote (the fake stamps 16:00 UTC) while trading
        (time(18, 0), 60.0, True),  # two hours old: the feed stopped during the session
        (time(18, 0), 3600.0, False),  # within 3 intervals of an hour
    ],
)
def test_prices_that_stop_during_an_open_session_are_stale(
    tmp_path: Path, bundled: BundledProvider, at: time, interval: float, stale: bool
) -> None:
    clock = Clock(FIRST_LIVE_DAY, at)
    seed = FakeProvider(SEEDED_TO, source="snapshot", bundled=bundled)
    live = FakeProvider(FIRST_LIVE_DAY, bundled=bundled)
    feed = LiveFeed(Cache(tmp_path), live, clock=clock, seed=seed, refresh_interval=interval)
    snapshot = feed.refresh()
    assert {m.state for m in snapshot.markets if m.calendar in ("XNYS", "CMES")} == {"open"}
    for symbol in ("SPY", "GC=F"):
        stats = snapshot.get(symbol)
        assert stats is not None and stats.price_state == "live" and stats.stale is stale


def test_market_hours_failure_leaves_a_notice(
    tmp_path: Path, bundled: BundledProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rotor.data import sessions

    def broken(*args: object) -> Any:
        raise ValueError("calendar exploded")

    monkeypatch.setattr(sessions, "_venue_with_hours", broken)
    feed, _, live, _ = _feed(tmp_path, bundled)
    snapshot = feed.refresh()
    assert snapshot.markets == ()
    assert snapshot.notices == (
        "market hours unavailable for XNYS, CBOE-VIX, CMES, CBOE-TNX, IEPA: ValueError: calendar exploded",
    )
    spy = snapshot.get("SPY")
    assert live.asked == len(TICKERS)  # without calendars every symbol is asked from its last cached day
    assert spy is not None and spy.source == "live" and not spy.stale  # the daily rule, without sessions


def test_a_refresh_with_nothing_new_reuses_the_figures(
    tmp_path: Path, bundled: BundledProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Idle cost: between sessions nothing is asked and the figures are not recomputed (nor the persisted
    snapshot rewritten); a new day is."""
    import rotor.data.build as build

    calls = []
    real = build.compute_figures

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "compute_figures", counting)
    feed, _, live, clock = _feed(tmp_path, bundled)
    first = feed.refresh()
    saves = []
    real_save = feed.cache.save_snapshot
    monkeypatch.setattr(feed.cache, "save_snapshot", lambda s: (saves.append(s), real_save(s)))
    clock.at = time(21, 35)
    again = feed.refresh()
    assert len(calls) == 1 and saves == []
    assert again.instruments == first.instruments and again.risk_notes == first.risk_notes
    assert again.generated_at == clock()
    clock.day = live.today = date(2026, 6, 8)
    later = feed.refresh()
    assert len(calls) == 2 and len(saves) == 1
    assert later.as_of == date(2026, 6, 8)


def test_open_feed_streams_only_a_live_feed_that_wants_it(tmp_path: Path) -> None:
    from rotor.data.sources.stream import YAHOO_STREAM_URL

    def feed(source: str, **options: Any) -> Any:
        return open_feed(source, cache_dir=str(tmp_path), as_of=None, **options)  # type: ignore[arg-type]

    streaming = feed("auto", stream=True)
    try:
        assert streaming.prices is not None and streaming.prices._stream.url == YAHOO_STREAM_URL
        assert streaming.stream_status().mode == "off"  # nothing subscribed yet: no connection
    finally:
        streaming.close()
    assert feed("auto").stream_status() is None  # [refresh] stream = false (and every report)
    assert feed("cache", stream=True).stream_status() is None  # the cache never fetches
    assert feed("snapshot", stream=True).stream_status() is None
    replay = open_feed("auto", cache_dir=str(tmp_path), as_of=date(2026, 3, 6), stream=True)
    assert replay.stream_status() is None
