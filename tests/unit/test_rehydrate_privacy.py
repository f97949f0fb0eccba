"""A post's text is read in memory for intent and complaint words and never written anywhere:
not in the post cache, not on a queue, not in a log line at any level, through answers, a
server error, refusals and a spent rate limit.

In memory but with X's real provider code (XApiProvider against the X API stub on 127.0.0.1,
its retries' sleep skipped): the text arrives in real HTTP answers, and the HTTP client's own
DEBUG lines are captured with the stage's.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest

from socialscore.domain.interaction import Kind
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.providers.x_api import XApiProvider
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.queue import MemoryQueue
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.test_rehydrate_stage import run
from tests.unit.test_rehydrate_x_rules import (
    OTHER,
    PROTECTED,
    REPLY,
    REPLY_TEXT,
    SECRET_WORDS,
    SELLER,
    TARGET,
    UNKNOWN,
    delivered,
    forwarded,
)
from tests.unit.test_rehydration import act


@pytest.fixture
def stub() -> Iterator[XApiStub]:
    posts = {
        TARGET: post(SELLER, text=f"Launch day {SECRET_WORDS}"),
        OTHER: post("2002", text=f"Other {SECRET_WORDS}"),
        REPLY: post("3003", text=REPLY_TEXT, replied_to=TARGET, conversation_id=TARGET),
        PROTECTED: post("4004", text=f"Private {SECRET_WORDS}"),
    }
    with XApiStub(posts=posts, protected={PROTECTED}, quota=3) as x:
        yield x


@pytest.fixture
def every_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[list[str]]:
    """Every log line of every logger at DEBUG: the stage's (Powertools, its own service name)
    and the HTTP client's, message and attributes."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"rehydrate-privacy-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.getMessage()} {record.__dict__!r}")

    keep = Keep(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger()] + [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    for lg in loggers:
        lg.addHandler(keep)
    try:
        yield lines
    finally:
        for lg in loggers:
            lg.removeHandler(keep)


def test_post_text_is_never_written_anywhere_logs_included(
    stub: XApiStub, every_line: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    provider = XApiProvider(lambda refresh: stub.token, stub.url, sleep=lambda seconds: None)
    cache, forward, later = MemoryPostCache(), MemoryQueue(), MemoryQueue()
    rehydrator = Rehydrator(cache, provider)
    stub.fail_next(503, times=1)

    run(
        [
            delivered("m-1", act(1, TARGET, kind=Kind.COMMENT, own=REPLY)),
            delivered("m-2", act(2, OTHER, kind=Kind.QUOTE, own=REPLY)),
            delivered("m-3", act(3, PROTECTED)),
            delivered("m-4", act(4, UNKNOWN)),
        ],
        rehydrator,
        forward,
        later,
    )  # a 503, then the answer
    run([delivered("m-5", act(5, "2200000000000000077"))], rehydrator, forward, later)
    stub.spend_quota()
    run([delivered("m-6", act(6, "2200000000000000078"))], rehydrator, forward, later)

    assert {m.interaction.interaction_id for m in forwarded(forward).values()} == {"iid-1", "iid-2"}
    assert 429 in stub.statuses
    assert 503 in stub.statuses
    assert [m.id for m in later.sent] == ["m-6"]  # put off to the reset
    written = json.dumps(
        [[repr(p) for p in cache.items.values()], [m.body for m in forward.sent + later.sent]]
    )
    assert "evaluating vendors" in written  # the hits travel on ...
    assert SECRET_WORDS not in written  # ... the text does not
    logged = "\n".join([*every_line, capsys.readouterr().out])
    assert "rehydrated" in logged  # the stage did log, at DEBUG level
    assert "GET /2/tweets" in logged  # and so did the HTTP client
    assert SECRET_WORDS not in logged
    assert "Launch day" not in logged
