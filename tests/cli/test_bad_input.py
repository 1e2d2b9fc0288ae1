"""Bad input as a user types it: each case runs ``python -m rotor`` in a subprocess (never the network:
``--source snapshot``, or ``--source cache`` where the cache is the point) and must end with exactly one
stderr line naming the problem, the documented exit code, never a traceback, never a raw control character
and never a wait of more than a few seconds."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

SNAPSHOT = ("--source", "snapshot")
AS_OF = ("--as-of", "2026-01-23")


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int
    needle: str  # in the one stderr line ("" when stderr must be empty)
    config: str | None = None  # written to $ROTOR_CONFIG
    env: dict[str, str] = field(default_factory=dict)  # "{tmp}" is replaced by the test's directory
    bare_env: bool = False  # PATH only (like `env -i PATH=...`)
    prepare: Callable[[Path], None] | None = None  # called with the test's directory before the run


def make_fifo(tmp: Path) -> None:
    os.mkfifo(tmp / "fifo.toml")


def make_large_config(tmp: Path) -> None:
    (tmp / "large.toml").write_text("# padding\n" * (1 << 17) + "[refresh]\n")


def make_cache(tmp: Path, *statements: str) -> None:
    """A cache file in ``{tmp}/cache`` made by ``statements`` (a schema of someone else's, or rows)."""
    (tmp / "cache").mkdir(mode=0o700, exist_ok=True)
    conn = sqlite3.connect(tmp / "cache" / "rotor-cache.sqlite3")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def rotor_cache(tmp: Path, *statements: str) -> None:
    """A cache rotor made (the bundled data's bars), then ``statements`` run on it."""
    from rotor.data.cache import Cache
    from rotor.data.sources.bundled import load_bundled_bars

    with Cache(tmp / "cache") as cache:
        cache.write_bars(load_bundled_bars(), "snapshot", datetime.now(UTC))
    make_cache(tmp, *statements)


META_V2 = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "INSERT INTO meta VALUES ('schema_version', '2')",
)
BAR = "INSERT INTO bars (symbol, date, open, high, low, close, volume, source, fetched_at, settled) VALUES "


