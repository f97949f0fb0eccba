"""Reading the X API v2 post lookup's answers: a 200's posts and the errors that say a post is
gone, the ids a 400 calls invalid, and an error's title (never the body: it is not ours to log).
"""

from __future__ import annotations

import json
import re
from typing import Any

from socialscore.domain.interaction import Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.providers.base import Lookup

# Which referenced post a post is "about", when it has several (a reply that quotes).
_REFERENCE_ORDER = ("replied_to", "quoted", "retweeted")
# `errors[].type` of a post that cannot be read, as the reason an interaction is dropped.
_GONE_REASONS = {
    "https://api.twitter.com/2/problems/resource-not-found": "not_found",
    "https://api.twitter.com/2/problems/not-authorized-for-resource": "not_authorized",
}
_INVALID_ID = re.compile(r"The `ids` query parameter value \[(.*)\] is not valid")


def read_posts(body: bytes, ids: list[str]) -> dict[PostRef, Lookup]:
    """Every id's answer from a 200: its facts, gone with X's reason, or `not_returned`. Raises
    ValueError, KeyError, TypeError or AttributeError when the body is not of that shape."""
    document: dict[str, Any] = json.loads(body)
    wanted = set(ids)
    followers = _followers(document)
    found: dict[PostRef, Lookup] = {}
    for tweet in document.get("data") or []:
        if tweet["id"] not in wanted:
            continue
        references = {r["type"]: r["id"] for r in tweet.get("referenced_tweets") or []}
        referenced = next((references[k] for k in _REFERENCE_ORDER if k in references), None)
        facts = PostFacts(
            network=Network.X,
            post_id=tweet["id"],
            author_id=tweet["author_id"],
            created_at=tweet["created_at"],
            referenced_post_id=referenced,
            conversation_id=tweet.get("conversation_id"),
            author_followers=followers.get(tweet["author_id"]),
        )
        # A long post's full text is in note_tweet; `text` is its first 280 characters.
        text = (tweet.get("note_tweet") or {}).get("text") or tweet.get("text")
        found[facts.ref] = Lookup(facts, text=text)
    for error in document.get("errors") or []:
        post_id = error.get("resource_id") or error.get("value")
        if post_id not in wanted or error.get("parameter", "ids") != "ids":
            continue
        ref = PostRef(Network.X, post_id)
        if ref not in found:
            found[ref] = Lookup(None, gone_reason=_gone_reason(error.get("type", "")))
    for post_id in ids:  # neither in data nor in errors: X says nothing about it
        found.setdefault(PostRef(Network.X, post_id), Lookup(None, gone_reason="not_returned"))
    return found


def _followers(document: dict[str, Any]) -> dict[str, int]:
    """Each author's follower count from `includes.users` (the `author_id` expansion): only the
    number is read, never a name or handle. X leaves out a user it will not show (suspended,
    withheld) and lists it in `errors` with `parameter: author_id`: its posts get none."""
    users = (document.get("includes") or {}).get("users") or []
    counts: dict[str, int] = {}
    for user in users:
        count = (user.get("public_metrics") or {}).get("followers_count")
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            counts[str(user["id"])] = count
    return counts


def _gone_reason(problem_type: str) -> str:
    if problem_type in _GONE_REASONS:
        return _GONE_REASONS[problem_type]
    return problem_type.rsplit("/", 1)[-1].replace("-", "_") or "unknown_error"


def problem_title(body: bytes) -> str:
    """The problem's title from an error answer (never the body itself: it is not ours to log)."""
    try:
        return str(json.loads(body).get("title", ""))[:80]
    except (ValueError, AttributeError):
        return ""


def invalid_ids(body: bytes, ids: list[str]) -> set[str] | None:
    """The ids a 400 names invalid (none: it names no id); None when it blames another
    parameter (`tweet.fields`, say): the request is wrong whatever the ids."""
    try:
        document = json.loads(body)
        errors = document.get("errors") or []
        named: set[str] = set()
        for error in errors:
            parameters = error.get("parameters") or {}
            if any(name != "ids" for name in parameters):
                return None
            # X echoes the whole `ids` value and names the bad one in its message.
            match = _INVALID_ID.search(str(error.get("message", "")))
            named |= {str(v) for v in parameters.get("ids") or []}
            named |= {match.group(1)} if match else set()
        return named & set(ids)
    except (ValueError, TypeError, AttributeError):
        return set()  # a 400 that says nothing readable: the halves will tell
