"""Run the app against the local fake Yahoo (rotor.data.sources.fake_yahoo) at a chosen moment of the past,
through the real yfinance over HTTP: the way to see the live path by hand (in tmux) without Yahoo.

    .venv/bin/python scripts/live_demo.py --at "2026-03-09 09:25" [--interval 5] [--fail rate_limit]
                                          [--stream [--rate 20] [--drop-every 60]] [--config PATH]

The fake serves the bundled real rows as Yahoo would at that moment, with the clock running from there in
real time (rotor's clock and the fake's agree); the cache is a temporary directory seeded with the bundled
rows up to a few days before. ``--fail`` injects a fault after ``--fail-after`` seconds. ``--stream`` also
runs the fake price stream (rotor.data.sources.fake_stream, yfinance's own protobuf frames) at ``--rate``
frames a second, dropping every connection every ``--drop-every`` seconds when asked. The user's own
monitor (watchlists, positions, alerts) is read from the config file (``--config``, ``$ROTOR_CONFIG`` or the
default) and edited there, with its state and alert log in the user's state and data dirs, as ``rotor`` does.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rotor.data.cache import Cache
from rotor.data.feed import LiveFeed
from rotor.data.sources.fake import FakeProvider
from rotor.data.sources.fake_stream import FakeStream
from rotor.data.sources.fake_yahoo import FAULTS, FakeYahoo, keep_yahoo_cookies
from rotor.data.sources.yahoo import YahooSource
from rotor.tui.app import create_app

NEW_YORK = ZoneInfo("America/New_York")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--at", default="2026-03-09 09:25", help="New York time to start at")
    parser.add_argument("--interval", type=float, default=5.0, help="refresh interval (seconds)")
    parser.add_argument("--fail", choices=FAULTS, help="a fault to inject on every request")
    parser.add_argument("--fail-after", type=float, default=30.0, help="seconds before the fault starts")
    parser.add_argument(
        "--seed-days", type=int, default=5, help="bundled rows seeded up to this many days before"
    )
    parser.add_argument("--stream", action="store_true", help="stream prices from the fake price stream")
    parser.add_argument("--rate", type=float, default=20.0, help="frames a second of the fake stream")
    parser.add_argument("--drop-every", type=float, default=0.0, help="drop the stream every N seconds")
    parser.add_argument("--config", help="config file of your own monitor (default: as rotor's)")
    args = parser.parse_args()
    from rotor.data.config import load_config
    from rotor.data.config_file import resolve_config_path
    from rotor.data.state import default_alert_log, default_state_path
    from rotor.tui.monitor import UserMonitor

    config = load_config(args.config, os.environ)
    monitor = UserMonitor(
        config,
        config_path=resolve_config_path(args.config, os.environ)[0],
        state_path=default_state_path(),
        alert_log=default_alert_log(),
    )
    start = datetime.fromisoformat(args.at).replace(tzinfo=NEW_YORK)
    offset = start - datetime.now(UTC)

    def clock() -> datetime:
        return datetime.now(UTC) + offset

    with (
        FakeYahoo(clock) as yahoo,
        FakeStream(yahoo, clock, rate=args.rate) as stream,
        tempfile.TemporaryDirectory(prefix="rotor-demo-") as tmp,
    ):
        if args.drop_every > 0:
            dropper = threading.Event()

            def drop() -> None:
                while not dropper.wait(args.drop_every):
                    stream.drop()

            threading.Thread(target=drop, daemon=True).start()
        if args.fail:
            threading.Timer(args.fail_after, lambda: yahoo.fail(args.fail)).start()
        source = YahooSource(
            cache_dir=Path(tmp), rewrite=yahoo.rewrite, on_response=keep_yahoo_cookies, clock=clock
        )
        seed = FakeProvider(start.date() - timedelta(days=args.seed_days), source="snapshot")
        feed = LiveFeed(
            Cache(Path(tmp) / "cache"),
            source,
            clock=clock,
            seed=seed,
            refresh_interval=args.interval,
            stream_url=stream.url if args.stream else None,
            symbols=config.symbols,
        )
        app = create_app(
            feed,
            clock=clock,
            interval=args.interval,
            closed_interval=max(args.interval, 60.0),
            monitor=monitor,
        )
        try:
            result = app.run()
        finally:
            feed.close()
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
