"""The report function's role allows every DynamoDB call its handler makes on the demo's stack,
before `socialscore rebuild` (the fallbacks: scans of the ledger, the scores and the identities)
and after it (the bucket tally with its score bins and coverage days, the kept splits, the bound
on a contact's identities: the lazy reads). moto grants every action, so only a record of the
calls made, held against template.yaml's grants, finds a read a deployed stack would refuse
(AccessDenied: the day's report lost). tests/template/test_function_policies.py lists the calls
by hand; this one takes them from the code as it runs.

The first run is the schedule's (its Input, as EventBridge Scheduler sends it): the page it
writes is the one `socialscore report --link` signs a link to, which opens it until it expires
(one stack for both: a report run's fold costs more than the rest of the test). The run after
the rebuild is the handler's page with no time left for the fold, whose calls the first run made."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from socialscore.aws.config import ReportConfig
from socialscore.report import LATEST_KEY
from socialscore.wiring.reads import Stores
from socialscore_local.ops_bridge import outputs
from tests.ops.conftest import DeployedStack, deployed
from tests.session_hooks import hooked
from tests.template import test_template as base
from tests.template.test_function_policies import grants, index, table

pytestmark = pytest.mark.slow  # dealt first: see tests/conftest.py


# A transaction's actions and the permission each needs (docs.aws.amazon.com/amazondynamodb/
# latest/developerguide/transaction-apis-iam.html).
ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@contextmanager
def recorded(stack: DeployedStack) -> Iterator[list[tuple[str, Any]]]:
    """(action, resource as template.yaml grants it) of each DynamoDB call made meanwhile."""
    logical = {
        stack.rt.table(name): name
        for name, r in base.TEMPLATE.resources.items()
        if r["Type"] == "AWS::DynamoDB::Table"
    }
    calls: list[tuple[str, Any]] = []

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "TransactWriteItems":  # each action needs its item action's grant
            for action in params["TransactItems"]:
                [(kind, request)] = action.items()
                held(f"dynamodb:{ITEM_ACTIONS[kind]}", table(logical[request["TableName"]]))
                # The fold's grant holds only under its LeadingKeys condition: `day#` keys
                if not request["Key"]["pk"]["S"].startswith("day#"):
                    held(kind, {"outside the condition": request["Key"]["pk"]["S"]})
            return
        names = [params["TableName"]] if "TableName" in params else list(params["RequestItems"])
        for name in names:
            on = index(logical[name], params["IndexName"]) if "IndexName" in params else None
            held(f"dynamodb:{model.name}", on or table(logical[name]))
        if model.name in ("UpdateItem", "DeleteItem") and not params["Key"]["pk"]["S"].startswith(
            "day#"
        ):
            held(model.name, {"outside the condition": params["Key"]["pk"]["S"]})

    def held(action: str, resource: Any) -> None:
        if (action, resource) not in calls:
            calls.append((action, resource))

    with hooked("before-parameter-build.dynamodb", hook):
        yield calls


def refused(calls: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    held = grants("ReportFunction")
    return [c for c in calls if c not in held]


def opens_the_page_written(stack: DeployedStack, written: dict[str, Any]) -> None:
    """`socialscore report --link` signs a link that opens the page the function wrote."""
    bucket = outputs(stack.rt)["ReportBucketName"]
    assert written == {"bucket": bucket, "key": LATEST_KEY, "bytes": written["bytes"]}
    answer = stack.socialscore("report", "--link", "--expires", "600", "--json")
    assert answer.code == 0, answer.err
    url = answer.json()["url"]
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["600"]
    assert urlparse(url).path.endswith(f"/{LATEST_KEY}")
    stored = stack.rt.client("s3").get_object(Bucket=bucket, Key=LATEST_KEY)
    page = stored["Body"].read()
    assert len(page) == written["bytes"]
    assert stored["ContentType"] == "text/html; charset=utf-8"
    assert b"<svg" in page


def page_without_fold(stack: DeployedStack, event: dict[str, Any]) -> None:
    """The report function's run, its fold given no time (handle's seconds_left). After a
    rebuild the fold starts again from no progress over shards set again: the calls of the run
    before (checked: the same three writes on the scores table, no other call), at ~2 CPU-s."""
    handler = importlib.import_module(stack.rt.handler("ReportFunction").__module__)
    settings = ReportConfig.from_environment(stack.rt.function_environment("ReportFunction"))
    handler.handle(event, settings, datetime.now(UTC), lambda: 0.0)


def test_every_call_of_the_report_is_granted_before_and_after_a_rebuild(tmp_path: Path) -> None:
    with deployed(tmp_path / "stack") as stack:
        event = {"as_of": stack.at}
        with recorded(stack) as before:
            written = stack.rt.run_schedule("ReportFunction", stack.as_of)
        opens_the_page_written(stack, written)
        # A hot lead's contact gains a second identity, never ranked beside the flagged one:
        # the hot leads read its contact's identities (the by_contact index) to show it whole.
        stores = Stores(stack.rt.table)
        contacts = stores.identities.contacts_of([i for i, _ in stores.scores.hot()])
        assert contacts, "the demo has a hot lead that is a contact"
        contact = sorted(contacts.values())[0]
        csv = tmp_path / "identities.csv"
        csv.write_text(
            f"network,network_user_id,contact_id,consent_basis\nx,777000222,{contact},opt_in\n"
        )
        assert stack.socialscore("identities", "import", str(csv)).code == 0
        stack.rt.drain()
        assert stack.socialscore("rebuild", "--no-pause").code == 0
        with recorded(stack) as after:
            page_without_fold(stack, event)

    assert ("dynamodb:Scan", table("LedgerTable")) in before  # the fallbacks were taken
    assert ("dynamodb:Scan", table("LedgerTable")) not in after  # the tally was read instead
    # The fold ran after the page, on the demo's closed days (moved to end now): it writes.
    assert ("dynamodb:DeleteItem", table("ScoresTable")) in before
    assert ("dynamodb:DeleteItem", table("ScoresTable")) not in after  # given no time
    assert refused(before) == []
    assert refused(after) == []
