"""The SQLite cache: round trips, upserts, crash safety, corruption, sharing, fallbacks."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from rotor.data.cache import (
    CACHE_DIR_ENV,
    CACHE_FILE_NAME,
    SCHEMA_VERSION,
    BarRow,
    Cache,
    resolve_cache_dir,
)
from rotor.data.snapshot import InstrumentStats, MarketSnapshot, Milestone
from rotor.data.sources.base import BAR_COLUMNS, Quote
from rotor.data.sources.bundled import load_bundled_bars

FETCHED = datetime(2026, 6, 12, 21, 0, tzinfo=UTC)
CLOCK = lambda: datetime(2026, 6, 12, 21, 30, 5, tzinfo=UTC)  # noqa: E731
SOME = ["^GSPC", "SPY", "GC=F", "^TNX"]

# A writer child for the crash and sharing tests: it writes batches of BATCH_ROWS bars (one symbol per
# batch, values derived from the batch id) and prints each batch id once its transaction committed.
# It imports no pandas, so twenty of them start quickly.
BATCH_ROWS = 1000
WRITER = """
import sys
from datetime import UTC, date, datetime, timedelta
from rotor.data.cache import BarRow, Cache

directory, prefix, batches, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cache = Cache(directory)
for batch in range(batches):
    rows = [
        BarRow(f"{prefix}{batch}", date(2000, 1, 1) + timedelta(days=i), None, None, None,
               batch * 1000.0 + i, None)
        for i in range(size)
    ]
    cache.write_bar_rows(rows, "live", datetime.now(UTC))
    print(batch, flush=True)
