"""sync, invoke: run a function now. `sync` runs crm_sync and says what it did; `invoke` runs
any function of the template with an event file, as `sam local invoke FUNCTION -e FILE` does,
without docker: on a deployed stack through Lambda's Invoke, locally through serve, which calls
the same handler in its runtime.

An SMMS webhook sample (events/ingest_smms.json) carries a signature made when it was written,
long stale by the time it is sent: Standard Webhooks refuses a timestamp more than 5 minutes from
now. `invoke` signs it again at invocation, with the stack's own SMMS secret, under a new
webhook id, so the sample is accepted whenever it is run.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from socialscore.aws import clients
from socialscore.sources import signatures
from socialscore_ops.commands import Result, as_of_option, command
from socialscore_ops.resources import stack_resources
from socialscore_ops.stack import OpsError, Stack

EVENT_BYTES = 6 * 1024 * 1024  # Lambda's synchronous payload limit (6 MB)
SMMS_ROUTE = "/webhooks/smms"


def add(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    sync_parser = command(verbs, shared, "sync", sync)
    as_of_option(sync_parser, "score and attribute as of DATE, as a scheduled run at that slot")
    run = command(verbs, shared, "invoke", invoke)
    run.add_argument(
        "function",
        metavar="FUNCTION",
        help="its logical id in template.yaml (ScoreFunction) or its stage (score, crm_sync)",
    )
    run.add_argument(
        "--event",
        "-e",
        type=Path,
        required=True,
        metavar="FILE",
        help="the event, a JSON file (events/ has one for every function)",
    )
    run.epilog = (
        "An SMMS webhook event (POST /webhooks/smms) is signed again now with the stack's SMMS "
        "secret, under a new webhook-id: a sample's own signature is stale."
    )


# --- sync -------------------------------------------------------------------------------------
def sync(stack: Stack | None, args: argparse.Namespace) -> Result:
    if stack is None:
        raise OpsError("no stack")
    at = (args.as_of or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = stack.invoke("CrmSyncFunction", {"as_of": at})
    if not isinstance(report, dict):
        return Result(report, f"crm_sync answered: {report}")
    if "skipped" in report:  # another run holds the lease, or no CRM is configured
        return Result(report, f"crm_sync skipped: {report['skipped']}")
    return Result(report, summary(report, at))


def _identity_links(links: Any) -> list[str]:
    """The links from the CRM contacts' social fields, when the run made them."""
    if not isinstance(links, dict):
        return []
    missing = int(links.get("missing_fields", 0) or 0)
    if missing:  # nothing was read: the next run stops the same way until the name is fixed
        left = f"; {missing} CRM field{'' if missing == 1 else 's'} named not found: see the log"
    elif not links.get("complete", True):
        left = "; the next run goes on where this one stopped"
    else:
        left = ""
    return [
        f"  X accounts     {links.get('linked', 0)} linked from CRM fields, "
        f"{links.get('unlinked', 0)} unlinked, {links.get('queued', 0)} waiting for review "
        f"({links.get('contacts', 0)} contacts read, {links.get('x_calls', 0)} X calls){left}"
    ]


def summary(report: dict[str, Any], at: str) -> str:
    """crm_sync's report in sentences, as its fields mean them (pipeline.crm_sync.SyncReport)."""
    failed = report.get("failed", 0)
    refused = len(failed) if isinstance(failed, dict) else int(failed or 0)
    done = (
        "done"
        if report.get("complete", True)
        else "stopped at its time budget with work left: the next run resumes where it stopped"
    )
    calls = report.get("crm_calls", 0)
    lines = [
        f"crm_sync ran as of {at}: {done} "
        f"({report.get('slices', 0)} slices, {calls} CRM call{'' if calls == 1 else 's'})",
        f"  contacts       {report.get('scored', 0)} scored, "
        f"{report.get('pushed_scores', 0)} pushed"
        + ("; the day's decay pass ran" if report.get("daily") else ""),
        f"  opportunities  {report.get('opportunities', 0)} changed in the CRM, "
        f"{report.get('attributed', 0)} attributed, {report.get('pushed_influences', 0)} pushed "
        f"with {report.get('pushed_records', 0)} breakdown records "
        f"({report.get('retired', 0)} deleted)",
        f"  hot leads      {report.get('hot_leads', 0)} tasks opened",
        f"  complaints     {report.get('complaints', 0)} cases opened",
        f"  erased         {report.get('erased', 0)} contacts cleared",
        *_identity_links(report.get("identity_links")),
        f"  refused        {refused} records"
        + (" (logged with the CRM's reason; derived again next run)" if refused else ""),
        f"  checkpoint     {report.get('checkpoint') or '-'}",
    ]
    return "\n".join(lines)


