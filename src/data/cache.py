"""The cache: a SQLite store of every daily bar and quote rotor ever received, and the last snapshot.

It is the single source of truth for what was received. Design choices, and why:

- WAL journal, ``busy_timeout`` and a short retry on "database is locked": two rotor processes (the app
  and a ``rotor report``) may share one cache; readers never block the writer.
- One ``BEGIN IMMEDIATE`` transaction per write batch: a process killed in the middle of a batch leaves
  either the whole batch or none of it.
- Parameterized SQL only, JSON for the snapshot, no pickle: the file is data, never code.
- A file that cannot be opened, fails ``PRAGMA quick_check`` or has a schema this rotor cannot use (a
  version that is no number, a migration that fails, a table without a column of ``SCHEMA_VERSION``) is
  moved aside (``<name>.corrupt-<UTC timestamp>``) and rebuilt; ``Cache.notice`` tells the user where it
  went. Rows of a usable file that are not data (a date that is no date, a close that is no number) are
  skipped when read, and counted in the notice. A directory that cannot be written, or a file another
  process keeps locked for longer than ``OPEN_WAIT_SECONDS``, falls back to an in-memory database, with a
  notice saying which. The cache never stops the app.
- Files are created user-only (0o600 in a 0o700 directory): the cache says what a user watches.

This module imports pandas only inside ``read_bars``/``write_bars``: ``load_snapshot`` paints the app at
start, before pandas is loaded.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from rotor.data.record import Record
from rotor.data.snapshot import MarketSnapshot

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from rotor.data.sources.base import Quote

#: Environment variable overriding the cache directory (below ``--cache-dir``, above the platform default).
CACHE_DIR_ENV: Final = "ROTOR_CACHE_DIR"
#: The database file's name inside the cache directory.
CACHE_FILE_NAME: Final = "rotor-cache.sqlite3"
#: How long one statement waits for another process's write lock before SQLite gives up, in ms.
BUSY_TIMEOUT_MS: Final = 5000
#: Extra attempts after SQLite gave up waiting for a lock (each after a short pause).
LOCK_RETRIES: Final = 3
#: How long opening the cache waits for another process's lock before it gives up (in-memory fallback).
OPEN_WAIT_SECONDS: Final = 2.0
#: The largest finite float: SQLite stores an infinity as a REAL, which is no price.
_MAX_FLOAT: Final = "1.7976931348623157e308"
#: A stored bar that is data: a text symbol, a real date (``date(x, '+0 days')`` is NULL for 'not-a-date',
#: '2026-03-02' for '2026-02-30'), a finite numeric close.
_VALID_BAR: Final = (
    "typeof(symbol) = 'text' AND date(date, '+0 days') IS date AND typeof(close) IN ('integer', 'real') "
    f"AND abs(close) <= {_MAX_FLOAT}"
)
#: Messages of ``sqlite3.OperationalError`` that mean the file's schema is not rotor's (never "locked",
#: "readonly", "disk full" ...: those are about the machine, and never a reason to move a file aside).
_SCHEMA_ERRORS: Final = (
    "no such table",
    "no such column",
    "duplicate column",
    "already exists",
    "has no column",
)

_T = TypeVar("_T")


def resolve_cache_dir(cli_value: str | None) -> Path:
    """The cache directory: ``--cache-dir`` if given, else ``$ROTOR_CACHE_DIR``, else the platform's
    user cache directory (``platformdirs.user_cache_dir("rotor")``). ``~`` is expanded."""
    if cli_value:
        return Path(expand_user(cli_value))
    env_value = os.environ.get(CACHE_DIR_ENV)
    if env_value:
        return Path(expand_user(env_value))
    import platformdirs

    return Path(expand_user(platformdirs.user_cache_dir("rotor")))


def expand_user(path: str) -> str:
    """``path`` with a leading ``~`` expanded; left as it is when there is no home directory (HOME unset
    and no password-database entry), where ``Path.expanduser`` would raise ``RuntimeError``. A result
    that still starts with ``~`` means "no home": the cache then lives in memory."""
    return os.path.expanduser(path)  # noqa: PTH111 - see the docstring


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class BarRow(Record):
    """One daily bar as stored: ``None`` where the source had no value (indices have no volume)."""

    symbol: str
    on: date
    open: float | None
    high: float | None
    low: float | None
    close: float
    volume: float | None
    settled: bool = True


def bar_rows(bars: pd.DataFrame) -> list[BarRow]:
    """A long bars frame (``BAR_COLUMNS``, optionally ``settled``) as rows; rows without a finite close
    are not bars and are left out."""
    import pandas as pd
    from rotor.data.sources.base import BAR_COLUMNS  # with pandas: not on the first frame's path

    frame = bars.loc[:, list(BAR_COLUMNS)]
    settled = bars["settled"].astype(bool).tolist() if "settled" in bars.columns else [True] * len(bars)
    closes = pd.to_numeric(frame["close"], errors="coerce").to_numpy(dtype="float64")
    days = pd.DatetimeIndex(frame["date"])
    return [
        BarRow(str(symbol), day.date(), o, h, low, float(c), v, bool(final))
        for symbol, day, o, h, low, c, v, final in zip(
            frame["symbol"],
            days,
            frame["open"],
            frame["high"],
            frame["low"],
            closes,
            frame["volume"],
            settled,
            strict=True,
        )
        if math.isfinite(float(c))
    ]


def bars_frame(rows: Sequence[BarRow]) -> pd.DataFrame:
    """Rows as a long bars frame (``BAR_COLUMNS`` plus ``settled``)."""
    import pandas as pd
    from rotor.data.sources.base import BAR_COLUMNS

    frame = pd.DataFrame.from_records(
        [(r.symbol, r.on.isoformat(), r.open, r.high, r.low, r.close, r.volume, r.settled) for r in rows],
        columns=[*BAR_COLUMNS, "settled"],
    )
    frame["symbol"] = frame["symbol"].astype(object)
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    for column in ("open", "high", "low", "close", "volume"):
        frame[column] = frame[column].astype("float64")
    frame["settled"] = frame["settled"].astype(bool)
    return frame


def _create_schema_v1(conn: sqlite3.Connection) -> None:
    """Version 1: daily bars, latest quotes and the last computed snapshot."""
    conn.execute(
        """CREATE TABLE IF NOT EXISTS bars (
            symbol TEXT NOT NULL,
            date TEXT NOT NULL,
            open REAL,
            high REAL,
            low REAL,
            close REAL NOT NULL,
            volume REAL,
            source TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (symbol, date)
        ) WITHOUT ROWID"""
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS quotes (
            symbol TEXT PRIMARY KEY,
            price REAL NOT NULL,
            time TEXT NOT NULL,
            source TEXT NOT NULL,
            fetched_at TEXT NOT NULL
        )"""
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS snapshot (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            saved_at TEXT NOT NULL,
            payload TEXT NOT NULL
        )"""
    )


def _settled_and_checks_v2(conn: sqlite3.Connection) -> None:
    """Version 2: the session model's state. ``bars.settled``: 1 when the bar is its session's final daily
    bar, 0 while provisional (version 1 could not tell: each symbol's last live bar may have been partial,
    so it becomes provisional and is fetched again). ``checks``: per symbol, the last session a fetch
    found final (nothing is asked again up to it). ``quotes`` gain the trade date of their stamp; ``hours``
    keeps the regular hours Yahoo last published per symbol (used for ^TNX and ^VIX)."""
    conn.execute("ALTER TABLE bars ADD COLUMN settled INTEGER NOT NULL DEFAULT 1")
    conn.execute(
        "UPDATE bars SET settled = 0 WHERE source = 'live' AND date = "
        "(SELECT MAX(date) FROM bars AS b WHERE b.symbol = bars.symbol)"
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS checks (
            symbol TEXT PRIMARY KEY,
            through TEXT NOT NULL,
            checked_at TEXT NOT NULL
        )"""
    )
    conn.execute("ALTER TABLE quotes ADD COLUMN day TEXT")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS hours (
            symbol TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            start TEXT NOT NULL,
            end TEXT NOT NULL
        )"""
    )


#: Schema migrations: ``MIGRATIONS[v]`` brings a database from version ``v - 1`` to ``v``. Add a function
#: here (never edit a shipped one) to change the schema; ``SCHEMA_VERSION`` follows.
MIGRATIONS: Final[Mapping[int, Callable[[sqlite3.Connection], None]]] = {
    1: _create_schema_v1,
    2: _settled_and_checks_v2,
}
SCHEMA_VERSION: Final = max(MIGRATIONS)


class CacheFormatError(Exception):
    """The file is a SQLite database but not one this version of rotor can use."""


class CacheLocked(Exception):
    """Another process held the file's lock for longer than ``OPEN_WAIT_SECONDS``."""


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _number(column: str) -> str:
    """SQL for ``column`` as a finite number, NULL for anything else (text, a blob, an infinity)."""
    return (
        f"CASE WHEN typeof({column}) IN ('integer', 'real') AND abs({column}) <= {_MAX_FLOAT} "
        f"THEN {column} END"
    )


