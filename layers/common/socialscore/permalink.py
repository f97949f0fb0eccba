"""Permalinks to (network, post_id)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from socialscore.interaction import Network
from socialscore.post import PostRef

_X_HOSTS = {"x.com", "twitter.com"}
_X_PATH = re.compile(r"^/(?:[A-Za-z0-9_]{1,15}/status(?:es)?|i/web/status)/(\d{1,20})(?:/.*)?$")


class UnparseablePermalink(ValueError):
    """Not a post link socialscore knows how to read."""


def _host(netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1].split(":", 1)[0]
    for prefix in ("www.", "mobile.", "m."):
        host = host.removeprefix(prefix)
    return host


def parse(permalink: str) -> PostRef:
    parts = urlsplit(permalink.strip())
    if parts.scheme.lower() not in {"http", "https"}:
        raise UnparseablePermalink(f"not an http(s) link: {permalink!r}")
    host = _host(parts.netloc)
    path = parts.path.rstrip("/") or "/"
    if host in _X_HOSTS:
        match = _X_PATH.match(path)
        if match:
            return PostRef(Network.X, match.group(1))
    raise UnparseablePermalink(f"no post id in {permalink!r}")
