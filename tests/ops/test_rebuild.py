"""socialscore rebuild: every aggregate set again from the ledger for the live model, with the
score stage paused around it; the end state is that of a clean run with that model, however
often it runs and wherever it was stopped. (That a rebuild for the model the pipeline used
rewrites nothing: tests/ops/test_rebuild_tally.py, on the stack whose tally it checks.)"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from socialscore.domain.interaction import Category
from socialscore.domain.scoring_model import bundled
from socialscore.store import dynamo
from socialscore.store.contact_sync import ContactSync
from socialscore.store.contact_totals import READY
from socialscore.store.identities import Identities
from socialscore.store.scores import Scores
from socialscore_local import demo
from socialscore_local.runtime import LocalRuntime
from socialscore_ops import rebuild, rebuild_pause
from tests.ops.conftest import DeployedStack, deployed, moved_demo, replay_demo
from tests.unit.test_contact_ranking import identify

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py

PARAMETER = "socialscore/scoring-model"
FAST = bundled().model_dump(mode="json") | {"version": "2026-12-fast", "half_life_days": 14}


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rebuild_pause, "POLL_SECONDS", 0.0)


@pytest.fixture
def published_long_ago(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the functions' 5 minutes of cache had passed since `model publish`."""
    monkeypatch.setattr(rebuild, "CACHE", timedelta(0))


