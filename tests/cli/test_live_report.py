"""``rotor report --source live`` end to end (argument parsing, the feed, the real yfinance over HTTP, the
exit status and the one line on stderr), with Yahoo's hosts sent to the local fake Yahoo: rate limited,
hung, and healthy. The clock is the real one; the fake serves the bundled rows as Yahoo would today."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from rotor import cli
from rotor.data.sources import yahoo
from rotor.data.sources.fake_yahoo import FakeYahoo, keep_yahoo_cookies, rewrite_to


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYahoo]:
    """Every YahooSource the CLI makes talks to a fake Yahoo (and nothing else)."""
    with FakeYahoo(retry_after=300) as server:
        real = yahoo.YahooSource

        def pointed(**options: Any) -> yahoo.YahooSource:
            return real(
                rewrite=partial(rewrite_to, server.base_url),
                on_response=keep_yahoo_cookies,
                request_timeout=2.0,
                **options,
            )

        monkeypatch.setattr(yahoo, "YahooSource", pointed)
        yield server


def test_rate_limited_report_exits_with_one_line(
    fake: FakeYahoo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail("rate_limit")
    status = cli.main(["report", "--source", "live", "--format", "json", "--cache-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    assert err.startswith("rotor: error: rate limited by Yahoo; next try ") and err.count("\n") == 1
    assert len(fake.log) <= 3  # the first 429 ended it


def test_hung_yahoo_report_says_so(
    fake: FakeYahoo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail("hang")
    status = cli.main(["report", "--source", "live", "--cache-dir", str(tmp_path)])
    _, err = capsys.readouterr()
    assert status == 1 and err.startswith("rotor: error: Yahoo did not answer within 2 s; next try ")


def test_auto_report_falls_back_with_the_reason(
    fake: FakeYahoo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.fail("server_error")
    status = cli.main(["report", "--source", "auto", "--format", "json", "--cache-dir", str(tmp_path)])
    out, _ = capsys.readouterr()
    assert status == 0 and '"source": "snapshot"' in out
    assert "Yahoo server error (HTTP 500); next try" in out  # in the fetch report's reason
