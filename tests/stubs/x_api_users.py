"""The users of the X API stub's `author_id` expansion: what `includes.users` holds for an
author, and how X lists one it will not show."""

from __future__ import annotations

import re
from typing import Any

PROBLEMS = "https://api.twitter.com/2/problems"
EXPANSIONS = {
    "attachments.media_keys", "attachments.poll_ids", "author_id", "edit_history_tweet_ids",
    "entities.mentions.username", "geo.place_id", "in_reply_to_user_id", "referenced_tweets.id",
    "referenced_tweets.id.author_id",
}  # fmt: skip
USER_FIELDS = {
    "created_at", "description", "entities", "id", "location", "name", "pinned_tweet_id",
    "profile_image_url", "protected", "public_metrics", "url", "username", "verified", "withheld",
}  # fmt: skip


def user(author: str, followers: int, fields: set[str]) -> dict[str, Any]:
    """An author as `includes.users` gives it: id, name and username always, its counts only
    with `user.fields=public_metrics`."""
    found: dict[str, Any] = {"id": author, "name": f"User {author}", "username": f"u{author}"}
    if "public_metrics" in fields:
        found["public_metrics"] = {
            "followers_count": followers,
            "following_count": 10,
            "tweet_count": 100,
            "listed_count": 1,
        }
    return found


def user_error(user_id: str) -> dict[str, Any]:
    """How X lists an expanded author it will not show (suspended here; withheld is alike)."""
    return {
        "value": user_id,
        "detail": f"User has been suspended: [{user_id}].",
        "title": "Forbidden",
        "resource_type": "user",
        "parameter": "author_id",
        "resource_id": user_id,
        "type": f"{PROBLEMS}/resource-not-found",
    }


MAX_USERNAMES = 100
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")


def users_by(
    query: dict[str, list[str]], accounts: dict[str, str], suspended: set[str]
) -> tuple[int, dict[str, Any]]:
    """`GET /2/users/by?usernames=`: 1 to 100 usernames (400 with X's error body past that, or
    for a malformed one), matched case-insensitively; an account found in `data` (id, name,
    username as its owner spells it), a suspended one or a name nobody holds left out of `data`
    and listed in `errors` (https://docs.x.com/x-api/users/lookup/integrate: "the multi-user
    lookup omits the user from results with an errors array"). `accounts`: username (lowercase)
    -> id; `suspended`: lowercase usernames of accounts X will not show."""
    raw = query.get("usernames", [""])[0]
    names = [n for n in raw.split(",") if n]
    if not names or len(names) > MAX_USERNAMES:
        return 400, _invalid(
            raw,
            f"The number of values in the `usernames` query parameter list [{len(names)}] is "
            f"not between 1 and {MAX_USERNAMES}",
        )
    malformed = [n for n in names if not _USERNAME.fullmatch(n)]
    if malformed:
        return 400, _invalid(
            raw,
            *(
                f"The `usernames` query parameter value [{n}] does not match ^[A-Za-z0-9_]{{1,15}}$"
                for n in malformed
            ),
        )
    data, errors = [], []
    for name in names:
        found = accounts.get(name.lower())
        if name.lower() in suspended and found is not None:
            errors.append(_username_error(name, suspended=True))
        elif found is None:
            errors.append(_username_error(name, suspended=False))
        else:
            data.append({"id": found, "name": f"User {found}", "username": name.lower()})
    body: dict[str, Any] = {}
    if data:
        body["data"] = data
    if errors:
        body["errors"] = errors
    return 200, body


def _invalid(value: str, *messages: str) -> dict[str, Any]:
    return {
        "errors": [{"parameters": {"usernames": [value]}, "message": m} for m in messages],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": f"{PROBLEMS}/invalid-request",
    }


def _username_error(name: str, suspended: bool) -> dict[str, Any]:
    """One entry of `errors`, as X lists a username it does not return."""
    if suspended:
        detail, title = f"User has been suspended: [{name}].", "Forbidden"
        problem = "resource-not-found"
    else:
        detail, title = f"Could not find user with usernames: [{name}].", "Not Found Error"
        problem = "resource-not-found"
    return {
        "value": name,
        "detail": detail,
        "title": title,
        "resource_type": "user",
        "parameter": "usernames",
        "resource_id": name,
        "type": f"{PROBLEMS}/{problem}",
    }
