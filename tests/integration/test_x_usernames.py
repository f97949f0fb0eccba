"""X usernames to ids (providers.x_users) against the X stub's `GET /2/users/by` on 127.0.0.1:
what only the wire shows. urllib3 logs each request's URL at DEBUG, and the lookup's URL carries
the usernames: no line names one. The lookup's rules (100 a call; suspended, unknown and renamed
accounts; each username asked once a run; a 429 stopping every call until the reset) are proven
with the stub answering in process: tests/unit/test_x_usernames.py, test_x_api_calls.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from socialscore.providers.x_api import XApiProvider
from socialscore.providers.x_users import XUsernames
from tests.stubs.x_api_stub import XApiStub


@pytest.fixture
def stub() -> Iterator[XApiStub]:
    with XApiStub() as s:
        yield s


def lookup(stub: XApiStub) -> XUsernames:
    return XUsernames(XApiProvider(lambda refresh: stub.token, stub.url, sleep=lambda s: None))


def test_no_username_is_logged_even_at_debug(
    stub: XApiStub, caplog: pytest.LogCaptureFixture
) -> None:
    # urllib3 logs each request's URL at DEBUG, and this GET carries the usernames in its query
    # (X has no POST lookup): an operator debugging with every logger at DEBUG sees none.
    stub.accounts = {"ana_dev": "111"}
    with caplog.at_level("DEBUG"):
        lookup(stub).user_ids(["ana_dev", "nobody_here"])

    assert caplog.records  # the lines were written, without the usernames
    assert not [r for r in caplog.records if "ana_dev" in r.getMessage()]
