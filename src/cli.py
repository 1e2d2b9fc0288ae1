"""Command line: argument parsing, exit codes, configuration and the choice of data source.

Exit codes: 0 success, 1 an unexpected failure (reported in one line, no traceback; set ROTOR_DEBUG=1
for the traceback), 2 bad input (arguments, dates outside the data, config errors), 130 interrupted.

Precedence of settings: command-line flags > environment (``ROTOR_CACHE_DIR``, ``ROTOR_INTERVAL``) >
config file (``--config`` > ``ROTOR_CONFIG`` > the platform's user config dir) > defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, NoReturn

from rotor import __version__

if TYPE_CHECKING:
    from rotor.data.config import Config
    from rotor.data.feed import Feed

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


def parse_date(text: str) -> date:
    """An ISO date (YYYY-MM-DD) for ``--as-of``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def positive_interval(text: str) -> float:
    """A refresh interval in seconds, at least 5."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 5 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be at least 5 seconds (got {text})")
    return value


def _add_data_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--config``, ``--as-of``, ``--source`` and ``--cache-dir``. On a subcommand (``top=False``) they
    have no default, so a value given before the subcommand (``rotor --source cache report``) stands."""

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


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="rotor",
        description="A live terminal market monitor: indices, sector heatmap, commodities and rates, "
        "rotation and risk notes. With no command, opens the app (or prints the text report when "
        "output is not a terminal).",
        epilog="keys in the app: 1-5 or tab panes, arrows/hjkl move, enter detail or evidence, t heatmap "
        "timeframe, s sort, r refresh, p pause, ctrl+p command palette, ? help, q quit",
    )
    parser.add_argument("--version", action="version", version=f"rotor {__version__}")
    _add_data_options(parser, top=True)
    parser.add_argument(
        "--interval",
        type=positive_interval,
        metavar="SECONDS",
        help=f"refresh interval while a market is open (default: ${INTERVAL_ENV}, else [refresh] interval "
        "in the config, else 60; slower while every market is closed)",
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
    cache dir); raises ``ConfigError`` / ``UsageError``."""
    from rotor.data.cache import CACHE_DIR_ENV
    from rotor.data.config import CacheConfig, load_config

    config = load_config(args.config, env)
    interval = getattr(args, "interval", None)
    if interval is None and env.get(INTERVAL_ENV):
        try:
            interval = positive_interval(env[INTERVAL_ENV])
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"${INTERVAL_ENV}: {exc}") from None
    if interval is not None:
        config = replace(config, refresh=replace(config.refresh, interval=interval))
    cache_dir = args.cache_dir or env.get(CACHE_DIR_ENV) or config.cache.dir
    if cache_dir != config.cache.dir:
        config = replace(config, cache=CacheConfig(dir=cache_dir))
    return config


def check_as_of(as_of: date | None) -> None:
    """A replay date must not lie in the future (dates outside the data are checked against it later)."""
    today = date.today()
    if as_of is not None and as_of > today:
        raise UsageError(
            f"--as-of {as_of.isoformat()} is in the future, outside the data (today is {today.isoformat()})"
        )


def open_feed(args: argparse.Namespace, config: Config) -> Feed:
    """The feed for the ``--source`` choice and the config (see ``rotor.data.feed.open_feed``)."""
    from rotor.data.feed import open_feed as open_data_feed

    check_as_of(args.as_of)
    return open_data_feed(
        args.source,
        cache_dir=config.cache.dir,
        as_of=args.as_of,
        symbols=config.symbols,
        refresh_interval=config.refresh.interval,
        rrg_options=config.rrg_options(),
        risk_thresholds=config.risk_thresholds() if config.risk else None,
    )


def cache_notice(feed: Feed) -> str | None:
    """The cache's one-line notice (in-memory fallback, quarantined file), if the feed has a cache."""
    cache = getattr(feed, "cache", None)
    notice = getattr(cache, "notice", None)
    return notice if isinstance(notice, str) else None


