"""What a deployed stack costs a month: every service template.yaml creates, and the X API.

Rows: idle (deployed, no interaction), a small B2B team (3,000 interactions a day, one event a
delivery as X and Meta send them), and 10, 100 and 1,000 interactions/s with one-event
deliveries and with webhooks of 100 events (SMMS batches).

Measured here, on the local runtime and bench/e2e.py's stream:
- AWS calls, DynamoDB items and Lambda invocations per interaction (bench/aws_calls.py), with
  the queues drained as each rate's batching windows fill them (a delivery alone when they are
  minutes apart);
- log bytes per invocation at the template's LogLevel (INFO), posts looked up per interaction
  (the post cache's items), the bytes stored per interaction (every table scanned and sized
  as DynamoDB bills storage, with the global secondary indexes' copies) and the indexes' write
  units, counted write by write (bench/index_writes.py: a rollup or a profile's rank is
  rewritten in its index each time it moves).
Computed: those counts x the prices below; the fixed items (secrets, alarm metrics, dashboard,
schedules) read from the template. Assumed (not measurable here): 0.3 s an invocation
(aws_calls.LAMBDA_SECONDS), Lambda's START/END/REPORT lines, the EMF line per invocation and the
API's access-log line (bytes below), about 20 custom metrics receiving data every hour.

    .venv/bin/python bench/bill.py [--n 2000]    # about 7 minutes of CPU
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aws_calls
import e2e
from index_writes import IndexWrites
from stored import table_storage

from socialscore_local import webhooks
from socialscore_ops.template import Template

ROOT = Path(__file__).resolve().parents[1]
# us-east-1 list prices, read 2026-12-06; free tiers left out. aws_calls.PRICE has Lambda, SQS,
# DynamoDB requests and EventBridge custom events.
PRICE = aws_calls.PRICE | {
    # aws.amazon.com/api-gateway/pricing: HTTP API, first 300 million a month, each 512 KB
    "api_request": 1.00 / 1e6,
    # aws.amazon.com/cloudwatch/pricing: logs ingested (standard class) and stored; a custom
    # metric a month (prorated by the hour it receives data); an alarm metric (standard
    # resolution); a dashboard beyond the account's first 3
    "log_gb": 0.50,
    "log_stored_gb": 0.03,
    "metric": 0.30,
    "alarm_metric": 0.10,
    "dashboard": 3.00,
    # aws.amazon.com/secrets-manager/pricing: a secret a month (API calls $0.05 per 10,000: the
    # functions cache what they read, a few calls per container)
    "secret": 0.40,
    # aws.amazon.com/kms/pricing: a customer managed key a month ($1 more for each of its first
    # two yearly rotations); requests $0.03 per 10,000, SNS and DynamoDB caching data keys
    "kms_key": 1.00,
    # aws.amazon.com/xray/pricing: a trace recorded (100,000 a month free)
    "trace": 5.00 / 1e6,
    # aws.amazon.com/dynamodb/pricing/on-demand: storage and continuous backups (PITR), a GB-month
    "dynamodb_gb": 0.25,
    "pitr_gb": 0.20,
    # aws.amazon.com/eventbridge/pricing: Scheduler, after 14 million free invocations a month
    "schedule": 1.00 / 1e6,
    # docs.x.com/x-api/getting-started/pricing: "Posts: Read $0.005 per resource", a post read
    # twice in one UTC day charged once; pay-per-use plans capped at 3 million post reads a month
    "x_post_read": 0.005,
}
SCHEDULER_FREE = 14e6
X_READ_CAP = 3e6  # post reads a month on pay-per-use; past it, an Enterprise plan (no list price)
# Bytes logged per invocation that the local runtime does not write: Lambda's START, END and
# REPORT lines (with the X-Ray trace id) and Powertools' EMF line of the invocation's metrics.
PLATFORM_BYTES = 350
EMF_BYTES = 450
ACCESS_LOG_BYTES = 330  # one line of the HttpApi's AccessLogSettings format per request
CUSTOM_METRICS = 20  # 7 per-stage counts, WebhooksReceived and EventsIgnored per source/status
# or reason, crm_sync's 2: only those with a data point in an hour are billed for it
XRAY_RESERVOIR, XRAY_RATE = 1.0, 0.05  # default sampling: the first request each second and 5 %
# of the rest (docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html)
TABLES = ("IdentitiesTable", "LedgerTable", "ScoresTable", "SellersTable", "PostCacheTable")
MONTH = aws_calls.SECONDS_A_MONTH
FREE = {  # billed per use only, nothing at rest: what the template declares at no charge
    "AWS::Serverless::LayerVersion",
    "AWS::Lambda::EventSourceMapping",
    "AWS::IAM::Role",
    "AWS::S3::BucketPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::Events::Rule",
    "AWS::Events::Connection",
}
PRICED = {
    "AWS::Serverless::Function",
    "AWS::Serverless::HttpApi",
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
    "AWS::Logs::LogGroup",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    # below a cent at these rates: alarm and hot-lead emails, Slack deliveries ($0.20 a
    # million), the report page (one object rewritten daily)
    "AWS::SNS::Topic",
    "AWS::Events::ApiDestination",
    "AWS::S3::Bucket",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    per_second: float
    webhook: int  # events a delivery

    @property
    def drain_every(self) -> int:
        """Deliveries a batching window of about a second collects at this rate."""
        return max(1, round(self.per_second / self.webhook))


SCENARIOS = [
    Scenario("idle", 0, 1),
    Scenario("small team", 3000 / 86400, 1),
    *(Scenario(f"{rate:,}/s", rate, size) for rate in (10, 100, 1000) for size in (1, 100)),
]


def fixed(template: Template) -> dict[str, float]:
    """What the stack costs a month with no traffic, deployed with its defaults and a CRM: its
    secrets, keys, alarms and dashboard, and its schedules' runs (crm_sync every 15 minutes,
    attribution and report daily)."""
    unpriced = {r["Type"] for r in template.resources.values()} - FREE - PRICED
    if unpriced:
        raise SystemExit(f"template.yaml creates {sorted(unpriced)}: price them in bench/bill.py")
    template = template.applied(template.parameter_defaults() | {"CrmAdapter": "hubspot"})
    alarms = sum(
        len([m for m in props.get("Metrics", []) if "MetricStat" in m]) or 1
        for props in template.of_type("AWS::CloudWatch::Alarm").values()
    )
    runs = 0.0
    for function in template.functions():
        for schedule in function.schedules:
            every = schedule["ScheduleExpression"]
            if isinstance(every, dict):  # {"Ref": a parameter}: its default
                every = template.parameter_defaults()[every["Ref"]]
            runs += MONTH / _seconds(every)
    invocation = aws_calls.LAMBDA_GB * aws_calls.LAMBDA_SECONDS * PRICE["lambda_gb_second"]
    logged = runs * (PLATFORM_BYTES + EMF_BYTES + 1000) / 1e9  # a run's summary lines
    return {
        "Secrets Manager": len(template.of_type("AWS::SecretsManager::Secret")) * PRICE["secret"],
        "KMS": len(template.of_type("AWS::KMS::Key")) * PRICE["kms_key"],
        "CloudWatch alarms": alarms * PRICE["alarm_metric"],
        "CloudWatch dashboard": len(template.of_type("AWS::CloudWatch::Dashboard"))
        * PRICE["dashboard"],
        "CloudWatch metrics": PRICE["metric"],  # crm_sync's CrmCalls, every run
        "Lambda": runs * (PRICE["lambda_request"] + invocation),
        "CloudWatch Logs": logged * (PRICE["log_gb"] + PRICE["log_stored_gb"]),
        "X-Ray": runs * PRICE["trace"],
        "EventBridge Scheduler": max(0.0, runs - SCHEDULER_FREE) * PRICE["schedule"],
    }


def _seconds(expression: str) -> float:
    """rate(15 minutes) -> 900."""
    amount, unit = expression.removeprefix("rate(").removesuffix(")").split()
    return float(amount) * {"minute": 60, "hour": 3600, "day": 86400}[unit.rstrip("s")]


def observe(n: int, webhook: int, drain_every: int) -> dict[str, Any]:
    """Log bytes per invocation of each function, posts looked up, bytes stored and index
    write units per interaction: the stream at INFO, its output captured and its writes'
    index entries compared before and after, every table scanned after."""
    events, _ = e2e.stream(n)
    out = io.StringIO()
    # stdout first: the runtime points the functions' loggers at the stdout of its start
    with contextlib.redirect_stdout(out), e2e.runtime_for(n, log_level="INFO") as rt:
        assert boto3.DEFAULT_SESSION is not None  # the handlers' session, before their clients
        indexes = IndexWrites(rt, boto3.DEFAULT_SESSION.events)
        secret = e2e.prepare(rt)
        rt.invocations.clear()
        indexes.units = 0
        for k, start in enumerate(range(0, len(events), webhook)):
            body = json.dumps({"events": events[start : start + webhook]}).encode()
            rt.request("POST", "/webhooks/smms", webhooks.signed(secret, body), body)
            if (k + 1) % drain_every == 0:
                rt.drain()
        rt.drain()
        logged: Counter[str] = Counter()
        for line in out.getvalue().splitlines():
            with contextlib.suppress(ValueError, AttributeError):
                logged[json.loads(line).get("service", "")] += len(line) + 1
        stored = {t: table_storage(rt, t) for t in TABLES}
    per_invocation = {
        fn: logged[stage] / max(1, rt.invocations[fn]) for stage, fn in aws_calls.STAGES.items()
    }
    return {
        "log_bytes": per_invocation,
        "looked_up": stored["PostCacheTable"]["items"] / len(events),
        "stored_bytes": sum(s["bytes"] for s in stored.values()) / len(events),
        "index_wru": indexes.units / len(events),
        "first_index_wru": sum(s["index_wru"] for s in stored.values()) / len(events),
    }


def monthly(s: Scenario, r: dict[str, Any], seen: dict[str, Any]) -> dict[str, float]:
    """The traffic's own cost a month: r from aws_calls.run, seen from observe()."""
    m = s.per_second * MONTH  # interactions a month
    used = aws_calls.usage(r)
    n = r["n"]
    invocations = {fn: r["invocations"].get(fn, 0) / n for fn in aws_calls.STAGES.values()}
    invocation = aws_calls.LAMBDA_GB * aws_calls.LAMBDA_SECONDS * PRICE["lambda_gb_second"]
    per_call = PLATFORM_BYTES + EMF_BYTES
    logged = sum(k * (seen["log_bytes"][fn] + per_call) for fn, k in invocations.items())
    logged += ACCESS_LOG_BYTES / s.webhook
    traces = sum(  # a second's invocations of each function, sampled
        min(rate, XRAY_RESERVOIR) + XRAY_RATE * max(0.0, rate - XRAY_RESERVOIR)
        for rate in (k * s.per_second for k in invocations.values())
    )
    stored_gb = seen["stored_bytes"] * m / 1e9
    events = sum(v for k, v in r["calls"].items() if k.endswith("|PutEvents")) / n
    return {
        "API Gateway": m / s.webhook * PRICE["api_request"],
        "Lambda": m * used["invocations"] * (PRICE["lambda_request"] + invocation),
        "SQS": m * used["sqs"] * PRICE["sqs_request"],
        "DynamoDB requests": m
        * (
            (used["wru"] + seen["index_wru"]) * PRICE["dynamodb_wru"]
            + used["rru"] * PRICE["dynamodb_rru"]
        ),
        "DynamoDB storage + PITR": stored_gb * (PRICE["dynamodb_gb"] + PRICE["pitr_gb"]),
        "EventBridge": m * events * PRICE["event"],
        "CloudWatch Logs": m * logged / 1e9 * (PRICE["log_gb"] + PRICE["log_stored_gb"]),
        "CloudWatch metrics": (CUSTOM_METRICS - 1) * PRICE["metric"] if m else 0.0,
        "X-Ray": traces * MONTH * PRICE["trace"],
        "X API post reads": m * seen["looked_up"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="interactions per measured run")
    args = parser.parse_args()
    template = Template.read(ROOT / "template.yaml")
    base = fixed(template)
    seen = {size: observe(args.n, size, 1 if size == 1 else 10) for size in (1, 100)}
    runs: dict[tuple[int, int], dict[str, Any]] = {}
    columns: list[tuple[str, dict[str, float]]] = []
    for s in SCENARIOS:
        key = (s.webhook, s.drain_every)
        if s.per_second and key not in runs:
            with contextlib.redirect_stdout(io.StringIO()):  # the functions' own output
                runs[key] = aws_calls.run(args.n, s.drain_every, s.webhook)
            used = ", ".join(f"{v:.3f} {k}" for k, v in aws_calls.usage(runs[key]).items())
            print(f"{s.webhook} event(s) a delivery, {s.drain_every} a window: {used} a touch")
        traffic = monthly(s, runs[key], seen[s.webhook]) if s.per_second else {}
        bill = Counter(base)
        bill.update(traffic)
        deliveries = "" if not s.per_second else f", {s.webhook} event{'s' * (s.webhook > 1)}"
        columns.append((f"{s.name}{deliveries}", dict(bill)))
    report(columns, seen)


READS = "X API post reads"


def report(columns: list[tuple[str, dict[str, float]]], seen: dict[int, dict[str, Any]]) -> None:
    for size, s in seen.items():
        logs = ", ".join(
            f"{fn.removesuffix('Function')} {b:.0f}" for fn, b in s["log_bytes"].items()
        )
        print(
            f"deliveries of {size}: log bytes per invocation {logs}; {s['looked_up']:.3f} posts "
            f"looked up, {s['stored_bytes']:.0f} bytes stored and {s['index_wru']:.2f} index "
            f"WRU per interaction ({s['first_index_wru']:.2f} if each entry were written once)"
        )
    services = [k for k in dict.fromkeys(k for _, bill in columns for k in bill) if k != READS]
    print("USD a month | " + " | ".join(name for name, _ in columns))
    for service in [*services, "total AWS", "X API, PostProvider=x"]:
        cells = []
        for _, bill in columns:
            value = bill.get(service, 0.0)
            if service == "total AWS":
                value = math.fsum(v for k, v in bill.items() if k != READS)
            elif service.startswith("X API"):
                reads = bill.get(READS, 0.0)
                if reads > X_READ_CAP:
                    cells.append(f"{reads / 1e6:,.0f} M reads: Enterprise")
                    continue
                value = reads * PRICE["x_post_read"]
            cells.append(f"{value:,.2f}" if value < 100 else f"{value:,.0f}")
        print(f"{service} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
