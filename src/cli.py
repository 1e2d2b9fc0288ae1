"""Command line: argument parsing, exit codes, and the choice of data source.

Exit codes: 0 success, 1 an unexpected failure (reported in one line, no traceback), 2 bad input
(arguments, dates outside the data, config errors), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, NoReturn

from rotor import __version__

if TYPE_CHECKING:
    from rotor.data.service import MarketService

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

SOURCES = ("auto", "live", "cache", "snapshot")
FORMATS = ("text", "markdown", "json")


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
    if not value >= 5:
        raise argparse.ArgumentTypeError(f"must be at least 5 seconds (got {text})")
    return value


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        type=parse_date,
        metavar="YYYY-MM-DD",
        help="replay a past session: the last session on or before this date (live updates off)",
    )
    parser.add_argument(
        "--source",
        choices=SOURCES,
        default="auto",
        help="where data comes from: auto = live when Yahoo answers, else the cache, else the bundled "
        "snapshot (default: auto)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache directory (default: $ROTOR_CACHE_DIR, else the platform's user cache dir)",
    )


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="rotor",
        description="A live terminal market monitor: indices, sector heatmap, commodities and rates, "
        "rotation and risk notes. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"rotor {__version__}")
    _add_data_options(parser)
    parser.add_argument(
        "--interval",
        type=positive_interval,
        metavar="SECONDS",
        help="refresh interval while a market is open (default 60; slower while every market is closed)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    report = sub.add_parser(
        "report",
        help="print a market report and exit (text, Markdown or JSON)",
        description="Compute every figure once and print it: a text table, a Markdown weekly wrap, or "
        "JSON for scripts.",
    )
    _add_data_options(report)
    report.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    return parser


def open_service(source: str, as_of: date | None, cache_dir: str | None) -> MarketService:
    """The MarketService for a ``--source`` choice (see ``rotor.data.feed.open_service``)."""
    from rotor.data.feed import open_service as open_feed

    return open_feed(source, cache_dir=cache_dir, as_of=as_of)  # type: ignore[arg-type]


def run_report(args: argparse.Namespace) -> int:
    from rotor.data.report import render

    service = open_service(args.source, args.as_of, args.cache_dir)
    snapshot = service.refresh()
    render(snapshot, args.format, sys.stdout)
    return EXIT_OK


def run_app(args: argparse.Namespace) -> int:
    """Open the Textual app. A replay (``--as-of``) is computed first so a date outside the data is a
    one-line error (exit 2) before the screen opens; otherwise the app paints the persisted snapshot
    (if any) at once and computes in a worker."""
    if not sys.stdout.isatty():
        # Not a terminal (a pipe or a file): print the text report instead of drawing a screen.
        args.format = "text"
        return run_report(args)
    from rotor.tui.app import run

    service = open_service(args.source, args.as_of, args.cache_dir)
    first = service.refresh() if args.as_of is not None else None
    return run(service, interval=args.interval, first=first)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rotor`` console script."""
    from rotor.data.errors import AsOfOutOfRange, RotorError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            return run_app(args)
        return run_report(args)
    except UsageError as exc:
        print(f"rotor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AsOfOutOfRange as exc:
        print(f"rotor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RotorError as exc:
        print(f"rotor: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
