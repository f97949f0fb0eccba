"""X usernames to ids (providers.x_users), the lookup's rules: 100 usernames a call, suspended,
unknown and renamed accounts, each username asked once a run, and a 429 that stops every call
until the reset. The provider's real code, the X stub's `GET /2/users/by` answering in process
(tests/unit/in_process.py: X's bodies and each endpoint's rate limit headers, no socket).
Moved from tests/integration/test_x_usernames.py, which keeps what only the wire shows (urllib3's
DEBUG line of the request URL, which carries the usernames). That the post lookup's spent window
leaves the user lookup's alone: tests/unit/test_x_api_calls.py."""

from __future__ import annotations

import math

import pytest

from socialscore.providers.x_users import UsernamesStopped, XUsernames
from tests.stubs.x_api_stub import XApiStub
from tests.unit.in_process import provider


@pytest.fixture
def stub() -> XApiStub:
    return XApiStub()


def lookup(stub: XApiStub) -> XUsernames:
    return XUsernames(provider(stub))


def test_250_usernames_take_ceil_250_over_100_calls_and_an_unknown_one_is_none(
    stub: XApiStub,
) -> None:
    names = [f"user_{n}" for n in range(250)]
    stub.accounts = {n: str(10_000 + k) for k, n in enumerate(names[:-1])}

    found = lookup(stub).user_ids(names)

    # The stub refuses more than 100 usernames with X's own 400: a larger call would fail here.
    assert [len(r) for r in stub.requests] == [100, 100, 50]
    assert stub.calls == math.ceil(250 / 100)
    assert found[names[0]] == "10000"
    assert found[names[-1]] is None  # nobody holds it: listed in errors, not in data


def test_a_suspended_account_answers_none_and_a_renamed_one_keeps_its_id(stub: XApiStub) -> None:
    stub.accounts = {"ana_dev": "111", "gone_bad": "222", "bo": "333"}
    stub.suspended = {"gone_bad"}
    stub.rename("bo", "bo_new")

    found = lookup(stub).user_ids(["ana_dev", "gone_bad", "bo", "bo_new"])

    assert found == {"ana_dev": "111", "gone_bad": None, "bo": None, "bo_new": "333"}


def test_a_username_asked_again_in_the_run_costs_no_call(stub: XApiStub) -> None:
    stub.accounts = {"ana_dev": "111"}
    users = lookup(stub)
    users.user_ids(["ana_dev", "nobody_here"])
    again = users.user_ids(["nobody_here", "ana_dev"])

    assert stub.calls == 1
    assert again == {"nobody_here": None, "ana_dev": "111"}


def test_a_429_stops_every_call_until_the_reset_and_keeps_what_was_answered(
    stub: XApiStub,
) -> None:
    names = [f"user_{n}" for n in range(300)]
    stub.accounts = {n: str(k + 1) for k, n in enumerate(names)}
    stub.quota = 2
    users = lookup(stub)
    users.user_ids(names[:100])
    stub.spend_quota("/2/users/by")  # another client spent the rest: the next call is a 429

    with pytest.raises(UsernamesStopped) as stopped:
        users.user_ids(names)
    calls = stub.calls
    with pytest.raises(UsernamesStopped):
        users.user_ids(names[200:])

    assert stopped.value.reason == "rate_limited"
    assert sorted(stopped.value.answered) == sorted(names[:100])  # the run's earlier answers
    assert stub.statuses == [200, 429]
    assert stub.calls == calls  # nothing more asked before the reset: no hot loop
    assert "user_" not in str(stopped.value)  # a username is never in an error


def test_an_answer_saying_none_is_left_stops_before_a_wasted_call(stub: XApiStub) -> None:
    stub.accounts = {f"user_{n}": str(n + 1) for n in range(200)}
    stub.quota = 1
    with pytest.raises(UsernamesStopped):
        lookup(stub).user_ids(sorted(stub.accounts))
    assert stub.statuses == [200]