CASES = [
    Case("as-of format", ("report", *SNAPSHOT, "--as-of", "23/01/2026"), 2, "'23/01/2026' is not a date"),
    Case("as-of impossible", ("report", *SNAPSHOT, "--as-of", "2026-02-30"), 2, "is not a date"),
    Case("as-of basic format", ("report", *SNAPSHOT, "--as-of", "20260105"), 2, "'20260105' is not a date"),
    Case("as-of week date", ("report", *SNAPSHOT, "--as-of", "2026-W02-1"), 2, "'2026-W02-1' is not a date"),
    Case("as-of future", ("report", *SNAPSHOT, "--as-of", "2999-01-01"), 2, "is in the future"),
    Case("as-of before data", ("report", *SNAPSHOT, "--as-of", "1999-12-31"), 2, "outside the data"),
    Case(
        "interval 2",
        ("--interval", "2", "report", *SNAPSHOT),
        2,
        "argument --interval: must be between 5 and 86400, got 2 (see 'rotor --help')",
    ),
    Case("interval nan", ("--interval", "nan"), 2, "--interval: must be a finite number, got nan"),
    Case(
        "interval 1e14",
        ("--source", "auto", "--interval", "1e14"),
        2,
        "must be between 5 and 86400, got 1e14",
    ),
    Case("interval word", ("--interval", "soon"), 2, "--interval: 'soon' is not a number of seconds"),
    Case(
        "interval env",
        ("report", *SNAPSHOT),
        2,
        "$ROTOR_INTERVAL: must be between 5 and 86400, got 1",
        env={"ROTOR_INTERVAL": "1"},
    ),
    Case(
        "interval env 1e300",
        ("report", *SNAPSHOT),
        2,
        "$ROTOR_INTERVAL: must be between 5 and 86400, got 1e300",
        env={"ROTOR_INTERVAL": "1e300"},
    ),
    Case(
        "interval env in config show",
        ("config", "show"),
        2,
        "$ROTOR_INTERVAL: must be between 5 and 86400, got 1e18",
        env={"ROTOR_INTERVAL": "1e18"},
    ),
    Case(
        "huge integer in the file",
        ("report", *SNAPSHOT),
        2,
        ":2: refresh.interval: must be between 5 and 86400, got 1000000000",
        config="[refresh]\ninterval = 1" + "0" * 400 + "\n",
    ),
    Case(
        "huge integer threshold",
        ("config", "check"),
        2,
        ":2: risk.vix_watch_level: is too large, got 1000",
        config="[risk]\nvix_watch_level = 1" + "0" * 400 + "\n",
    ),
    Case(
        "config is a FIFO (--config)",
        ("report", *SNAPSHOT, "--config", "{tmp}/fifo.toml"),
        2,
        "config file {tmp}/fifo.toml is a FIFO (named pipe), not a regular file",
        prepare=make_fifo,
    ),
    Case(
        "config is a FIFO ($ROTOR_CONFIG)",
        ("config", "show"),
        2,
        "config file {tmp}/fifo.toml is a FIFO (named pipe), not a regular file",
        env={"ROTOR_CONFIG": "{tmp}/fifo.toml"},
        prepare=make_fifo,
    ),
    Case(
        "config is /dev/zero",
        ("report", *SNAPSHOT, "--config", "/dev/zero"),
        2,
        "config file /dev/zero is a character device, not a regular file",
    ),
    Case(
        "config is /dev/urandom",
        ("config", "check", "--config", "/dev/urandom"),
        2,
        "config file /dev/urandom is a character device, not a regular file",
    ),
    Case(
        "config over 1 MiB",
        ("report", *SNAPSHOT, "--config", "{tmp}/large.toml"),
        2,
        "config file {tmp}/large.toml is larger than 1 MiB; not reading it",
        prepare=make_large_config,
    ),
    Case(
        "control characters in a key",
        ("report", *SNAPSHOT),
        2,
        "refresh.a\\x1b]0;owned\\x07\\nb\\x1b[2J: unknown key",
        config='[refresh]\n"a\\u001b]0;owned\\u0007\\nb\\u001b[2J" = 5\n',
    ),
    Case(
        "control characters in a watchlist key",
        ("report", *SNAPSHOT),
        2,
        "item 1: unknown key 'n\\x1b[2Jame'",
        config='[watchlist]\nsymbols = [{ symbol = "AAPL", "n\\u001b[2Jame" = "Apple" }]\n',
    ),
    Case(
        "control characters in a section name",
        ("config", "check"),
        2,
        "\\x1b]2;title\\x07: unknown section",
        config='["\\u001b]2;title\\u0007"]\nx = 1\n',
    ),
    Case(
        "control characters in --config",
        ("report", *SNAPSHOT, "--config", "{tmp}/c\x1b[2J\n.toml"),
        2,
        "c\\x1b[2J\\n.toml not found (given with --config)",
    ),
    Case(
        "control characters in $ROTOR_CACHE_DIR",
        ("config", "show"),
        2,
        "$ROTOR_CACHE_DIR: cache dir must be printable text (no control characters)",
        env={"ROTOR_CACHE_DIR": "{tmp}/\x1b]0;x\x07"},
    ),
    Case("unknown source", ("report", "--source", "pigeon"), 2, "invalid choice: 'pigeon'"),
    Case("unknown format", ("report", *SNAPSHOT, "--format", "xml"), 2, "invalid choice: 'xml'"),
    Case("unknown subcommand", ("frobnicate",), 2, "invalid choice: 'frobnicate'"),
    Case("unknown flag", ("report", "--colour"), 2, "unrecognized arguments: --colour"),
    Case("config action", ("config", "edit"), 2, "invalid choice: 'edit'"),
    Case("toml syntax", ("report", *SNAPSHOT), 2, ":2:10: invalid TOML", config="[refresh]\ninterval 60\n"),
    Case(
        "alert without a condition",
        ("report", *SNAPSHOT),
        2,
        ":4: alerts[2]: alert needs exactly one of above, below, move_pct, risk, quadrant, stale (got none)",
        config='[[alerts]]\nrisk = "info"\n\n[[alerts]]\nsymbol = "GC=F"\n',
    ),
    Case(
        "position date quoted",
        ("config", "check"),
        2,
        ":5: positions[1].date: must be a date written unquoted (2025-06-02), got a string ('2025-06-02')",
        config='[[positions]]\nsymbol = "SPY"\nquantity = 1\ncost = 1\ndate = "2025-06-02"\n',
    ),
    Case(
        "watchlist name with an escape",
        ("report", *SNAPSHOT),
        2,
        "watchlists[1].name: must be printable text (no control characters), got '\\x1b[2J'",
        config='[[watchlists]]\nname = "\\u001b[2J"\n',
    ),
    Case(
        "unknown key",
        ("report", *SNAPSHOT),
        2,
        ":3: refresh.intervall: unknown key; did you mean 'interval'?",
        config="[refresh]\nclosed_interval = 600\nintervall = 30\n",
    ),
    Case(
        "unknown section",
        ("report", *SNAPSHOT),
        2,
        ":1: dispaly: unknown section; did you mean 'display'?",
        config='[dispaly]\ntheme = "nord"\n',
    ),
    Case(
        "wrong type",
        ("report", *SNAPSHOT),
        2,
        ":2: refresh.interval: must be a number, got a string ('fast')",
        config='[refresh]\ninterval = "fast"\n',
    ),
    Case(
        "negative threshold",
        ("report", *SNAPSHOT),
        2,
        ":3: risk.vix_jump_watch_pct: must not be negative, got -20",
        config="[risk]\nvix_watch_level = 22\nvix_jump_watch_pct = -20\n",
    ),
    Case(
        "watch above warning",
        ("report", *SNAPSHOT),
        2,
        "risk.dollar_move_watch_pct: dollar_move_watch_pct must not exceed dollar_move_warning_pct",
        config="[risk]\ndollar_move_watch_pct = 3\n",
    ),
    Case(
        "malformed symbol",
        ("report", *SNAPSHOT),
        2,
        ":4: watchlist.symbols: 'BRK B' is not a valid Yahoo ticker",
        config='[watchlist]\nsymbols = [\n  "AAPL",\n  { symbol = "BRK B", name = "Berkshire" },\n]\n',
    ),
    Case(
        "injection symbol",
        ("report", *SNAPSHOT),
        2,
        "is not a valid Yahoo ticker",
        config='[watchlist]\nsymbols = ["X\'); DROP TABLE bars;--"]\n',
    ),
    Case(
        "builtin in watchlist",
        ("report", *SNAPSHOT),
        2,
        "XLE is already a built-in symbol (sectors); remove it from the watchlist",
        config='[watchlist]\nsymbols = ["AAPL", "xle"]\n',
    ),
    Case(
        "bad theme",
        ("report", *SNAPSHOT),
        2,
        "display.theme: 'dracular' is not allowed; did you mean 'dracula'?",
        config='[display]\ntheme = "dracular"\n',
    ),
    Case(
        "bad benchmark",
        ("report", *SNAPSHOT),
        2,
        "rotation.benchmark: QQQQ is neither a built-in nor a watchlist symbol; did you mean 'QQQ'?",
        config='[rotation]\nbenchmark = "QQQQ"\n',
    ),
    Case(
        "missing --config",
        ("report", *SNAPSHOT, "--config", "{tmp}/nope.toml"),
        2,
        "not found (given with --config)",
    ),
    Case("--config is a dir", ("--config", "{tmp}", "report", *SNAPSHOT), 2, "is a directory"),
    Case(
        "check bad config",
        ("config", "check"),
        2,
        "refresh.interval: must be between 5",
        config="[refresh]\ninterval = 1\n",
    ),
    Case("check good config", ("config", "check"), 0, "", config="[refresh]\ninterval = 10\n"),
    Case(
        "cache dir not writable",
        ("report", "--source", "cache", *AS_OF),
        0,
        "warning: cache dir {tmp}/a-file/cache not writable",
        env={"ROTOR_CACHE_DIR": "{tmp}/a-file/cache"},
    ),
    Case(
        "config cache dir not writable",
        ("report", "--source", "cache", *AS_OF),
        0,
        "using an in-memory cache",
        config='[cache]\ndir = "{tmp}/a-file/cache"\n',
        env={"ROTOR_CACHE_DIR": ""},
    ),
    Case(
        "cache of another schema",
        ("report", "--source", "cache", *AS_OF),
        0,
        "cache file {tmp}/cache/rotor-cache.sqlite3 was unusable (table bars has no column",
        prepare=lambda tmp: make_cache(tmp, *META_V2, "CREATE TABLE bars (day TEXT, price REAL)"),
    ),
    Case(
        "cache version abc",
        ("report", "--source", "cache", *AS_OF),
        0,
        "(schema version 'abc' is not a number); moved it to {tmp}/cache/rotor-cache.sqlite3.corrupt-",
        prepare=lambda tmp: make_cache(tmp, META_V2[0], "INSERT INTO meta VALUES ('schema_version', 'abc')"),
    ),
    Case(
        "cache version 1 without tables",
        ("report", "--source", "cache", *AS_OF),
        0,
        "was unusable (its tables do not fit rotor's schema: no such table: bars)",
        prepare=lambda tmp: make_cache(tmp, META_V2[0], "INSERT INTO meta VALUES ('schema_version', '1')"),
    ),
    Case(
        "cache rows that are not bars",
        ("report", "--source", "cache", *AS_OF),
        0,
        "skipped 2 unreadable rows of the cache file (bars)",
        prepare=lambda tmp: rotor_cache(
            tmp,
            BAR + "('SPY', 'not-a-date', 1, 1, 1, 1, 1, 'live', 'x', 1)",
            BAR + "('SPY', '2026-01-25', 1, 1, 1, 'abc', 1, 'live', 'x', 1)",
        ),
    ),
    Case("no HOME, no XDG", ("report", *SNAPSHOT, *AS_OF), 0, "", bare_env=True),
    Case("no HOME: config path", ("config", "path"), 0, "", bare_env=True),
]


