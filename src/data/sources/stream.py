"""Yahoo's price stream: ticks pushed over a WebSocket while markets trade, through yfinance's client.

Yahoo pushes prices on ``wss://streamer.finance.yahoo.com/?version=2``: the client sends
``{"subscribe": [symbols]}`` (and again every 15 s, as yfinance does, to keep the subscription); each frame
is JSON ``{"type": "pricing", "message": <base64 PricingData protobuf>}``, decoded with yfinance's own
``pricing_pb2``. rotor owns the connection around yfinance's ``WebSocket`` (checked against yfinance 1.7):

- ``WebSocket.listen`` stops at the first bad frame and ``AsyncWebSocket.listen`` never reconnects after a
  drop, so rotor reads frames itself (``PriceStream``, a subclass using yfinance's connect, subscribe and
  close), guards every decode (a frame that is not JSON, not base64, not a PricingData, or carries no
  usable price is dropped and counted), and runs its own reconnect loop: backoff with jitter, the
  subscription sent again, and after ``max_failures`` connections in a row that failed or stalled it
  gives up for ``rest`` seconds (the feed polls meanwhile; ``status.mode`` says which).
- Protobuf leaves out fields equal to zero: a pre-market tick has no ``market_hours`` (pre-market is 0)
  and an unchanged price no ``change``; a NaN price decodes as NaN. ``Tick.session`` spells the market
  hours out: ``pre`` (0), ``regular`` (1), ``post`` (2), ``extended`` (3, post-market of other venues).
- A stream that stays silent for ``stall_after`` seconds while it should be ticking is closed and
  counted as a failure (a stalled stream must not pass for a quiet market: the feed decides whether
  markets are open before starting the stream, and stops it when none is).

The stream runs on one daemon thread and hands each batch of ticks to ``on_ticks`` (from that thread: the
receiver must only queue them). ``status`` is safe to read from any thread.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal

YAHOO_STREAM_URL: Final = "wss://streamer.finance.yahoo.com/?version=2"
#: Seconds without a frame after which a connection that should be ticking counts as stalled.
STALL_AFTER: Final = 30.0
#: Connections in a row that fail or stall before the stream rests (the feed polls meanwhile).
MAX_FAILURES: Final = 5
#: Seconds the stream rests after ``MAX_FAILURES`` before it tries again.
REST: Final = 300.0
#: Reconnect backoff: the first wait, doubling, capped (seconds), each stretched by up to 100% jitter.
BACKOFF_BASE: Final = 1.0
BACKOFF_CAP: Final = 30.0
#: Seconds a connection may take to open.
CONNECT_TIMEOUT: Final = 10.0
#: yfinance re-sends the subscription this often; rotor does the same on its own connection.
RESUBSCRIBE_EVERY: Final = 15.0

TickSession = Literal["pre", "regular", "post", "extended"]
StreamMode = Literal["off", "connecting", "stream", "poll"]
_SESSIONS: Final[dict[int, TickSession]] = {0: "pre", 1: "regular", 2: "post", 3: "extended"}


@dataclass(frozen=True, slots=True)
class Tick:
    """One pushed price: its symbol, price, exchange time (UTC), and which part of the day it is from."""

    symbol: str
    price: float
    time: datetime
    session: TickSession
    day_volume: int | None = None


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """What the stream is doing: ``mode`` (``stream`` while connected and ticking, ``poll`` while it rests
    after repeated failures, ``connecting``, ``off``), the time of the last tick, counts and the last
    failure's reason."""

    mode: StreamMode = "off"
    last_tick: datetime | None = None
    ticks: int = 0
    malformed: int = 0
    reconnects: int = 0
    reason: str | None = None


def decode_frame(frame: str | bytes) -> Tick | None:
    """A frame's tick, or ``None`` when it is not one (not JSON, no message, not base64, not a
    PricingData, no symbol, a price that is not a positive finite number, no time)."""
    from yfinance.pricing_pb2 import PricingData

    try:
        payload = json.loads(frame)
        encoded = payload.get("message") if isinstance(payload, dict) else None
        if not isinstance(encoded, str) or not encoded:
            return None
        data = PricingData()
        data.ParseFromString(base64.b64decode(encoded, validate=True))
    except Exception:  # not JSON, not base64, not a PricingData: whatever the parser says, not a tick
        return None
    price = float(data.price)
    if not data.id or not math.isfinite(price) or price <= 0 or data.time <= 0:
        return None
    seconds = data.time / 1000.0 if data.time > 10_000_000_000 else float(data.time)  # ms, as Yahoo sends
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    session = _SESSIONS.get(int(data.market_hours), "regular")
    volume = int(data.day_volume) if data.day_volume > 0 else None
    return Tick(str(data.id), price, moment, session, volume)


def _client_class() -> Any:
    """yfinance's WebSocket client with a reader of rotor's own (see the module docstring)."""
    from rotor.data.sources.yahoo import quiet_yfinance_logging
    from yfinance.live import WebSocket

    quiet_yfinance_logging()

    class PriceStream(WebSocket):  # type: ignore[misc]
        def _connect(self) -> None:
            # yfinance's own connect has no time limit and calls websockets' connect() the deprecated way.
            if getattr(self, "_ws", None) is None:
                from websockets.sync.client import connect

                self._ws = connect(self.url, open_timeout=CONNECT_TIMEOUT, legacy=True)

        def frames(self, timeout: float) -> Iterable[str | bytes]:
            """Frames as they come; stops when nothing came within ``timeout`` (a stall) and raises what
            the connection raises when it drops."""
            while True:
                try:
                    yield self._ws.recv(timeout=timeout)
                except TimeoutError:
                    return

        def resubscribe(self) -> None:
            self._ws.send(json.dumps({"subscribe": sorted(self._subscriptions)}))

    return PriceStream


