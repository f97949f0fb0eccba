"""The Marketo adapter within the instance's limits, as its stub enforces them on a simulated
clock: the token's life (601/602), 100 calls per 20 s (606), 10 at once (615), the daily quota
(607) and the run's own daily budget, and an add whose answer was lost."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import urllib3

from socialscore.crm.base import CrmStopped, Push
from socialscore.crm.marketo import MarketoCrm
from socialscore.domain import record_key as rk
from socialscore_local.crm_stubs.marketo import MarketoStub
from tests.integration.test_marketo import activity, crm, ready, score

USAGE = "/rest/v1/stats/usage.json"


@pytest.fixture
def marketo() -> Iterator[MarketoStub]:
    with MarketoStub(sleep=lambda s: None) as stub:
        stub.seed_leads(range(1001, 1011))
        yield stub


def test_an_expired_token_is_renewed_and_its_call_sent_again(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    marketo.expire_tokens()
    used = marketo.used_today
    outcome = adapter.push(Push(scores=[score("1001")]))
    assert outcome.failed == {}
    # The day's usage read, answered 602, sent again with a new token; then the leads.
    assert [c.code for c in marketo.calls[-3:]] == ["602", "", ""]
    assert marketo.used_today - used == 2  # Adobe counts no 602 against the quota


def test_a_token_about_to_expire_is_renewed_before_the_call(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    asked = marketo.token_requests
    marketo.clock.sleep(3_595)  # 5 s of the token's hour left
    start = marketo.clock()
    adapter.push(Push(scores=[score("1001")]))
    # Identity answers the same token with its 5 s: waited out, then a new one.
    assert marketo.token_requests == asked + 2
    assert marketo.clock() - start == pytest.approx(6.0)
    assert "602" not in [c.code for c in marketo.calls]


def test_a_rotated_secret_is_read_again_and_a_wrong_one_stops_the_run(
    marketo: MarketoStub,
) -> None:
    reads: list[bool] = []

    def rotated(refresh: bool) -> dict[str, str]:
        reads.append(refresh)
        return marketo.credentials | ({} if refresh else {"client_secret": "old"})

    MarketoCrm(rotated, sleep=marketo.clock.sleep, monotonic=marketo.clock).push(
        Push(scores=[score("1001")])
    )
    assert reads == [False, True]
    marketo.expire_tokens()
    wrong = MarketoCrm(
        lambda refresh: marketo.credentials | {"client_secret": "wrong"},
        sleep=marketo.clock.sleep,
        monotonic=marketo.clock,
    )
    with pytest.raises(CrmStopped) as stopped:
        wrong.push(Push(scores=[score("1001")]))
    assert stopped.value.reason == "token_http_401"
    assert stopped.value.outcome.failed == {rk.contact("1001"): "stopped:token_http_401"}


def test_the_run_keeps_to_fifty_calls_in_any_twenty_seconds(marketo: MarketoStub) -> None:
    adapter = crm(marketo)
    start = marketo.clock()
    for _ in range(120):
        adapter.api.call("GET", USAGE)
    assert marketo.clock() - start >= 40.0  # 120 calls: two full windows waited for
    assert "606" not in [c.code for c in marketo.calls]


def test_a_rate_limit_waits_the_window_and_goes_on(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    marketo.fail_next("606")
    start = marketo.clock()
    assert adapter.push(Push(scores=[score("1001")])).failed == {}
    assert marketo.clock() - start == pytest.approx(20.0)


def test_ten_calls_running_elsewhere_back_off_then_stop(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    marketo.fail_next("615", times=2)
    start = marketo.clock()
    assert adapter.push(Push(scores=[score("1001")])).failed == {}
    assert marketo.clock() - start == pytest.approx(3.0)  # 1 s, then 2 s
    marketo.hold(10)
    with pytest.raises(CrmStopped) as stopped:
        adapter.push(Push(scores=[score("1002")]))
    assert stopped.value.reason == "concurrency_limited"
    assert stopped.value.outcome.failed == {rk.contact("1002"): "stopped:concurrency_limited"}


def test_the_daily_quota_stops_the_run_at_once(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    marketo.others_today = marketo.quota
    calls = len(marketo.calls)
    with pytest.raises(CrmStopped) as stopped:
        adapter.push_activities([activity("i-1")])
    assert stopped.value.reason == "daily_quota"
    assert stopped.value.outcome.failed == {rk.activity("i-1"): "stopped:daily_quota"}
    assert len(marketo.calls) - calls == 1  # no retry of a 607


def test_the_run_stops_at_its_daily_ceiling(marketo: MarketoStub) -> None:
    ready(marketo)
    marketo.others_today = 1_000
    adapter = crm(marketo, daily_ceiling=marketo.used_today + 3)  # usage, describe, one add
    with pytest.raises(CrmStopped) as stopped:
        adapter.push_activities([activity(f"i-{n}") for n in range(400)])
    assert stopped.value.reason == "daily_budget"
    failed = stopped.value.outcome.failed
    assert len(failed) == 100  # the first 300 landed; the second batch was never sent
    assert set(failed.values()) == {"stopped:daily_budget"}
    assert len(marketo.activities()) == 300


def test_an_add_whose_answer_was_lost_is_read_back_not_sent_again(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    adapter.push_activities([activity("i-0")])  # the usage and the type's id read
    marketo.lose_answer_next()  # done, and the connection dropped
    outcome = adapter.push_activities([activity("i-1"), activity("i-2", "1002")])
    assert outcome.failed == {}  # both found on their leads by interaction id
    reads = ["/activities/external.json", "/activities/pagingtoken.json", "/activities.json"]
    assert marketo.paths()[-3:] == [f"/rest/v1{path}" for path in reads]
    assert len(marketo.activities()) == 3  # no second entry


def test_an_add_refused_without_an_answer_fails_for_the_next_run(marketo: MarketoStub) -> None:
    adapter = ready(marketo)
    adapter.push_activities([activity("i-0")])
    marketo.http_fail_next(503)  # not done: a gateway's error
    outcome = adapter.push_activities([activity("i-1")])
    assert outcome.failed == {rk.activity("i-1"): "answer_lost:http_503"}
    assert len(marketo.paths("/activities/external.json")) == 2  # not sent again in this run
    assert adapter.push_activities([activity("i-1")]).failed == {}
    assert len(marketo.activities()) == 2


def test_the_stub_answers_615_to_the_eleventh_call_at_once() -> None:
    # The calls it takes are held in their latency until the eleventh's answer is back: the
    # eleven are at once whatever the machine's load (with real 0.5 s sleeps, on a loaded
    # machine the eleventh thread came after the first answers, and it failed). A stub that took
    # an eleventh would hold it too: each call gives up waiting after 30 s and all answer "".
    eleventh_answered = threading.Event()

    def held(_seconds: float) -> None:
        eleventh_answered.wait(30)

    with MarketoStub(latency=1.0, sleep=held) as stub:
        token = stub.identity(
            {
                "grant_type": ["client_credentials"],
                "client_id": [stub.client_id],
                "client_secret": [stub.client_secret],
            }
        )[1]["access_token"]
        pool = urllib3.PoolManager(maxsize=11, retries=False)

        def call(_: int) -> str:
            reply = pool.request(
                "GET", stub.url + USAGE, headers={"Authorization": f"Bearer {token}"}
            )
            errors = json.loads(reply.data).get("errors") or [{"code": ""}]
            code = str(errors[0]["code"])
            if code == "615":
                eleventh_answered.set()
            return code

        with ThreadPoolExecutor(max_workers=11) as workers:
            answered = list(workers.map(call, range(11)))
    assert sorted(answered) == [""] * 10 + ["615"]


def test_a_wait_the_invocation_has_no_time_for_stops_the_run(marketo: MarketoStub) -> None:
    adapter = crm(marketo, time_left=lambda: 10.0)  # 10 s of the Lambda's budget left
    ready(marketo)
    marketo.fail_next("606", after=1)  # the usage read answers; the leads' update is limited
    start = marketo.clock()
    with pytest.raises(CrmStopped) as stopped:
        adapter.push(Push(scores=[score("1001")]))
    # Not the 20 s wait the Lambda's timeout would cut off half-way: stopped, saying what is left.
    assert stopped.value.reason == "out_of_time"
    assert stopped.value.outcome.failed == {rk.contact("1001"): "stopped:out_of_time"}
    assert marketo.clock() - start < 20.0
