"""The post cache (DynamoDB): post facts (its author's follower count among them), intent and
complaint hits, never text, with a TTL.

The TTL is a day: a post deleted without anyone telling socialscore (no delete event, no
interaction that made the provider say so) keeps its facts at most that long, which is what the
networks' developer terms ask of stored post data. A deleted post's item is removed at once.
"""

from __future__ import annotations

import time
from datetime import datetime

from socialscore.domain.post import CachedPost, PostFacts, PostRef
from socialscore.store import dynamo

TTL_SECONDS = 86400


class PostCache:
    def __init__(self, table: str) -> None:
        self._table = table

    def get_many(self, refs: list[PostRef]) -> dict[PostRef, CachedPost]:
        now = int(time.time())
        found: dict[PostRef, CachedPost] = {}
        items = dynamo.batch_get(self._table, "post", [r.key for r in refs])
        for key, item in items.items():
            if int(item["expires_at"]) <= now:  # TTL deletion lags; expired is a miss
                continue
            ref = PostRef.from_key(key)
            facts = PostFacts(
                network=ref.network,
                post_id=ref.post_id,
                author_id=item["author_id"],
                created_at=datetime.fromisoformat(item["created_at"])
                if "created_at" in item
                else None,
                referenced_post_id=item.get("referenced_post_id"),
                conversation_id=item.get("conversation_id"),
                author_followers=int(item["author_followers"])
                if item.get("author_followers") is not None
                else None,
            )
            # An item written before complaints were matched holds no complaint hits, whatever its
            # model: it is this model's for its facts, not for its words (read again for those).
            version = item["model_version"] if "complaint_hits" in item else ""
            found[ref] = CachedPost(
                facts,
                tuple(item.get("intent_hits", [])),
                version,
                tuple(item.get("complaint_hits", [])),
            )
        return found

    def purge(self, refs: list[PostRef]) -> None:
        """A deleted post leaves no facts behind."""
        self.update([], refs)

    def update(self, posts: list[CachedPost], gone: list[PostRef]) -> None:
        """Cache fresh posts and remove gone ones, in as few batched writes as DynamoDB allows."""
        expires = int(time.time()) + TTL_SECONDS
        puts = {
            p.facts.ref.key: {
                "PutRequest": {
                    "Item": dynamo.to_item(
                        {
                            "post": p.facts.ref.key,
                            "author_id": p.facts.author_id,
                            "created_at": p.facts.created_at.isoformat()
                            if p.facts.created_at
                            else None,
                            "referenced_post_id": p.facts.referenced_post_id,
                            "conversation_id": p.facts.conversation_id,
                            # A provider fact, not a text hit: valid whatever the model.
                            "author_followers": p.facts.author_followers,
                            "intent_hits": list(p.intent_hits),
                            "complaint_hits": list(p.complaint_hits),
                            "model_version": p.model_version,
                            "expires_at": expires,
                        }
                    )
                }
            }
            for p in posts
        }
        deletes = {
            r.key: {"DeleteRequest": {"Key": {"post": {"S": r.key}}}}
            for r in gone
            if r.key not in puts
        }
        dynamo.batch_write(self._table, [*puts.values(), *deletes.values()])
