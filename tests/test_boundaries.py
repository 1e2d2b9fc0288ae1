"""Architecture boundaries: the headless core never imports textual, the bundled report never imports
yfinance or exchange_calendars (nor opens a socket), and src/ holds no pickle, eval, shell=True or
os.system. Import checks run in a fresh interpreter, so other tests' imports cannot hide a leak."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

HEADLESS_MODULES = (
    "rotor.data",
    "rotor.data.figures.metrics",
    "rotor.data.render.report",
    "rotor.data.feed",
    "rotor.data.figures.rotation",
    "rotor.data.figures.risk",
)

# Any attempt to connect fails loudly inside the child, so "never touches the network" is checked too.
NO_NETWORK = """
import socket
def _refuse(*args, **kwargs):
    raise RuntimeError("network access attempted")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def run_child(code: str, tmp_path: Path) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter (no network, caches in ``tmp_path``); it prints one JSON line."""
    env = {
        **os.environ,
        "ROTOR_CACHE_DIR": str(tmp_path / "cache"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
    }
    out = subprocess.run(
        [sys.executable, "-c", NO_NETWORK + code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_headless_core_never_imports_textual(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        + "".join(f"import {m}\n" for m in HEADLESS_MODULES)
        + "print(json.dumps({'textual': 'textual' in sys.modules, 'yfinance': 'yfinance' in sys.modules,"
        " 'loaded': [m for m in " + repr(list(HEADLESS_MODULES)) + " if m in sys.modules]}))\n"
    )
    result = run_child(code, tmp_path)
    assert result["loaded"] == list(HEADLESS_MODULES)
    assert result["textual"] is False
    assert result["yfinance"] is False


def test_the_child_check_would_see_textual(tmp_path: Path) -> None:
    """The probe is real: importing the TUI package in the same way does show up."""
    result = run_child(
        "import json, sys\nimport textual\nprint(json.dumps({'textual': 'textual' in sys.modules}))\n",
        tmp_path,
    )
    assert result["textual"] is True


def test_bundled_json_report_imports_neither_yfinance_nor_exchange_calendars(tmp_path: Path) -> None:
    code = """
import contextlib, io, json, sys
from rotor.cli import main
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    rc = main(["report", "--source", "snapshot", "--format", "json"])
report = json.loads(buf.getvalue())
print(json.dumps({
    "rc": rc,
    "yfinance": "yfinance" in sys.modules,
    "exchange_calendars": "exchange_calendars" in sys.modules,
    "textual": "textual" in sys.modules,
    "as_of": report.get("as_of") if isinstance(report, dict) else None,
}))
"""
    result = run_child(code, tmp_path)
    assert result["rc"] == 0
    assert result["yfinance"] is False
    assert result["exchange_calendars"] is False
    assert result["textual"] is False
    assert result["as_of"] == "2026-03-06"
    assert not (tmp_path / "cache").exists()


def test_argcomplete_is_imported_only_to_complete(tmp_path: Path) -> None:
    """``import rotor.cli``, ``rotor --help`` and a report never import argcomplete; completing does
    (tests/cli/test_cli.py), so this probe is real."""
    code = """
import contextlib, io, json, sys
import rotor.cli
after_import = "argcomplete" in sys.modules
with contextlib.redirect_stdout(io.StringIO()):
    try:
        rotor.cli.main(["--help"])
    except SystemExit:
        pass
    rotor.cli.main(["report", "--source", "snapshot"])
print(json.dumps({"import": after_import, "run": "argcomplete" in sys.modules}))
"""
    assert run_child(code, tmp_path) == {"import": False, "run": False}


def test_yfinance_keeps_its_caches_in_rotors_cache_dir(tmp_path: Path) -> None:
    """The live source, through the real yfinance (against the local fake Yahoo), writes yfinance's cookie
    and time-zone caches under rotor's cache dir, never ``~/.cache/py-yfinance``."""
    code = """
import json, sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from rotor.data.sources.fake_yahoo import FakeYahoo, keep_yahoo_cookies
from rotor.data.sources.yahoo import YahooSource

now = datetime(2026, 3, 5, 17, 30, tzinfo=ZoneInfo("America/New_York"))
with FakeYahoo(lambda: now) as yahoo:
    source = YahooSource(
        cache_dir=Path(sys.argv[1]), rewrite=yahoo.rewrite, on_response=keep_yahoo_cookies, clock=lambda: now
    )
    result = source.fetch({"SPY": date(2026, 3, 2)}, now, 15.0)
print(json.dumps({"errors": len(result.errors), "bars": len(result.bars)}))
"""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ROTOR_"))}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "HOME": str(home)},
        cwd=tmp_path,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["errors"] == 0 and result["bars"] > 0
    assert (tmp_path / "cache" / "yfinance").is_dir()
    assert not (home / ".cache" / "py-yfinance").exists()
    assert sorted(p.name for p in home.rglob("*")) == []


# --- no unsafe constructs in src/ --------------------------------------------------------------


# Python 3.12+ splits f-strings into tokens; their literal text is prose, their expressions are code.
_FSTRING_TEXT = tuple(
    getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)
)


def forbidden_constructs(source: str) -> list[str]:
    """``pickle``, ``eval(``, ``shell=True`` and ``os.system`` in code (comments and strings ignored)."""
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE, *_FSTRING_TEXT)
    ]
    found = []
    for i, tok in enumerate(tokens):
        following = [t.string for t in tokens[i + 1 : i + 3]]
        where = f"line {tok.start[0]}"
        if tok.type == tokenize.NAME and tok.string in ("pickle", "cPickle", "_pickle"):
            found.append(f"{where}: pickle")
        if tok.type == tokenize.NAME and tok.string == "eval" and following[:1] == ["("]:
            found.append(f"{where}: eval(")
        if tok.type == tokenize.NAME and tok.string == "shell" and following == ["=", "True"]:
            found.append(f"{where}: shell=True")
        if tok.type == tokenize.NAME and tok.string == "os" and following == [".", "system"]:
            found.append(f"{where}: os.system")
    return found


def test_the_scanner_finds_each_construct_and_ignores_prose() -> None:
    bad = (
        "import pickle\n"
        "x = eval ('1')\n"
        "subprocess.run(cmd, shell=True)\n"
        "os.system('ls')\n"
        '"""no pickle here, nor eval(x), shell=True or os.system"""\n'
        "# pickle eval( shell=True os.system\n"
        "y = evaluate(1); shell = False\n"
    )
    assert forbidden_constructs(bad) == [
        "line 1: pickle",
        "line 2: eval(",
        "line 3: shell=True",
        "line 4: os.system",
    ]


def python_sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def test_src_has_sources_to_scan() -> None:
    names = {p.relative_to(SRC).as_posix() for p in python_sources()}
    assert {"cli.py", "data/figures/metrics.py", "data/cache.py", "data/sources/yahoo.py"} <= names


@pytest.mark.parametrize("path", python_sources(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_no_pickle_eval_shell_or_os_system(path: Path) -> None:
    assert forbidden_constructs(path.read_text(encoding="utf-8")) == []