def _expected_columns() -> dict[str, set[str]]:
    """Every table of ``SCHEMA_VERSION`` and its columns, read from a database the migrations build in
    memory (so the migrations stay the one statement of the schema)."""
    conn = sqlite3.connect(":memory:")
    try:
        for version in sorted(MIGRATIONS):
            MIGRATIONS[version](conn)
        tables = [str(row[0]) for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            table: {str(row[0]) for row in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}
            for table in tables
        }
    finally:
        conn.close()


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _day(value: object) -> date:
    """A stored ``YYYY-MM-DD``; ``ValueError`` for anything else."""
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError(f"not a date: {value!r}")
    return date.fromisoformat(value)


def _moment(value: object) -> datetime:
    """A stored ISO timestamp; ``ValueError`` for anything else."""
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    return datetime.fromisoformat(value)


def _price(value: object) -> float:
    """A stored price: a finite positive number; ``ValueError`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ValueError(f"not a price: {value!r}")
    return float(value)


def _optional_float(value: object) -> float | None:
    """``value`` as a float, ``None`` for missing or non-finite values (SQLite stores NULL)."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


class Cache:
    """The SQLite cache. Safe to share between threads (one connection guarded by a lock) and between
    processes (WAL, busy timeout, retries).

    ``directory`` defaults to ``resolve_cache_dir(None)``. After construction, ``notice`` is ``None`` or
    one line telling the user that the file was quarantined or that the cache lives in memory only.
    """

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        lazy: bool = False,
    ) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self.directory = Path(directory) if directory is not None else resolve_cache_dir(None)
        self._notice: str | None = None
        #: Per reader, the rows (table and key) its last read skipped as not data (see ``_VALID_BAR``).
        self._skipped: dict[str, set[tuple[object, ...]]] = {}
        self.path: Path | None = self.directory / CACHE_FILE_NAME
        self._connection: sqlite3.Connection | None = None
        if not lazy:
            self._open()

    @property
    def _conn(self) -> sqlite3.Connection:
        """The checked connection, opened on first use (``lazy=True`` defers the open, and its
        ``quick_check`` of the whole file, off the app's first frame and into the refresh worker)."""
        if self._connection is None:
            with self._lock:
                if self._connection is None:
                    self._open()
        assert self._connection is not None
        return self._connection

    @property
    def notice(self) -> str | None:
        """What the user must be told about the cache (quarantined file, in-memory fallback, unreadable rows
        skipped), if anything."""
        _ = self._conn
        skipped = set().union(*self._skipped.values())
        if not skipped:
            return self._notice
        tables = ", ".join(sorted({str(row[0]) for row in skipped}))
        count = len(skipped)
        rows = f"skipped {count} unreadable row{'s' if count != 1 else ''} of the cache file ({tables})"
        return f"{self._notice}; {rows}" if self._notice else rows

    def _open(self) -> None:
        if str(self.directory).startswith("~"):
            # "~" survives expansion only when there is no home directory (HOME unset, no passwd entry):
            # never create a directory literally named "~" in the working directory.
            self._notice = (
                "no home directory for the cache; using an in-memory cache "
                f"(set ${CACHE_DIR_ENV} or --cache-dir to keep data between runs)"
            )
            self._connection = self._open_memory()
            self.path = None
            return
        assert self.path is not None
        try:
            self._connection = self._open_file(self.path)
        except CacheLocked:
            self._notice = (
                f"cache file {self.path} is locked by another process (waited {OPEN_WAIT_SECONDS:g} s); "
                "using an in-memory cache for this run"
            )
            self._connection = self._open_memory()
            self.path = None
        except OSError as exc:
            self._notice = (
                f"cache dir {self.directory} not writable ({exc.strerror or exc}); using an in-memory cache"
            )
            self._connection = self._open_memory()
            self.path = None

    # -- opening ---------------------------------------------------------------------------------------

    def _open_file(self, path: Path) -> sqlite3.Connection:
        """Open (creating if needed) the database file; quarantine and rebuild it when it is unusable.

        Raises ``CacheLocked`` when another process keeps it locked, ``OSError`` when the directory or file
        cannot be created or written."""
        self._prepare_file(path)
        try:
            return self._connect_checked(path)
        except sqlite3.OperationalError as exc:
            # Locked, or not openable: not evidence of corruption, so never quarantine.
            if _is_locked(exc):
                raise CacheLocked(str(exc)) from exc
            raise OSError(f"cannot open {path}: {exc}") from exc
        except (sqlite3.DatabaseError, CacheFormatError) as exc:
            moved = self._quarantine(path)
            self._notice = (
                f"cache file {path} was unusable ({exc}); moved it to {moved} and started a new one"
            )
        self._prepare_file(path)
        try:
            return self._connect_checked(path)
        except sqlite3.DatabaseError as exc:
            raise OSError(f"cannot create a cache at {path}: {exc}") from exc

    @staticmethod
    def _prepare_file(path: Path) -> None:
        """Create the directory (0o700) and the file (0o600) so SQLite never creates them with wider
        permissions; fail early with ``OSError`` when either is not writable."""
        directory_existed = path.parent.is_dir()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not directory_existed:
            path.parent.chmod(0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK, 0o600)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{path} is not a regular file")
        finally:
            os.close(fd)
        if not os.access(path.parent, os.W_OK):
            # WAL needs its -wal and -shm files next to the database.
            raise PermissionError(13, "Permission denied", str(path.parent))

    def _connect_checked(self, path: Path) -> sqlite3.Connection:
        """Connect, verify the file (``PRAGMA quick_check``), switch to WAL, migrate and check the schema.

        A file that is not a database or fails the check raises ``sqlite3.DatabaseError`` (never the
        ``OperationalError`` subclass, which means "locked" or "cannot open"); one whose schema is not
        rotor's raises ``CacheFormatError``. While opening, a lock held by another process is waited for
        ``OPEN_WAIT_SECONDS`` at most, without retries (then ``OperationalError``: locked)."""
        wait_ms = int(OPEN_WAIT_SECONDS * 1000)
        conn = sqlite3.connect(path, timeout=OPEN_WAIT_SECONDS, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {wait_ms:d}")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot switch to WAL (journal mode {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate(conn)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_memory(self) -> sqlite3.Connection:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._migrate(conn)
        return conn

    def _quarantine(self, path: Path) -> Path:
        """Move ``path`` (and its -wal/-shm companions) aside as ``<name>.corrupt-<UTC timestamp>``."""
        stamp = _utc_stamp(self._clock())
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        serial = 1
        while target.exists():
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{serial}")
            serial += 1
        path.replace(target)
        for suffix in ("-wal", "-shm"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.replace(target.with_name(target.name + suffix))
        return target

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Bring the schema to ``SCHEMA_VERSION`` in one transaction, then check it has every table and
        column of that version.

        Raises ``CacheFormatError`` for a database written by a newer rotor (its schema is unknown), a
        version that is no number, a migration the file's tables refuse, or a missing table or column."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = str(row[0]).strip() if row else "0"
            if not version.isdigit() or not version.isascii():
                raise CacheFormatError(f"schema version {version[:20]!r} is not a number")
            if int(version) > SCHEMA_VERSION:
                raise CacheFormatError(
                    f"schema version {version} is newer than this rotor's {SCHEMA_VERSION}"
                )
            for target in range(int(version) + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[target](conn)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(target),),
                )
            for table, columns in _expected_columns().items():
                found = {str(r[0]) for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}
                if not found:
                    raise CacheFormatError(f"schema version {SCHEMA_VERSION} without a table {table}")
                if columns - found:
                    missing = ", ".join(sorted(columns - found))
                    raise CacheFormatError(f"table {table} has no column {missing}")
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and str(exc).lower().startswith(_SCHEMA_ERRORS):
                raise CacheFormatError(f"its tables do not fit rotor's schema: {exc}") from exc
            raise

    # -- plumbing --------------------------------------------------------------------------------------

    @staticmethod
    def _retry_locked(action: Callable[[], _T]) -> _T:
        """Run ``action``, retrying a few times when another process holds the write lock longer than
        the busy timeout."""
        for attempt in range(LOCK_RETRIES + 1):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                message = str(exc).lower()
                if attempt == LOCK_RETRIES or ("locked" not in message and "busy" not in message):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` takes the write lock up front, so two processes
        never deadlock upgrading read locks)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _write(self, body: Callable[[sqlite3.Connection], _T]) -> _T:
        def attempt() -> _T:
            with self._transaction() as conn:
                return body(conn)

        return self._retry_locked(attempt)

    def _parsed(
        self, reader: str, rows: Iterable[tuple[object, ...]], parse: Callable[..., tuple[str, _T]]
    ) -> Iterator[tuple[str, _T]]:
        """``parse(*row)`` of each row of the table ``reader`` names (before any dot); a row it refuses
        (``ValueError``/``TypeError``: a date that is no date, a price that is no number) is skipped and
        counted in ``notice`` (by its table and first column, the table's key)."""
        table = reader.split(".")[0]
        skipped: set[tuple[object, ...]] = set()
        for row in rows:
            try:
                yield parse(*row)
            except (ValueError, TypeError):
                skipped.add((table, row[0]))
        self._skipped[reader] = skipped

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        def attempt() -> list[tuple[object, ...]]:
            with self._lock:
                return list(self._conn.execute(sql, params).fetchall())

        return self._retry_locked(attempt)

    @property
    def in_memory(self) -> bool:
        """True when the cache fell back to memory (nothing survives the process)."""
        _ = self._conn
        return self.path is None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def schema_version(self) -> int:
        rows = self._read("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(str(rows[0][0])) if rows else 0

    # -- bars ------------------------------------------------------------------------------------------

    def write_bar_rows(self, rows: Iterable[BarRow], source: str, fetched_at: datetime) -> list[BarRow]:
        """Store bars in one transaction and return the ones stored. A bar replaces the stored bar of its
        day unless that one is settled and the new one is not: a provisional bar never overwrites a
        final one (a settled bar may be corrected by another settled bar)."""
        rows = list(rows)
        if not rows:
            return []
        stamp = fetched_at.isoformat()

        def upsert(conn: sqlite3.Connection) -> list[BarRow]:
            final = self._settled_keys(conn, rows)
            kept = [r for r in rows if r.settled or (r.symbol, r.on.isoformat()) not in final]
            conn.executemany(
                "INSERT INTO bars "
                "(symbol, date, open, high, low, close, volume, source, fetched_at, settled) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(symbol, date) DO UPDATE SET open = excluded.open, high = excluded.high, "
                "low = excluded.low, close = excluded.close, volume = excluded.volume, "
                "source = excluded.source, fetched_at = excluded.fetched_at, settled = excluded.settled",
                [
                    (
                        r.symbol,
                        r.on.isoformat(),
                        _optional_float(r.open),
                        _optional_float(r.high),
                        _optional_float(r.low),
                        float(r.close),
                        _optional_float(r.volume),
                        source,
                        stamp,
                        int(r.settled),
                    )
                    for r in kept
                ],
            )
            return kept

        return self._write(upsert)

    @staticmethod
    def _settled_keys(conn: sqlite3.Connection, rows: Sequence[BarRow]) -> set[tuple[str, str]]:
        """The (symbol, date) keys among ``rows`` that are stored settled."""
        first = min(r.on for r in rows).isoformat()
        symbols = json.dumps(sorted({str(r.symbol) for r in rows}))
        found = conn.execute(
            "SELECT symbol, date FROM bars WHERE settled = 1 AND date >= ? "
            "AND symbol IN (SELECT value FROM json_each(?))",
            (first, symbols),
        ).fetchall()
        return {(str(symbol), str(day)) for symbol, day in found}

    def write_bars(self, bars: pd.DataFrame, source: str, fetched_at: datetime) -> pd.DataFrame:
        """Store a long bars frame (``BAR_COLUMNS``, plus ``settled``; without it every bar is settled) in
        one transaction; returns the bars stored (see ``write_bar_rows``), in the same form. Rows without a
        finite close are not bars and are skipped."""
        stored = self.write_bar_rows(bar_rows(bars), source, fetched_at)
        return bars_frame(stored)

    def record_checks(self, checks: Mapping[str, date], checked_at: datetime) -> None:
        """Per symbol, the last session a fetch at ``checked_at`` found final (see ``checks``)."""
        if not checks:
            return
        stamp = checked_at.isoformat()

        def upsert(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO checks (symbol, through, checked_at) VALUES (?, ?, ?) "
                "ON CONFLICT(symbol) DO UPDATE SET through = excluded.through, "
                "checked_at = excluded.checked_at",
                [(s, d.isoformat(), stamp) for s, d in checks.items()],
            )

        self._write(upsert)

    def checks(self) -> dict[str, date]:
        """Per symbol, the last session known final in the cache: nothing up to it is asked again."""
        rows = self._read("SELECT symbol, through FROM checks")
        return dict(self._parsed("checks", rows, lambda s, d: (str(s), _day(d))))

    def write_hours(self, hours: Mapping[str, tuple[date, datetime, datetime]]) -> None:
        """Per symbol, the regular hours its source last published: (trade date, start, end)."""
        if not hours:
            return

        def upsert(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO hours (symbol, day, start, end) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(symbol) DO UPDATE SET day = excluded.day, start = excluded.start, "
                "end = excluded.end",
                [(s, d.isoformat(), a.isoformat(), b.isoformat()) for s, (d, a, b) in hours.items()],
            )

        self._write(upsert)

    def read_hours(self) -> dict[str, tuple[date, datetime, datetime]]:
        rows = self._read("SELECT symbol, day, start, end FROM hours")
        return dict(
            self._parsed("hours", rows, lambda s, d, a, b: (str(s), (_day(d), _moment(a), _moment(b))))
        )

    def read_bars(self, symbols: Sequence[str] | None = None, start: date | None = None) -> pd.DataFrame:
        """Stored bars as a long frame in ``BAR_COLUMNS`` format (``date`` as naive midnight datetimes),
        sorted by symbol and date; every symbol when ``symbols`` is ``None``; from ``start`` on.

        A row that is not a bar (see ``_VALID_BAR``: a date that is no date, a close that is no finite
        number) is skipped and counted in ``notice``; an open, high, low or volume that is no finite number
        reads as missing."""
        import pandas as pd
        from rotor.data.sources.base import BAR_COLUMNS

        where = "date >= ?"
        params: list[object] = [start.isoformat() if start else ""]
        if symbols is not None:
            where += " AND symbol IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(symbols)))
        columns = ", ".join(_number(c) for c in ("open", "high", "low"))
        rows = self._read(
            f"SELECT symbol, date, {columns}, close, {_number('volume')} FROM bars "  # noqa: S608 - constants
            f"WHERE {where} AND {_VALID_BAR} ORDER BY symbol, date",
            params,
        )
        skipped = self._read(f"SELECT symbol, date FROM bars WHERE {where} AND NOT ({_VALID_BAR})", params)  # noqa: S608
        self._skipped["read_bars"] = {("bars", *row) for row in skipped}
        frame = pd.DataFrame.from_records(rows, columns=list(BAR_COLUMNS))
        frame["symbol"] = frame["symbol"].astype(object)
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
        for column in ("open", "high", "low", "close", "volume"):
            frame[column] = frame[column].astype("float64")
        return frame

    def last_dates(self) -> dict[str, date]:
        """Per symbol, the date of its last stored bar."""
        rows = self._read(f"SELECT symbol, MAX(date) FROM bars WHERE {_VALID_BAR} GROUP BY symbol")  # noqa: S608
        return {str(symbol): date.fromisoformat(str(day)) for symbol, day in rows}

    def read_closes_before(
        self, symbols: Sequence[str], before: date
    ) -> dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
        """Per symbol, its closes dated before ``before`` as (``datetime64[D]`` days, float64 closes),
        ascending; symbols without any are left out."""
        import numpy as np

        rows = self._read(
            "SELECT symbol, date, close FROM bars WHERE date < ? "
            "AND symbol IN (SELECT value FROM json_each(?)) ORDER BY symbol, date",
            (before.isoformat(), json.dumps(list(symbols))),
        )
        out: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}
        by_symbol: dict[str, list[tuple[str, float]]] = {}
        for symbol, day, close in rows:
            try:
                by_symbol.setdefault(str(symbol), []).append((str(day), float(close)))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue  # a row that is not data (see read_bars)
        for symbol, pairs in by_symbol.items():
            try:
                days = np.array([d for d, _ in pairs], dtype="datetime64[D]")
            except ValueError:
                continue
            out[symbol] = (days, np.array([c for _, c in pairs], dtype="float64"))
        return out

    def last_settled_dates(self) -> dict[str, date]:
        """Per symbol, the date of its last settled bar."""
        rows = self._read(
            f"SELECT symbol, MAX(date) FROM bars WHERE settled = 1 AND {_VALID_BAR} GROUP BY symbol"  # noqa: S608
        )
        return {str(symbol): date.fromisoformat(str(day)) for symbol, day in rows}

    def quote_days(self) -> dict[str, date]:
        """Per symbol, the trade date of its stored quote (where known)."""
        rows = self._read("SELECT symbol, day FROM quotes WHERE day IS NOT NULL")
        return dict(self._parsed("quotes.day", rows, lambda s, d: (str(s), _day(d))))

    def last_bar_sources(self) -> dict[str, str]:
        """Per symbol, the source (``live`` or ``snapshot``) of its last stored bar."""
        rows = self._read(
            "SELECT b.symbol, b.source FROM bars b "  # noqa: S608 - a constant
            f"JOIN (SELECT symbol, MAX(date) AS last FROM bars WHERE {_VALID_BAR} GROUP BY symbol) m "
            "ON b.symbol = m.symbol AND b.date = m.last"
        )
        return {str(symbol): str(source) for symbol, source in rows}

    def last_fetch_time(self, source: str) -> datetime | None:
        """When bars from ``source`` were last written, or ``None`` if never."""
        rows = self._read("SELECT MAX(fetched_at) FROM bars WHERE source = ?", (source,))
        value = rows[0][0] if rows else None
        try:
            return None if value is None else _moment(value)
        except ValueError:
            return None

    def is_empty(self) -> bool:
        """True when no bar is stored."""
        return not self._read("SELECT 1 FROM bars LIMIT 1")

    # -- quotes ----------------------------------------------------------------------------------------

    def write_quotes(
        self,
        quotes: Iterable[Quote],
        source: str,
        fetched_at: datetime,
        days: Mapping[str, date] | None = None,
    ) -> int:
        """Replace the latest quote of each symbol (with the trade date of its stamp, from ``days``), in
        one transaction. Returns the count."""
        days = days or {}
        params = [
            (
                q.symbol,
                float(q.price),
                q.time.isoformat(),
                source,
                fetched_at.isoformat(),
                days[q.symbol].isoformat() if q.symbol in days else None,
            )
            for q in quotes
        ]
        if not params:
            return 0

        def upsert(conn: sqlite3.Connection) -> int:
            conn.executemany(
                "INSERT INTO quotes (symbol, price, time, source, fetched_at, day) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(symbol) DO UPDATE SET price = excluded.price, time = excluded.time, "
                "source = excluded.source, fetched_at = excluded.fetched_at, day = excluded.day",
                params,
            )
            return len(params)

        return self._write(upsert)

    def read_quotes(self) -> dict[str, Quote]:
        """The latest stored quote of every symbol."""
        from rotor.data.sources.base import Quote

        rows = self._read("SELECT symbol, price, time FROM quotes")
        return dict(
            self._parsed("quotes", rows, lambda s, p, t: (str(s), Quote(str(s), _price(p), _moment(t))))
        )

    # -- snapshot --------------------------------------------------------------------------------------

    def save_snapshot(self, snapshot: MarketSnapshot) -> None:
        """Persist ``snapshot`` as JSON (replacing the previous one)."""
        payload = json.dumps(snapshot.to_dict(), separators=(",", ":"), allow_nan=False)
        saved_at = self._clock().isoformat()

        def store(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO snapshot (id, saved_at, payload) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET saved_at = excluded.saved_at, payload = excluded.payload",
                (saved_at, payload),
            )

        self._write(store)

    @staticmethod
    def _peek(sql: str, path: Path) -> list[tuple[object, ...]]:
        """One read on a connection of its own, before the cache is opened and checked (the app's first
        frame): a missing, locked or unreadable file reads as nothing; the check comes with the open."""
        if not path.is_file():
            return []  # sqlite3.connect would create it
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                return list(conn.execute(sql).fetchall())
            finally:
                conn.close()
        except sqlite3.Error:
            return []

    def load_snapshot(self) -> MarketSnapshot | None:
        """The last persisted snapshot, or ``None`` when there is none or it cannot be read (e.g. it was
        written in an older snapshot format). Never imports pandas."""
        if self._connection is None and self.path is not None:
            rows = self._peek("SELECT payload FROM snapshot WHERE id = 1", self.path)
        else:
            rows = self._read("SELECT payload FROM snapshot WHERE id = 1")
        if not rows:
            return None
        try:
            return MarketSnapshot.from_dict(json.loads(str(rows[0][0])))
        except (ValueError, KeyError, TypeError):
            return None