def snapshot(rt: LocalRuntime) -> dict[str, Any]:
    """What a rebuild sets, compared by value: each ledger entry's units, each profile's units
    and touches, each post's and seller's counters summed over their shards (zeros left out:
    the score stage leaves them where touches were withdrawn)."""
    scores = Scores(rt.table("ScoresTable")).read_all()  # one scan for the three

    def counters(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Decimal]]:
        kept = {k: {c: n for c, n in v.items() if c != "team" and n} for k, v in found.items()}
        return {k: v for k, v in kept.items() if v}

    return {
        "ledger": {
            (i["profile"], i["touch"]): i["units"]
            for i in dynamo.scan(rt.table("LedgerTable"))
            if "units" in i
        },
        "profiles": {
            key: (item.get("units", 0), item.get("touches", 0))
            for key, item in scores.profiles.items()
            if item.get("units") or item.get("touches")
        },
        "posts": counters(scores.posts),
        "sellers": counters(scores.sellers),
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo's webhooks scored from the first with FAST: what a rebuild for FAST must give.
    (Its runtime is stopped before any test's starts: two would share moto.)"""
    moved = moved_demo(tmp_path_factory.mktemp("moved"))  # the shared state's days
    rt = demo.runtime(tmp_path_factory.mktemp("clean"), demo_dir=moved)
    rt.parameters["ScoringModelParameter"] = PARAMETER
    with rt:
        rt.client("ssm").put_parameter(Name=f"/{PARAMETER}", Value=json.dumps(FAST), Type="String")
        replay_demo(rt, demo.seed(rt, moved), moved)
        return snapshot(rt)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[DeployedStack]:
    """The demo's data scored with the bundled model, on a stack that names a parameter."""
    with deployed(tmp_path / "stack", ScoringModelParameterName=PARAMETER) as st:
        yield st


def score_trigger(rt: LocalRuntime) -> str:
    """The score function's trigger on the ScoreQueue, as the template deploys it (the local
    runtime polls its queues itself: the trigger shows what the rebuild does with it)."""
    role = rt.client("iam").create_role(RoleName="score", AssumeRolePolicyDocument="{}")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("score_handler.py", "")
    lam, name = rt.client("lambda"), "socialscore-test-score"
    handler = {"Handler": "score_handler.lambda_handler", "Runtime": "python3.12"}
    lam.create_function(
        FunctionName=name, Role=role["Role"]["Arn"], Code={"ZipFile": code.getvalue()}, **handler
    )
    arn = rt.physical["ScoreQueue"]["Arn"]
    return str(lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)["UUID"])


def trigger_state(rt: LocalRuntime, uuid: str) -> str:
    return str(rt.client("lambda").get_event_source_mapping(UUID=uuid)["State"])


@contextmanager
def before(operation: str, hook: Callable[..., None]) -> Iterator[None]:
    """`hook(params)` before each of the CLI's calls of `operation` (service.Operation)."""
    event = f"before-parameter-build.{operation}"
    assert boto3.DEFAULT_SESSION is not None
    events = boto3.DEFAULT_SESSION.events
    events.register(event, hook, unique_id=event)  # an id is unique across events
    try:
        yield
    finally:
        events.unregister(event, unique_id=event)


def splits_only(params: dict[str, Any]) -> bool:
    """Whether a BatchWriteItem writes opportunities' splits alone (their items and the index's
    mark): rebuild's last step, which needs no pause (it reads journeys, not the scores it
    rebuilt, and its puts never overwrite what a crm_sync run kept: store.opportunities), so it
    runs once the trigger is on again."""
    keys = [
        (r.get("PutRequest", {}).get("Item") or r.get("DeleteRequest", {}).get("Key") or {})
        .get("key", {})
        .get("S", "")
        for requests in params.get("RequestItems", {}).values()
        for r in requests
    ]
    return bool(keys) and all(k.startswith("opportunit") for k in keys)


def publish(stack: DeployedStack, tmp_path: Path, model: dict[str, Any]) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    answer = stack.socialscore("model", "publish", str(path))
    assert answer.code == 0, answer.err


def checkpoint(rt: LocalRuntime) -> dict[str, Any]:
    found = dynamo.batch_get(rt.table("SyncStateTable"), "key", [rebuild.CHECKPOINT])
    return found[rebuild.CHECKPOINT]


def test_a_stack_linked_before_the_contacts_ranking_gets_the_items_the_pipeline_keeps(
    tmp_path: Path,
) -> None:
    """An upgraded stack's links have no contact items, no `contact` on their identities' items
    (nor stubs): the rebuild writes exactly what the score stage and the link syncs keep."""
    with deployed(tmp_path / "stack") as stack:
        table, ids = stack.rt.table("ScoresTable"), stack.rt.table("IdentitiesTable")
        nobody = identify("x#9990001", "c-w6", 0)  # linked, never touched: a stub
        Identities(ids, synced=ContactSync(ids, table).sync).link([nobody])
        live = dynamo.scan(table)
        client = boto3.client("dynamodb")
        for item in live:  # as the release before left them
            key = {"pk": {"S": item["pk"]}}
            if item["pk"].startswith("contact#") or set(item) == {"pk", "contact"}:
                client.delete_item(TableName=table, Key=key)
            elif "contact" in item:
                client.update_item(TableName=table, Key=key, UpdateExpression="REMOVE contact")
        assert not Scores(table).contact_ranking_ready()
        answer = stack.socialscore("rebuild", "--no-pause", "--json")
        after = dynamo.scan(table)
        assert Scores(table).contact_ranking_ready()
    assert answer.code == 0, answer.err
    assert any(i["pk"].startswith("contact#") for i in live)
    assert {"pk": "profile#x#9990001#organic", "contact": "c-w6"} in after
    assert sorted((i for i in after if i["pk"] != READY), key=lambda i: i["pk"]) == sorted(
        live, key=lambda i: i["pk"]
    )


def test_a_link_moved_while_a_rebuild_runs_leaves_both_contacts_items_exact(tmp_path: Path) -> None:
    """resolve and crm_sync keep linking while a rebuild runs: a touched identity moved to
    another contact once the ledger's pass has set its item (as the scores' scan starts) ends
    counted in its new contact's item only. Its sync stands aside while the rebuild rewrites the
    ranking, and the rebuild syncs it at its end (a sync landing then had its contacts' items
    set back to the links read first, its item's `contact` left moved: counted in the old
    contact's item, missing from the new one's, for good)."""
    with deployed(tmp_path / "stack") as stack:
        table, ids = stack.rt.table("ScoresTable"), stack.rt.table("IdentitiesTable")
        links = Identities(ids, synced=ContactSync(ids, table).sync)
        linked = {i: c for c, found in links.all_contacts().items() for i in found}
        counted = Scores(table).profile_units(sorted(linked))
        mover = min(p for p, category in counted if category is Category.ORGANIC)
        move = identify(mover, "c-v6-new", 0).model_copy(update={"occurred_at": datetime.now(UTC)})

        def moved_as_the_scan_starts(params: dict[str, Any], **_: Any) -> None:
            if params.get("TableName") == table and not params.get("ExclusiveStartKey"):
                links.link([move])

        with before("dynamodb.Scan", moved_as_the_scan_starts):
            answer = stack.socialscore("rebuild", "--no-pause", "--json")
        items = {i["pk"]: i for i in dynamo.scan(table)}
        now = {i: c for c, found in links.all_contacts().items() for i in found}
    assert answer.code == 0, answer.err
    assert now[mover] == "c-v6-new" != linked[mover]
    sums: dict[str, dict[str, Any]] = {}
    for identity, contact in now.items():
        item = items.get(f"profile#{identity}#organic", {})
        assert item.get("contact") == contact
        if "touches" in item:
            held = sums.setdefault(f"contact#{contact}", {"units": 0, "touches": 0})
            held["units"] += item["units"]
            held["touches"] += item["touches"]
    contacts = {
        pk: {"units": i["units"], "touches": i["touches"]}
        for pk, i in items.items()
        if pk.startswith("contact#")
    }
    assert contacts == sums
    assert "contact#c-v6-new" in contacts
    assert items[READY] == {"pk": READY, "ready": True}


def test_a_new_half_life_gives_what_a_clean_run_with_it_gives(
    stack: DeployedStack, tmp_path: Path, clean: dict[str, Any], published_long_ago: None
) -> None:
    rt = stack.rt
    trigger = score_trigger(rt)
    scores_table = rt.table("ScoresTable")
    client = rt.client("dynamodb")
    # What the ledger does not support: a post shard counted 3 too many, a seller's shard 0
    # gone, a profile with no entry at all (flagged hot: it goes, flag and all, as no clean
    # pass leaves an item that counts nothing; the flags of profiles that count stay).
    items = {i["pk"]: i for i in dynamo.scan(scores_table)}
    post = next(pk for pk in sorted(items) if pk.startswith("post#") and pk.endswith("#shard#3"))
    client.update_item(
        TableName=scores_table,
        Key={"pk": {"S": post}},
        UpdateExpression="ADD organic_like :n",
        ExpressionAttributeValues={":n": {"N": "3"}},
    )
    seller = next(pk for pk in sorted(items) if pk.startswith("seller#") and pk.endswith("#0"))
    client.delete_item(TableName=scores_table, Key={"pk": {"S": seller}})
    orphan = {"pk": "profile#x#nobody#organic", "units": 5, "touches": 1, "hot_since": "then"}
    client.put_item(TableName=scores_table, Item=dynamo.to_item(orphan))
    # A profile that counts, flagged hot as the score stage flags one (one of the demo's own
    # hot leads keeps its flag): the check holds whichever profiles the demo left hot.
    flagged = next(pk for pk in sorted(items) if pk.startswith("profile#") and items[pk]["units"])
    since = items[flagged].get("hot_since", "2026-11-20T10:00:00+00:00")
    client.update_item(
        TableName=scores_table,
        Key={"pk": {"S": flagged}},
        UpdateExpression="SET hot_since = :at",
        ExpressionAttributeValues={":at": {"S": since}},
    )
    hot = {pk: i["hot_since"] for pk, i in items.items() if "hot_since" in i} | {flagged: since}
    publish(stack, tmp_path, FAST)

    seen: list[str] = []

    def write(params: dict[str, Any], **_: Any) -> None:
        if not splits_only(params):
            seen.append(trigger_state(rt, trigger))

    with before("dynamodb.BatchWriteItem", write):
        answer = stack.socialscore("rebuild", "--json")
    assert answer.code == 0, answer.err

    assert snapshot(rt) == clean
    data = answer.json()
    assert data["model_version"] == "2026-12-fast"
    assert data["paused_triggers"] == [trigger]
    assert data["entries_rewritten"] == len(clean["ledger"])  # every touch's units move
    after = {i["pk"]: i for i in dynamo.scan(scores_table)}
    assert {pk: i["hot_since"] for pk, i in after.items() if "hot_since" in i} == hot
    assert orphan["pk"] not in after
    assert after[seller]["team"] == items[seller]["team"]
    # Paused for every write, and on again after.
    assert seen
    assert set(seen) == {"Disabled"}
    assert trigger_state(rt, trigger) == "Enabled"
    assert checkpoint(rt)["state"] == "finished"

    again = stack.socialscore("rebuild", "--json").json()
    assert (again["entries_rewritten"], again["aggregates_rewritten"]) == (0, 0)
    assert again["resumed"] is False


def test_an_interrupted_rebuild_resumes_to_the_same_end(
    stack: DeployedStack,
    tmp_path: Path,
    clean: dict[str, Any],
    published_long_ago: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rt = stack.rt
    trigger = score_trigger(rt)
    publish(stack, tmp_path, FAST)
    monkeypatch.setattr(rebuild, "PAGE_ITEMS", 20)  # pages end within profiles
    writes = 0

    def third_write_fails(**_: Any) -> None:
        nonlocal writes
        writes += 1
        if writes == 3:
            raise EndpointConnectionError(endpoint_url="https://dynamodb")

    def enabling_fails(params: dict[str, Any], **_: Any) -> None:
        if params.get("Enabled"):  # as if the run were killed: the trigger stays off
            raise EndpointConnectionError(endpoint_url="https://lambda")

    with (
        before("dynamodb.BatchWriteItem", third_write_fails),
        before("lambda.UpdateEventSourceMapping", enabling_fails),
    ):
        stopped = stack.socialscore("rebuild")
    assert stopped.code == 1
    assert stopped.err.endswith('Could not connect to the endpoint URL: "https://lambda"\n')
    assert trigger_state(rt, trigger) == "Disabled"
    assert checkpoint(rt)["state"] == "running"
    assert checkpoint(rt)["paused"] == [trigger]
    partial = snapshot(rt)
    left = [k for k, units in partial["ledger"].items() if units != clean["ledger"][k]]
    assert 0 < len(left) < len(clean["ledger"])

    resumed = stack.socialscore("rebuild", "--json")
    assert resumed.code == 0, resumed.err
    assert snapshot(rt) == clean
    data = resumed.json()
    assert data["resumed"] is True
    assert data["entries_rewritten"] == len(left)  # only what the stopped run had not
    assert trigger_state(rt, trigger) == "Enabled"  # the killed run's pause undone

    again = stack.socialscore("rebuild", "--json").json()
    assert (again["entries_rewritten"], again["aggregates_rewritten"]) == (0, 0)


def test_a_rebuild_waits_for_the_batches_in_flight_and_gives_up_in_one_line(
    fresh_stack: DeployedStack,
) -> None:
    rt = fresh_stack.rt
    sqs = rt.client("sqs")
    url = rt.queue_url("ScoreQueue")
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    assert sqs.receive_message(QueueUrl=url)["Messages"]  # a batch being scored
    trigger = score_trigger(rt)  # after the send: moto would run the function in docker
    answer = fresh_stack.socialscore("rebuild", "--wait", "0")
    assert answer.code == 2
    assert answer.err.count("\n") == 1
    assert "the score stage did not stop within 0 s" in answer.err
    assert "1 messages in flight" in answer.err
    assert trigger_state(rt, trigger) == "Enabled"
    assert checkpoint(rt)["paused"] == []  # on again: nothing for a next run to undo


def test_without_a_trigger_it_runs_only_when_told_and_the_queue_is_empty(
    fresh_stack: DeployedStack,
) -> None:
    refused = fresh_stack.socialscore("rebuild")
    assert refused.code == 2
    assert "no Lambda trigger reads the ScoreQueue" in refused.err
    assert "--no-pause" in refused.err
    rt = fresh_stack.rt
    rt.client("sqs").send_message(QueueUrl=rt.queue_url("ScoreQueue"), MessageBody="{}")
    busy = fresh_stack.socialscore("rebuild", "--no-pause")
    assert busy.code == 2
    assert "1 messages in the ScoreQueue" in busy.err


def test_a_rebuild_waits_until_every_function_has_the_published_model(tmp_path: Path) -> None:
    with deployed(tmp_path / "stack", traffic=False, ScoringModelParameterName=PARAMETER) as st:
        nothing = st.socialscore("rebuild")
        assert nothing.code == 2
        assert "nothing is published in /socialscore/scoring-model" in nothing.err
        publish(st, tmp_path, FAST)
        answer = st.socialscore("rebuild")
        assert answer.code == 2
        assert answer.err.count("\n") == 1
        assert "functions keep the model they read 5 minutes" in answer.err
