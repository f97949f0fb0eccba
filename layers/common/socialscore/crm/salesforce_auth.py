"""Talking to Salesforce safely: one exchange without retry or redirect, its error read, and the
OAuth 2.0 client credentials session, kept per container.

The token is asked for at `POST {domain}/services/oauth2/token` with the connected app's key and
secret and kept (a session lasts hours) with the `instance_url` it names. Only https is spoken
(http only to loopback, for the stub), the token goes to the domain or to the Salesforce
instance the token answer names and nowhere else, and nothing follows a redirect. Neither the
secret nor the token is ever logged; nor is a body or an error message (they may quote a
record's values): ids, statuses and Salesforce error codes only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import urlsplit

import urllib3

from socialscore.aws.config import ConfigurationError
from socialscore.aws.http import TRANSPORT_ERRORS, USER_AGENT, secure_origin
from socialscore.aws.logs import logger
from socialscore.crm.base import CrmStopped
from socialscore.crm.oauth import (
    Retry,
    client_credentials,
    client_credentials_request,
    with_retries,
)

TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 (a path, not a password)
# Where Salesforce may put an org's instance: the token answer's instance_url must be one.
_SALESFORCE_HOSTS = (".salesforce.com", ".force.com", ".salesforce.mil", ".sfcrmproducts.cn")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True)
class Session:
    access_token: str = field(repr=False)
    instance_url: str


@dataclass(frozen=True)
class _Credentials:
    origin: str
    client_id: str
    client_secret: str = field(repr=False)


# Per container, across invocations: a warm container reuses its token. Keyed by the domain
# and client id, so another org or another app starts afresh.
_SESSIONS: dict[tuple[str, str], Session] = {}


@dataclass
class Exchange:
    """One HTTP exchange, as the adapter's calls make them."""

    pool: urllib3.PoolManager
    timeout: urllib3.Timeout

    def send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        # Retries off: the callers own them. Redirects off: a token goes to this host only.
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"} | headers
        reply = self.pool.urlopen(
            method,
            url,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=self.timeout,
        )
        return Answer(reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.data)


class Auth:
    """The session to call the API with: cached, renewed on demand with the secret re-read."""

    def __init__(
        self,
        credentials: Callable[[bool], Mapping[str, Any]],
        exchange: Exchange,
        *,
        attempts: int,
        pause: Callable[[int], None],
    ) -> None:
        self._credentials = credentials
        self._exchange = exchange
        self._attempts = attempts
        self._pause = pause  # sleeps before attempt n + 1
        self._current: Session | None = None
        self.key: tuple[str, str] | None = None  # (domain, client id): one org, one app

    def session(self) -> Session:
        if self._current is None:
            creds = self._read(refresh=False)
            cached = _SESSIONS.get((creds.origin, creds.client_id))
            self._current = cached or self._token(creds, refreshed=False)
        return self._current

    def renew(self) -> Session:
        """After a 401: the session expired or the secret was rotated; read both afresh."""
        self._current = self._token(self._read(refresh=True), refreshed=True)
        return self._current

    def _token(self, creds: _Credentials, *, refreshed: bool) -> Session:
        form, headers = client_credentials_request(creds.client_id, creds.client_secret)

        def once() -> Session | Retry:  # not an API call: the daily limit does not count it
            try:
                answer = self._exchange.send("POST", creds.origin + TOKEN_PATH, form, headers)
            except TRANSPORT_ERRORS as err:
                return Retry.transport(err)
            if answer.status == 200:
                return self._keep(creds, answer)
            if 300 <= answer.status < 400:
                refuse_redirect(answer)
            code, _ = error_of(answer)
            if answer.status == 400 and not refreshed:
                # invalid_client with a cached secret the app no longer takes: re-read it.
                return self._token(self._read(refresh=True), refreshed=True)
            if answer.status < 500:
                logger().error("Salesforce refused the token request", extra={"code": code})
                raise CrmStopped(f"token_{code or answer.status}")
            return Retry.status(answer.status)

        return with_retries(
            once, self._attempts, self._pause, "Salesforce token endpoint unavailable"
        )

    def _keep(self, creds: _Credentials, answer: Answer) -> Session:
        document = read_json(answer.body)
        token = str(document.get("access_token") or "") if isinstance(document, dict) else ""
        instance = str(document.get("instance_url") or creds.origin) if token else ""
        try:
            instance = checked_origin(instance, "instance_url", domain=creds.origin)
        except ConfigurationError:
            logger().error("Salesforce token answer refused: no token, or a foreign instance")
            raise CrmStopped("token_answer_refused") from None
        session = Session(access_token=token, instance_url=instance)
        _SESSIONS[(creds.origin, creds.client_id)] = session
        return session

    def _read(self, *, refresh: bool) -> _Credentials:
        domain, client_id, secret = client_credentials(
            self._credentials(refresh), "domain", "Salesforce"
        )
        origin = checked_origin(domain, "domain")
        self.key = (origin, client_id)
        return _Credentials(origin, client_id, secret)


def checked_origin(url: str, what: str, *, domain: str | None = None) -> str:
    """The URL's origin (see `secure_origin`); an instance_url must also be the domain's host
    or a Salesforce host."""
    origin = secure_origin(url, f"Salesforce {what}")
    parts = urlsplit(origin)
    foreign = domain is not None and parts.hostname != urlsplit(domain).hostname
    if foreign and not (
        parts.scheme == "https" and (parts.hostname or "").endswith(_SALESFORCE_HOSTS)
    ):
        raise ConfigurationError(f"Salesforce {what} is not a Salesforce host")
    return origin


def refuse_redirect(answer: Answer) -> NoReturn:
    """Never followed: the request carries a token or the secret. Retrying would not help."""
    location = urlsplit(answer.headers.get("location", ""))
    logger().error(
        "Salesforce answered with a redirect: not followed",
        extra={"status": answer.status, "location_host": location.hostname or ""},
    )
    raise CrmStopped(f"http_{answer.status}_redirect_not_followed")


def error_of(answer: Answer) -> tuple[str, str]:
    """(errorCode, message) of an error answer: the REST API's list, or OAuth's object."""
    document = read_json(answer.body, default=None)
    if isinstance(document, list) and document and isinstance(document[0], dict):
        return str(document[0].get("errorCode", "")), str(document[0].get("message", ""))
    if isinstance(document, dict):
        return str(document.get("error", "")), str(document.get("error_description", ""))
    return "", ""


_RAISE: Any = object()


def read_json(body: bytes, default: Any = _RAISE) -> Any:
    try:
        return json.loads(body) if body else {}
    except ValueError:
        if default is not _RAISE:
            return default
        logger().error("Salesforce answer unreadable")
        raise CrmStopped("unreadable_answer") from None
