"""The config file: location, schema, one-line errors naming file/line/key, writing it safely, and the
values reaching the services (watchlist rows, risk thresholds, rotation options)."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from rotor.data.cache import Cache
from rotor.data.config import ConfigError, load_config, parse_config
from rotor.data.config_file import default_config_path, resolve_config_path
from rotor.data.config_text import default_config_text, reference_table, to_toml, write_default_config
from rotor.data.errors import ProviderError, RotorError
from rotor.data.feed import NOT_BUNDLED, BundledFeed, LiveFeed
from rotor.data.figures.risk import RiskThresholds
from rotor.data.figures.rotation import RRGOptions
from rotor.data.settings import THEMES, Config, WatchlistEntry
from rotor.data.sources.base import FetchResult
from rotor.data.sources.bundled import BundledProvider
from rotor.data.sources.fake import FakeProvider
from rotor.data.symbols import UNIVERSE

AS_OF = date(2026, 1, 23)
FULL = """\
[refresh]
interval = 30
closed_interval = 600

[watchlist]
symbols = [
  { symbol = "aapl", name = "Apple" },
  { symbol = "ZC=F", name = "Corn futures", short = "Corn" },
  "MSFT",
]

[risk]
vix_watch_level = 18
max_data_age_days = 5

[rotation]
benchmark = "QQQ"
basis = "daily"
window = 10
tail = 3

[display]
theme = "nord"
heatmap_palette = "blue-orange"

