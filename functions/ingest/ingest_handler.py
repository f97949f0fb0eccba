"""/webhooks/{source}: verify, validate, normalise, queue. The routes document the API (OpenAPI).

Bodies are declared for the OpenAPI document only: a request is verified on its raw bytes
before anything parses it, so the event handler's own validation stays off. With it off, every
documented route answers exactly as the catch-all `/webhooks/<source>` does, so the Lambda runs
that one route alone, and the route declarations (with the OpenAPI machinery their annotations
import) are built only for the document. Everything else is imported on the first request: the
import itself is Powertools' Logger and Metrics and boto3.

No `from __future__ import annotations` here: the documented routes are declared inside a
function, and Powertools resolves a string annotation in the module's globals, where their
types are not; evaluated where they are declared, the annotations are the types themselves.
"""

import base64
import json
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3  # noqa: F401 - first, from the handler itself: see bench/cold_start.py
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialscore.aws import telemetry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

    from socialscore.pipeline.ingest import Ingest
    from socialscore.pipeline.webhook_secrets import SecretProblem

logger = Logger(service="ingest")
metrics = Metrics()


@cache
def ingest() -> "Ingest":
    """The use case, made at cold start: the webhook secrets are read (and any that is no
    secret reported) before the first request is answered."""
    from socialscore.aws.config import IngestConfig
    from socialscore.wiring.stages import ingest as wired

    return wired(IngestConfig.from_environment(), report=_secret_problems)


def _secret_problems(problems: "list[SecretProblem]") -> None:
    """A configuration error: the source answers 401 until the secret is fixed. Which secret and
    why, never its value."""
    for problem in problems:
        logger.error(
            "webhook secret is no secret",
            extra={"source": problem.source, "field": problem.field, "problem": problem.problem},
        )
        telemetry.count_with(metrics, "SecretsRefused", 1, {"source": problem.source})


def _report(source: str, status: int, reason: str | None, ignored: "Mapping[str, int]") -> None:
    """Every answer counted by source and status; a refusal logged and counted with its reason,
    events acknowledged without being queued with theirs. Never the request's own text."""
    logger.info("webhook", extra={"source": source, "status": status})
    telemetry.count_with(metrics, "WebhooksReceived", 1, {"source": source, "status": str(status)})
    if reason is not None:
        log = logger.error if status >= 500 else logger.warning
        log("webhook refused", extra={"source": source, "status": status, "reason": reason})
        telemetry.count_with(metrics, "WebhooksRefused", 1, {"source": source, "reason": reason})
    if ignored:
        logger.info("events ignored", extra={"source": source, "ignored": dict(ignored)})
    for why, n in ignored.items():
        telemetry.count_with(metrics, "EventsIgnored", n, {"source": source, "reason": why})


def _answer(event: "APIGatewayProxyEventV2", source: str) -> "Response[str]":
    from aws_lambda_powertools.event_handler import Response

    from socialscore.pipeline.ingest import SOURCES

    raw = event.body or ""
    body = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
    answer = ingest().receive(
        event.request_context.http.method,
        source,
        dict(event.headers),
        dict(event.query_string_parameters or {}),
        body,
        event.request_context.request_id,
    )
    # The source as a dimension only when it is one of ours: a path is anyone's to invent.
    known = source if source in SOURCES else "unknown"
    _report(known, answer.status, answer.reason, answer.ignored)
    if isinstance(answer.body, dict) and answer.status < 300:
        telemetry.count(metrics, "InteractionsQueued", int(answer.body.get("accepted", 0)))
    headers = dict(answer.headers)
    content_type = headers.pop("content-type", "application/json")
    text = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
    return Response(answer.status, content_type, text, headers=headers)


