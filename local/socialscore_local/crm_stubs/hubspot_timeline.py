"""The HubSpot stub's timeline endpoints: the socialscore public app's event templates, its OAuth
token, and timeline events on contacts (socialscore.crm.hubspot_timeline cites HubSpot's pages).

As HubSpot answers:
- templates, `POST|GET /integrators/timeline/v3/{appId}/event-templates?hapikey=...`: the app's
  developer API key only (401 otherwise), an unknown app 404; a template is `name`, `objectType`
  (contacts), `headerTemplate`, `detailTemplate`, `tokens` (name, label, type string, number,
  date or enumeration); 400 for another token type or an object type it does not take;
- the token, `POST /oauth/v1/token` (form): grant_type=refresh_token with the app's client id,
  secret and refresh token answers `access_token` and `expires_in`; anything else 400
  BAD_REFRESH_TOKEN (HubSpot's status for a bad refresh token);
- events, `POST /integrators/timeline/v3/events/batch/create`: the app's OAuth token only (a
  private app token is refused 401), 100 inputs at most (400 above), each on a known template and
  an existing contact (`objectId`), with an `id` no event has: a repeat is refused "Event ID
  already in use, please choose a new unique ID"; tokens the template lacks are refused. 201 with
  `results` when all landed, 207 with `errors` naming the ids of those that did not. There is
  no update and no delete: HubSpot documents none for v3 events.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from socialscore_local.crm_stubs.hubspot_api import (
    Reply,
    Store,
    batch_reply,
    correlation,
    error,
    iso,
    too_many,
)

TEMPLATES = re.compile(r"^/integrators/timeline/v3/(\d+)/event-templates$")
EVENTS = "/integrators/timeline/v3/events/batch/create"
TOKEN = "/oauth/v1/token"  # noqa: S105 (a path)
TOKEN_TYPES = {"string", "number", "date", "enumeration"}
ALREADY = "Event ID already in use, please choose a new unique ID"


@dataclass
class Timeline:
    app_id: int = 1_234_567
    developer_key: str = "stub-developer-key"
    client_id: str = "stub-client-id"
    client_secret: str = "stub-client-secret"  # noqa: S105 (the stub's own)
    refresh_token: str = "stub-refresh-token"  # noqa: S105 (the stub's own)
    token_lifetime: int = 1800  # seconds, as HubSpot's access tokens
    issued: set[str] = field(default_factory=set)  # the access tokens handed out, still valid
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)  # by id
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # by event id
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_001_298))

    @staticmethod
    def handles(path: str) -> bool:
        route = urlsplit(path).path
        return route in (EVENTS, TOKEN) or TEMPLATES.match(route) is not None

    def expire_tokens(self) -> None:
        """Every access token handed out is now expired (HubSpot answers 401)."""
        self.issued.clear()

    def on_contact(self, contact: str) -> list[dict[str, Any]]:
        """The contact's events, oldest id first."""
        return [e for _, e in sorted(self.events.items()) if e["objectId"] == contact]

    def refused(self, path: str, headers: Mapping[str, str]) -> Reply | None:
        parts = urlsplit(path)
        if parts.path == TOKEN:
            return None
        if TEMPLATES.match(parts.path):
            keys = parse_qs(parts.query).get("hapikey", [])
            if keys == [self.developer_key]:
                return None
        elif headers.get("authorization", "").removeprefix("Bearer ") in self.issued:
            return None
        message = "Authentication credentials not found. This API supports OAuth 2.0 ..."
        return error(401, message, "INVALID_AUTHENTICATION", correlationId=correlation())

    def route(self, store: Store, method: str, path: str, body: Any) -> Reply:
        parts = urlsplit(path)
        if parts.path == TOKEN and method == "POST":
            return self._token(body if isinstance(body, dict) else {})
        if (m := TEMPLATES.match(parts.path)) is not None:
            if int(m[1]) != self.app_id:
                return error(404, f"App {m[1]} not found", "OBJECT_NOT_FOUND")
            if method == "GET":
                return 200, {"results": list(self.templates.values())}
            return self._template(body if isinstance(body, dict) else {})
        if parts.path == EVENTS and method == "POST":
            inputs = body.get("inputs") if isinstance(body, dict) else None
            if not isinstance(inputs, list):
                return error(400, "Invalid input JSON: inputs is required", "VALIDATION_ERROR")
            return too_many(inputs) or self._events(store, inputs)
        return error(404, f"Unable to route {method} {path}", "OBJECT_NOT_FOUND")

    def _token(self, form: dict[str, Any]) -> Reply:
        wanted = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
        }
        if any(form.get(k) != v for k, v in wanted.items()):
            return 400, {
                "status": "BAD_REFRESH_TOKEN",
                "message": "missing or invalid refresh token",
            }
        token = f"stub-app-token-{correlation()}"
        self.issued.add(token)
        return 200, {
            "token_type": "bearer",
            "refresh_token": self.refresh_token,
            "access_token": token,
            "expires_in": self.token_lifetime,
        }

    def _template(self, body: dict[str, Any]) -> Reply:
        tokens = body.get("tokens")
        if not body.get("name") or not isinstance(tokens, list):
            return error(400, "name and tokens are required", "VALIDATION_ERROR")
        if body.get("objectType", "contacts") not in ("contacts", "companies", "deals", "tickets"):
            return error(
                400, f"Unsupported objectType {body.get('objectType')}", "VALIDATION_ERROR"
            )
        bad = [
            t.get("name")
            for t in tokens
            if not isinstance(t, dict) or t.get("type") not in TOKEN_TYPES
        ]
        if bad:
            return error(400, f"Invalid token types: {bad}", "VALIDATION_ERROR")
        now = iso(datetime.now(UTC))
        template = body | {"id": str(next(self._ids)), "createdAt": now, "updatedAt": now}
        template.setdefault("objectType", "contacts")
        self.templates[template["id"]] = template
        return 200, template

    def _events(self, store: Store, inputs: list[Any]) -> Reply:
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        contacts = store.records.get("contacts", {})
        for item in inputs:
            item = item if isinstance(item, dict) else {}
            event_id = str(item.get("id") or correlation())
            template = self.templates.get(str(item.get("eventTemplateId")))
            declared = {t["name"] for t in template["tokens"]} if template else set()
            unknown = sorted(set(item.get("tokens") or {}) - declared)
            if template is None:
                problem = (
                    "OBJECT_NOT_FOUND",
                    f"Event template {item.get('eventTemplateId')} not found",
                )
            elif event_id in self.events:
                problem = ("VALIDATION_ERROR", ALREADY)
            elif str(item.get("objectId")) not in contacts:
                problem = ("OBJECT_NOT_FOUND", f"Contact {item.get('objectId')} not found")
            elif unknown:
                problem = ("VALIDATION_ERROR", f"Tokens not on the template: {unknown}")
            else:
                event = {
                    "id": event_id,
                    "eventTemplateId": template["id"],
                    "objectId": str(item["objectId"]),
                    "objectType": template["objectType"],
                    "tokens": dict(item.get("tokens") or {}),
                    "timestamp": item.get("timestamp") or iso(datetime.now(UTC)),
                    "createdAt": iso(datetime.now(UTC)),
                }
                self.events[event_id] = event
                results.append(event)
                continue
            category, message = problem
            context = {"id": [event_id]}
            errors.append(
                {"status": "error", "category": category, "message": message, "context": context}
            )
        return batch_reply(results, errors, 201)
