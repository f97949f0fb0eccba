"""API Gateway HTTP API (v2) on the local runtime: requests to the events AWS sends, and the
function's answer back to HTTP."""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ACCOUNT = "123456789012"  # the local runtime's account


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def match_route(route: str, path: str) -> dict[str, str] | None:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route))
    match = re.fullmatch(pattern, path)
    return match.groupdict() if match else None


def http_event(
    method: str,
    path: str,
    route: str,
    params: dict[str, str],
    headers: dict[str, str],
    body: bytes,
    query: str,
) -> dict[str, Any]:
    try:
        text, encoded = body.decode(), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    now = datetime.now(UTC)
    lowered = {k.lower(): v for k, v in headers.items()}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method.upper()} {route}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "pathParameters": params,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method.upper()} {route}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if text:
        event["body"] = text
    parameters = query_parameters(query)
    if parameters:
        event["queryStringParameters"] = parameters
    return event


def query_parameters(query: str) -> dict[str, str]:
    """`queryStringParameters` as API Gateway (HTTP API, v2) gives them: names and values
    URL-decoded (`+` is a space), a repeated name's values joined with commas."""
    values: dict[str, list[str]] = {}
    for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    return {name: ",".join(each) for name, each in values.items()}


def http_answer(result: Any) -> HttpAnswer:
    if not isinstance(result, dict) or "statusCode" not in result:
        return HttpAnswer(200, {"content-type": "application/json"}, json.dumps(result).encode())
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    return HttpAnswer(int(result["statusCode"]), headers, body)
