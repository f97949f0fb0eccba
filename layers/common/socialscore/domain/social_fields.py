"""A CRM contact's social profile fields, read as X usernames, and what changes in the links a
contact's fields made.

People type a profile into a CRM field any way: `@Ana_Dev`, `ana_dev`, `https://x.com/ana_dev`,
`twitter.com/Ana_Dev/status/1?s=20`, `x.com/intent/user?screen_name=ana_dev`. All of these are one
username. X usernames are case-insensitive and are 1 to 15 letters, digits and underscores (the
`usernames` pattern of GET /2/users/by, https://docs.x.com/x-api/users/lookup/integrate), so a
value is read to its lowercase username or to nothing: anything else is not an X profile, and is
never sent to X. A username lives in memory only; it is never stored or logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_X_HOSTS = {"x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com", "www.x.com"}
_X_HOSTS |= {"www.twitter.com"}
# Paths of x.com that are pages of the site, never a profile.
_NOT_PROFILES = {"home", "i", "intent", "search", "explore", "settings", "share", "hashtag"}
MAX_FIELD = 256  # longer is no username nor profile link: not parsed at all


def x_username(value: str | None) -> str | None:
    """The lowercase X username a CRM field names, or None (empty, or not an X profile)."""
    text = (value or "").strip()
    if not text or len(text) > MAX_FIELD:
        return None
    if text.startswith("@"):
        return _username(text[1:])
    if "/" not in text and "." not in text:
        return _username(text)
    link = urlsplit(text if "://" in text else f"https://{text}")
    if (link.hostname or "").lower() not in _X_HOSTS:
        return None
    parts = [p for p in link.path.split("/") if p]
    if parts[:2] == ["intent", "user"] or parts[:2] == ["intent", "follow"]:
        names = parse_qs(link.query).get("screen_name", [])
        return _username(names[0]) if names else None
    if not parts or parts[0].lower() in _NOT_PROFILES:
        return None
    return _username(parts[0].removeprefix("@"))


def _username(text: str) -> str | None:
    return text.lower() if _USERNAME.fullmatch(text) else None


@dataclass(frozen=True)
class ContactFields:
    """A contact the CRM changed, with the usernames its social fields name (in memory only) and
    its CRM owner."""

    contact_id: str
    usernames: tuple[str, ...]  # lowercase, each once; () when every field is empty
    owner_id: str | None = None

    def __repr__(self) -> str:  # never a username in a log line or an error
        return f"ContactFields({self.contact_id!r}, {len(self.usernames)} usernames)"


def read_fields(contact_id: str, values: list[str | None], owner_id: str | None) -> ContactFields:
    """The contact's fields' usernames, each once, in field order."""
    found = [u for u in map(x_username, values) if u is not None]
    return ContactFields(contact_id, tuple(dict.fromkeys(found)), owner_id or None)


Changed = tuple[ContactFields, datetime]  # a contact and when the CRM last changed it
