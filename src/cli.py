# PYTHON_ARGCOMPLETE_OK  (argcomplete's marker: this entry point completes its own arguments)
"""Command line: argument parsing, exit codes, configuration and the choice of data source.

Exit codes: 0 success, 1 an unexpected failure (reported in one line, no traceback; set ROTOR_DEBUG=1
for the traceback), 2 bad input (arguments, dates outside the data, config errors), 130 interrupted.
Everything rotor prints about a problem is one line on stderr, its control characters escaped.

Precedence of settings: command-line flags > environment (``ROTOR_CACHE_DIR``, ``ROTOR_INTERVAL``) >
config file (``--config`` > ``ROTOR_CONFIG`` > the platform's user config dir) > defaults.

Shell completion: argcomplete, imported only when the shell asks for completions (``_ARGCOMPLETE`` set).
``--log FILE`` appends refreshes, errors and timings to FILE (Python logging; off by default).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any, NoReturn, cast

from rotor import __version__

if TYPE_CHECKING:
    import logging

    from rotor.data.detail import SymbolDetail
    from rotor.data.feed import Feed
    from rotor.data.intraday import IntradayChart
    from rotor.data.settings import Config
    from rotor.data.snapshot import MarketSnapshot
    from rotor.data.sources.stream import StreamStatus
    from rotor.data.ticks import TickOutcome

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

SOURCES = ("auto", "live", "cache", "snapshot")
FORMATS = ("text", "markdown", "json")
CONFIG_ACTIONS = ("path", "show", "init", "check")
#: Environment variable for the refresh interval (below ``--interval``, above the config file).
INTERVAL_ENV = "ROTOR_INTERVAL"
DEBUG_ENV = "ROTOR_DEBUG"


class UsageError(Exception):
    """Bad input from the command line; its message is one line."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (and exit code 2) instead of the full usage."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def format_help(self) -> str:
        if self.epilog is None and self.prog == "rotor":
            self.epilog = _keys_epilog()  # written only for --help: the report path never loads the keys
        return super().format_help()


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD for ``--as-of`` (``date.fromisoformat`` alone would also take
    ``20260105`` and ``2026-W02-1``)."""
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def refresh_interval(text: str) -> float:
    """A refresh interval in seconds, by the same rule as the config file's ``[refresh] interval``."""
    from dataclasses import fields

    from rotor.data.settings import RefreshSettings, problem_with

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    interval = next(f for f in fields(RefreshSettings) if f.name == "interval")
    problem = problem_with(interval, value, given=text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return value


def _add_data_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--config``, ``--as-of``, ``--source``, ``--cache-dir`` and ``--log``. On a subcommand
    (``top=False``) they have no default, so a value given before the subcommand (``rotor --source cache
    report``) stands."""

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default(None),
        help="config file (default: $ROTOR_CONFIG, else config.toml in the platform's user config dir)",
    )
    parser.add_argument(
        "--as-of",
        type=parse_date,
        metavar="YYYY-MM-DD",
        default=default(None),
        help="replay a past session: the last session on or before this date (live updates off)",
    )
    parser.add_argument(
        "--source",
        choices=SOURCES,
        default=default("auto"),
        help="where data comes from: auto = live when Yahoo answers, else the cache, else the bundled "
        "snapshot (default: auto)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        default=default(None),
        help="cache directory (default: $ROTOR_CACHE_DIR, else [cache] dir in the config, else the "
        "platform's user cache dir)",
    )
    parser.add_argument(
        "--log",
        metavar="FILE",
        default=default(None),
        help="append refreshes, errors and timings to FILE (default: no log)",
    )


def _keys_epilog() -> str:
    """The app's keys in one paragraph, from their one declaration (``rotor.tui.keys``; no textual)."""
    from rotor.tui.keys import COMMANDS

    keys = ", ".join(f"{c.shown} {c.label.lower()}" for c in COMMANDS if c.shown != "?")
    return (
        "keys in the app: 1-5 or tab panes, arrows/hjkl move, enter detail or evidence (there 1-8 and 0 "
        f"chart timeframes), {keys}, ctrl+p command palette, ? help (every key), q quit"
    )


def build_parser() -> OneLineParser:
    from rotor.data.settings import DEFAULT_INTERVAL, MAX_INTERVAL, MIN_INTERVAL

    parser = OneLineParser(
        prog="rotor",
        description="A live terminal market monitor: indices, sector heatmap, commodities and rates, "
        "rotation and risk notes. With no command, opens the app (or prints the text report when "
        "output is not a terminal).",
    )
    parser.add_argument("--version", action="version", version=f"rotor {__version__}")
    _add_data_options(parser, top=True)
    parser.add_argument(
        "--interval",
        type=refresh_interval,
        metavar="SECONDS",
        help=f"refresh interval while a market is open, {MIN_INTERVAL:g} to {MAX_INTERVAL:g} (default: "
        f"${INTERVAL_ENV}, else [refresh] interval in the config, else {DEFAULT_INTERVAL:g}; slower while "
        "every market is closed)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    report = sub.add_parser(
        "report",
        help="print a market report and exit (text, Markdown or JSON)",
        description="Compute every figure once and print it: a text table, a Markdown weekly wrap, or "
        "JSON for scripts.",
    )
    _add_data_options(report, top=False)
    report.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    report.add_argument(
        "--since",
        type=parse_date,
        metavar="YYYY-MM-DD",
        help="also show every instrument's change since the close of this date (or of the last session "
        "before it)",
    )
    config = sub.add_parser(
        "config",
        help="the config file: path, show, init or check",
        description="path: where the config file is (and whether it exists); show: the effective "
        "configuration as TOML; init: write a commented default file (never overwrites); check: "
        "validate the file.",
    )
    config.add_argument("action", choices=CONFIG_ACTIONS, metavar="{path,show,init,check}")
    config.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="config file")
    return parser