@dataclass
class _State:
    symbols: frozenset[str] = frozenset()
    status: StreamStatus = field(default_factory=StreamStatus)
    client: Any = None


class YahooStream:
    """Yahoo's price stream on a daemon thread (see the module docstring).

    ``on_ticks`` receives each batch of decoded ticks (from the stream's thread); ``url`` defaults to
    Yahoo's; ``clock``, ``sleep`` and ``jitter`` are injectable for tests."""

    def __init__(
        self,
        on_ticks: Callable[[list[Tick]], None],
        *,
        url: str = YAHOO_STREAM_URL,
        stall_after: float = STALL_AFTER,
        max_failures: int = MAX_FAILURES,
        rest: float = REST,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._on_ticks = on_ticks
        self.url = url
        self.stall_after = stall_after
        self.max_failures = max_failures
        self.rest = rest
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._clock = clock
        self._jitter = jitter
        self._lock = threading.Lock()
        self._state = _State()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> StreamStatus:
        with self._lock:
            return self._state.status

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._state.status = replace(self._state.status, **changes)

    def subscribe(self, symbols: Iterable[str]) -> None:
        """Stream these symbols (all others are dropped); an empty set stops streaming. Starts the thread
        on first use; a changed set is sent on the open connection (or on the next one)."""
        wanted = frozenset(symbols)
        with self._lock:
            changed = wanted != self._state.symbols
            self._state.symbols = wanted
            client = self._state.client
        if not wanted:
            self._set(mode="off")
            self._close(client)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="rotor-stream", daemon=True)
            self._thread.start()
        elif changed and client is not None:
            self._close(client)  # reconnect with the new set (one subscription, no stale symbols)
        self._wake.set()

    def stop(self, timeout: float = 2.0) -> None:
        """Close the connection and end the thread (waiting up to ``timeout`` seconds for it)."""
        self._stopped.set()
        self._wake.set()
        with self._lock:
            client = self._state.client
        self._close(client)
        if self._thread is not None:
            self._thread.join(timeout)
        self._set(mode="off")

    @staticmethod
    def _close(client: Any) -> None:
        if client is None:
            return
        with contextlib.suppress(Exception):  # closing a connection that already broke is fine
            client._ws.close()

    # -- the thread --------------------------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._stopped.is_set():
            with self._lock:
                symbols = self._state.symbols
            if not symbols:
                self._wake.wait()
                self._wake.clear()
                continue
            self._set(mode="connecting" if self.status.mode != "poll" else "poll")
            outcome = self._connect_and_read(symbols)
            if self._stopped.is_set():
                break
            if outcome is None:  # a clean end: the symbols changed, or a healthy connection closed
                failures = 0
                continue
            failures += 1
            self._set(reconnects=self.status.reconnects + 1, reason=outcome)
            if failures >= self.max_failures:
                self._set(mode="poll", reason=f"{outcome}; streaming again in {self.rest:g} s")
                failures = 0
                self._pause(self.rest)
            else:
                delay = min(self.backoff_cap, self.backoff_base * 2 ** (failures - 1)) * (1 + self._jitter())
                self._pause(delay)
        self._set(mode="off")

    def _pause(self, seconds: float) -> None:
        self._wake.clear()
        self._wake.wait(seconds)

    def _connect_and_read(self, symbols: frozenset[str]) -> str | None:
        """One connection: subscribe, read until it drops, stalls or the symbols change. Returns the reason
        it failed, or ``None`` for a clean end."""
        client_class = _client_class()
        client = client_class(url=self.url, verbose=False)
        try:
            client.subscribe(sorted(symbols))
        except Exception as exc:  # refused, unreachable, handshake failed
            return f"stream unreachable ({type(exc).__name__}: {exc})"
        with self._lock:
            self._state.client = client
        ticked = False
        last_subscribe = time.monotonic()
        try:
            for frame in client.frames(self.stall_after):
                tick = decode_frame(frame)
                if tick is None:
                    self._set(malformed=self.status.malformed + 1)
                    continue
                if tick.symbol not in symbols:
                    continue
                ticked = True
                status = self.status
                self._set(mode="stream", last_tick=tick.time, ticks=status.ticks + 1, reason=None)
                self._on_ticks([tick])
                if time.monotonic() - last_subscribe > RESUBSCRIBE_EVERY:
                    client.resubscribe()
                    last_subscribe = time.monotonic()
            with self._lock:
                changed = self._state.symbols != symbols
            if self._stopped.is_set() or changed:
                return None
            return f"stream stalled: no price for {self.stall_after:g} s"
        except Exception as exc:  # the connection dropped (or was closed to change the symbols)
            with self._lock:
                changed = self._state.symbols != symbols
            if self._stopped.is_set() or changed:
                return None
            name = type(exc).__name__
            return f"stream dropped ({name})" if ticked else f"stream failed ({name}: {exc})"
        finally:
            with self._lock:
                if self._state.client is client:
                    self._state.client = None
            self._close(client)