# --- commands ------------------------------------------------------------------------------------------


def run_report(args: argparse.Namespace, config: Config) -> int:
    from rotor.data.render.report import render

    feed = open_feed(args, config)
    snapshot = feed.refresh()
    notice = cache_notice(feed)
    if notice:
        print(f"rotor: warning: {notice}", file=sys.stderr)
    render(snapshot, args.format, sys.stdout)
    return EXIT_OK


def run_app(args: argparse.Namespace, config: Config) -> int:
    """Open the Textual app. A replay (``--as-of``) is computed first so a date outside the data is a
    one-line error (exit 2) before the screen opens; otherwise the app paints the persisted snapshot
    (if any) at once and computes in a worker. The cache's notice shows in the app's status bar.

    The garbage collector is held from here until every pane is up (``rotor.tui.startup``). The
    config file's theme and palette, when it sets them, win over the ones remembered from the app."""
    if not sys.stdout.isatty():
        # Not a terminal (a pipe or a file): print the text report instead of drawing a screen.
        args.format = "text"
        return run_report(args, config)
    from rotor.data.config import DisplayConfig
    from rotor.tui.startup import collector_held

    with collector_held() as release:
        from rotor.tui.app import run
        from rotor.tui.preferences import default_state_file

        feed = open_feed(args, config)
        first = feed.refresh() if args.as_of is not None else None
        # A value equal to the default counts as unset (the config cannot tell the two apart).
        display, defaults = config.display, DisplayConfig()
        return run(
            feed,
            interval=config.refresh.interval,
            first=first,
            closed_interval=config.refresh.closed_interval,
            theme=display.theme if display.theme != defaults.theme else None,
            palette=display.heatmap_palette if display.heatmap_palette != defaults.heatmap_palette else None,
            state_file=default_state_file(),
            on_started=release,
        )


def run_config(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """``rotor config path|show|init|check``."""
    from rotor.data.config import CONFIG_ENV, resolve_config_path, to_toml, write_default_config

    path, explicit = resolve_config_path(args.config, env)
    origin = "--config" if explicit else (f"${CONFIG_ENV}" if env.get(CONFIG_ENV) else "default location")
    if args.action == "path":
        if path is None:
            raise UsageError("no config location: no home directory (set ROTOR_CONFIG or use --config PATH)")
        state = "exists" if path.is_file() else "not found; defaults apply"
        print(f"{path}  ({origin}; {state})")
        return EXIT_OK
    if args.action == "init":
        if path is None:
            raise UsageError("no config location: no home directory (set ROTOR_CONFIG or use --config PATH)")
        if path.exists() or path.is_symlink():
            print(f"rotor: error: {path} already exists; not overwriting it", file=sys.stderr)
            return EXIT_FAILURE
        write_default_config(path)
        print(f"wrote {path}")
        return EXIT_OK
    config = load_settings(args, env)
    if args.action == "check":
        found = "" if path is not None and path.is_file() else " (not found; defaults apply)"
        print(f"ok: {path if path is not None else '(no config location)'}{found}")
        return EXIT_OK
    source = str(config.path) if config.path is not None and config.path.is_file() else "no file"
    print(f"# rotor: effective configuration (defaults < {source} < environment < command line)")
    print(to_toml(config), end="")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rotor`` console script."""
    from rotor.data.config import ConfigError
    from rotor.data.errors import AsOfOutOfRange, RotorError

    parser = build_parser()
    env = os.environ
    try:
        args = parser.parse_args(argv)
        if args.command == "config":
            return run_config(args, env)
        config = load_settings(args, env)
        if args.command is None:
            return run_app(args, config)
        return run_report(args, config)
    except (UsageError, ConfigError, AsOfOutOfRange) as exc:
        print(f"rotor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RotorError as exc:
        print(f"rotor: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        print(f"rotor: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:
        if env.get(DEBUG_ENV):
            raise
        print(f"rotor: error: unexpected {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILURE


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"