# --- settings ------------------------------------------------------------------------------------------


def load_settings(args: argparse.Namespace, env: Mapping[str, str]) -> Config:
    """The config file's values with the environment and command-line overrides applied (interval and
    cache dir); raises ``ConfigError`` / ``UsageError``. An override obeys the config file's rule."""
    from rotor.data.cache import CACHE_DIR_ENV
    from rotor.data.config import load_config
    from rotor.data.settings import CacheSettings

    config = load_config(args.config, env)
    interval = getattr(args, "interval", None)
    if interval is None and env.get(INTERVAL_ENV):
        try:
            interval = refresh_interval(env[INTERVAL_ENV])
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"${INTERVAL_ENV}: {exc}") from None
    if interval is not None:
        config = replace(config, refresh=replace(config.refresh, interval=interval))
    cache_dir = args.cache_dir or env.get(CACHE_DIR_ENV) or config.cache.dir
    if cache_dir != config.cache.dir:
        try:
            config = replace(config, cache=CacheSettings(dir=cache_dir))
        except ValueError as exc:  # the config file's rule for a cache dir (printable text)
            raise UsageError(f"{'--cache-dir' if args.cache_dir else '$' + CACHE_DIR_ENV}: {exc}") from None
    return config


def check_as_of(as_of: date | None) -> None:
    """A replay date must not lie in the future (dates outside the data are checked against it later)."""
    today = date.today()
    if as_of is not None and as_of > today:
        raise UsageError(
            f"--as-of {as_of.isoformat()} is in the future, outside the data (today is {today.isoformat()})"
        )


def open_feed(
    args: argparse.Namespace, config: Config, log: logging.Logger | None = None, *, stream: bool = False
) -> Feed:
    """The feed for the ``--source`` choice and the config (see ``rotor.data.feed.open_feed``); with a
    ``log``, one whose refreshes are logged (``LoggedFeed``). ``stream``: the app's feed, which streams
    prices while markets trade unless ``[refresh] stream = false``."""
    from rotor.data.feed import open_feed as open_data_feed

    check_as_of(args.as_of)
    feed = open_data_feed(
        args.source,
        cache_dir=config.cache.dir,
        as_of=args.as_of,
        symbols=config.symbols,
        refresh_interval=config.refresh.interval,
        rrg_options=config.rotation,
        risk_thresholds=config.risk,
        # The stream is for the app: a report takes one snapshot and leaves.
        stream=stream and config.refresh.stream,
        extended_hours=config.display.extended_hours,
    )
    return feed if log is None else LoggedFeed(feed, log)


def cache_notice(feed: Feed) -> str | None:
    """The cache's one-line notice (in-memory fallback, quarantined file), if the feed has a cache."""
    cache = getattr(feed, "cache", None)
    notice = getattr(cache, "notice", None)
    return notice if isinstance(notice, str) else None


# --- messages and the log --------------------------------------------------------------------------------


def say(text: str, stream: IO[str] | None = None) -> None:
    """Print one line for the user: control characters escaped, so it stays one line and cannot drive the
    terminal (a file name, a config key or a ticker may hold anything)."""
    from rotor.data.errors import printable

    print(printable(text), file=stream or sys.stderr)


