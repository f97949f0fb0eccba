"""The floor of bench/e2e.py: the fewest AWS calls the architecture needs, and no product code.

Same runtime (tables, queues, moto and its patches), same stream, same webhooks of 100 and the
template's batch sizes; each stage makes only the calls its design cannot do without (see
bench/e2e.py's docstring). Bodies are the events themselves: no parsing, no provider, no rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from socialscore_local.runtime import LocalRuntime


def post_of(event: dict[str, Any]) -> str:
    return str(event["target_permalink"].rsplit("/", 1)[1])


def dedupe_key(event: dict[str, Any]) -> str:
    """The design's ledger key: an act on a post once per actor, a post of one's own once."""
    own = event.get("interaction_permalink")
    return str(own.rsplit("/", 1)[1]) if own else f"{event['kind']}#{post_of(event)}"


STAGE_BATCH = {"RehydrateQueue": 1000, "ResolveQueue": 10, "ScoreQueue": 10}


def deliverer(rt: LocalRuntime) -> Callable[[list[dict[str, Any]]], None]:
    """What stands for the product: a webhook's events through every stage, calls only."""
    sqs, ddb = rt.client("sqs"), rt.client("dynamodb")
    url = {q: rt.queue_url(q) for q in STAGE_BATCH}

    def send(queue: str, bodies: list[str]) -> None:
        for start in range(0, len(bodies), 10):
            entries = [
                {"Id": str(k), "MessageBody": b} for k, b in enumerate(bodies[start : start + 10])
            ]
            sqs.send_message_batch(QueueUrl=url[queue], Entries=entries)

    def batches(queue: str) -> Iterator[list[dict[str, Any]]]:
        while True:
            got: list[dict[str, Any]] = []
            while len(got) < STAGE_BATCH[queue]:
                some = sqs.receive_message(QueueUrl=url[queue], MaxNumberOfMessages=10)
                got += some.get("Messages", [])
                if not some.get("Messages"):
                    break
            if not got:
                return
            yield [json.loads(m["Body"]) for m in got]
            for start in range(0, len(got), 10):
                handles = [
                    {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]}
                    for k, m in enumerate(got[start : start + 10])
                ]
                sqs.delete_message_batch(QueueUrl=url[queue], Entries=handles)

    def rehydrate() -> None:
        cache = rt.table("PostCacheTable")
        for batch in batches("RehydrateQueue"):
            keys = sorted({e["target_permalink"].rsplit("/", 1)[1] for e in batch})
            found: set[str] = set()
            for start in range(0, len(keys), 100):
                chunk = [{"post": {"S": f"x#{k}"}} for k in keys[start : start + 100]]
                got = ddb.batch_get_item(RequestItems={cache: {"Keys": chunk}})
                found |= {i["post"]["S"] for i in got["Responses"][cache]}
            new = [k for k in keys if f"x#{k}" not in found]
            for start in range(0, len(new), 25):
                puts = [
                    {"PutRequest": {"Item": {"post": {"S": f"x#{k}"}, "author": {"S": "a"}}}}
                    for k in new[start : start + 25]
                ]
                ddb.batch_write_item(RequestItems={cache: puts})
            send("ResolveQueue", [json.dumps(e) for e in batch])

    def resolve() -> None:
        identities = rt.table("IdentitiesTable")
        for batch in batches("ResolveQueue"):
            actors = sorted({e["actor_id"] for e in batch})
            keys = [{"identity": {"S": f"x#{a}"}} for a in actors]
            ddb.batch_get_item(RequestItems={identities: {"Keys": keys}})
            send("ScoreQueue", [json.dumps(e) for e in batch])

    def score() -> None:
        ledger, scores = rt.table("LedgerTable"), rt.table("ScoresTable")
        sync = rt.table("SyncStateTable")

        def transaction(entries: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
            actions: list[dict[str, Any]] = [
                {
                    "Put": {
                        "TableName": ledger,
                        "Item": {"profile": {"S": p}, "touch": {"S": t}},
                        "ConditionExpression": "attribute_not_exists(#t)",
                        "ExpressionAttributeNames": {"#t": "touch"},
                    }
                }
                for p, t in entries
            ]
            # The design's aggregates: per profile its units and touches, per post and per
            # seller its counters, and the one mark that tells crm_sync who changed.
            adds = {f"profile#{p}#organic": "units :u, touches :u" for p, _ in entries}
            adds |= {f"post#{post_of(e)}#0": "likes :u" for e in entries.values()}
            adds |= {"seller#brand#0": "points :u, touches :u"}
            actions += [
                {
                    "Update": {
                        "TableName": scores,
                        "Key": {"pk": {"S": key}},
                        "UpdateExpression": f"ADD {counters}",
                        "ExpressionAttributeValues": {":u": {"N": "1"}},
                    }
                }
                for key, counters in sorted(adds.items())
            ]
            profiles = sorted({p for p, _ in entries})
            mark = {"Key": {"key": {"S": "changed#0"}}, "UpdateExpression": "ADD profiles :p"}
            mark |= {"TableName": sync, "ExpressionAttributeValues": {":p": {"SS": profiles}}}
            return [*actions, {"Update": mark}]

        for batch in batches("ScoreQueue"):
            entries = {(f"x#{e['actor_id']}", dedupe_key(e)): e for e in batch}
            while entries:
                actions = transaction(entries)
                try:
                    ddb.transact_write_items(TransactItems=actions)
                    break
                except ddb.exceptions.TransactionCanceledException as err:
                    # An entry already stored (a like seen before): written again without it.
                    reasons = err.response["CancellationReasons"]
                    taken = [
                        k for k, r in zip(entries, reasons, strict=False) if r["Code"] != "None"
                    ]
                    entries = {k: e for k, e in entries.items() if k not in taken}

    def deliver(chunk: list[dict[str, Any]]) -> None:
        send("RehydrateQueue", [json.dumps(e) for e in chunk])
        rehydrate()
        resolve()
        score()

    return deliver
