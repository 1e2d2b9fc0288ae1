"""Yahoo's price stream through yfinance's own WebSocket client (rotor.data.sources.stream), against a local
WebSocket server speaking Yahoo's protocol with yfinance's protobuf classes (fake_stream.FakeStream), whose
prices come from the fake Yahoo's real-row path: ticks arrive and are told apart by session, bad frames are
dropped and counted, a dropped connection reconnects and subscribes again, a stalled or refused stream
falls back to polling and comes back."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rotor.data.sources.fake_stream import FakeStream
from rotor.data.sources.fake_yahoo import FakeYahoo
from rotor.data.sources.stream import Tick, YahooStream, decode_frame
from yfinance.pricing_pb2 import PricingData

NY = ZoneInfo("America/New_York")


class Collector:
    def __init__(self) -> None:
        self.ticks: list[Tick] = []
        self.lock = threading.Lock()

    def __call__(self, ticks: list[Tick]) -> None:
        with self.lock:
            self.ticks.extend(ticks)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


@pytest.fixture
def at() -> dict[str, datetime]:
    return {"now": datetime(2026, 3, 9, 11, 0, tzinfo=NY)}


@pytest.fixture
def stream(at: dict[str, datetime]) -> Iterator[FakeStream]:
    clock = lambda: at["now"]  # noqa: E731
    with FakeYahoo(clock) as yahoo, FakeStream(yahoo, clock, rate=100) as server:
        yield server


def make(server: FakeStream, sink: Collector, **options: float) -> YahooStream:
    return YahooStream(sink, url=server.url, jitter=lambda: 0.0, **options)  # type: ignore[arg-type]


def frame(**fields: object) -> str:
    data = PricingData(**fields)  # type: ignore[arg-type]
    return json.dumps({"type": "pricing", "message": base64.b64encode(data.SerializeToString()).decode()})


def test_decoding_spells_out_what_protobuf_leaves_out() -> None:
    moment = datetime(2026, 3, 9, 8, 30, tzinfo=NY)
    millis = int(moment.timestamp() * 1000)
    pre = decode_frame(frame(id="SPY", price=670.5, time=millis))  # market_hours 0 is left out
    assert pre is not None and pre.session == "pre" and pre.price == pytest.approx(670.5)
    assert pre.time == moment
    post = decode_frame(frame(id="SPY", price=670.5, time=millis, market_hours=2))
    assert post is not None and post.session == "post"
    assert decode_frame(frame(id="SPY", price=float("nan"), time=millis)) is None
    assert decode_frame(frame(id="SPY", price=0.0, time=millis)) is None
    assert decode_frame("{not json") is None and decode_frame(json.dumps({"message": "***"})) is None
    assert decode_frame(json.dumps({"message": base64.b64encode(b"\xff\xff").decode()})) is None


def test_ticks_arrive_with_the_fakes_prices(stream: FakeStream, at: dict[str, datetime]) -> None:
    sink = Collector()
    live = make(stream, sink)
    live.subscribe(["SPY", "GC=F"])
    try:
        wait_for(lambda: {t.symbol for t in sink.ticks} == {"SPY", "GC=F"})
    finally:
        live.stop()
    for tick in sink.ticks[:6]:
        expected = stream.price(tick.symbol, at["now"])
        assert expected is not None and tick.price == pytest.approx(expected[0], rel=1e-6)
        assert tick.session == "regular" and tick.time == at["now"]
    assert live.status.ticks >= 2 and sorted(stream.log.subscribed[0]) == ["GC=F", "SPY"]


@pytest.mark.parametrize(("moment", "session"), [("2026-03-09 08:00", "pre"), ("2026-03-09 17:00", "post")])
def test_extended_hours_ticks_are_told_apart(
    stream: FakeStream, at: dict[str, datetime], moment: str, session: str
) -> None:
    at["now"] = datetime.fromisoformat(moment).replace(tzinfo=NY)
    sink = Collector()
    live = make(stream, sink)
    live.subscribe(["SPY"])
    try:
        wait_for(lambda: len(sink.ticks) >= 2)
    finally:
        live.stop()
    assert {t.session for t in sink.ticks} == {session}


def test_bad_frames_are_dropped_and_counted(stream: FakeStream) -> None:
    stream.malformed_every = 3
    sink = Collector()
    live = make(stream, sink)
    live.subscribe(["SPY"])
    try:
        wait_for(lambda: live.status.malformed >= 5 and len(sink.ticks) >= 10)
    finally:
        live.stop()
    assert live.status.reconnects == 0 and stream.log.connections == 1  # one connection throughout


def test_a_dropped_connection_reconnects_and_subscribes_again(stream: FakeStream) -> None:
    sink = Collector()
    live = make(stream, sink, backoff_base=0.05)
    live.subscribe(["SPY", "QQQ"])
    try:
        wait_for(lambda: len(sink.ticks) >= 3)
        stream.drop()
        wait_for(lambda: stream.log.connections >= 2 and live.status.reconnects >= 1)
        count = len(sink.ticks)
        wait_for(lambda: len(sink.ticks) > count + 3)
    finally:
        live.stop()
    assert len(stream.log.subscribed) >= 2 and sorted(stream.log.subscribed[-1]) == ["QQQ", "SPY"]
    assert live.status.mode == "off"


def test_a_stalled_stream_falls_back_to_polling_then_streams_again(stream: FakeStream) -> None:
    sink = Collector()
    live = make(stream, sink, stall_after=0.3, max_failures=2, rest=0.5, backoff_base=0.05)
    live.subscribe(["SPY"])
    try:
        wait_for(lambda: live.status.mode == "stream")
        stream.stalled = True
        wait_for(lambda: live.status.mode == "poll")
        assert live.status.reason is not None and live.status.reason.startswith("stream stalled")
        stream.stalled = False
        wait_for(lambda: live.status.mode == "stream", timeout=5)
    finally:
        live.stop()


def test_a_refused_stream_says_why_and_polls(stream: FakeStream) -> None:
    stream.refusing = True
    sink = Collector()
    live = make(stream, sink, max_failures=2, rest=10.0, backoff_base=0.05)
    live.subscribe(["SPY"])
    try:
        wait_for(lambda: live.status.mode == "poll")
    finally:
        live.stop()
    assert stream.log.refused == 2 and sink.ticks == []
    assert live.status.reason is not None and live.status.reason.startswith("stream unreachable")
