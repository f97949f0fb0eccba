"""Adobe's own Marketo examples (samples/marketo/, each naming its address), read by the adapter
as Marketo would send them, and the stub's answers held to their shapes.

The adapter talks through a replaying connection pool (its `pool` parameter): each call is
answered with the next documented body, so what is proven is the adapter's reading of Marketo's
words, not the stub's."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
import urllib3

from socialscore.crm.base import Push, Tracker
from socialscore.crm.marketo import MarketoCrm
from socialscore.crm.marketo_auth import Answer
from socialscore.crm.marketo_http import codes
from socialscore.crm.marketo_write import Input, write
from socialscore.domain import record_key as rk
from socialscore_local.crm_stubs.marketo import MarketoStub
from tests.contracts.world import sample
from tests.integration.test_marketo import activity, ready, score

ENDPOINT = "https://123-ABC-456.mktorest.com"


def body(name: str) -> Any:
    return sample(f"marketo/{name}")["body"]


@dataclass
class Reply:
    status: int
    data: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})


@dataclass
class Replay:
    """A connection pool answering the Identity endpoint with Adobe's token and each REST call
    with the next of `answers`; it keeps what was sent."""

    answers: list[Any]
    sent: list[tuple[str, str, Any, dict[str, str]]] = field(default_factory=list)

    def urlopen(
        self, method: str, url: str, body: bytes | None = None, headers: Any = None, **_: Any
    ) -> Reply:
        self.sent.append((method, url, body, dict(headers or {})))
        if url.endswith("/identity/oauth/token"):
            return Reply(200, json.dumps(sample("marketo/token")["body"]).encode())
        return Reply(200, json.dumps(self.answers.pop(0)).encode())

    def rest(self) -> list[tuple[str, str, Any, dict[str, str]]]:
        return [s for s in self.sent if "/identity/" not in s[1]]


def adapter(replay: Replay, **options: Any) -> MarketoCrm:
    # A client of its own: the container's token cache holds no token for it yet.
    client = uuid.uuid4().hex
    credentials = {"endpoint": ENDPOINT, "client_id": client, "client_secret": "secret"}
    pool = cast(urllib3.PoolManager, replay)
    return MarketoCrm(lambda refresh: credentials, pool=pool, sleep=lambda s: None, **options)


def test_the_token_answer_is_kept_and_sent_as_a_bearer_header() -> None:
    replay = Replay([body("daily_usage"), {"success": True, "result": [{"status": "updated"}]}])
    adapter(replay).push(Push(scores=[score("50")]))
    tokens = [s for s in replay.sent if "/identity/" in s[1]]
    assert len(tokens) == 1  # expires_in 3599: kept for the second call
    expected = f"Bearer {body('token')['access_token']}"
    assert all(s[3]["Authorization"] == expected for s in replay.rest())


def test_the_documented_601_renews_the_token_and_sends_the_call_again() -> None:
    updated = {"success": True, "result": [{"id": 50, "status": "updated"}]}
    replay = Replay([body("response_level_error"), body("daily_usage"), updated])
    crm = adapter(replay, daily_ceiling=50_000)
    assert crm.push(Push(scores=[score("50")])).failed == {}
    assert [s[1].rsplit("/", 1)[-1] for s in replay.sent] == [
        "token",
        "usage.json",  # answered 601
        "token",
        "usage.json",
        "leads.json",
    ]
    # The documented day's total (1120), this run's leads call, and no charge for the 601.
    assert crm.api.daily_left == 50_000 - 1120 - 1


def test_the_record_level_example_writes_two_and_fails_the_skipped_one_with_its_code() -> None:
    replay = Replay([body("record_level_skipped")])
    keys = [rk.contact("50"), rk.contact("51"), rk.contact("52")]
    run = Tracker(keys)
    crm = adapter(replay)
    write(crm.api, run, "/rest/v1/leads.json", [Input({"id": n}, (k,)) for n, k in enumerate(keys)])
    assert run.outcome(1).failed == {rk.contact("52"): "marketo_1005"}


def test_the_add_activities_example_reads_a_skipped_record_s_errors() -> None:
    # Adobe's answer names the third record's reasons `errors` (1004, lead not found): its lead
    # is gone, so its activity is done, not failed as unreadable.
    answer = body("add_custom_activities_answer")
    replay = Replay([body("daily_usage"), {"success": True, "result": [{"id": 1001}]}, answer])
    outcome = adapter(replay).push_activities(
        [activity("i-1", "1001"), activity("i-2", "1200"), activity("i-3", "3000")]
    )
    assert outcome.failed == {}
    sent = json.loads(replay.rest()[-1][2])
    documented = body("add_custom_activities_request")["input"][0]
    assert set(sent["input"][0]) == set(documented)  # the documented members, no others
    assert {a["apiName"] for a in sent["input"][0]["attributes"]} >= {"interactionId"}


def test_a_sync_leads_request_has_the_documented_shape() -> None:
    replay = Replay([body("daily_usage"), body("sync_leads_answer")])
    adapter(replay).push(Push(scores=[score("50"), score("51"), score("52")]))
    sent = json.loads(replay.rest()[-1][2])
    assert set(sent) == set(body("sync_leads_request"))  # action, lookupField, input
    assert sent["action"] == "updateOnly"
    assert sent["lookupField"] == "id"


def test_documented_answers_read_as_successes_or_errors() -> None:
    assert codes(_answer(body("response_level_error"))) == ["601"]
    for name in ("create_lead_fields_answer", "create_activity_type_answer", "daily_usage"):
        assert codes(_answer(body(name))) == [], name


@pytest.fixture
def marketo() -> Iterator[MarketoStub]:
    with MarketoStub(sleep=lambda s: None) as stub:
        stub.seed_leads([1001])
        yield stub


def test_the_stub_answers_in_the_documented_shapes(marketo: MarketoStub) -> None:
    crm = ready(marketo)
    crm.push(Push(scores=[score("1001"), score("3000")]))
    crm.push_activities([activity("i-1"), activity("i-2", "3000")])
    documented_skip = body("add_custom_activities_answer")["result"][2]
    [add] = [c for c in marketo.calls if c.path.endswith("/activities/external.json")]
    replay = marketo.store.add_activities(add.body)  # the same input, answered again
    added, skipped = replay["result"]
    assert set(added) == set(body("add_custom_activities_answer")["result"][0])
    assert set(skipped) == set(documented_skip)
    assert set(replay) == set(body("add_custom_activities_answer"))
    queried = marketo.store.read_activities(
        {
            "nextPageToken": ["2026-01-01T00:00:00Z|0"],
            "activityTypeIds": [str(add.body["input"][0]["activityTypeId"])],
        }
    )
    documented_query = body("get_lead_activities_answer")
    assert set(queried) == set(documented_query)
    assert set(queried["result"][0]) <= set(documented_query["result"][0])
    assert {a["name"] for a in queried["result"][0]["attributes"]} >= {"Interaction Id"}
    assert set(
        marketo.store.route("GET", "/rest/v1/stats/usage.json", None, 7)["result"][0]
    ) == set(body("daily_usage")["result"][0])


def _answer(document: Any) -> Answer:
    return Answer(200, document, {})
