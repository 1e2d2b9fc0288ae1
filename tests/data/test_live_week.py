"""The live path at every hour of the week: LiveFeed -> YahooSource -> the real yfinance over HTTP -> the
fake Yahoo server, on a clock the test moves, for the whole universe.

Three stretches, each seeded with the bundled rows up to a few days before and then refreshed at the
times a trader would look: around the March 2026 daylight-saving switch (pre-market, the session, the
close, 16:00-18:00, the futures' evening open, Sunday 18:00), Martin Luther King Day 2026 (NYSE closed,
Globex trading for Tuesday until its holiday halt), and Thanksgiving 2025 with the half day after it.

At every step, for every symbol, rotor's ``last``, ``last_date``, 1D and stale flag, and the open/closed
state of its market, are checked against what the fake Yahoo serves at that moment, computed here from the
real rows and the fake's own declared schedule (``FakeYahoo.windows`` and ``progress``: the official
close once a session has closed, the session's price so far while it trades), never from rotor's session
model. Across each stretch: no bar is ever dated on a weekend or an NYSE holiday, and no settled bar ever
changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
from rotor.data.snapshot import MarketSnapshot
from rotor.data.sources.bundled import load_bundled_bars
from rotor.data.sources.fake import FakeProvider
from rotor.data.sources.fake_yahoo import NYSE_HOLIDAYS, FakeYahoo, keep_yahoo_cookies, progress
from rotor.data.sources.yahoo import YahooSource
from rotor.data.symbols import UNIVERSE

NY = ZoneInfo("America/New_York")


def et(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Expected:
    """What Yahoo shows for a symbol at a moment, from the fake's schedule and the real rows."""

    last: float
    last_date: date
    change_1d: float | None
    #: Whether its market trades (None past the last session the fake knows for it: after its rows end).
    trading: bool | None
    #: The price shown is from a session in progress (trading or paused).
    live: bool


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return load_bundled_bars()


def expected(yahoo: FakeYahoo, symbol: str, at: datetime, closes: dict[date, float]) -> Expected | None:
    """The row Yahoo serves as current for ``symbol`` at ``at`` (its price so far while its window is open,
    else the last settled row's official close), and whether its market trades."""
    t = int(at.timestamp())
    shown = None
    windows = yahoo.windows(symbol)
    trading: bool | None = False if windows and t < windows[-1].end else None
    for window in windows:
        if window.start <= t < window.end:
            trading = window.trading_at(t)
        if window.row is None or window.start > t:
            continue
        so_far = progress(window, t)
        if so_far is not None and so_far.close is not None:
            shown = (window.row.day, so_far.close, so_far.live)
    if shown is None:
        return None
    day, last, live = shown
    earlier = [d for d in closes if d < day]
    previous = closes[max(earlier)] if earlier else None
    change = None if previous is None else 100.0 * (last / previous - 1.0)
    return Expected(last, day, change, trading, live)


@pytest.fixture
def run(bars: pd.DataFrame, tmp_path: Path) -> Iterator[object]:
    def replay(
        seed_to: date, steps: list[str], stale_from: dict[str, datetime] | None = None
    ) -> list[MarketSnapshot]:
        clock = Clock(et(steps[0]))
        closes = {
            s: {d.date(): float(c) for d, c in zip(g["date"], g["close"], strict=True)}
            for s, g in bars.groupby("symbol")
        }
        seen: list[MarketSnapshot] = []
        settled: dict[tuple[str, str], float] = {}
        with FakeYahoo(clock, bars=bars) as yahoo:
            source = YahooSource(
                cache_dir=tmp_path, rewrite=yahoo.rewrite, on_response=keep_yahoo_cookies, clock=clock
            )
            seed = FakeProvider(seed_to, source="snapshot")
            feed = LiveFeed(Cache(tmp_path / "cache"), source, clock=clock, seed=seed)
            for step in steps:
                clock.now = et(step)
                snapshot = feed.refresh()
                seen.append(snapshot)
                states = {m.calendar: m.state for m in snapshot.markets}
                for sym in UNIVERSE:
                    stats = snapshot.get(sym.ticker)
                    want = expected(yahoo, sym.ticker, clock.now, closes[sym.ticker])
                    assert stats is not None and want is not None
                    where = f"{sym.ticker} at {step} ET"
                    assert stats.last_date == want.last_date, where
                    assert stats.last == pytest.approx(want.last, rel=1e-9), where
                    if want.change_1d is None:
                        assert stats.change_1d_pct is None, where
                    else:
                        assert stats.change_1d_pct == pytest.approx(want.change_1d, rel=1e-9), where
                    if want.trading is not None:
                        assert (states[sym.venue] == "open") is want.trading, where
                    late = (stale_from or {}).get(sym.ticker)
                    assert stats.stale is (late is not None and clock.now >= late), f"{where}: {stats.error}"
                    assert (stats.price_state == "live") is want.live, f"{where}: {stats.price_state}"
                _check_cache(feed.cache, settled, step)
        return seen

    yield replay