[cache]
dir = "~/rotor-cache"
"""


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(None, {"ROTOR_CONFIG": str(tmp_path / "absent.toml")})
    assert config == Config()
    assert config.symbols == UNIVERSE
    assert config.refresh.interval == 60 and config.refresh.closed_interval == 300
    assert config.display.theme == "textual-dark" and config.display.heatmap_palette == "red-green"
    assert config.risk == RiskThresholds()
    assert config.rotation == RRGOptions()


def test_the_computations_use_the_declared_types() -> None:
    """One declaration: the figures modules' option types are the config's sections, not copies."""
    import rotor.data.figures.risk as risk
    import rotor.data.figures.rotation as rotation
    from rotor.data import settings

    assert risk.RiskThresholds is settings.RiskThresholds
    assert rotation.RRGOptions is settings.RRGOptions
    assert type(Config().risk) is RiskThresholds and type(Config().rotation) is RRGOptions


def test_every_textual_theme_is_accepted(tmp_path: Path) -> None:
    from textual.theme import BUILTIN_THEMES

    assert tuple(BUILTIN_THEMES) == THEMES
    for theme in ("ansi-dark", "solarized-dark", "rose-pine-dawn"):
        path = write(tmp_path, f'[display]\ntheme = "{theme}"\n')
        assert load_config(str(path), {}).display.theme == theme


def test_every_section(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    config = load_config(str(path), {})
    assert config.path == path
    assert config.refresh.interval == 30.0 and config.refresh.closed_interval == 600.0
    assert config.watchlist.symbols == (
        WatchlistEntry("AAPL", "Apple", "Apple"),
        WatchlistEntry("ZC=F", "Corn futures", "Corn"),
        WatchlistEntry("MSFT", "MSFT", "MSFT"),
    )
    extra = config.symbols[len(UNIVERSE) :]
    assert [(s.ticker, s.group, s.kind, s.venue) for s in extra] == [
        ("AAPL", "watchlist", "equity", "XNYS"),
        ("ZC=F", "watchlist", "future", "CMES"),
        ("MSFT", "watchlist", "equity", "XNYS"),
    ]
    assert config.risk == RiskThresholds(vix_watch_level=18.0, max_data_age_days=5)
    assert config.rotation == RRGOptions(benchmark="QQQ", window=10, tail=3, basis="daily")
    assert config.display.theme == "nord" and config.display.heatmap_palette == "blue-orange"
    assert config.cache.dir == "~/rotor-cache"


def test_show_output_reads_back_to_the_same_config(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    config = load_config(str(path), {})
    assert parse_config(to_toml(config), path) == config
    assert parse_config(to_toml(Config()), path) == Config(path=path)


def test_the_init_template_changes_nothing_and_every_key_in_it_is_valid(tmp_path: Path) -> None:
    template = default_config_text()
    assert parse_config(template, tmp_path / "c.toml") == Config(path=tmp_path / "c.toml")
    # Uncomment every "# key = value" line (the watchlist and [[array]] examples too): still valid, same
    # values, and the examples of the arrays of tables.
    lines = []
    for line in template.splitlines():
        if re.match(r"^# (\w+ = |symbols = \[|  [{\"]|\]|\[\[)", line):
            line = line[2:]
        lines.append(line)
    config = parse_config("\n".join(lines), tmp_path / "c.toml")
    assert config.refresh == Config().refresh and config.display == Config().display
    assert config.risk == RiskThresholds() and config.rotation == RRGOptions()
    assert [e.symbol for e in config.watchlist.symbols] == ["AAPL", "ZC=F", "MSFT"]
    assert config.notify == Config().notify
    assert [(w.name, [e.symbol for e in w.symbols]) for w in config.watchlists] == [
        ("Tech", ["AAPL", "MSFT", "NVDA"])
    ]
    assert [(p.symbol, p.quantity, p.cost, p.date) for p in config.positions] == [
        ("SPY", 10.0, 600.0, date(2025, 6, 2))
    ]
    assert [a.describe() for a in config.alerts] == ["GC=F above 5000", "SPY moves 3% (1D)"]
    for theme in THEMES:
        assert theme in template


def test_config_location_precedence(tmp_path: Path) -> None:
    assert resolve_config_path("x.toml", {"ROTOR_CONFIG": "y.toml"}) == (Path("x.toml"), True)
    assert resolve_config_path(None, {"ROTOR_CONFIG": "y.toml"}) == (Path("y.toml"), False)
    default, explicit = resolve_config_path(None, {})
    assert default == default_config_path() and not explicit
    with pytest.raises(ConfigError, match=r"not found \(given with --config\)"):
        load_config(str(tmp_path / "absent.toml"), {})
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(str(tmp_path), {})


def test_no_home_means_no_default_file_and_an_in_memory_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import platformdirs

    # What platformdirs returns when HOME is unset and the user has no password-database entry.
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda *a, **k: "~/.config/rotor")
    monkeypatch.setattr(os.path, "expanduser", lambda p: p)
    assert default_config_path() is None
    assert load_config(None, {}) == Config()
    monkeypatch.chdir(tmp_path)
    cache = Cache("~/.cache/rotor")
    assert cache.in_memory and cache.notice is not None and "no home directory" in cache.notice
    assert not (tmp_path / "~").exists()


# --- errors: one line, the file, the line, the key --------------------------------------------------

ERRORS = [
    (
        "[refresh]\ninterval = 60\nintervall = 5\n",
        3,
        "refresh.intervall: unknown key; did you mean 'interval'?",
    ),
    ("[refrsh]\ninterval = 60\n", 1, "refrsh: unknown section; did you mean 'refresh'?"),
    ("interval = 60\n", 1, "interval: belongs in a section: write it under [refresh]"),
    ("[refresh]\ninterval = 2\n", 2, "refresh.interval: must be between 5 and 86400, got 2"),
    ('[refresh]\n\ninterval = "60"\n', 3, "refresh.interval: must be a number, got a string ('60')"),
    ("[refresh]\nclosed_interval = true\n", 2, "must be a number, got a boolean"),
    ("[refresh]\ninterval = nan\n", 2, "must be a finite number"),
    ('[refresh]\nstream = "yes"\n', 2, "refresh.stream: must be true or false, got a string ('yes')"),
    (
        "[display]\nextended_hours = 0\n",
        2,
        "display.extended_hours: must be true or false, got an integer (0)",
    ),
    ("[risk]\nvix_watch_level = -1\n", 2, "risk.vix_watch_level: must not be negative, got -1"),
    ("[risk]\nmax_data_age_days = 4.5\n", 2, "risk.max_data_age_days: must be an integer, got 4.5"),
    ("[risk]\nvix_watch_levl = 20\n", 2, "did you mean 'vix_watch_level'?"),
    (
        "[risk]\nvix_warning_level = 25\nvix_watch_level = 28\n",
        3,
        "risk.vix_watch_level: vix_watch_level must not exceed vix_warning_level",
    ),
    (
        '[watchlist]\nsymbols = [\n  "AAPL",\n  "AAPL; rm -rf ~",\n]\n',
        4,
        "watchlist.symbols: 'AAPL; rm -rf ~' is not a valid Yahoo ticker",
    ),
    ('[watchlist]\nsymbols = ["../../etc/passwd"]\n', 2, "is not a valid Yahoo ticker"),
    ('[watchlist]\nsymbols = ["SPY"]\n', 2, "SPY is already a built-in symbol (etfs)"),
    ('[watchlist]\nsymbols = [\n  "AAPL",\n  "aapl",\n]\n', 4, "AAPL is listed twice"),
    (
        '[watchlist]\nsymbols = [{ symbol = "AAPL", nme = "Apple" }]\n',
        2,
        "unknown key 'nme'; did you mean 'name'?",
    ),
    ('[watchlist]\nsymbols = [{ name = "Apple" }]\n', 2, "item 1 has no 'symbol'"),
    ('[watchlist]\nsymbols = [{ symbol = "AAPL", name = "A\\u001b[2J" }]\n', 2, "must be printable text"),
    ('[watchlist]\nsymbols = "AAPL"\n', 2, "watchlist.symbols: must be an array of symbols, got a string"),
    ('[[watchlist]]\nsymbol = "AAPL"\n', 1, "write [watchlist] once (a table), not [[watchlist]]"),
    ('[rotation]\nbenchmark = "AAPL"\n', 2, "AAPL is neither a built-in nor a watchlist symbol"),
    ('[rotation]\nbasis = "monthly"\n', 2, "'monthly' is not allowed; choose one of: weekly, daily"),
    ("[rotation]\nwindow = 1\n", 2, "rotation.window: must be between 2 and 260, got 1"),
    ('[display]\ntheme = "nordd"\n', 2, "'nordd' is not allowed; did you mean 'nord'?"),
    ('[display]\ntheme = "plaid"\n', 2, "choose one of: textual-dark, textual-light, nord,"),
    ('[display]\nheatmap_palette = "rainbow"\n', 2, "choose one of: red-green, blue-orange"),
    ('[cache]\ndir = ""\n', 2, "cache.dir: must not be empty"),
    ("[cache]\ndir = 5\n", 2, "cache.dir: must be a string, got an integer"),
    ("[display]\ntheme = \n", 2, "invalid TOML: Invalid value (in 'theme =')"),
    (
        "[refresh]\ninterval = 60\n[refresh]\ninterval = 70\n",
        3,
        "invalid TOML: Cannot declare ('refresh',) twice",
    ),
]


@pytest.mark.parametrize(("text", "line", "needle"), ERRORS)
def test_an_error_names_the_file_the_line_and_the_key(
    tmp_path: Path, text: str, line: int, needle: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path), {})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:"), message
    assert needle in message, message
    assert isinstance(caught.value, RotorError)


def test_unterminated_string_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML at the end of the file"):
        load_config(str(write(tmp_path, '[cache]\ndir = "abc')), {})
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[watchlist]\nsymbols = [{ symbol = "A", name = "caf\xe9" }]\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(str(path), {})


HOSTILE = [
    (
        "[refresh]\ninterval = 1" + "0" * 400 + "\n",
        2,
        "refresh.interval: must be between 5 and 86400, got 10",
    ),
    ("[risk]\nvix_watch_level = 1" + "0" * 400 + "\n", 2, "risk.vix_watch_level: is too large, got 10"),
    ("[refresh]\ninterval = 1e400\n", 2, "refresh.interval: must be between 5 and 86400, got inf"),
    ("[risk]\nyield_move_watch_bp = inf\n", 2, "risk.yield_move_watch_bp: must be a finite number, got inf"),
    ("[rotation]\nwindow = 5.0\n", 2, "rotation.window: must be an integer, got 5.0"),
    ('[refresh]\n"x\\u001b[2J\\ny" = 1\n', 1, "refresh.x\\x1b[2J\\ny: unknown key"),
    (
        '[cache]\ndir = "/tmp/\\u001b]0;t\\u0007"\n',
        2,
        "cache.dir: must be printable text (no control characters)",
    ),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", None, "invalid TOML: arrays or tables nested too deeply"),
]


@pytest.mark.parametrize(("text", "line", "needle"), HOSTILE)
def test_hostile_values_are_one_line_errors(tmp_path: Path, text: str, line: int | None, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path), {})
    message = str(caught.value)
    assert message.isprintable(), message
    assert message.startswith(f"{path}:{line}:" if line else f"{path}:"), message
    assert needle in message, message


def test_only_a_regular_file_of_at_most_1_mib_is_read(tmp_path: Path) -> None:
    import time

    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(ConfigError, match="is a FIFO \\(named pipe\\), not a regular file"):
        load_config(str(fifo), {})
    with pytest.raises(ConfigError, match="is a FIFO"):
        load_config(None, {"ROTOR_CONFIG": str(fifo)})  # named by the environment: read all the same
    assert time.monotonic() - started < 1
    for device in ("/dev/zero", "/dev/urandom", "/dev/null"):
        with pytest.raises(ConfigError, match=f"config file {device} is a character device"):
            load_config(device, {})
    large = write(tmp_path, "#" * (1 << 20) + "\n", "large.toml")
    with pytest.raises(ConfigError, match="is larger than 1 MiB; not reading it"):
        load_config(str(large), {})
    exactly = write(tmp_path, "#" * ((1 << 20) - 1) + "\n", "exactly.toml")
    assert load_config(str(exactly), {}) == Config(path=exactly)
    link = tmp_path / "link.toml"
    link.symlink_to(write(tmp_path, "[refresh]\ninterval = 9\n", "target.toml"))
    assert load_config(str(link), {}).refresh.interval == 9.0


def test_show_escapes_what_it_cannot_print(tmp_path: Path) -> None:
    from rotor.data.settings import CacheSettings

    # A cache dir from --cache-dir is checked by the CLI; to_toml escapes whatever it is given anyway.
    config = dataclasses.replace(Config(), cache=object.__new__(CacheSettings))
    object.__setattr__(config.cache, "dir", "/tmp/\x1b[2J\x9b\u202e")
    text = to_toml(config)
    assert all(c.isprintable() or c == "\n" for c in text)
    assert '"/tmp/\\u001b[2J\\u009b\\u202e"' in text


def test_every_declared_key_is_in_the_template_and_the_readme() -> None:
    from rotor.data.settings import sections

    template = default_config_text()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = reference_table()
    for name, cls in sections().items():
        assert f"\n[{name}]\n" in template
        for f in dataclasses.fields(cls):
            assert f"\n# {f.name} = " in template, f.name
            assert f"| `[{name}]` `{f.name}` |" in table, f.name
    start, end = "<!-- config-table: start -->\n", "<!-- config-table: end -->"
    shown = readme[readme.index(start) + len(start) : readme.index(end)]
    assert shown == table, (
        "README's config table differs from the declarations: regenerate it with "
        "python -c 'from rotor.data.config_text import reference_table; print(reference_table())'"
    )


def test_the_rules_hold_for_the_types_themselves() -> None:
    """The declarations are checked whoever builds a section: the config file, the CLI or the code."""
    from rotor.data.settings import CacheSettings, DisplaySettings, RefreshSettings

    with pytest.raises(ValueError, match="refresh interval must be between 5 and 86400, got 1e\\+18"):
        RefreshSettings(interval=1e18)
    with pytest.raises(ValueError, match="RRG option tail must be between 1 and 52, got 53"):
        RRGOptions(tail=53)
    with pytest.raises(ValueError, match="display theme 'nope' is not allowed"):
        DisplaySettings(theme="nope")
    with pytest.raises(ValueError, match="cache dir must not be empty"):
        CacheSettings(dir=" ")
    with pytest.raises(ValueError, match=r"vix_watch_level must not exceed vix_warning_level \(31 > 30\)"):
        RiskThresholds(vix_watch_level=31.0)


def test_the_refresh_intervals_are_declared_once() -> None:
    import rotor.data.feed as feed
    import rotor.data.sessions as sessions
    from rotor.data import settings

    assert feed.DEFAULT_INTERVAL is settings.DEFAULT_INTERVAL is sessions.DEFAULT_INTERVAL
    assert sessions.CLOSED_INTERVAL is settings.CLOSED_INTERVAL
    defaults = settings.RefreshSettings()
    assert (defaults.interval, defaults.closed_interval) == (
        settings.DEFAULT_INTERVAL,
        settings.CLOSED_INTERVAL,
    )


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(RiskThresholds)])
def test_every_risk_threshold_is_accepted_and_none_may_be_negative(tmp_path: Path, field: str) -> None:
    default = getattr(RiskThresholds(), field)
    path = write(tmp_path, f"[risk]\n{field} = {default!r}\n")
    assert load_config(str(path), {}).risk == RiskThresholds()
    path = write(tmp_path, f"[risk]\n{field} = -1\n")
    with pytest.raises(ConfigError, match=rf":2: risk\.{field}: must (not be negative|be at least 2)"):
        load_config(str(path), {})


def test_too_many_watchlist_symbols(tmp_path: Path) -> None:
    symbols = ", ".join(f'"W{i:03d}"' for i in range(101))
    with pytest.raises(ConfigError, match="at most 100 symbols"):
        load_config(str(write(tmp_path, f"[watchlist]\nsymbols = [{symbols}]\n")), {})


def test_reading_the_config_does_not_import_pandas(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    code = (
        "import sys; from rotor.data.config import load_config; "
        f"c = load_config({str(path)!r}, {{}}); assert c.watchlist.symbols; print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- writing ------------------------------------------------------------------------------------------


def test_init_writes_user_only_files_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "new" / "rotor" / "config.toml"
    write_default_config(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    path.write_text("# mine\n")
    with pytest.raises(FileExistsError):
        write_default_config(path)
    assert path.read_text() == "# mine\n"


# --- the values reach the snapshot ----------------------------------------------------------------------


def test_watchlist_risk_and_rotation_reach_the_bundled_snapshot(tmp_path: Path) -> None:
    config = load_config(
        str(
            write(
                tmp_path,
                '[watchlist]\nsymbols = ["AAPL", { symbol = "MSFT", name = "Microsoft" }]\n'
                "[risk]\nvix_watch_level = 0\nvix_warning_level = 0\n"
                '[rotation]\nbasis = "daily"\nbenchmark = "QQQ"\n',
            )
        ),
        {},
    )
    service = BundledFeed(
        AS_OF,
        symbols=config.symbols,
        rrg_options=config.rotation,
        risk_thresholds=config.risk,
    )
    snapshot = service.refresh()
    watchlist = snapshot.group("watchlist")
    assert [(i.symbol, i.name, i.error) for i in watchlist] == [
        ("AAPL", "AAPL", NOT_BUNDLED),
        ("MSFT", "Microsoft", NOT_BUNDLED),
    ]
    assert all(i.error is None and i.last is not None for i in snapshot.instruments if i.group != "watchlist")
    assert snapshot.rotation is not None
    assert snapshot.rotation.basis == "daily" and snapshot.rotation.benchmark == "QQQ"
    vix_notes = [n for n in snapshot.risk_notes if n.id.startswith("vix")]
    assert any(n.severity == "warning" for n in vix_notes)


class _WithWatchlistBars(FakeProvider):
    """FakeProvider that also serves ``WLA``: SPY's real bars under another ticker."""

    def history(self, symbols, start=None, end=None):  # type: ignore[no-untyped-def]
        if "WLA" not in symbols:
            return super().history(symbols, start, end)
        spy = super().history(["SPY"], start, end).bars.copy()
        spy["symbol"] = "WLA"
        errors = {s: ProviderError("unknown to the fake", s) for s in symbols if s == "NOPE"}
        others = [s for s in symbols if s not in errors and s != "WLA"]
        frames = [spy, super().history(others, start, end).bars] if others else [spy]
        return FetchResult(bars=pd.concat(frames, ignore_index=True), source=self.source, errors=errors)


def test_live_watchlist_symbols_with_and_without_data(tmp_path: Path) -> None:
    config = load_config(str(write(tmp_path, '[watchlist]\nsymbols = ["WLA", "NOPE"]\n')), {})
    snapshot_provider = BundledProvider()
    seed = FakeProvider(date(2026, 1, 16), source="snapshot", bundled=snapshot_provider)
    live = _WithWatchlistBars(AS_OF, bundled=snapshot_provider)
    service = LiveFeed(
        Cache(tmp_path / "cache"),
        live,
        clock=lambda: datetime(2026, 1, 23, 21, tzinfo=UTC),
        seed=seed,
        symbols=config.symbols,
    )
    snapshot = service.refresh()
    wla, nope = snapshot.get("WLA"), snapshot.get("NOPE")
    spy = snapshot.get("SPY")
    assert wla is not None and nope is not None and spy is not None
    assert wla.group == "watchlist" and wla.last == spy.last and wla.error is None
    assert nope.last is None and nope.error is not None and nope.stale
    assert snapshot.as_of == AS_OF and not spy.stale
    assert nope.error == "unknown to the fake"
    assert "NOPE: unknown to the fake" in snapshot.errors