"""


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    bars = load_bundled_bars()
    return bars[bars["symbol"].isin(SOME)].reset_index(drop=True)


def _snapshot() -> MarketSnapshot:
    stats = InstrumentStats(
        symbol="SPY",
        name="SPDR S&P 500 ETF",
        short="SPY",
        group="etfs",
        kind="etf",
        unit="",
        last=733.58,
        prev_close=None,
        change_1d_pct=-0.5,
        change_1w_pct=None,
        change_wtd_pct=None,
        change_1m_pct=None,
        change_mtd_pct=None,
        change_ytd_pct=None,
        ma20=None,
        ma50=None,
        ma200=None,
        range_50d_low=None,
        range_50d_high=None,
        range_52w_low=None,
        range_52w_high=None,
        last_date=date(2026, 6, 23),
        stale=False,
        source="live",
        age_days=0,
        spark=(1.0, 2.0),
        milestones=(Milestone(kind="weekly_move", text="x", on=date(2026, 6, 19), pct=1.5),),
    )
    return MarketSnapshot(
        as_of=date(2026, 6, 23),
        requested_as_of=None,
        source="live",
        generated_at=FETCHED,
        instruments=(stats,),
        notices=("n",),
    )


def _writer(directory: Path, prefix: str, batches: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), prefix, str(batches), str(BATCH_ROWS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _batch_counts(directory: Path, prefix: str) -> dict[str, int]:
    conn = sqlite3.connect(directory / CACHE_FILE_NAME)
    try:
        rows = conn.execute(
            "SELECT symbol, COUNT(*), SUM(close) FROM bars WHERE symbol LIKE ? GROUP BY symbol",
            (prefix + "%",),
        ).fetchall()
    finally:
        conn.close()
    for symbol, count, total in rows:
        batch = int(symbol[len(prefix) :])
        expected = sum(batch * 1000.0 + i for i in range(BATCH_ROWS))
        assert count == BATCH_ROWS and total == expected, f"batch {symbol} is partial or wrong"
    return {symbol: count for symbol, count, _ in rows}


# -- location ------------------------------------------------------------------------------------------


def test_cache_dir_prefers_cli_then_env_then_platform(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "env"))
    assert resolve_cache_dir(str(tmp_path / "cli")) == tmp_path / "cli"
    assert resolve_cache_dir(None) == tmp_path / "env"
    monkeypatch.delenv(CACHE_DIR_ENV)
    import platformdirs

    assert resolve_cache_dir(None) == Path(platformdirs.user_cache_dir("rotor"))
    assert resolve_cache_dir("~/x") == Path.home() / "x"


def test_files_are_user_only(tmp_path: Path, bundled: pd.DataFrame) -> None:
    with Cache(tmp_path / "new" / "dir") as cache:
        cache.write_bars(bundled, "snapshot", FETCHED)
        db = tmp_path / "new" / "dir" / CACHE_FILE_NAME
        assert db.stat().st_mode & 0o777 == 0o600
        assert db.parent.stat().st_mode & 0o777 == 0o700
        wal = db.with_name(db.name + "-wal")
        assert wal.exists() and wal.stat().st_mode & 0o777 == 0o600
        assert cache.notice is None and not cache.in_memory


# -- bars ----------------------------------------------------------------------------------------------


def test_bars_round_trip(tmp_path: Path, bundled: pd.DataFrame) -> None:
    with Cache(tmp_path) as cache:
        assert cache.is_empty() and cache.last_dates() == {}
        assert len(cache.write_bars(bundled, "snapshot", FETCHED)) == len(bundled)
        assert not cache.is_empty()
        back = cache.read_bars(SOME)
    assert list(back.columns) == list(BAR_COLUMNS)
    expected = bundled.sort_values(["symbol", "date"], ignore_index=True)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert back["date"].dt.normalize().equals(back["date"])


def test_read_bars_filters_symbols_and_start(tmp_path: Path, bundled: pd.DataFrame) -> None:
    with Cache(tmp_path) as cache:
        cache.write_bars(bundled, "snapshot", FETCHED)
        back = cache.read_bars(["SPY", "NOPE"], start=date(2026, 6, 1))
        last = cache.last_dates()
    assert set(back["symbol"]) == {"SPY"}
    assert back["date"].min() >= pd.Timestamp("2026-06-01")
    truth = bundled.groupby("symbol")["date"].max()
    assert last == {s: d.date() for s, d in truth.items()}


def test_missing_volume_is_stored_as_null_and_read_back_as_nan(tmp_path: Path, bundled: pd.DataFrame) -> None:
    tnx = bundled[bundled["symbol"] == "^TNX"]
    assert tnx["volume"].isna().any()
    with Cache(tmp_path) as cache:
        cache.write_bars(tnx, "snapshot", FETCHED)
        back = cache.read_bars(["^TNX"])
    assert back["volume"].isna().sum() == tnx["volume"].isna().sum()


def test_upsert_replaces_a_corrected_bar_and_records_its_source(
    tmp_path: Path, bundled: pd.DataFrame
) -> None:
    spy = bundled[bundled["symbol"] == "SPY"].tail(3).reset_index(drop=True)
    corrected = spy.tail(1).copy()
    corrected["close"] = corrected["close"] + 1.25
    corrected["high"] = corrected[["high", "close"]].max(axis=1)
    later = FETCHED + timedelta(hours=1)
    with Cache(tmp_path) as cache:
        cache.write_bars(spy, "snapshot", FETCHED)
        assert cache.last_bar_sources() == {"SPY": "snapshot"}
        cache.write_bars(corrected, "live", later)
        back = cache.read_bars(["SPY"])
        assert cache.last_bar_sources() == {"SPY": "live"}
        assert cache.last_fetch_time("live") == later
    assert len(back) == 3
    assert back["close"].iloc[-1] == pytest.approx(spy["close"].iloc[-1] + 1.25)
    assert back["close"].iloc[:2].tolist() == spy["close"].iloc[:2].tolist()


def test_rows_without_a_close_are_not_bars(tmp_path: Path, bundled: pd.DataFrame) -> None:
    spy = bundled[bundled["symbol"] == "SPY"].tail(2).reset_index(drop=True)
    spy.loc[1, "close"] = float("nan")
    with Cache(tmp_path) as cache:
        assert len(cache.write_bars(spy, "live", FETCHED)) == 1
        assert len(cache.read_bars()) == 1


def test_a_failed_batch_writes_nothing(tmp_path: Path) -> None:
    rows = [BarRow("SPY", date(2026, 1, 2) + timedelta(days=n), 1.0, 1.0, 1.0, 1.0, None) for n in range(50)]
    rows.append(BarRow(None, date(2026, 3, 2), 1.0, 1.0, 1.0, 1.0, None))  # type: ignore[arg-type]
    with Cache(tmp_path) as cache:
        with pytest.raises(sqlite3.IntegrityError):  # NOT NULL fails on the last row, inside the batch
            cache.write_bar_rows(rows, "live", FETCHED)
        assert cache.is_empty()
        assert len(cache.write_bar_rows(rows[:-1], "live", FETCHED)) == 50  # the connection is usable after


def test_a_provisional_bar_never_overwrites_a_settled_one(tmp_path: Path) -> None:
    day = date(2026, 3, 9)
    settled = BarRow("CL=F", day, 98.0, 119.48, 81.19, 94.77, 1107193.0, settled=True)
    partial = BarRow("CL=F", day, 85.75, 86.03, 83.84, 84.76, 1000.0, settled=False)
    corrected = BarRow("CL=F", day, 98.0, 119.48, 81.19, 94.80, 1107200.0, settled=True)
    with Cache(tmp_path) as cache:
        assert cache.write_bar_rows([settled], "live", FETCHED) == [settled]
        assert cache.write_bar_rows([partial], "live", FETCHED) == []  # refused: the day is final
        assert cache.read_bars(["CL=F"])["close"].tolist() == [94.77]
        assert cache.write_bar_rows([corrected], "live", FETCHED) == [corrected]  # a correction stands
        assert cache.read_bars(["CL=F"])["close"].tolist() == [94.80]
        later = BarRow("CL=F", date(2026, 3, 10), 94.0, 95.0, 93.0, 94.5, None, settled=False)
        assert cache.write_bar_rows([later], "live", FETCHED) == [later]  # a provisional bar of its own day
        again = BarRow("CL=F", date(2026, 3, 10), 94.0, 96.0, 93.0, 95.5, None, settled=False)
        assert cache.write_bar_rows([again], "live", FETCHED) == [again]  # replaces a provisional one
        assert cache.last_settled_dates() == {"CL=F": day}


def test_checks_hours_and_quote_days_round_trip(tmp_path: Path) -> None:
    moment = datetime(2026, 3, 9, 19, 0, tzinfo=UTC)
    with Cache(tmp_path) as cache:
        cache.record_checks({"SPY": date(2026, 3, 6)}, FETCHED)
        cache.record_checks({"SPY": date(2026, 3, 9), "GC=F": date(2026, 3, 9)}, FETCHED)
        assert cache.checks() == {"SPY": date(2026, 3, 9), "GC=F": date(2026, 3, 9)}
        hours = {"^TNX": (date(2026, 3, 9), moment, moment + timedelta(hours=7))}
        cache.write_hours(hours)
        assert cache.read_hours() == hours
        cache.write_quotes([Quote("SPY", 680.0, moment)], "live", FETCHED, {"SPY": date(2026, 3, 9)})
        assert cache.quote_days() == {"SPY": date(2026, 3, 9)}


def test_quotes_round_trip(tmp_path: Path) -> None:
    moment = datetime(2026, 6, 12, 15, 59, tzinfo=UTC)
    with Cache(tmp_path) as cache:
        cache.write_quotes([Quote("SPY", 733.24, moment)], "live", FETCHED)
        cache.write_quotes([Quote("SPY", 734.0, moment + timedelta(minutes=1))], "live", FETCHED)
        assert cache.read_quotes() == {"SPY": Quote("SPY", 734.0, moment + timedelta(minutes=1))}


def test_threads_share_one_cache(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    failures: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for batch in range(15):
                rows = [BarRow(f"T{worker}", date(2020, 1, 1) + timedelta(days=batch), 1, 1, 1, 1.0, 1)]
                cache.write_bar_rows(rows, "live", FETCHED)
                cache.read_bars([f"T{worker}"])
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(cache.read_bars()) == 60
    cache.close()


# -- snapshot ------------------------------------------------------------------------------------------


def test_snapshot_round_trip(tmp_path: Path) -> None:
    snapshot = _snapshot()
    with Cache(tmp_path) as cache:
        assert cache.load_snapshot() is None
        cache.save_snapshot(snapshot)
        cache.save_snapshot(snapshot)
        assert cache.load_snapshot() == snapshot
    with Cache(tmp_path) as reopened:
        assert reopened.load_snapshot() == snapshot


def test_unreadable_snapshot_is_ignored(tmp_path: Path) -> None:
    with Cache(tmp_path) as cache:
        cache.save_snapshot(_snapshot())
    conn = sqlite3.connect(tmp_path / CACHE_FILE_NAME)
    with conn:
        conn.execute("UPDATE snapshot SET payload = ?", ('{"format": 999}',))
    conn.close()
    with Cache(tmp_path) as cache:
        assert cache.load_snapshot() is None


def test_load_snapshot_never_imports_pandas(tmp_path: Path) -> None:
    with Cache(tmp_path) as cache:
        cache.save_snapshot(_snapshot())
    code = (
        "import sys\nfrom rotor.data.cache import Cache\n"
        f"snap = Cache({str(tmp_path)!r}).load_snapshot()\n"
        "assert snap is not None and snap.instruments[0].last == 733.58\n"
        "assert 'pandas' not in sys.modules, 'pandas imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


# -- schema --------------------------------------------------------------------------------------------


def test_schema_version_is_recorded_and_newer_files_are_set_aside(tmp_path: Path) -> None:
    with Cache(tmp_path) as cache:
        assert cache.schema_version() == SCHEMA_VERSION
    conn = sqlite3.connect(tmp_path / CACHE_FILE_NAME)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.close()
    with Cache(tmp_path, clock=CLOCK) as cache:
        assert cache.notice is not None and "newer" in cache.notice
        assert cache.schema_version() == SCHEMA_VERSION
    assert (tmp_path / f"{CACHE_FILE_NAME}.corrupt-20260612T213005Z").exists()


# A file of some other program's schema, or an unfinished one of rotor's: each is set aside and rebuilt.
FOREIGN_SCHEMAS = {
    "bars without a symbol column": (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO meta VALUES ('schema_version', '2')",
        "CREATE TABLE bars (date TEXT, close REAL)",
    ),
    "a version that is no number": (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO meta VALUES ('schema_version', 'abc')",
    ),
    "a negative version": (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO meta VALUES ('schema_version', '-3')",
    ),
    "version 1 without its tables": (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO meta VALUES ('schema_version', '1')",
    ),
    "a meta table of another shape": ("CREATE TABLE meta (name TEXT)",),
    "version 2 without the checks table": (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "INSERT INTO meta VALUES ('schema_version', '2')",
        "CREATE TABLE bars (symbol TEXT, date TEXT, open REAL, high REAL, low REAL, close REAL, volume REAL, "
        "source TEXT, fetched_at TEXT, settled INTEGER)",
    ),
}


@pytest.mark.parametrize("statements", FOREIGN_SCHEMAS.values(), ids=FOREIGN_SCHEMAS.keys())
def test_a_file_of_another_schema_is_set_aside_and_rebuilt(
    tmp_path: Path, bundled: pd.DataFrame, statements: tuple[str, ...]
) -> None:
    conn = sqlite3.connect(tmp_path / CACHE_FILE_NAME)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    with Cache(tmp_path, clock=CLOCK) as cache:
        moved = tmp_path / f"{CACHE_FILE_NAME}.corrupt-20260612T213005Z"
        assert not cache.in_memory
        assert cache.notice is not None and f"moved it to {moved}" in cache.notice
        assert moved.exists() and cache.schema_version() == SCHEMA_VERSION
        cache.write_bars(bundled, "snapshot", FETCHED)
        assert len(cache.read_bars()) == len(bundled)
    with Cache(tmp_path) as again:
        assert again.notice is None


def test_rows_that_are_not_data_are_skipped_and_counted(tmp_path: Path, bundled: pd.DataFrame) -> None:
    with Cache(tmp_path) as cache:
        cache.write_bars(bundled, "snapshot", FETCHED)
        cache.write_quotes([Quote("SPY", 600.0, FETCHED)], "live", FETCHED, {"SPY": date(2026, 6, 12)})
    insert = (
        "INSERT INTO bars (symbol, date, open, high, low, close, volume, source, fetched_at, settled) "
        "VALUES (?, ?, ?, 1, 1, ?, 1, 'live', ?, 1)"
    )
    conn = sqlite3.connect(tmp_path / CACHE_FILE_NAME)
    with conn:
        conn.execute(insert, ("SPY", "not-a-date", 1, 2.0, "x"))  # no date (and it sorts last)
        conn.execute(insert, ("SPY", "2026-02-30", 1, 2.0, "x"))  # no such day
        conn.execute(insert, ("SPY", "2030-01-02", 1, "abc", "x"))  # a close that is no number
        conn.execute(insert, ("SPY", "2030-01-03", 1, 1e999, "x"))  # an infinite close
        conn.execute(insert, ("SPY", "2030-01-04", "zz", 5.0, "x"))  # a bad open: missing, the bar stays
        conn.execute("INSERT INTO checks VALUES ('SPY', 'soon', 'x')")
        conn.execute("INSERT INTO quotes VALUES ('GC=F', 'abc', 'never', 'live', 'x', 'someday')")
        conn.execute("INSERT INTO hours VALUES ('^VIX', 'x', 'y', 'z')")
    conn.close()
    with Cache(tmp_path) as cache:
        bars = cache.read_bars(["SPY"])
        spy = bundled[bundled["symbol"] == "SPY"]
        assert len(bars) == len(spy) + 1
        last = bars.iloc[-1]
        assert str(last["date"].date()) == "2030-01-04" and pd.isna(last["open"]) and last["close"] == 5.0
        assert cache.last_dates()["SPY"] == date(2030, 1, 4)
        assert cache.last_bar_sources()["SPY"] == "live"
        assert cache.checks() == {} and cache.read_hours() == {}
        assert set(cache.read_quotes()) == {"SPY"} and cache.quote_days() == {"SPY": date(2026, 6, 12)}
        assert cache.notice == ("skipped 7 unreadable rows of the cache file (bars, checks, hours, quotes)")


def test_a_locked_file_is_answered_within_seconds_and_said_to_be_locked(tmp_path: Path) -> None:
    Cache(tmp_path).close()
    holder = sqlite3.connect(tmp_path / CACHE_FILE_NAME, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with Cache(tmp_path) as cache:
            assert cache.in_memory
            assert cache.notice is not None and "is locked by another process" in cache.notice
            assert "not writable" not in cache.notice
        assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Cache(tmp_path) as cache:
        assert not cache.in_memory and cache.notice is None


# -- corruption ----------------------------------------------------------------------------------------


def test_random_bytes_are_quarantined_and_rebuilt(tmp_path: Path, bundled: pd.DataFrame) -> None:
    db = tmp_path / CACHE_FILE_NAME
    garbage = os.urandom(16384)
    db.write_bytes(garbage)
    with Cache(tmp_path, clock=CLOCK) as cache:
        moved = tmp_path / f"{CACHE_FILE_NAME}.corrupt-20260612T213005Z"
        assert cache.notice is not None and str(moved) in cache.notice
        assert moved.read_bytes() == garbage
        assert cache.is_empty()
        cache.write_bars(bundled, "snapshot", FETCHED)
    with Cache(tmp_path) as reopened:
        assert reopened.notice is None and len(reopened.read_bars()) == len(bundled)


def test_truncated_file_is_quarantined_and_rebuilt(tmp_path: Path, bundled: pd.DataFrame) -> None:
    with Cache(tmp_path) as cache:
        cache.write_bars(bundled, "snapshot", FETCHED)
    db = tmp_path / CACHE_FILE_NAME
    assert not db.with_name(db.name + "-wal").exists()  # checkpointed on close: the data is in the file
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    with Cache(tmp_path, clock=CLOCK) as cache:
        assert cache.notice is not None and "corrupt-20260612T213005Z" in cache.notice
        assert cache.is_empty()
    quarantined = list(tmp_path.glob(f"{CACHE_FILE_NAME}.corrupt-*"))
    assert len(quarantined) == 1


def test_second_quarantine_in_the_same_second_keeps_both(tmp_path: Path) -> None:
    db = tmp_path / CACHE_FILE_NAME
    for _ in range(2):
        db.write_bytes(os.urandom(4096))
        Cache(tmp_path, clock=CLOCK).close()
    assert len(list(tmp_path.glob(f"{CACHE_FILE_NAME}.corrupt-*"))) == 2


# -- fallbacks -----------------------------------------------------------------------------------------


def test_unusable_directory_falls_back_to_memory(tmp_path: Path, bundled: pd.DataFrame) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with Cache(blocker / "cache") as cache:
        assert cache.in_memory
        assert cache.notice == (
            f"cache dir {blocker / 'cache'} not writable (Not a directory); using an in-memory cache"
        )
        cache.write_bars(bundled, "snapshot", FETCHED)
        assert len(cache.read_bars()) == len(bundled)
        cache.save_snapshot(_snapshot())
        assert cache.load_snapshot() == _snapshot()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores permission bits")
def test_read_only_directory_falls_back_to_memory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with Cache(locked) as cache:
            assert cache.in_memory and cache.notice is not None and "not writable" in cache.notice
    finally:
        locked.chmod(0o700)


# -- processes -----------------------------------------------------------------------------------------


def test_sigkill_mid_write_never_leaves_a_partial_batch(tmp_path: Path) -> None:
    committed: dict[int, list[int]] = {}
    for run in range(20):
        child = _writer(tmp_path, f"R{run}B", 10_000)
        assert child.stdout is not None
        seen: list[int] = []
        target = 1 + run % 4
        while len(seen) < target:
            line = child.stdout.readline()
            assert line, f"writer died early: {child.stderr.read() if child.stderr else ''}"
            seen.append(int(line))
        time.sleep(0.002 * (run % 10))  # land at different points of the next batch
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
        if child.stderr is not None:
            child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        committed[run] = seen
        with Cache(tmp_path) as cache:  # opens cleanly after every kill
            assert cache.notice is None
    for run, seen in committed.items():
        counts = _batch_counts(tmp_path, f"R{run}B")  # asserts every stored batch is whole
        assert {f"R{run}B{b}" for b in seen} <= set(counts)


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    Cache(tmp_path).close()
    children = [_writer(tmp_path, prefix, 40) for prefix in ("P", "Q")]
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert out.split() == [str(n) for n in range(40)]
    assert len(_batch_counts(tmp_path, "P")) == 40
    assert len(_batch_counts(tmp_path, "Q")) == 40


def test_a_lazy_cache_peeks_at_the_saved_snapshot_and_checks_the_file_on_first_use(tmp_path: Path) -> None:
    """What the app's first frame does: read the saved snapshot without opening (and quick_check-ing)
    the cache; the first real use opens it, and a corrupt file is still quarantined then."""
    snapshot = _snapshot()
    missing = Cache(tmp_path / "new", lazy=True)
    assert missing.load_snapshot() is None and not (tmp_path / "new").exists()  # a peek creates nothing
    with Cache(tmp_path) as cache:
        cache.save_snapshot(snapshot)
    lazy = Cache(tmp_path, lazy=True)
    assert lazy._connection is None
    assert lazy.load_snapshot() == snapshot
    assert lazy._connection is None  # still not opened
    assert lazy.notice is None and lazy._connection is not None  # first real use opens and checks
    lazy.close()
    path = tmp_path / CACHE_FILE_NAME
    path.write_bytes(os.urandom(4096))
    corrupt = Cache(tmp_path, lazy=True)
    assert corrupt.load_snapshot() is None  # unreadable: nothing to paint, no exception
    assert corrupt.notice is not None and "moved it to" in corrupt.notice
    assert list(tmp_path.glob(f"{CACHE_FILE_NAME}.corrupt-*"))
    corrupt.close()
