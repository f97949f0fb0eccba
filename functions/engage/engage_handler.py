"""GET /engage: the engage-now queue as JSON, for an SMMS or a script (IAM-signed requests only:
the route's authorizer is AWS_IAM). `?limit=N` (1 to 100, default 25) gives the top N.

The cold start imports boto3 and Powertools' Logger; the queue's reads on the first request.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import boto3  # noqa: F401 - first, from the handler itself: see bench/cold_start.py
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="engage")
DEFAULT_LIMIT = 25


def _answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps(body),
    }


def _limit(query: dict[str, str] | None) -> int | None:
    from socialscore.pipeline.engage import MAX_LIMIT

    raw = (query or {}).get("limit", str(DEFAULT_LIMIT))
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    return int(raw) if re.fullmatch(r"[0-9]{1,3}", raw) and 1 <= int(raw) <= MAX_LIMIT else None


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from socialscore.aws import config
    from socialscore.domain.engage import queue_json
    from socialscore.pipeline.engage import MAX_LIMIT
    from socialscore.wiring.reads import engage_reader

    limit = _limit(event.get("queryStringParameters"))
    if limit is None:
        problem = {"field": "limit", "message": f"a whole number from 1 to {MAX_LIMIT}"}
        return _answer(400, {"error": "invalid query", "fields": [problem]})
    s = config.EngageConfig.from_environment()
    model = config.scoring_model(s.scoring_model_parameter)
    now = datetime.now(UTC)
    tables = {
        "LedgerTable": s.ledger_table,
        "ScoresTable": s.scores_table,
        "SellersTable": s.sellers_table,
        "IdentitiesTable": s.identities_table,
    }
    queue = engage_reader(tables.__getitem__).queue(model, now, limit)
    logger.info(
        "engage queue read", extra={"entries": len(queue.entries), "waiting": queue.waiting}
    )
    return _answer(200, queue_json(queue, model, now))
