"""The post cache in a dict (pipeline.ports.PostCacheStore). The table's TTL (a day) is left out:
a fake's life is one test's."""

from __future__ import annotations

from socialscore.domain.post import CachedPost, PostRef


class MemoryPostCache:
    def __init__(self) -> None:
        self.items: dict[PostRef, CachedPost] = {}
        self.reads = 0  # get_many calls: a rehydrated batch reads the cache once

    def get_many(self, refs: list[PostRef]) -> dict[PostRef, CachedPost]:
        self.reads += 1
        return {r: self.items[r] for r in refs if r in self.items}

    def update(self, posts: list[CachedPost], gone: list[PostRef]) -> None:
        """A post both fresh and gone in one update is kept, as the table's one batch keeps
        it."""
        fresh = {p.facts.ref: p for p in posts}
        for ref in gone:
            if ref not in fresh:
                self.items.pop(ref, None)
        self.items |= fresh

    def purge(self, refs: list[PostRef]) -> None:
        self.update([], refs)