# --- invoke -----------------------------------------------------------------------------------
def logical_id(name: str) -> str:
    """`score`, `crm_sync`, `crm-sync` or `CrmSyncFunction` -> the template's logical id."""
    if name.endswith("Function"):
        return name
    words = [w for w in re.split(r"[_\-]", name) if w]
    return "".join(w[:1].upper() + w[1:] for w in words) + "Function"


def invoke(stack: Stack | None, args: argparse.Namespace) -> Result:
    if stack is None:
        raise OpsError("no stack")
    function = logical_id(args.function)
    event = read_event(args.event)
    if is_smms_webhook(event):
        event = signed_now(event, smms_secret(stack))
    answer = (
        stack.invoke(function, event) if stack.serve else _invoke_deployed(stack, function, event)
    )
    text = json.dumps(answer, indent=2, default=str)
    return Result(answer, text)


def read_event(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise OpsError(f"cannot read {path}: {err.strerror or err}") from None
    if len(raw) > EVENT_BYTES:
        raise OpsError(f"{path} is {len(raw):,} bytes; Lambda takes an event of 6 MB at most")
    try:
        return json.loads(raw)
    except ValueError as err:
        raise OpsError(f"{path} is not JSON: {err}") from None


def _invoke_deployed(stack: Stack, function: str, event: Any) -> Any:
    """Lambda's Invoke of the stack's own function, found by its logical id among the stack's
    resources."""
    functions = {
        logical: physical
        for logical, (kind, physical) in stack_resources(stack.name).items()
        if kind == "AWS::Lambda::Function"
    }
    if function not in functions:
        has = ", ".join(sorted(functions)) or "none"
        raise OpsError(f"{stack.name} has no function {function} (it has {has})")
    reply = clients.client("lambda").invoke(
        FunctionName=functions[function], Payload=json.dumps(event).encode()
    )
    answer = json.loads(reply["Payload"].read() or b"null")
    if reply.get("FunctionError"):
        why = answer.get("errorMessage", answer) if isinstance(answer, dict) else answer
        raise OpsError(f"{function} failed: {why}")
    return answer


# --- signing an SMMS webhook sample now -------------------------------------------------------
def is_smms_webhook(event: Any) -> bool:
    """An API Gateway HTTP API event (payload 2.0) of a POST to the SMMS webhook route."""
    if not isinstance(event, dict) or not isinstance(event.get("headers"), dict):
        return False
    http = event.get("requestContext", {}).get("http", {})
    return event.get("rawPath") == SMMS_ROUTE and http.get("method") == "POST"


def smms_secret(stack: Stack) -> str:
    """The SMMS signing secret the stack's ingest checks (the first, during a rotation)."""
    document = clients.client("secretsmanager").get_secret_value(
        SecretId=stack.output("WebhookSecretsArn")
    )["SecretString"]
    try:
        entry = json.loads(document).get("smms")
    except (ValueError, AttributeError):
        entry = None
    found = entry[0] if isinstance(entry, list) and entry else entry
    if not isinstance(found, str) or not found:
        raise OpsError(
            f"{stack.name} has no SMMS secret yet: every SMMS webhook gets 401 (set the smms "
            "entry of WebhookSecretsArn)"
        )
    return found


def signed_now(event: dict[str, Any], secret: str) -> dict[str, Any]:
    """The event with a new webhook-id and this moment's timestamp, signed with `secret` over
    its body exactly as it will be sent: `{msg_id}.{timestamp}.{payload}` (https://github.com/
    standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)."""
    body = event.get("body") or ""
    raw = body.encode()
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(body)
    now = int(time.time())
    webhook_id = f"msg_{secrets.token_hex(16)}"
    headers = {
        k: v
        for k, v in event["headers"].items()
        if k.lower() not in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    headers |= {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(now),
        "webhook-signature": signatures.sign(secret, webhook_id, now, raw),
    }
    context = dict(event.get("requestContext") or {})
    context |= {
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": now * 1000,
    }
    return event | {"headers": headers, "requestContext": context}