def start_log(path: str | None) -> logging.Logger | None:
    """The ``rotor`` logger writing to ``path`` (appended, created user-only), or ``None`` without
    ``--log``. Raises ``UsageError`` when the file cannot be opened for writing."""
    if not path:
        return None
    import logging
    import stat

    from rotor.data.errors import printable

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise UsageError(f"--log {path}: cannot write it ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISCHR(mode)):
        os.close(fd)
        raise UsageError(f"--log {path}: not a regular file")
    os.set_blocking(fd, True)

    class OneLineFormatter(logging.Formatter):
        def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
            return printable(super().formatMessage(record))

    handler = logging.StreamHandler(os.fdopen(fd, "a", encoding="utf-8", buffering=1))
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("rotor")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


class LoggedFeed:
    """A feed whose every refresh goes to the log: how long it took, what served it, its errors and
    notices, or why it failed. Everything else is the wrapped feed's."""

    def __init__(self, feed: Feed, log: logging.Logger) -> None:
        self._feed = feed
        self._log = log
        self._stream_mode: tuple[str, str | None] | None = None

    @property
    def live(self) -> bool:
        return self._feed.live

    def initial(self) -> MarketSnapshot | None:
        return self._feed.initial()

    def refresh(self) -> MarketSnapshot:
        from rotor.data.errors import RotorError

        started = time.perf_counter()
        try:
            snapshot = self._feed.refresh()
        except Exception as exc:
            unexpected = not isinstance(exc, RotorError)
            self._log.error(
                "refresh failed after %.3f s: %s: %s",
                time.perf_counter() - started,
                type(exc).__name__,
                exc,
                exc_info=unexpected,
            )
            raise
        priced = sum(1 for i in snapshot.instruments if i.last is not None)
        self._log.info(
            "refresh in %.3f s: source %s, as of %s, %d of %d symbols priced, %d stale, %d errors",
            time.perf_counter() - started,
            snapshot.source,
            snapshot.as_of.isoformat(),
            priced,
            len(snapshot.instruments),
            len(snapshot.stale_symbols),
            len(snapshot.errors),
        )
        for notice in snapshot.notices:
            self._log.info("notice: %s", notice)
        for error in snapshot.errors:
            self._log.warning("feed error: %s", error)
        return snapshot

    def stream_status(self) -> StreamStatus | None:
        status = self._feed.stream_status()
        if status is not None and (status.mode, status.reason) != self._stream_mode:
            self._stream_mode = (status.mode, status.reason)
            self._log.info("price stream: %s%s", status.mode, f" ({status.reason})" if status.reason else "")
        return status

    def take_ticks(self, now: datetime | None = None) -> TickOutcome | None:
        return self._feed.take_ticks(now)

    def close(self) -> None:
        self._feed.close()

    def detail(self, snapshot: MarketSnapshot, symbol: str) -> SymbolDetail:
        started = time.perf_counter()
        detail = self._feed.detail(snapshot, symbol)
        self._log.info("detail of %s in %.3f s", symbol, time.perf_counter() - started)
        return detail

    def intraday(self, snapshot: MarketSnapshot, symbol: str) -> IntradayChart:
        started = time.perf_counter()
        try:
            chart = self._feed.intraday(snapshot, symbol)
        except Exception as exc:
            self._log.warning("intraday bars of %s failed: %s: %s", symbol, type(exc).__name__, exc)
            raise
        self._log.info("intraday bars of %s in %.3f s", symbol, time.perf_counter() - started)
        return chart

    def __getattr__(self, name: str) -> Any:
        return getattr(self._feed, name)


class PipeOutput:
    """Standard output for a report: when the reader goes away (``rotor report | head -1``), the rest of
    the output is dropped and the report ends with status 0. Rich would otherwise catch the broken pipe
    itself and exit with status 1 before rotor could."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._break()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._break()

    def _break(self) -> None:
        # Point the descriptor at /dev/null so the interpreter's own flush at exit finds no broken pipe.
        self.broken = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# --- commands ------------------------------------------------------------------------------------------


def run_report(args: argparse.Namespace, config: Config, log: logging.Logger | None = None) -> int:
    from rotor.data.render.report import Monitor, render

    feed = open_feed(args, config, log)
    snapshot = feed.refresh()
    if args.since is not None:
        from rotor.data.build import apply_since

        try:
            snapshot = apply_since(snapshot, args.since, feed.detail)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    notice = cache_notice(feed)
    if notice:
        say(f"rotor: warning: {notice}")
    out = PipeOutput(sys.stdout)
    monitor = Monitor(config.alerts, config.positions, config.notify.hysteresis_pct)
    render(snapshot, args.format, cast(IO[str], out), monitor)
    out.flush()
    return EXIT_OK


def run_app(args: argparse.Namespace, config: Config, log: logging.Logger | None = None) -> int:
    """Open the Textual app. A replay (``--as-of``) is computed first so a date outside the data is a
    one-line error (exit 2) before the screen opens; otherwise the app paints the persisted snapshot
    (if any) at once and computes in a worker. The cache's notice shows in the app's status bar.

    The garbage collector is held from here until every pane is up (``rotor.tui.startup``). The
    config file's theme and palette, when it sets them, win over the ones remembered from the app."""
    if not sys.stdout.isatty():
        # Not a terminal (a pipe or a file): print the text report instead of drawing a screen (the
        # report's own options, which the app's command line has not, at their defaults).
        args.format, args.since = "text", None
        return run_report(args, config, log)
    from rotor.data.settings import DisplaySettings
    from rotor.tui.startup import collector_held

    with collector_held() as release:
        from rotor.data.config_file import resolve_config_path
        from rotor.data.state import default_alert_log, default_state_path
        from rotor.tui.monitor import UserMonitor
        from rotor.tui.preferences import default_state_file
        from rotor.tui.startup import run

        feed = open_feed(args, config, log, stream=True)
        first = feed.refresh() if args.as_of is not None else None
        # A value equal to the default counts as unset (the config cannot tell the two apart).
        display, defaults = config.display, DisplaySettings()
        return run(
            feed,
            interval=config.refresh.interval,
            first=first,
            closed_interval=config.refresh.closed_interval,
            theme=display.theme if display.theme != defaults.theme else None,
            palette=display.heatmap_palette if display.heatmap_palette != defaults.heatmap_palette else None,
            state_file=default_state_file(),
            on_started=release,
            # The user's watchlists, positions and alerts; edits made in the app go to the config file.
            monitor=UserMonitor(
                config,
                config_path=resolve_config_path(args.config, os.environ)[0],
                state_path=default_state_path(),
                alert_log=default_alert_log(),
            ),
        )


def run_config(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """``rotor config path|show|init|check``."""
    from rotor.data.config_file import CONFIG_ENV, resolve_config_path
    from rotor.data.config_text import to_toml, write_default_config

    path, explicit = resolve_config_path(args.config, env)
    origin = "--config" if explicit else (f"${CONFIG_ENV}" if env.get(CONFIG_ENV) else "default location")
    if args.action == "path":
        if path is None:
            raise UsageError("no config location: no home directory (set ROTOR_CONFIG or use --config PATH)")
        state = "exists" if path.is_file() else "not found; defaults apply"
        say(f"{path}  ({origin}; {state})", sys.stdout)
        return EXIT_OK
    if args.action == "init":
        if path is None:
            raise UsageError("no config location: no home directory (set ROTOR_CONFIG or use --config PATH)")
        if path.exists() or path.is_symlink():
            say(f"rotor: error: {path} already exists; not overwriting it")
            return EXIT_FAILURE
        write_default_config(path)
        say(f"wrote {path}", sys.stdout)
        return EXIT_OK
    config = load_settings(args, env)
    if args.action == "check":
        found = "" if path is not None and path.is_file() else " (not found; defaults apply)"
        say(f"ok: {path if path is not None else '(no config location)'}{found}", sys.stdout)
        return EXIT_OK
    source = str(config.path) if config.path is not None and config.path.is_file() else "no file"
    say(f"# rotor: effective configuration (defaults < {source} < environment < command line)", sys.stdout)
    print(to_toml(config), end="")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rotor`` console script."""
    from rotor.data.config import ConfigError
    from rotor.data.errors import AsOfOutOfRange, RotorError

    parser = build_parser()
    env = os.environ
    if "_ARGCOMPLETE" in env:
        # The shell asks for completions (see the README): argcomplete answers and exits.
        import argcomplete

        argcomplete.autocomplete(parser)
    log: logging.Logger | None = None
    started = time.perf_counter()
    code = EXIT_FAILURE
    try:
        args = parser.parse_args(argv)
        if args.command == "config":
            code = run_config(args, env)
            return code
        log = start_log(args.log)
        if log is not None:
            log.info("rotor %s started: %s", __version__, " ".join(sys.argv[1:] if argv is None else argv))
        config = load_settings(args, env)
        code = run_app(args, config, log) if args.command is None else run_report(args, config, log)
        return code
    except (UsageError, ConfigError, AsOfOutOfRange) as exc:
        code = _fail(log, EXIT_USAGE, f"rotor: error: {exc}")
    except RotorError as exc:
        code = _fail(log, EXIT_FAILURE, f"rotor: error: {exc}")
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = EXIT_OK
    except OSError as exc:
        code = _fail(log, EXIT_FAILURE, f"rotor: error: {_one_line(exc)}")
    except Exception as exc:
        if env.get(DEBUG_ENV):
            raise
        if log is not None:
            log.exception("unexpected error")
        code = _fail(log, EXIT_FAILURE, f"rotor: error: unexpected {type(exc).__name__}: {_one_line(exc)}")
    finally:
        if log is not None:
            log.info("rotor exited with status %d after %.3f s", code, time.perf_counter() - started)
    return code


def _fail(log: logging.Logger | None, code: int, message: str) -> int:
    say(message)
    if log is not None:
        log.error("%s", message)
    return code


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"
