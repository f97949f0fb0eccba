"""Who may reach serve: the developer's own tools on this machine, never a web page they visit.

A page in the developer's browser can send requests to 127.0.0.1 too. Two rules keep it out:

- **Only loopback Host headers.** A DNS-rebinding page makes its own name point at 127.0.0.1,
  so its requests arrive on loopback but name the page's host: every request to serve (and to
  its AWS emulator) that names another host is refused, webhooks included.
- **A token per run** on what the template does not serve (`/_local/*`, the report page) and on
  the emulator. A page cannot read it: serve prints it, and writes it to `<workdir>/token`
  (owner-only). The CLI sends it as `Authorization: Bearer <token>` (and to the emulator as its
  AWS access key id); a browser opens the report with `?token=`, once: the answer sets an
  HttpOnly, SameSite=Strict cookie and sends it back to the same URL without the token, so the
  token stays out of the address bar and history, and no other site's page carries the cookie.

The webhooks stay open to anyone on loopback: each is signed, as on AWS.
"""

from __future__ import annotations

import hmac
import os
import secrets
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})
TOKEN_FILE = "token"  # noqa: S105 - the file's name, not a secret
TOKEN_PARAMETER = "token"  # noqa: S105 - a query parameter's name
COOKIE = "socialscore_token_{port}"  # a cookie is shared by every port of a host: one per port


def new_token() -> str:
    return secrets.token_urlsafe(32)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read, also when it existed with wider permissions."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode applies to a new file only
    with os.fdopen(fd, "w") as out:
        out.write(text + "\n")


def loopback(host: str | None) -> bool:
    """Whether a Host header names this machine by its loopback name (any port)."""
    name = (host or "").strip().lower()
    if name.startswith("["):  # an IPv6 literal: [::1]:8787
        end = name.find("]") + 1
        name, port = name[:end], name[end:]
        if port and not port.startswith(":"):
            return False
        port = port[1:]
    else:
        name, _, port = name.partition(":")
    if port and not port.isdigit():
        return False
    return name in LOOPBACK


def same(given: str | None, token: str) -> bool:
    """A constant-time comparison: how long it takes says nothing of how much matched."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def bearer(headers: Mapping[str, str]) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def cookie(headers: Mapping[str, str], name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


@dataclass(frozen=True)
class Verdict:
    """serve's answer instead of the route's: a refusal, or the report's redirect."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


FOREIGN_HOST = Verdict(403, "Forbidden: serve answers requests to 127.0.0.1 or localhost only")
NO_TOKEN = Verdict(
    403,
    "Forbidden: this route needs serve's token (Authorization: Bearer <token>; "
    "the socialscore command sends it, from SOCIALSCORE_LOCAL_TOKEN or <workdir>/token)",
)
NO_REPORT_TOKEN = Verdict(
    403, "Forbidden: open the report with the link serve printed at start (?token=...)"
)


@dataclass(frozen=True)
class Gate:
    """The rules for one run of serve: its token, the routes it guards, its port's cookie."""

    token: str
    guarded: tuple[str, ...]  # path prefixes that need the token
    report: str  # the one guarded path a browser opens
    port: int

    @property
    def cookie_name(self) -> str:
        return COOKIE.format(port=self.port)

    def verdict(self, path: str, query: str, headers: Mapping[str, str]) -> Verdict | None:
        """None: let the request through. `headers` by lower-case name."""
        if not loopback(headers.get("host")):
            return FOREIGN_HOST
        if not path.startswith(self.guarded):
            return None
        if same(bearer(headers), self.token):
            return None
        if path != self.report:
            return NO_TOKEN
        given, rest = token_in(query)
        if given is None:
            return None if same(cookie(headers, self.cookie_name), self.token) else NO_REPORT_TOKEN
        if not same(given, self.token):
            return NO_REPORT_TOKEN
        location = path + (f"?{rest}" if rest else "")
        set_cookie = f"{self.cookie_name}={self.token}; Path={path}; HttpOnly; SameSite=Strict"
        return Verdict(303, "", {"location": location, "set-cookie": set_cookie})


def token_in(query: str) -> tuple[str | None, str]:
    """The token given in a query string, and the query string without it (the rest verbatim)."""
    given: str | None = None
    kept = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        if urllib.parse.unquote_plus(name) == TOKEN_PARAMETER:
            given = urllib.parse.unquote_plus(value)
        else:
            kept.append(part)
    return given, "&".join(kept)