def _check_cache(cache: Cache, settled: dict[tuple[str, str], float], step: str) -> None:
    """No bar on a weekend or an NYSE holiday; a settled bar never changes."""
    assert cache.path is not None
    with sqlite3.connect(cache.path) as conn:
        rows = conn.execute("SELECT symbol, date, close, settled FROM bars WHERE source = 'live'").fetchall()
    for symbol, day, close, final in rows:
        on = date.fromisoformat(day)
        assert on.weekday() < 5 and on not in NYSE_HOLIDAYS, f"{symbol} has a bar dated {day} ({step} ET)"
        key = (symbol, day)
        if key in settled:
            assert close == settled[key], f"settled {symbol} {day} changed at {step} ET"
        elif final:
            settled[key] = close


def test_the_week_of_the_march_2026_clock_change(run) -> None:  # type: ignore[no-untyped-def]
    steps = [
        "2026-03-04 12:00",  # a Wednesday session
        "2026-03-05 08:00",  # pre-market
        "2026-03-05 09:45",
        "2026-03-05 15:59",  # the last minute before the closing auction
        "2026-03-05 16:05",  # closed, the official close in
        "2026-03-05 16:30",
        "2026-03-05 17:30",  # CME's and ICE's break; ^TNX closed since 15:00 ET
        "2026-03-05 18:30",  # Globex opens Friday's session
        "2026-03-05 20:30",  # ICE opens Friday's
        "2026-03-06 11:00",
        "2026-03-06 17:10",
        "2026-03-07 12:00",  # Saturday
        "2026-03-08 12:00",  # Sunday, after the switch to daylight time
        "2026-03-08 18:05",  # Globex opens Monday's session
        "2026-03-08 19:00",
        "2026-03-08 20:30",  # ICE opens Monday's (no Yahoo row for the dollar index after 03-06)
        "2026-03-09 04:30",  # pre-market
        "2026-03-09 09:35",
        "2026-03-09 14:30",
        "2026-03-09 15:30",  # ^TNX closed (14:00 Chicago); the NYSE still open
        "2026-03-09 17:15",  # futures and ICE in their break
        "2026-03-09 18:30",  # Globex opens Tuesday's: the settled Monday bar stands
        "2026-03-10 10:00",
    ]
    # The bundled rows of ^TNX and DX-Y.NYB end on 2026-03-06: once their markets trade Monday's session
    # for longer than the 15 minutes a price may lag, rotor says their price is stale.
    stale = {"DX-Y.NYB": et("2026-03-08 20:15"), "^TNX": et("2026-03-09 08:15")}
    seen = run(date(2026, 3, 2), steps, stale)
    crude = {s.generated_at.astimezone(NY).strftime("%m-%d %H:%M"): s.get("CL=F") for s in seen}
    assert crude["03-08 19:00"].last_date == date(2026, 3, 9)  # type: ignore[union-attr]
    assert crude["03-09 18:30"].last_date == date(2026, 3, 10)  # type: ignore[union-attr]
    assert crude["03-07 12:00"].price_state == "close"  # type: ignore[union-attr]
    assert crude["03-08 19:00"].price_state == "live"  # type: ignore[union-attr]


