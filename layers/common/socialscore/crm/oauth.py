"""The OAuth 2.0 client-credentials token request Marketo and Salesforce both make.

Both vendors take the grant as a form-encoded POST body (RFC 6749 section 4.4.2:
datatracker.ietf.org/doc/html/rfc6749#section-4.4.2); each adapter keeps its own
endpoint, retries and error mapping.
"""

from __future__ import annotations

from urllib.parse import urlencode


def client_credentials_request(client_id: str, client_secret: str) -> tuple[bytes, dict[str, str]]:
    """The token request's body and headers (a fresh dict: senders may add to it)."""
    form = urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
    ).encode()
    return form, {"Content-Type": "application/x-www-form-urlencoded"}
