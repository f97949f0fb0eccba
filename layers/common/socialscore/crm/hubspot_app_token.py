"""The HubSpot public app's OAuth access token, for the timeline events API.

Timeline events are written by a public app, never a private app: "Private apps do not support
custom timeline events, if you plan on building an app using custom timeline events, you should
create a public app instead" (developers.hubspot.com/docs/api/private-apps). So the activities
use the app's OAuth token, kept fresh from its refresh token: a URL-form encoded `POST
/oauth/v1/token` with grant_type=refresh_token, client_id, client_secret and refresh_token
answers `access_token` and `expires_in` seconds
(developers.hubspot.com/docs/methods/OAuth2/refresh-access-token); access tokens last 30 minutes
(developers.hubspot.com/changelog/upcoming-expiration-of-oauth-access-tokens-is-changing), so
the token is renewed a minute before `expires_in` runs out, and at once when HubSpot answers 401
(HubSpotApi asks with `refresh=True`). No token, secret or body is ever logged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import urllib3

from socialscore.aws.http import TRANSPORT_ERRORS, USER_AGENT, shared_pool
from socialscore.aws.logs import logger
from socialscore.crm.base import CrmStopped

TOKEN_PATH = "/oauth/v1/token"  # noqa: S105 (a path, not a secret)
EARLY = 60.0  # seconds before its expiry a token is renewed


class AppToken:
    """`token(refresh)` for HubSpotApi: the app's access token, renewed when due or asked."""

    def __init__(
        self,
        credentials: Callable[[], Mapping[str, Any]],
        base_url: str,
        *,
        pool: urllib3.PoolManager | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`credentials`: the secret's `timeline` object (client_id, client_secret,
        refresh_token)."""
        self._credentials = credentials
        self._url = base_url.rstrip("/") + TOKEN_PATH
        self._pool = pool if pool is not None else shared_pool()
        self._clock = clock
        self._token = ""
        self._until = 0.0

    def __call__(self, refresh: bool) -> str:
        if refresh or not self._token or self._clock() >= self._until:
            self._renew()
        return self._token

    def _renew(self) -> None:
        found = self._credentials()
        form = {
            "grant_type": "refresh_token",
            "client_id": str(found.get("client_id") or ""),
            "client_secret": str(found.get("client_secret") or ""),
            "refresh_token": str(found.get("refresh_token") or ""),
        }
        if not all(form.values()):
            logger().error("HubSpot app credentials incomplete (see README, HubSpot activities)")
            raise CrmStopped("no_app_credentials")
        try:
            reply = self._pool.urlopen(
                "POST",
                self._url,
                body=urlencode(form).encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                },
                redirect=False,
                retries=False,
                timeout=10.0,
            )
        except TRANSPORT_ERRORS as err:
            raise CrmStopped(f"unavailable_{type(err).__name__}") from None
        try:
            document = json.loads(reply.data) if reply.data else {}
        except ValueError:
            document = {}
        token = document.get("access_token") if isinstance(document, dict) else None
        if reply.status != 200 or not isinstance(token, str) or not token:
            logger().error(
                "HubSpot refused the app's refresh token", extra={"status": reply.status}
            )
            raise CrmStopped("app_unauthorized")
        lifetime = document.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 1800.0
        self._token, self._until = token, self._clock() + max(seconds - EARLY, 0.0)