def test_martin_luther_king_day_2026(run) -> None:  # type: ignore[no-untyped-def]
    steps = [
        "2026-01-15 16:30",
        "2026-01-16 12:00",
        "2026-01-16 17:30",
        "2026-01-18 19:00",  # Globex opens Tuesday's trade date (Monday is a holiday)
        "2026-01-19 10:00",  # NYSE closed; futures trade
        "2026-01-19 15:00",  # Globex halted for the holiday
        "2026-01-19 19:00",
        "2026-01-20 11:00",
        "2026-01-20 16:30",
    ]
    run(date(2026, 1, 13), steps)


def test_thanksgiving_2025_and_the_half_day(run) -> None:  # type: ignore[no-untyped-def]
    steps = [
        "2025-11-26 16:30",
        "2025-11-26 18:30",
        "2025-11-27 11:00",  # Thanksgiving: NYSE closed, Globex trading toward Friday
        "2025-11-27 14:00",  # the holiday halt
        "2025-11-28 10:00",  # the half day
        "2025-11-28 13:10",  # NYSE closed at 13:00
        "2025-11-28 13:30",
        "2025-11-28 17:00",
        "2025-11-29 12:00",
        "2025-11-30 19:00",
        "2025-12-01 10:00",
    ]
    run(date(2025, 11, 21), steps)


def test_the_evening_report_from_yahoo_equals_the_report_from_the_cache(
    bars: pd.DataFrame, tmp_path: Path
) -> None:
    """``rotor report --source live --format json`` in the evening, then ``--source cache``: the same
    figures (the official closes), only the labels of where they came from differ."""
    import json

    from rotor.data.feed import open_feed
    from rotor.data.render.report import to_json

    clock = Clock(et("2026-03-05 17:30"))
    with FakeYahoo(clock, bars=bars) as yahoo:
        source = YahooSource(
            cache_dir=tmp_path, rewrite=yahoo.rewrite, on_response=keep_yahoo_cookies, clock=clock
        )
        seed = FakeProvider(date(2026, 3, 2), source="snapshot")  # a cache from before the week
        feed = LiveFeed(Cache(tmp_path), source, mode="live", clock=clock, seed=seed)
        live = json.loads(to_json(feed.refresh()))
        feed.cache.close()

    cached = json.loads(
        to_json(open_feed("cache", cache_dir=str(tmp_path), as_of=None, clock=clock).refresh())
    )
    assert live["source"] == "live" and cached["source"] == "cache" and live["as_of"] == "2026-03-05"
    labels = {"source", "generated_at", "notices", "fetch"}
    for key in set(live) | set(cached):
        if key in labels:
            continue
        if (
            isinstance(live[key], list)
            and live[key]
            and isinstance(live[key][0], dict)
            and "symbol" in live[key][0]
        ):
            for a, b in zip(live[key], cached[key], strict=True):
                assert {k: v for k, v in a.items() if k != "source"} == {
                    k: v for k, v in b.items() if k != "source"
                }
        else:
            assert live[key] == cached[key], key
    spx = next(i for i in live["indices"] if i["symbol"] == "^GSPC")
    assert spx["last"] == 6830.71 and spx["change_1d_pct"] == pytest.approx(100 * (6830.71 / 6869.50 - 1))