@cache
def app() -> "APIGatewayHttpResolver":
    """The Lambda's resolver, made on the first request: the catch-all route alone."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    resolver = APIGatewayHttpResolver()

    @resolver.route(
        "/webhooks/<source>",
        method=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        include_in_schema=False,
    )
    def other(source: str) -> Response[str]:
        """Every source and method: unknown sources answer 404, methods a source does not
        take 405."""
        return _answer(resolver.current_event, source)

    return resolver


def _declare(resolver: "APIGatewayHttpResolver") -> None:
    """The routes the OpenAPI document lists, with their bodies, parameters and answers."""
    from typing import Annotated

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.openapi.params import Body, Query
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
    from pydantic import BaseModel

    from socialscore.pipeline.ingest import Accepted, CrcAnswer, Problem
    from socialscore.sources.linkedin import CHALLENGE_CODE_PATTERN, LinkedInNotifications
    from socialscore.sources.meta import MetaWebhook
    from socialscore.sources.smms import SmmsWebhook
    from socialscore.sources.x import CRC_TOKEN_MAX, CRC_TOKEN_PATTERN
    from socialscore.sources.x_account_activity import XActivity
    from socialscore.sources.x_activity_api import XaaDelivery

    def _json(model: type[BaseModel], description: str) -> OpenAPIResponse:
        return {"description": description, "content": {"application/json": {"model": model}}}

    rejections: dict[int, OpenAPIResponse] = {
        400: _json(Problem, "Invalid body; `fields` names each field at fault. Nothing queued."),
        401: _json(Problem, "Missing, wrong or stale signature. Nothing queued."),
        405: _json(Problem, "Method not allowed here."),
        413: _json(Problem, "Body over the size limit. Nothing queued."),
        503: _json(
            Problem,
            "Not every message could be queued, or the delivery log did not answer "
            "(`queue_unavailable`, `delivery_log_unavailable`): send the request again.",
        ),
    }

    @resolver.post(
        "/webhooks/smms",
        summary="Interactions and identity links from a social media management system",
        description="Signed per Standard Webhooks: `webhook-id`, `webhook-timestamp` (±5 "
        "minutes) and `webhook-signature` (`v1,<base64 HMAC-SHA256>`, several allowed during a "
        "rotation).",
        responses={
            202: _json(Accepted, "Every event is queued (or was, under this webhook-id)."),
            **rejections,
            409: _json(Problem, "This webhook-id came with another body. Nothing queued."),
        },
        tags=["webhooks"],
    )
    def smms_webhook(body: Annotated[SmmsWebhook | None, Body()] = None) -> Response[str]:
        return _answer(resolver.current_event, "smms")

    @resolver.get(
        "/webhooks/x",
        summary="X webhook CRC check",
        description="Answers `sha256=` + base64(HMAC-SHA256(secret, crc_token)), keyed with the "
        "first OAuth 2.0 client secret configured, else the first consumer secret. A token "
        "holding `{` (or out of X's token shape) is never answered: no answer signs a delivery.",
        responses={
            200: _json(CrcAnswer, "The CRC response."),
            400: _json(Problem, "`crc_token` is missing or not of X's token shape."),
            401: _json(Problem, "No X secret is configured: nothing to answer with."),
        },
        tags=["webhooks"],
    )
    def x_crc(
        crc_token: Annotated[
            str | None, Query(min_length=1, max_length=CRC_TOKEN_MAX, pattern=CRC_TOKEN_PATTERN)
        ] = None,
    ) -> Response[str]:
        return _answer(resolver.current_event, "x")

    @resolver.post(
        "/webhooks/x",
        summary="X Account Activity API and X Activity API deliveries",
        description="Signed `sha256=` + base64(HMAC-SHA256(secret, body)) in "
        "`X-Twitter-Webhooks-Signature-OAuth2` (OAuth 2.0 client secret) and/or "
        "`X-Twitter-Webhooks-Signature` (consumer secret): at least one is required, and "
        "every one present must match. Account Activity deliveries (`for_user_id` and event "
        "arrays) and X Activity API deliveries (`data` envelope) are both read; events that "
        "earn no credit are acknowledged and counted as ignored.",
        responses={200: _json(Accepted, "Every event is queued or ignored."), **rejections},
        tags=["webhooks"],
    )
    def x_webhook(body: Annotated[XActivity | XaaDelivery | None, Body()] = None) -> Response[str]:
        return _answer(resolver.current_event, "x")

    @resolver.get(
        "/webhooks/meta",
        summary="Meta webhook verification",
        description="Answers `hub.challenge` as text when `hub.verify_token` matches "
        "(`hub_mode` spellings accepted).",
        responses={
            200: {
                "description": "The challenge, echoed.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            400: rejections[400],
            403: _json(Problem, "The verify token does not match."),
        },
        tags=["webhooks"],
    )
    def meta_verify(
        mode: Annotated[str | None, Query(alias="hub.mode")] = None,
        verify_token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
        challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
    ) -> Response[str]:
        return _answer(resolver.current_event, "meta")

    @resolver.post(
        "/webhooks/meta",
        summary="Facebook Page feed and Instagram comments and live comments",
        description="Signed with `X-Hub-Signature-256` (`sha256=` + hex HMAC-SHA256 of the body "
        "with the app secret). Messenger entries, Instagram mentions, other fields and other "
        "objects are acknowledged and ignored, each counted with its reason.",
        responses={
            200: _json(Accepted, "Every change read is queued; the others are acknowledged."),
            **rejections,
        },
        tags=["webhooks"],
    )
    def meta_webhook(body: Annotated[MetaWebhook | None, Body()] = None) -> Response[str]:
        return _answer(resolver.current_event, "meta")

    @resolver.get(
        "/webhooks/linkedin",
        summary="LinkedIn webhook validation",
        description="Answers `{challengeCode, challengeResponse}`, the response being the hex "
        "HMAC-SHA256 of the code keyed with the first client secret configured. Only a type-4 "
        "UUID is answered: no answer signs a delivery.",
        responses={
            200: {
                "description": "The validation answer.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            400: _json(Problem, "`challengeCode` is missing or no type-4 UUID."),
            401: _json(Problem, "No LinkedIn client secret is configured: nothing to answer with."),
        },
        tags=["webhooks"],
    )
    def linkedin_validation(
        challenge_code: Annotated[
            str | None, Query(alias="challengeCode", pattern=CHALLENGE_CODE_PATTERN)
        ] = None,
    ) -> Response[str]:
        return _answer(resolver.current_event, "linkedin")

    @resolver.post(
        "/webhooks/linkedin",
        summary="LinkedIn Organization Social Action Notifications",
        description="Signed with `X-LI-Signature`: hex HMAC-SHA256 of `hmacsha256=` + the body, "
        "keyed with the app's client secret. Notifications that earn nothing (the Page's own "
        "comments, likes naming no member, other deliveries' types) are acknowledged and "
        "counted with their reason.",
        responses={
            200: _json(Accepted, "Every notification read is queued; the others are acknowledged."),
            **rejections,
        },
        tags=["webhooks"],
    )
    def linkedin_webhook(
        body: Annotated[LinkedInNotifications | None, Body()] = None,
    ) -> Response[str]:
        return _answer(resolver.current_event, "linkedin")


def openapi_document() -> str:
    """The API's OpenAPI document, as committed in schema/openapi.json.

    The event handler documents a 422 for its own validation, which is off here (see above):
    those answers and their schemas are dropped, so the document lists only what we answer.
    Bodies are declared optional to keep the handler from parsing them; the API needs them.
    """
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    resolver = APIGatewayHttpResolver()
    _declare(resolver)
    document = json.loads(
        resolver.get_openapi_json_schema(
            title="socialscore webhooks",
            version="1",
            description="Social networks and SMMS send organic interactions here.",
        )
    )
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["responses"].pop("422", None)
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    schemas = document["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    return json.dumps(document, indent=2)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app().resolve(event, context)
