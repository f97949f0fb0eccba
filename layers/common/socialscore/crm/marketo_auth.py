"""Marketo's access token: OAuth 2.0 client credentials at the instance's Identity endpoint,
kept per container until shortly before it expires.

experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication: the token
comes from `<Identity URL>/oauth/token` (the Identity URL is the REST endpoint's `/identity`)
with `grant_type=client_credentials`, the custom service's Client ID and Client Secret; the
answer names `access_token` and `expires_in` (seconds left; a new token lives 3,600 s, and asking
again before it expires returns the same token with what is left of it). Adobe's advice is to
keep the token and its expiry and renew it before a call when it is about to expire, and to
renew it when a call answers 601 (invalid) or 602 (expired): `MarketoAuth.token` and `renew`.
The token travels in the Authorization header only (the `access_token` query parameter is being
removed). The Identity endpoint answers 401 to a wrong Client ID or Secret: the secret is read
afresh once (a rotation), then the run stops. Neither the secret nor the token is ever logged.

The credentials (the CrmCredentials secret): {"endpoint": "https://<munchkin id>.mktorest.com",
"client_id": "...", "client_secret": "..."}.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from socialscore.aws.config import ConfigurationError
from socialscore.aws.http import TRANSPORT_ERRORS, secure_origin
from socialscore.aws.logs import logger
from socialscore.crm.base import CrmStopped
from socialscore.crm.oauth import (
    Retry,
    client_credentials,
    client_credentials_request,
    with_retries,
)

IDENTITY_PATH = "/identity/oauth/token"
# Renewed when less than this is left: a call started on a token about to expire would be
# answered 602 and cost a round trip (Adobe's "check the token's remaining lifespan"). Identity
# answers a token that has not expired with that same token and what is left of it, so a renewal
# within the margin waits the token out (at most these seconds) and asks again.
RENEW_MARGIN = 10.0


@dataclass(frozen=True)
class Answer:
    status: int
    document: Any  # the JSON body; None when there is none or it is not JSON
    headers: dict[str, str]  # names in lower case


# One HTTP exchange: (method, url, body, headers) -> Answer; raises a TRANSPORT_ERRORS.
Send = Callable[[str, str, bytes | None, dict[str, str]], Answer]


def read_json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


@dataclass(frozen=True)
class _Credentials:
    origin: str
    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class _Token:
    value: str = field(repr=False)
    expires_at: float  # on the adapter's clock


# Per container, across invocations, keyed by (endpoint, client id): a warm container reuses its
# token until it is about to expire.
_TOKENS: dict[tuple[str, str], _Token] = {}


class MarketoAuth:
    def __init__(
        self,
        credentials: Callable[[bool], Mapping[str, Any]],
        send: Send,
        clock: Callable[[], float],
        *,
        attempts: int = 3,
        pause: Callable[[int], None] = lambda attempt: None,
        sleep: Callable[[float], None] = lambda seconds: None,
    ) -> None:
        self._credentials = credentials
        self._send = send
        self._clock = clock
        self._attempts = attempts
        self._pause = pause  # sleeps before attempt n + 1
        self._sleep = sleep
        self._creds: _Credentials | None = None
        self.requests = 0  # token requests made (not REST calls: no quota is named for them)

    @property
    def origin(self) -> str:
        """The REST endpoint the token is for (read from the secret on first use)."""
        return self._read(refresh=False).origin

    def token(self) -> str:
        creds = self._read(refresh=False)
        held = _TOKENS.get((creds.origin, creds.client_id))
        if held is not None and held.expires_at - self._clock() > RENEW_MARGIN:
            return held.value
        return self._ask(creds, refreshed=False)

    def renew(self) -> str:
        """After a 601 or 602: a token afresh, the secret read again (it may have rotated)."""
        creds = self._read(refresh=True)
        _TOKENS.pop((creds.origin, creds.client_id), None)
        return self._ask(creds, refreshed=True)

    def _ask(self, creds: _Credentials, *, refreshed: bool) -> str:
        form, headers = client_credentials_request(creds.client_id, creds.client_secret)
        waited = False

        def once() -> str | Retry:
            nonlocal waited
            self.requests += 1
            try:
                answer = self._send("POST", creds.origin + IDENTITY_PATH, form, headers)
            except TRANSPORT_ERRORS as err:
                return Retry.transport(err)
            if answer.status == 200:
                token = self._keep(creds, answer)
                left = _TOKENS[(creds.origin, creds.client_id)].expires_at - self._clock()
                if left > RENEW_MARGIN or waited:
                    return token
                self._sleep(max(left, 0.0) + 1.0)  # the same token, about to expire
                waited = True
                return once()  # not a failed attempt
            if answer.status == 401 and not refreshed:
                # A wrong client id or secret: the secret may have rotated since it was read.
                return self._ask(self._read(refresh=True), refreshed=True)
            if answer.status < 500:
                logger().error("Marketo refused the token request", extra={"status": answer.status})
                raise CrmStopped(f"token_http_{answer.status}")
            return Retry.status(answer.status)

        return with_retries(once, self._attempts, self._pause, "Marketo identity unavailable")

    def _keep(self, creds: _Credentials, answer: Answer) -> str:
        document = answer.document if isinstance(answer.document, dict) else {}
        token = str(document.get("access_token") or "")
        try:
            lifespan = float(document.get("expires_in", 0))
        except (TypeError, ValueError):
            lifespan = 0.0
        if not token:
            logger().error("Marketo token answer without a token")
            raise CrmStopped("token_answer_refused")
        _TOKENS[(creds.origin, creds.client_id)] = _Token(token, self._clock() + lifespan)
        return token

    def _read(self, *, refresh: bool) -> _Credentials:
        if self._creds is not None and not refresh:
            return self._creds
        endpoint, client_id, secret = client_credentials(
            self._credentials(refresh), "endpoint", "Marketo"
        )
        try:
            # The REST endpoint as Admin > Web Services shows it, with or without `/rest` (or
            # a trailing slash, as a copy from a browser's address bar has it).
            origin = secure_origin(endpoint.rstrip("/").removesuffix("/rest"), "Marketo endpoint")
        except ConfigurationError as err:
            logger().error("Marketo endpoint refused", extra={"problem": str(err)})
            raise CrmStopped("endpoint_refused") from None
        self._creds = _Credentials(origin, client_id, secret)
        return self._creds