def test_a_feed_failing_in_the_session_goes_stale_with_its_reason_and_recovers(
    bars: pd.DataFrame, tmp_path: Path
) -> None:
    clock = Clock(et("2026-03-09 10:00"))
    with FakeYahoo(clock, bars=bars) as yahoo:
        source = YahooSource(
            cache_dir=tmp_path, rewrite=yahoo.rewrite, on_response=keep_yahoo_cookies, clock=clock
        )
        feed = LiveFeed(
            Cache(tmp_path / "cache"),
            source,
            clock=clock,
            seed=FakeProvider(date(2026, 3, 4), source="snapshot"),
        )
        good = feed.refresh()
        yahoo.fail("drop")
        clock.now = et("2026-03-09 10:05")
        early = (
            feed.refresh()
        )  # the market trades and the feed cannot update it: stale at once, last values kept
        spy = early.get("SPY")
        assert spy is not None and spy.last == good.get("SPY").last  # type: ignore[union-attr]
        assert spy.stale and spy.error is not None and spy.error.startswith("Yahoo unreachable")
        assert (
            early.fetch is not None and early.fetch.reason is not None and "unreachable" in early.fetch.reason
        )
        clock.now = et("2026-03-09 10:20")
        late = feed.refresh()
        spy = late.get("SPY")
        assert (
            spy is not None
            and spy.stale
            and spy.error is not None
            and spy.error.startswith("Yahoo unreachable")
        )
        assert late.get("GC=F").stale  # type: ignore[union-attr]
        yahoo.clear_faults()
        clock.now = et("2026-03-09 10:30")
        back = feed.refresh()
        assert not any(i.stale for i in back.instruments if i.symbol not in ("^TNX", "DX-Y.NYB"))
        want = expected(
            yahoo,
            "SPY",
            clock.now,
            {
                d.date(): c
                for d, c in zip(
                    bars[bars.symbol == "SPY"]["date"], bars[bars.symbol == "SPY"]["close"], strict=True
                )
            },
        )
        assert want is not None and back.get("SPY").last == pytest.approx(want.last)  # type: ignore[union-attr]


def test_a_new_symbol_gets_its_whole_history_once(bars: pd.DataFrame, tmp_path: Path) -> None:
    """A symbol the cache has never seen is fetched with its whole daily history, in one request, once:
    the bars before the panel's start are kept in the cache and searched as its deep history (records and
    milestones then reach back decades), the panel itself starts at the bundled bars' first day."""
    from rotor.data.feed import PANEL_START
    from rotor.data.sources.bundled import load_deep_history
    from rotor.data.symbols import by_ticker

    deep = load_deep_history()["^GSPC"]
    old = pd.DataFrame(
        {
            "symbol": "^GSPC",
            "date": pd.to_datetime(deep.days[-3000:].astype("datetime64[ns]")),
            "open": deep.closes[-3000:],
            "high": deep.closes[-3000:],
            "low": deep.closes[-3000:],
            "close": deep.closes[-3000:],
            "volume": float("nan"),
        }
    )
    served = pd.concat([old, bars[bars["symbol"] == "^GSPC"]], ignore_index=True)
    clock = Clock(et("2026-03-05 17:30"))
    with FakeYahoo(clock, bars=served) as yahoo:
        source = YahooSource(
            cache_dir=tmp_path, rewrite=yahoo.rewrite, on_response=keep_yahoo_cookies, clock=clock
        )
        seed = FakeProvider(date(2026, 3, 2), source="snapshot")
        seed.missing = {"^GSPC"}  # never seen: the seed (the bundle) gives it nothing
        feed = LiveFeed(
            Cache(tmp_path / "cache"), source, clock=clock, seed=seed, symbols=[by_ticker("^GSPC")]
        )
        first = feed.refresh()
        charts = [r for r in yahoo.log if r.kind == "chart"]
        assert len(charts) == 1 and int(charts[0].query["period1"]) < 86_400 * 2  # from 1970: everything
        clock.now = et("2026-03-06 17:30")
        feed.refresh()
        assert len([r for r in yahoo.log if r.kind == "chart"]) == 2  # then only the new day
        later = json_milestones(feed.refresh())
    assert feed._panel is not None and feed._panel.dates[0] == pd.Timestamp(PANEL_START)
    assert len(feed.cache.read_closes_before(["^GSPC"], PANEL_START)["^GSPC"][0]) == 3000
    spx = first.get("^GSPC")
    assert spx is not None and spx.last == 6830.71
    start = pd.Timestamp(deep.days[-3000]).date().isoformat()
    assert later == [  # its own history searched, from the first of the 3,000 older closes served
        f"biggest weekly loss since the week to 2025-10-10 (-2.0%; calendar weeks, closes since {start})"
    ]


def json_milestones(snapshot: MarketSnapshot) -> list[str]:
    stats = snapshot.get("^GSPC")
    assert stats is not None
    return [m.text for m in stats.milestones]
