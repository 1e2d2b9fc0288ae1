"""A local WebSocket server speaking Yahoo's price stream, for tests and benchmarks (never Yahoo itself).

Clients send ``{"subscribe": [...]}`` / ``{"unsubscribe": [...]}`` JSON; the server sends
``{"type": "pricing", "message": <base64 PricingData>}`` frames built with yfinance's own ``pricing_pb2``,
round-robin over the subscribed symbols at ``rate`` frames a second. Prices are never invented: a
``FakeYahoo`` (``rotor.data.sources.fake_yahoo``) gives each symbol's price at the clock's moment from the
real rows (the same path its chart API serves), with ``market_hours`` 1 (regular); US ETFs also tick in
pre-market (04:00 to the open: from the previous close toward the day's real open) and post-market (the
close to 20:00: at the official close), ``market_hours`` 0 and 2, left out of the message when 0 as
protobuf does.

Faults: ``malformed_every`` (one bad frame of each kind in turn: not JSON, no message, not base64, not a
PricingData, a NaN price, every N frames), ``drop()`` (close every connection), ``stalled`` (keep
connections open, send nothing), ``refusing`` (answer the handshake with HTTP 503). ``log`` counts
connections, subscriptions and frames.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from rotor.data.sources.fake_yahoo import FakeYahoo

NEW_YORK: Final = ZoneInfo("America/New_York")
#: The kinds of bad frames ``malformed_every`` sends, in turn.
BAD_FRAMES: Final = ("not json", "no message", "not base64", "not a PricingData", "NaN price")


@dataclass
class StreamLog:
    connections: int = 0
    refused: int = 0
    subscribed: list[list[str]] = field(default_factory=list)
    frames: int = 0
    bad_frames: int = 0
    sent_at: dict[tuple[str, int], float] = field(default_factory=dict)


class FakeStream:
    """Yahoo's price stream on 127.0.0.1 (an ephemeral port); see the module docstring.

    ``clock`` gives "now" (timezone-aware) for each frame; ``yahoo`` the prices. ``url`` is the address
    for a client; ``record_sends`` keeps each frame's monotonic send time by (symbol, exchange time in ms)
    for latency measurements."""

    def __init__(
        self,
        yahoo: FakeYahoo,
        clock: Callable[[], datetime],
        *,
        rate: float = 20.0,
        record_sends: bool = False,
    ) -> None:
        self.yahoo = yahoo
        self._clock = clock
        self.rate = rate
        self.record_sends = record_sends
        self.malformed_every = 0
        self.stalled = False
        self.refusing = False
        self.log = StreamLog()
        self._lock = threading.Lock()
        self._connections: set[Any] = set()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------------------------

    def start(self) -> FakeStream:
        from websockets.sync.server import serve

        self._server = serve(
            self._handle, "127.0.0.1", 0, process_request=self._process_request, compression=None
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-stream", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.drop()
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def __enter__(self) -> FakeStream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/?version=2"

    def drop(self) -> None:
        """Close every open connection (as when the stream's server goes away)."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(Exception):  # already closed
                connection.close()

    # -- serving -------------------------------------------------------------------------------------------

    def _process_request(self, connection: Any, request: Any) -> Any:
        if not self.refusing:
            return None
        with self._lock:
            self.log.refused += 1
        return connection.respond(503, "Service Unavailable\n")

    def _handle(self, connection: Any) -> None:
        with self._lock:
            self._connections.add(connection)
            self.log.connections += 1
        subscribed: list[str] = []
        reader = threading.Thread(target=self._read, args=(connection, subscribed), daemon=True)
        reader.start()
        try:
            turn = 0
            while True:
                time.sleep(1.0 / self.rate)
                if self.stalled or not subscribed:
                    if not reader.is_alive():
                        return
                    continue
                if not reader.is_alive():
                    return
                symbol = subscribed[turn % len(subscribed)]
                turn += 1
                frame = self._frame(symbol)
                if frame is None:
                    continue
                connection.send(frame)
        except Exception:  # the client went away
            return
        finally:
            with self._lock:
                self._connections.discard(connection)

    def _read(self, connection: Any, subscribed: list[str]) -> None:
        try:
            for message in connection:
                request = json.loads(message)
                with self._lock:
                    for symbol in request.get("subscribe", []):
                        if symbol not in subscribed:
                            subscribed.append(symbol)
                    for symbol in request.get("unsubscribe", []):
                        if symbol in subscribed:
                            subscribed.remove(symbol)
                    if "subscribe" in request:
                        self.log.subscribed.append(list(request["subscribe"]))
        except Exception:  # closed
            return

    def _frame(self, symbol: str) -> str | None:
        from yfinance.pricing_pb2 import PricingData

        with self._lock:
            self.log.frames += 1
            count = self.log.frames
        if self.malformed_every and count % self.malformed_every == 0:
            with self._lock:
                self.log.bad_frames += 1
                kind = BAD_FRAMES[(self.log.bad_frames - 1) % len(BAD_FRAMES)]
            return _bad_frame(kind, symbol)
        now = self._clock()
        quote = self.price(symbol, now)
        if quote is None:
            return None
        price, hours = quote
        millis = int(now.timestamp() * 1000)
        data = PricingData(id=symbol, price=price, time=millis, market_hours=hours, quote_type=8)
        if self.record_sends:
            with self._lock:
                self.log.sent_at[(symbol, millis)] = time.monotonic()
        encoded = base64.b64encode(data.SerializeToString()).decode()
        return json.dumps({"type": "pricing", "message": encoded})

    def price(self, symbol: str, now: datetime) -> tuple[float, int] | None:
        """``symbol``'s price at ``now`` and its market hours (1 regular, 0 pre, 2 post), or ``None``."""
        from rotor.data.sources.fake_yahoo import VENUES, progress

        t = int(now.timestamp())
        windows = self.yahoo.windows(symbol)
        for window in windows:
            if window.row is not None and window.trading_at(t):
                so_far = progress(window, t)
                return (so_far.close, 1) if so_far is not None and so_far.close is not None else None
        venue = VENUES.get(symbol)
        if venue is None or not venue.extended:
            return None
        local = now.astimezone(NEW_YORK)
        day = local.date()
        today = next((w for w in windows if w.row is not None and w.row.day == day), None)
        before = [w for w in windows if w.row is not None and w.row.day < day]
        if today is not None and today.row is not None and before and before[-1].row is not None:
            opens = datetime.combine(day, datetime.min.time(), NEW_YORK) + timedelta(hours=9, minutes=30)
            pre = opens - timedelta(hours=5, minutes=30)
            if pre <= local < opens and today.row.open is not None:
                share = (local - pre) / (opens - pre)
                previous = before[-1].row.close
                return round(previous + (today.row.open - previous) * share, 4), 0
            if t >= today.end and local < _post_end(day):
                return today.row.close, 2
        return None


def _post_end(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), NEW_YORK) + timedelta(hours=20)


def _bad_frame(kind: str, symbol: str) -> str:
    from yfinance.pricing_pb2 import PricingData

    if kind == "not json":
        return "{not json"
    if kind == "no message":
        return json.dumps({"type": "pricing"})
    if kind == "not base64":
        return json.dumps({"type": "pricing", "message": "***"})
    if kind == "not a PricingData":
        return json.dumps({"type": "pricing", "message": base64.b64encode(b"\xff\xff\xff\xff").decode()})
    nan = PricingData(id=symbol, price=float("nan"), time=int(datetime.now(UTC).timestamp() * 1000))
    return json.dumps({"type": "pricing", "message": base64.b64encode(nan.SerializeToString()).decode()})
