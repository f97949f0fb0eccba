"""POST /webhooks/{source}: verify, validate, normalise, queue."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialscore import settings
from socialscore.ingest import Ingest, max_body_bytes, secrets_from_settings
from socialscore.queue import Queue

logger = Logger(service="ingest")
app = APIGatewayHttpResolver()


@cache
def ingest() -> Ingest:
    return Ingest(
        secrets=secrets_from_settings,
        queue=Queue(settings.required("REHYDRATE_QUEUE_URL")),
        clock=lambda: datetime.now(UTC),
        max_body_bytes=max_body_bytes(),
    )


@app.post("/webhooks/<source>")
def webhook(source: str) -> Response[str]:
    event = app.current_event
    raw = event.body or ""
    body = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
    answer = ingest().receive(source, dict(event.headers), body)
    logger.info("webhook", extra={"source": source, "status": answer.status})
    return Response(answer.status, "application/json", json.dumps(answer.body))


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