def run(case: Case, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    def fill(text: str) -> str:
        return text.replace("{tmp}", str(tmp_path))

    (tmp_path / "a-file").write_text("not a directory\n")
    if case.bare_env:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    else:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROTOR_")}
        env["ROTOR_CACHE_DIR"] = str(tmp_path / "cache")
        env["ROTOR_CONFIG"] = str(tmp_path / "config.toml")
        env.update({k: fill(v) for k, v in case.env.items()})
        env = {k: v for k, v in env.items() if v}
    if case.config is not None:
        (tmp_path / "config.toml").write_text(fill(case.config))
    if case.prepare is not None:
        case.prepare(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "rotor", *(fill(a) for a in case.args)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    started = time.monotonic()
    proc = run(case, tmp_path)
    assert time.monotonic() - started < 20  # a hang would time out at 60
    assert "Traceback" not in proc.stderr
    assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in proc.stderr.replace("\n", ""))
    assert proc.returncode == case.code, proc.stderr
    lines = proc.stderr.splitlines()
    if not case.needle:
        assert lines == []
        return
    assert len(lines) == 1, proc.stderr
    prefix = "rotor: warning: " if case.code == 0 else "rotor: error: "
    assert lines[0].startswith(prefix), lines[0]
    assert case.needle.replace("{tmp}", str(tmp_path)) in lines[0], lines[0]
    if case.code != 0:
        assert proc.stdout == ""
    if case.config is not None and case.code == 2:
        assert str(tmp_path / "config.toml") in lines[0]  # a config error names the file
    assert not (tmp_path / "~").exists()  # nothing created under a literal "~"


def test_report_after_a_cache_warning_is_complete(tmp_path: Path) -> None:
    args = ("report", "--source", "cache", *AS_OF, "--format", "json")
    proc = run(Case("", args, 0, "", env={"ROTOR_CACHE_DIR": "{tmp}/a-file/cache"}), tmp_path)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["as_of"] == "2026-01-23"
    assert any("in-memory cache" in n for n in data["notices"])


WATCHLIST_20 = [
    ("AAPL", "Apple"),
    ("MSFT", "Microsoft"),
    ("NVDA", "NVIDIA"),
    ("AMZN", "Amazon"),
    ("GOOGL", "Alphabet"),
    ("META", "Meta Platforms"),
    ("BRK-B", "Berkshire Hathaway"),
    ("JPM", "JPMorgan Chase"),
    ("XOM", "Exxon Mobil"),
    ("TLT", "20+ Year Treasury ETF"),
    ("HYG", "High Yield Bond ETF"),
    ("EEM", "Emerging Markets ETF"),
    ("EFA", "Developed Markets ETF"),
    ("SMH", "Semiconductor ETF"),
    ("KRE", "Regional Banks ETF"),
    ("ZC=F", "Corn"),
    ("BTC-USD", "Bitcoin"),
    ("EURUSD=X", "Euro / US dollar"),
    ("^FTSE", "FTSE 100"),
    ("^N225", "Nikkei 225"),
]


def _watchlist_config() -> str:
    items = "\n".join(f'  {{ symbol = "{s}", name = "{n}" }},' for s, n in WATCHLIST_20)
    return f'[watchlist]\nsymbols = [\n{items}\n]\n\n[rotation]\nbenchmark = "SPY"\n'


def test_a_watchlist_of_20_symbols_without_bundled_data(tmp_path: Path) -> None:
    case = Case("", ("report", *SNAPSHOT, *AS_OF, "--format", "json"), 0, "", config=_watchlist_config())
    proc = run(case, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    watchlist = data["watchlist"]
    assert [(i["symbol"], i["name"]) for i in watchlist] == WATCHLIST_20
    assert all(i["last"] is None and i["error"] == "no data in the bundled snapshot" for i in watchlist)
    # Everything else works as usual.
    counts = {"indices": 5, "sectors": 11, "commodities": 5, "rates": 2, "etfs": 4}
    for group, count in counts.items():
        assert len(data[group]) == count and all(i["last"] is not None for i in data[group])
    assert data["rotation"]["spreads"] and data["risk_notes"] is not None

    text = run(Case("", ("report", *SNAPSHOT, *AS_OF), 0, "", config=_watchlist_config()), tmp_path)
    assert text.returncode == 0 and "Watchlist" in text.stdout
    assert "BRK-B: no data in the bundled snapshot" in text.stdout


def test_config_subcommands(tmp_path: Path) -> None:
    target = tmp_path / "conf" / "rotor" / "config.toml"
    init = run(Case("", ("config", "init", "--config", str(target)), 0, ""), tmp_path)
    assert init.returncode == 0 and init.stdout.strip() == f"wrote {target}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    again = run(Case("", ("config", "init", "--config", str(target)), 1, ""), tmp_path)
    assert again.returncode == 1
    assert again.stderr.splitlines() == [f"rotor: error: {target} already exists; not overwriting it"]
    check = run(Case("", ("--config", str(target), "config", "check"), 0, ""), tmp_path)
    assert check.returncode == 0 and check.stdout.strip() == f"ok: {target}"
    path = run(Case("", ("config", "path", "--config", str(target)), 0, ""), tmp_path)
    assert path.stdout.strip() == f"{target}  (--config; exists)"
    missing = run(Case("", ("config", "path"), 0, ""), tmp_path)
    assert missing.stdout.strip() == f"{tmp_path / 'config.toml'}  ($ROTOR_CONFIG; not found; defaults apply)"
    show = run(
        Case("", ("--interval", "15", "config", "show"), 0, "", config=_watchlist_config()),
        tmp_path,
    )
    assert show.returncode == 0, show.stderr
    assert "interval = 15.0" in show.stdout and '{ symbol = "^N225", name = "Nikkei 225" }' in show.stdout
    import tomllib

    shown = tomllib.loads(show.stdout)
    assert shown["refresh"]["interval"] == 15.0
    assert shown["cache"]["dir"] == str(tmp_path / "cache")  # $ROTOR_CACHE_DIR beats the config
    assert len(shown["watchlist"]["symbols"]) == 20
    assert shown["risk"]["vix_watch_level"] == 20.0


def test_the_app_gets_the_configured_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rotor.tui.startup
    from rotor import cli

    config = tmp_path / "config.toml"
    config.write_text(
        '[refresh]\ninterval = 20\nclosed_interval = 900\n[display]\ntheme = "nord"\n'
        'heatmap_palette = "blue-orange"\n[watchlist]\nsymbols = ["AAPL"]\n'
    )
    seen: dict[str, object] = {}

    def fake_run(service: object, **kwargs: object) -> int:
        seen.update(kwargs, service=service)
        return 0

    monkeypatch.setattr(rotor.tui.startup, "run", fake_run)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("ROTOR_CONFIG", str(config))
    monkeypatch.setenv("ROTOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ROTOR_INTERVAL", raising=False)
    assert cli.main(["--source", "snapshot"]) == 0
    assert {k: seen[k] for k in ("interval", "first", "closed_interval", "theme", "palette")} == {
        "interval": 20.0,
        "first": None,
        "closed_interval": 900.0,
        "theme": "nord",
        "palette": "blue-orange",
    }
    assert cli.main(["--source", "snapshot", "--interval", "7", *AS_OF]) == 0
    assert seen["interval"] == 7.0
    first = seen["first"]
    assert first is not None and [i.symbol for i in first.group("watchlist")] == ["AAPL"]  # type: ignore[attr-defined]


def rotor_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROTOR_")}
    return {**env, "ROTOR_CACHE_DIR": str(tmp_path / "cache"), "ROTOR_CONFIG": str(tmp_path / "none.toml")}


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_a_reader_that_goes_away_ends_the_report_with_status_0(tmp_path: Path, fmt: str) -> None:
    """``rotor report | head -1``: the reader closed its end before rotor wrote (deterministically: the
    pipe's read end is closed before the child starts), so the first write meets a broken pipe."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "rotor", "report", *SNAPSHOT, *AS_OF, "--format", fmt],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=rotor_env(tmp_path),
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_a_cache_locked_by_another_process_is_said_to_be_locked(tmp_path: Path) -> None:
    rotor_cache(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "conn.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
            str(tmp_path / "cache" / "rotor-cache.sqlite3"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "rotor", "report", "--source", "cache", *AS_OF, "--format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            env=rotor_env(tmp_path),
            check=False,
        )
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rotor: warning: cache file "), proc.stderr
    assert "is locked by another process" in lines[0] and "not writable" not in lines[0]
    assert elapsed < 10
    assert json.loads(proc.stdout)["as_of"] == "2026-01-23"
