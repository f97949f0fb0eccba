"""The X API answers 400 for a whole call when one id is malformed: the provider finds the ids at
fault (named by X, or by splitting the call when X names none) and answers the others. The X stub
answers in process (tests/unit/in_process.py): X's bodies, no socket. Moved from
tests/integration (the same tests against the stub's loopback server)."""

from __future__ import annotations

import pytest

from socialscore.domain.interaction import Network
from socialscore.domain.post import PostRef
from socialscore.providers.base import ProviderRateLimited, ProviderUnavailable
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.in_process import provider

GOOD = [str(2_100_000_000_000_000_000 + k) for k in range(9)]
LETTERS = "abc"
TOO_LONG = "1" * 25  # X's ids are at most 19 digits


def x(post_id: str) -> PostRef:
    return PostRef(Network.X, post_id)


@pytest.fixture
def stub() -> XApiStub:
    return XApiStub(posts={i: post("1001", text=f"post {i}") for i in GOOD})


def test_an_id_x_names_invalid_is_refused_alone_and_the_call_made_again_without_it(
    stub: XApiStub,
) -> None:
    wanted = [*GOOD[:4], LETTERS, *GOOD[4:]]

    answers = provider(stub).lookup([x(i) for i in wanted])

    assert stub.statuses == [400, 200]
    assert stub.requests == [wanted, GOOD]
    assert answers[x(LETTERS)].refused == "invalid_id"
    assert answers[x(LETTERS)].facts is None
    assert all(answers[x(i)].facts is not None for i in GOOD)
    assert {answers[x(i)].refused for i in GOOD} == {None}


def test_every_id_x_names_in_one_answer_is_left_out_of_the_next_call(stub: XApiStub) -> None:
    answers = provider(stub).lookup([x(i) for i in [LETTERS, *GOOD, TOO_LONG]])

    assert stub.statuses == [400, 200]
    assert stub.requests[1] == GOOD
    assert answers[x(LETTERS)].refused == answers[x(TOO_LONG)].refused == "invalid_id"


def test_a_400_that_names_no_id_is_split_down_to_the_id_at_fault(stub: XApiStub) -> None:
    stub.names_invalid_ids = False
    wanted = [*GOOD[:6], LETTERS, *GOOD[6:]]

    answers = provider(stub).lookup([x(i) for i in wanted])

    assert answers[x(LETTERS)].refused == "invalid_id"
    assert all(answers[x(i)].facts is not None for i in GOOD)
    assert stub.statuses.count(200) >= 2  # the halves without it went through
    assert stub.calls <= 2 * len(wanted) - 1
    assert sorted(i for ids, status in zip(stub.requests, stub.statuses, strict=True) for i in ids
                  if status == 200) == sorted(GOOD)  # fmt: skip


def test_a_400_about_another_parameter_is_this_code_s_fault_not_an_id_s(stub: XApiStub) -> None:
    stub.tweet_fields.discard("note_tweet")

    with pytest.raises(ProviderUnavailable) as refused:
        provider(stub).lookup([x(i) for i in GOOD])

    assert refused.value.reason == "http_400"
    assert stub.calls == 1  # not split: no id would pass


def test_an_id_refused_before_the_rate_limit_ran_out_is_kept_in_the_answers(
    stub: XApiStub,
) -> None:
    stub.quota = 1  # the 400 spends it: the call again without the id waits for the reset

    with pytest.raises(ProviderRateLimited) as limited:
        provider(stub).lookup([x(i) for i in [LETTERS, *GOOD]])

    assert stub.statuses == [400]  # the 400 said none remain: no call wasted on a 429
    assert limited.value.answered[x(LETTERS)].refused == "invalid_id"
    assert not any(x(i) in limited.value.answered for i in GOOD)
