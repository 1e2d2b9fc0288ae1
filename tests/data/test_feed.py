"""LiveService and open_service: seeding, incremental fetches, failures, fallbacks, replay."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yfinance
from rotor.data.cache import Cache
from rotor.data.errors import ProviderUnavailable
from rotor.data.feed import LiveService, group_by_start, open_service
from rotor.data.service import BundledService, bundled_first_snapshot
from rotor.data.sources.bundled import SnapshotProvider
from rotor.data.sources.fake import FakeProvider, FakeYahooDownload
from rotor.data.symbols import UNIVERSE

TICKERS = [s.ticker for s in UNIVERSE]
SEEDED_TO = date(2026, 5, 29)  # a Friday; the seed serves bundled bars up to here
FIRST_LIVE_DAY = date(2026, 6, 5)


class Clock:
    """A settable clock (by default evening UTC, after the US close)."""

    def __init__(self, day: date, at: time = time(21, 0)) -> None:
        self.day = day
        self.at = at

    def __call__(self) -> datetime:
        return datetime.combine(self.day, self.at, tzinfo=UTC)


@pytest.fixture(scope="module")
def snapshot_provider() -> SnapshotProvider:
    return SnapshotProvider()


def _service(
    tmp_path: Path, snapshot_provider: SnapshotProvider, **options: Any
) -> tuple[LiveService, FakeProvider, FakeProvider, Clock]:
    clock = Clock(FIRST_LIVE_DAY)
    seed = FakeProvider(SEEDED_TO, source="snapshot", snapshot=snapshot_provider)
    live = FakeProvider(FIRST_LIVE_DAY, snapshot=snapshot_provider)
    service = LiveService(Cache(tmp_path), live, clock=clock, seed=seed, **options)
    return service, seed, live, clock


def test_group_by_start_merges_close_starts() -> None:
    starts = {"A": date(2026, 3, 6), "B": date(2026, 6, 12), "C": date(2026, 6, 19), "D": date(2026, 6, 20)}
    assert group_by_start(starts, tolerance_days=7) == [
        (date(2026, 3, 6), ["A"]),
        (date(2026, 6, 12), ["B", "C"]),
        (date(2026, 6, 20), ["D"]),
    ]
    # The default shares a request only between equal starts: no cached row is ever asked for again.
    same = {**starts, "E": date(2026, 6, 12)}
    assert group_by_start(same) == [
        (date(2026, 3, 6), ["A"]),
        (date(2026, 6, 12), ["B", "E"]),
        (date(2026, 6, 19), ["C"]),
        (date(2026, 6, 20), ["D"]),
    ]


def test_cold_start_seeds_from_bundle_and_fetches_only_missing_days(
    tmp_path: Path, snapshot_provider: SnapshotProvider
) -> None:
    service, seed, live, _ = _service(tmp_path, snapshot_provider)
    assert service.live and service.initial() == bundled_first_snapshot(UNIVERSE, None, None)  # empty cache
    snapshot = service.refresh()
    assert seed.calls == 1
    seeded_last = {s: d for s, d in seed.history(TICKERS).bars.groupby("symbol")["date"].max().items()}
    requested = {s: r.start for r in live.requests for s in r.symbols}
    assert set(requested) == set(TICKERS)
    for request in live.requests:
        assert request.end == FIRST_LIVE_DAY
        assert request.start == min(seeded_last[s].date() for s in request.symbols)
    assert requested["SPY"] == SEEDED_TO  # from the last cached day, inclusive
    stored = service.cache.read_bars(["SPY"])
    assert stored["date"].max() == pd.Timestamp(FIRST_LIVE_DAY)
    assert service.cache.last_bar_sources()["SPY"] == "live"
    assert snapshot.source == "live" and snapshot.as_of == FIRST_LIVE_DAY
    assert snapshot.get("SPY").source == "live" and not snapshot.get("SPY").stale  # type: ignore[union-attr]
    assert live.quote_calls == 1
    assert service.initial() == snapshot  # persisted for the next start


def test_warm_refresh_asks_only_from_the_last_cached_day(
    tmp_path: Path, snapshot_provider: SnapshotProvider
) -> None:
    service, _, live, clock = _service(tmp_path, snapshot_provider)
    service.refresh()
    live.requests.clear()
    clock.day = live.today = date(2026, 6, 9)
    snapshot = service.refresh()
    starts = {s: r.start for r in live.requests for s in r.symbols}
    assert starts["SPY"] == FIRST_LIVE_DAY and starts["^GSPC"] == FIRST_LIVE_DAY
    assert all(r.end == date(2026, 6, 9) for r in live.requests)
    assert snapshot.as_of == date(2026, 6, 9)
    spy = snapshot.get("SPY")
    truth = snapshot_provider.history(["SPY"], date(2026, 6, 9), date(2026, 6, 9)).bars["close"].iloc[0]
    assert spy is not None and spy.last == truth and spy.last_date == date(2026, 6, 9)


def test_restart_reads_the_cache_and_does_not_reseed(
    tmp_path: Path, snapshot_provider: SnapshotProvider
) -> None:
    first, _, _, clock = _service(tmp_path, snapshot_provider)
    persisted = first.refresh()
    first.cache.close()
    seed = FakeProvider(SEEDED_TO, source="snapshot", snapshot=snapshot_provider)
    live = FakeProvider(FIRST_LIVE_DAY, snapshot=snapshot_provider)
    second = LiveService(Cache(tmp_path), live, clock=clock, seed=seed)
    assert second.initial() == persisted
    second.refresh()
    assert seed.calls == 0
    assert {r.start for r in live.requests if "SPY" in r.symbols} == {FIRST_LIVE_DAY}


def test_failure_keeps_values_marks_stale_and_recovers(
    tmp_path: Path, snapshot_provider: SnapshotProvider
) -> None:
    service, _, live, clock = _service(tmp_path, snapshot_provider)
    good = service.refresh()
    clock.day = live.today = date(2026, 6, 9)
    live.failing = True
    kept = service.refresh()
    assert kept.source == "cache" and all(i.stale for i in kept.instruments)
    assert kept.get("SPY").last == good.get("SPY").last  # type: ignore[union-attr]
    assert kept.get("SPY").source == "cache"  # type: ignore[union-attr]
    assert f"offline: cached data as of {FIRST_LIVE_DAY.isoformat()}" in kept.notices
    assert kept.errors == ("fake provider told to fail",)
    live.failing = False
    live.requests.clear()
    recovered = service.refresh()
    assert {r.start for r in live.requests if "SPY" in r.symbols} == {FIRST_LIVE_DAY}  # retried from there
    assert recovered.source == "live" and recovered.as_of == date(2026, 6, 9)
    assert not recovered.get("SPY").stale and recovered.notices == ()  # type: ignore[union-attr]


def test_partial_failure_marks_only_those_symbols_stale(
    tmp_path: Path, snapshot_provider: SnapshotProvider
) -> None:
    service, _, live, _ = _service(tmp_path, snapshot_provider)
    live.missing = {"XLB", "GC=F"}
    snapshot = service.refresh()
    stale = {i.symbol for i in snapshot.instruments if i.stale}
    assert {"XLB", "GC=F"} <= stale and "SPY" not in stale
    assert snapshot.get("XLB").source == "snapshot" and snapshot.get("SPY").source == "live"  # type: ignore[union-attr]
    assert "XLB: fake provider left it out" in snapshot.errors


def test_live_mode_raises_when_nothing_answers(tmp_path: Path, snapshot_provider: SnapshotProvider) -> None:
    service, _, live, _ = _service(tmp_path, snapshot_provider, mode="live")
    live.failing = True
    with pytest.raises(ProviderUnavailable):
        service.refresh()


def test_auto_falls_back_to_bundle_with_notice(tmp_path: Path) -> None:
    provider = FakeProvider(date(2026, 11, 20))
    provider.failing = True
    service = open_service(
        "auto", cache_dir=str(tmp_path), as_of=None, clock=Clock(date(2026, 11, 20)), provider=provider
    )
    snapshot = service.refresh()
    assert snapshot.source == "snapshot" and snapshot.as_of == date(2026, 3, 6)
    assert "offline: bundled data as of 2026-03-06" in snapshot.notices
    assert {i.source for i in snapshot.instruments} == {"snapshot"}
    assert provider.calls >= 1


def test_cache_source_never_fetches(tmp_path: Path) -> None:
    provider = FakeProvider(date(2026, 6, 12))
    service = open_service(
        "cache", cache_dir=str(tmp_path), as_of=None, clock=Clock(date(2026, 6, 12)), provider=provider
    )
    assert not service.live
    snapshot = service.refresh()
    assert provider.calls == 0 and snapshot.source == "snapshot"
    assert "cache only: bundled data as of 2026-03-06" in snapshot.notices


def test_as_of_replays_without_fetching_or_persisting(tmp_path: Path) -> None:
    provider = FakeProvider(date(2026, 6, 12))
    service = open_service(
        "auto",
        cache_dir=str(tmp_path),
        as_of=date(2026, 5, 15),
        clock=Clock(date(2026, 6, 12)),
        provider=provider,
    )
    assert not service.live and service.initial() is None
    snapshot = service.refresh()
    assert snapshot.as_of == date(2026, 5, 15) and provider.calls == 0
    assert snapshot.markets == ()  # the present market hours say nothing about a past session
    assert Cache(tmp_path).load_snapshot() is None


def test_snapshot_source_is_the_bundled_service(tmp_path: Path) -> None:
    service = open_service("snapshot", cache_dir=str(tmp_path), as_of=None, clock=Clock(date(2026, 6, 12)))
    assert isinstance(service, BundledService)
    assert not any(tmp_path.iterdir())  # no cache created


def test_detail_runs_while_refreshing(tmp_path: Path, snapshot_provider: SnapshotProvider) -> None:
    service, _, live, clock = _service(tmp_path, snapshot_provider)
    snapshot = service.refresh()
    clock.day = live.today = date(2026, 6, 9)
    failures: list[BaseException] = []

    def refresh_twice() -> None:
        try:
            service.refresh()
            service.refresh()
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    worker = threading.Thread(target=refresh_twice)
    worker.start()
    details = []
    while worker.is_alive():
        details.append(service.detail(snapshot, "SPY"))
    worker.join()
    assert failures == [] and details
    assert all(d.bars[-1].on == FIRST_LIVE_DAY for d in details)


def test_yahoo_cold_start_and_warm_refresh_request_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = date(2026, 7, 1)
    fake = FakeYahooDownload(today)
    monkeypatch.setattr(yfinance, "download", fake)
    service = open_service("auto", cache_dir=str(tmp_path), as_of=None, clock=Clock(today))
    cold = service.refresh()
    daily = [c for c in fake.calls if c[1]["interval"] == "1d"]
    minute = [c for c in fake.calls if c[1]["interval"] == "1m"]
    # bundle ends: 03-06 (2 symbols), 06-12 (7), 06-23 (9), 06-30 (1), 07-01 (8): one request per start
    assert [len(t) for t, _ in daily] == [2, 7, 9, 1, 8] and [len(t) for t, _ in minute] == [10, 10, 7]
    starts = ["2026-03-06", "2026-06-12", "2026-06-23", "2026-06-30", "2026-07-01"]
    assert [kw["start"] for _, kw in daily] == starts
    assert cold.source == "live"
    fake.calls.clear()
    service.refresh()
    assert len([c for c in fake.calls if c[1]["interval"] == "1d"]) == 5  # the bundle never moves past today


def test_initial_is_cheap(tmp_path: Path, snapshot_provider: SnapshotProvider) -> None:
    service, _, _, _ = _service(tmp_path, snapshot_provider)
    service.refresh()
    service.cache.close()
    code = (
        "import sys\nfrom rotor.data.feed import open_service\n"
        f"service = open_service('auto', cache_dir={str(tmp_path)!r}, as_of=None)\n"
        "snapshot = service.initial()\n"
        "assert snapshot is not None and snapshot.source == 'live'\n"
        "assert 'pandas' not in sys.modules and 'yfinance' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_snapshot_carries_market_hours_at_the_clock(
    tmp_path: Path, snapshot_provider: SnapshotProvider
) -> None:
    service, _, _, _ = _service(tmp_path, snapshot_provider)  # Friday 2026-06-05 21:00 UTC = 17:00 ET
    snapshot = service.refresh()
    markets = {m.calendar: m for m in snapshot.markets}
    assert list(markets) == ["XNYS", "CMES", "IEPA"]  # the calendars the universe uses, in order
    assert markets["XNYS"].state == "post" and markets["XNYS"].label == "NYSE after hours, opens Mon 09:30 ET"
    assert markets["XNYS"].next_open == datetime(2026, 6, 8, 13, 30, tzinfo=UTC)
    assert markets["CMES"].state == "closed" and markets["CMES"].label == "CME closed, opens Sun 18:00 ET"
    assert markets["IEPA"].state == "open"
    # quotes timed 16:00 UTC: five hours old, but their markets are closed (or in extended hours)
    assert not snapshot.get("SPY").stale and not snapshot.get("GC=F").stale  # type: ignore[union-attr]
    assert service.initial() == snapshot  # the market states survive persistence
    cached = LiveService(Cache(tmp_path / "other"), None, mode="cache", clock=Clock(FIRST_LIVE_DAY))
    assert [m.calendar for m in cached.refresh().markets] == ["XNYS", "CMES", "IEPA"]  # hours are about now


@pytest.mark.parametrize(
    ("at", "interval", "stale"),
    [
        (time(16, 10), 60.0, False),  # a 10-minute-old quote while NYSE and CME are open
        (time(18, 0), 60.0, True),  # two hours old: the feed stopped during the session
        (time(18, 0), 3600.0, False),  # within 3 intervals of an hour
    ],
)
def test_quotes_that_stop_during_an_open_session_are_stale(
    tmp_path: Path, snapshot_provider: SnapshotProvider, at: time, interval: float, stale: bool
) -> None:
    clock = Clock(FIRST_LIVE_DAY, at)  # Friday 2026-06-05; the fake's quotes are timed 16:00 UTC
    seed = FakeProvider(SEEDED_TO, source="snapshot", snapshot=snapshot_provider)
    live = FakeProvider(FIRST_LIVE_DAY, snapshot=snapshot_provider)
    service = LiveService(Cache(tmp_path), live, clock=clock, seed=seed, refresh_interval=interval)
    snapshot = service.refresh()
    assert {m.state for m in snapshot.markets} == {"open"}
    assert snapshot.get("SPY").stale is stale and snapshot.get("GC=F").stale is stale  # type: ignore[union-attr]


def test_market_hours_failure_leaves_markets_empty_with_a_notice(
    tmp_path: Path, snapshot_provider: SnapshotProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rotor.data import sessions as market_hours

    def broken(code: str, now: datetime) -> None:
        raise RuntimeError("calendar exploded")

    monkeypatch.setattr(market_hours, "market_state", broken)
    service, _, _, _ = _service(tmp_path, snapshot_provider)
    snapshot = service.refresh()
    assert snapshot.markets == ()
    assert snapshot.notices == (
        "market hours unavailable for XNYS, CMES, IEPA: RuntimeError: calendar exploded",
    )
    assert snapshot.source == "live" and not snapshot.get("SPY").stale  # type: ignore[union-attr]


def test_a_refresh_with_nothing_new_reuses_the_figures_and_new_data_recomputes(
    tmp_path: Path, snapshot_provider: SnapshotProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Idle cost: between sessions every refresh repeats the last answer; the figures are not
    recomputed (and the persisted snapshot not rewritten), but a new day is."""
    import rotor.data.build as update

    calls = []
    real = update.compute_snapshot

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("now"))
        return real(*args, **kwargs)

    monkeypatch.setattr(update, "compute_snapshot", counting)
    service, _, live, clock = _service(tmp_path, snapshot_provider)
    first = service.refresh()
    saves = []
    real_save = service.cache.save_snapshot
    monkeypatch.setattr(service.cache, "save_snapshot", lambda s: (saves.append(s), real_save(s)))
    clock.at = time(21, 5)
    again = service.refresh()
    assert len(calls) == 1 and saves == []
    assert again.instruments == first.instruments and again.risk_notes == first.risk_notes
    assert again.generated_at == clock()
    clock.day = live.today = date(2026, 6, 8)
    later = service.refresh()
    assert len(calls) == 2 and len(saves) == 1
    assert later.as_of == date(2026, 6, 8)
