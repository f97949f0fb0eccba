"""A social data provider that answers from a JSON file: the local default and the demo's."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from socialscore.domain.interaction import Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.providers.base import Lookup


class FixtureProvider:
    """Posts from a JSON list of {network, post_id, author_id, created_at, referenced_post_id?,
    text?, deleted?} (the README's Social data provider section describes it)."""

    max_ids_per_call: int | None = None

    def __init__(self, path: Path) -> None:
        self._path = path
        self.calls = 0

    @cached_property
    def _posts(self) -> dict[PostRef, Lookup]:
        posts: dict[PostRef, Lookup] = {}
        for raw in json.loads(self._path.read_text()):
            text = raw.pop("text", None)
            deleted = raw.pop("deleted", False)
            facts = PostFacts.model_validate(raw)
            posts[facts.ref] = (
                Lookup(None, gone_reason="deleted") if deleted else Lookup(facts, text=text)
            )
        return posts

    @property
    def networks(self) -> frozenset[Network]:
        """The networks its file has posts of: the others it cannot tell anything about."""
        return frozenset(ref.network for ref in self._posts)

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        self.calls += 1
        # A post the file does not list is not one the file says is deleted: it cannot tell.
        return {ref: self._posts.get(ref, Lookup(None)) for ref in refs}
