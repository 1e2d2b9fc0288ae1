"""The command line as a user runs it: subprocesses, exit codes, one-line errors, JSON shape."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from rotor.data.render.report import JSON_INSTRUMENT_KEYS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from bundled_rows import raw_rows

REQUIRED_TOP = ("as_of", "requested_as_of", "source", "generated_at", "indices", "sectors", "commodities")
REQUIRED_TOP += ("rates", "etfs", "since", "week")
REQUIRED_INSTRUMENT = (
    "symbol",
    "name",
    "last",
    "prev_close",
    "change_1d_pct",
    "change_1w_pct",
    "change_wtd_pct",
    "change_mtd_pct",
    "change_ytd_pct",
    "ma20",
    "ma50",
    "ma200",
    "range_50d_low",
    "range_50d_high",
    "range_52w_low",
    "range_52w_high",
    "last_date",
    "stale",
    "change_since_pct",
    "record_close",
    "record_date",
    "history_start",
)


def run(*args: str, tmp_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if tmp_path is not None:
        env["ROTOR_CACHE_DIR"] = str(tmp_path / "cache")
        env["ROTOR_CONFIG"] = str(tmp_path / "config.toml")
    return subprocess.run(
        [sys.executable, "-m", "rotor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def report_json(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    proc = run(
        "report",
        "--source",
        "snapshot",
        "--as-of",
        "2026-01-23",
        "--format",
        "json",
        tmp_path=tmp_path_factory.mktemp("cli"),
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def test_json_has_every_documented_key(report_json: dict[str, object]) -> None:
    for key in REQUIRED_TOP:
        assert key in report_json
    assert report_json["as_of"] == "2026-01-23"
    assert report_json["requested_as_of"] == "2026-01-23"
    assert report_json["source"] == "snapshot"
    assert set(REQUIRED_INSTRUMENT) <= set(JSON_INSTRUMENT_KEYS)
    counts = {"indices": 5, "sectors": 11, "commodities": 5, "rates": 2, "etfs": 4}
    for group, count in counts.items():
        members = report_json[group]
        assert isinstance(members, list)
        assert len(members) == count
        for item in members:
            assert set(REQUIRED_INSTRUMENT) <= set(item)


def test_json_figures_match_the_bundled_rows(report_json: dict[str, object]) -> None:
    indices = {i["symbol"]: i for i in report_json["indices"]}  # type: ignore[attr-defined]
    spx = indices["^GSPC"]
    assert spx["last"] == 6915.61
    assert spx["last_date"] == "2026-01-23"
    assert spx["stale"] is False
    rut = indices["^RUT"]
    assert rut["last"] == 2669.16
    assert rut["ma20"] == pytest.approx(2601.576, abs=5e-4)
    assert rut["ma50"] == pytest.approx(2524.372, abs=5e-4)


def test_not_a_session_uses_the_session_before_and_says_so(tmp_path: Path) -> None:
    proc = run(
        "report", "--source", "snapshot", "--as-of", "2026-01-24", "--format", "json", tmp_path=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["as_of"] == "2026-01-23"
    assert data["requested_as_of"] == "2026-01-24"
    assert any("not a session" in n for n in data["notices"])


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("report", "--as-of", "2020-01-01"), "available: 2024-01-02"),
        (("report", "--as-of", "2031-05-01"), "outside the data"),
        (("report", "--as-of", "2026-13-01"), "not a date"),
        (("report", "--as-of", "yesterday"), "not a date"),
        (("report", "--format", "xml"), "invalid choice"),
        (("report", "--source", "carrier-pigeon"), "invalid choice"),
        (("--interval", "2"), "must be between 5 and 86400"),
        (("--interval", "soon"), "not a number"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(args: tuple[str, ...], needle: str, tmp_path: Path) -> None:
    proc = run(*args, tmp_path=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("rotor: error: ")
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_version_and_help() -> None:
    from rotor import __version__

    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"rotor {__version__}"
    for args in (("--help",), ("report", "--help")):
        proc = run(*args)
        assert proc.returncode == 0
        assert "--as-of" in proc.stdout
        assert "--source" in proc.stdout
    # The app's keys in --help come from their one declaration: every key, with its footer label.
    from rotor.tui.keys import COMMANDS

    epilog = " ".join(run("--help").stdout.split("keys in the app:")[1].split())
    for command in COMMANDS:
        assert f"{command.shown} {command.label.lower()}" in epilog or command.shown == "?"
    assert "? help" in epilog and "q quit" in epilog


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_render(fmt: str, tmp_path: Path) -> None:
    proc = run("report", "--source", "snapshot", "--as-of", "2026-01-23", "--format", fmt, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "6,915.61" in proc.stdout
    assert not re.search(r"\b(nan|inf)\b", proc.stdout, flags=re.IGNORECASE)
    if fmt == "markdown":
        assert proc.stdout.startswith("# Market wrap: week to Friday, January 23, 2026")
        assert "first close above $100 on 2026-01-23" in proc.stdout
        assert "closed on Monday, January 19 (Dr. Martin Luther King Jr. Day)" in proc.stdout
    else:
        # One week in the document: the calendar week ("Week"), no five-session column; yields in bp.
        assert "Week" in proc.stdout and " 1W " not in proc.stdout
        assert "+1 bp" in proc.stdout and "+0.19%" not in proc.stdout


# --- since a date ----------------------------------------------------------------------------------


def close_on_or_before(ticker: str, day: date) -> tuple[date, float]:
    return [r for r in raw_rows(ticker) if r[0] <= day][-1]


def test_since_a_date_in_json(tmp_path: Path) -> None:
    """The commentary's "since October 2025": from the 2025-09-30 close the Russell 2000 gained 9.55% and
    the S&P 500 3.40% to 2026-01-23; every instrument gets its change, yields in basis points."""
    proc = run(
        *("report", "--source", "snapshot", "--as-of", "2026-01-23", "--since", "2025-09-30"),
        *("--format", "json"),
        tmp_path=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["since"] == "2025-09-30" and data["notices"] == []
    by_symbol = {
        i["symbol"]: i for g in ("indices", "etfs", "sectors", "commodities", "rates") for i in data[g]
    }
    for ticker, item in by_symbol.items():
        _, base = close_on_or_before(ticker, date(2025, 9, 30))
        _, last = close_on_or_before(ticker, date(2026, 1, 23))
        if ticker == "^TNX":
            assert item["change_since_pct"] is None
            assert item["change_since_bp"] == pytest.approx(100 * (last - base), rel=1e-9)
        else:
            assert item["change_since_pct"] == pytest.approx(100 * (last / base - 1), rel=1e-12), ticker
    assert round(by_symbol["^RUT"]["change_since_pct"], 2) == 9.55
    assert round(by_symbol["^GSPC"]["change_since_pct"], 2) == 3.40


def test_since_a_non_session_uses_the_session_before_and_says_so(tmp_path: Path) -> None:
    proc = run(
        *("report", "--source", "snapshot", "--as-of", "2026-01-23", "--since", "2025-10-04"),
        *("--format", "markdown"),
        tmp_path=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "--since 2025-10-04 is not a session; since figures use the close of 2025-10-03" in proc.stdout
    assert "## Since the close of 2025-10-03" in proc.stdout
    _, base = close_on_or_before("^RUT", date(2025, 10, 3))
    assert f"| ^RUT | Russell 2000 | 2,669.16 | {100 * (2669.16 / base - 1):+.2f}% |" in proc.stdout


@pytest.mark.parametrize(
    ("since", "needle"),
    [
        ("2026-02-02", "after the as-of session"),
        ("2023-06-30", "before the first session"),
        ("soon", "not a date"),
    ],
)
def test_bad_since_gets_one_line_and_exit_2(since: str, needle: str, tmp_path: Path) -> None:
    proc = run("report", "--source", "snapshot", "--as-of", "2026-01-23", "--since", since, tmp_path=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("rotor: error: ") and needle in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# --- the log ----------------------------------------------------------------------------------------------


def test_the_log_records_refreshes_errors_and_timings(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "rotor.log"
    log.parent.mkdir()
    ok = run("report", "--source", "snapshot", "--as-of", "2026-01-23", "--log", str(log), tmp_path=tmp_path)
    assert ok.returncode == 0 and ok.stderr == ""
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    bad = run("--log", str(log), "report", "--source", "snapshot", "--as-of", "1999-12-31", tmp_path=tmp_path)
    assert bad.returncode == 2
    lines = log.read_text().splitlines()
    pattern = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) "
    assert all(re.match(pattern, line) for line in lines), lines
    text = "\n".join(lines)
    assert re.search(r"INFO rotor \S+ started: report --source snapshot --as-of 2026-01-23 --log ", text)
    assert re.search(
        r"INFO refresh in \d+\.\d{3} s: source snapshot, as of 2026-01-23, 27 of 27 symbols priced, "
        r"0 stale, 0 errors",
        text,
    )
    assert re.search(r"INFO rotor exited with status 0 after \d+\.\d{3} s", text)
    assert re.search(r"ERROR refresh failed after \d+\.\d{3} s: AsOfOutOfRange: .*1999-12-31", text)
    assert "ERROR rotor: error: " in text and "exited with status 2" in text


def test_no_log_without_the_option(tmp_path: Path) -> None:
    proc = run("report", "--source", "snapshot", "--as-of", "2026-01-23", tmp_path=tmp_path)
    assert proc.returncode == 0
    assert not any(p.suffix == ".log" for p in tmp_path.rglob("*"))


def test_an_unwritable_log_is_one_line_and_exit_2(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    for target, needle in (
        (tmp_path / "no" / "such" / "dir.log", "cannot write it"),
        (tmp_path, "cannot write it"),
    ):
        proc = run("report", "--source", "snapshot", "--log", str(target), tmp_path=tmp_path)
        assert proc.returncode == 2 and proc.stderr.startswith(f"rotor: error: --log {target}: {needle}")
    proc = run("report", "--source", "snapshot", "--log", str(tmp_path / "fifo"), tmp_path=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr


def test_the_app_logs_its_refreshes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rotor.tui.startup
    from rotor import cli

    seen: dict[str, object] = {}

    def fake_run(feed: object, **kwargs: object) -> int:
        seen["feed"] = feed
        return 0

    monkeypatch.setattr(rotor.tui.startup, "run", fake_run)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setenv("ROTOR_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("ROTOR_CACHE_DIR", str(tmp_path / "cache"))
    log = tmp_path / "app.log"
    assert cli.main(["--source", "snapshot", "--log", str(log)]) == 0
    feed = seen["feed"]
    assert isinstance(feed, cli.LoggedFeed)
    assert feed.live is False  # the wrapped feed's
    assert feed.refresh().as_of is not None
    import logging

    for handler in logging.getLogger("rotor").handlers:
        handler.flush()
    assert "INFO refresh in " in log.read_text()
    logging.getLogger("rotor").handlers.clear()


# --- shell completion -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [("rotor --sou", {"--source"}), ("rotor report --format ", {"text", "markdown", "json"})],
)
def test_shell_completion(tmp_path: Path, line: str, expected: set[str]) -> None:
    out = tmp_path / "completions"
    comp_line = "python -m " + line
    env = {
        **os.environ,
        "_ARGCOMPLETE": "3",  # python -m rotor: completion starts at the third word
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
        "COMP_LINE": comp_line,
        "COMP_POINT": str(len(comp_line)),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "rotor"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert {w.strip() for w in out.read_text().split("\n") if w.strip()} == expected


def test_the_app_prints_the_text_report_when_output_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``rotor > file`` (or ``rotor | less``) prints the text report the app would show: the same as
    ``rotor report`` with the same data options, and exits 0."""
    from rotor import cli

    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    monkeypatch.setenv("ROTOR_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("ROTOR_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["--source", "snapshot"]) == 0
    piped = capsys.readouterr()
    assert cli.main(["report", "--source", "snapshot"]) == 0
    report = capsys.readouterr()
    assert piped.err == "" and piped.out == report.out and "S&P 500" in piped.out
