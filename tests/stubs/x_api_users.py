"""The users of the X API stub's `author_id` expansion: what `includes.users` holds for an
author, and how X lists one it will not show."""

from __future__ import annotations

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
