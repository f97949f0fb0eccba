"""A guard in front of the AWS emulator serve lends the ops CLI (moto's server, in process).

moto's server takes any signature and answers CORS preflights for any origin: a web page that
learnt its port could read the webhook secrets and write scores. Before moto sees a request,
this guard refuses (403, no CORS headers):

- a Host that is not loopback (a DNS-rebinding page's requests name the page's host);
- a request from a web page: browsers send `Origin` with every CORS request (any whose answer
  a script may read), every preflight, and every request whose method is neither GET nor HEAD
  (Fetch standard, https://fetch.spec.whatwg.org/#origin-header; MDN, "Preflight request",
  https://developer.mozilla.org/en-US/docs/Glossary/Preflight_request), and no AWS SDK or CLI
  sends it. A page's plain GET (an image, a link) carries none, nor the token below;
- a request not signed with serve's token as its access key id: the `Credential=` of SigV4's
  Authorization header (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-
  authentication-methods.html: `Credential=<key id>/<date>/<region>/<service>/aws4_request`),
  or a presigned URL's `X-Amz-Credential`, the same value with `/` as %2F (the report's link:
  https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html). moto checks
  no signature, so the key id is the whole credential.

moto's own `Access-Control-*` headers are dropped from every answer. What passes may also be
written to serve's journal (`on_write`), once moto has taken it.
"""

from __future__ import annotations

import io
import logging
import re
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from socialscore_local.access import loopback, same

log = logging.getLogger("socialscore_local")
# The calls whose effect serve journals (see journal.Journal.emulated): what the ops CLI's
# `sellers import` and `identities import` send. Both are JSON-protocol calls.
JOURNALED = frozenset({"DynamoDB_20120810.BatchWriteItem", "AmazonSQS.SendMessageBatch"})
MAX_JOURNALED_BYTES = 16 * 1024 * 1024  # a SendMessageBatch is at most 1 MiB, a batch write 16
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
OnWrite = Callable[[str, bytes, bytes], None]  # target, request body, moto's 200 answer


def access_key(environ: dict[str, Any]) -> str | None:
    """The access key id a request is signed with: its Authorization header's, or a presigned
    URL's."""
    found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if found:
        return found.group(1)
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    credential = query.get("X-Amz-Credential", [""])[0]
    return credential.split("/", 1)[0] or None


class Guard:
    def __init__(self, app: Wsgi, token: str, on_write: OnWrite | None = None) -> None:
        self.app = app
        self.token = token
        self.on_write = on_write
        self.refused: Counter[str] = Counter()  # by reason

    def refusal(self, environ: dict[str, Any]) -> str | None:
        if not loopback(environ.get("HTTP_HOST")):
            return "host not loopback"
        if "HTTP_ORIGIN" in environ:
            return "sent by a web page (Origin)"
        if not same(access_key(environ), self.token):
            return "not signed with serve's token"
        return None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        reason = self.refusal(environ)
        if reason is not None:
            self.refused[reason] += 1
            log.warning(
                "AWS emulator refused a request: %s (%d so far)", reason, self.refused[reason]
            )
            body = f"Forbidden: {reason}\n".encode()
            start_response(
                "403 Forbidden",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]

        def no_cors(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept, *exc)

        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if self.on_write is None or target not in JOURNALED:
            return self.app(environ, no_cors)
        return self._journaled(target, environ, no_cors)

    def _journaled(self, target: str, environ: dict[str, Any], respond: Callable[..., Any]) -> Any:
        """moto's answer, held until what it took is in the journal: a 200 means it is on disk."""
        assert self.on_write is not None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_JOURNALED_BYTES:
            body = b"Request Entity Too Large\n"
            respond("413 Request Entity Too Large", [("Content-Length", str(len(body)))])
            return [body]
        request = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(request)
        answered: list[Any] = []

        def held(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            answered[:] = [status, headers, *exc]
            return lambda data: None  # moto returns its body; it does not write()

        parts = self.app(environ, held)
        try:
            answer = b"".join(parts)
        finally:
            close = getattr(parts, "close", None)
            if close is not None:
                close()
        if answered[0].startswith("200"):
            self.on_write(target, request, answer)
        respond(*answered)
        return [answer]
