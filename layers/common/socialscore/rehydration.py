"""Rehydrate: permalinks to post facts through the provider, spending it only on cache misses."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from socialscore import permalink, settings
from socialscore.interaction import Interaction
from socialscore.post import PostFacts, PostProvider, PostRef
from socialscore.post_cache import CachedPost, PostCache
from socialscore.scoring_model import ScoringModel


class Rehydrated(BaseModel):
    """An interaction with the facts of its target post and the intent keywords its own post hit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interaction: Interaction
    target: PostFacts | None = None
    intent_hits: list[str] = []


@dataclass(frozen=True)
class Dropped:
    """Not an error to retry: the interaction cannot be credited, for the reason given."""

    reason: str


@dataclass
class Rehydrator:
    cache: PostCache
    provider: PostProvider
    provider_calls: int = field(default=0, init=False)

    def rehydrate(
        self, interactions: list[Interaction], model: ScoringModel
    ) -> list[Rehydrated | Dropped]:
        targets: dict[str, PostRef | Dropped] = {}
        own_posts: dict[str, PostRef] = {}
        for i in interactions:
            if i.target_permalink is not None:
                try:
                    targets[i.interaction_id] = permalink.parse(i.target_permalink)
                except permalink.UnparseablePermalink:
                    targets[i.interaction_id] = Dropped("unparseable_permalink")
            if i.interaction_permalink is not None:
                # Its own post feeds intent only: an unreadable link costs the intent bonus, not
                # the interaction. A readable one the provider says is gone means the reply or
                # quote was deleted, and a deleted act is not credited (see _posts).
                with suppress(permalink.UnparseablePermalink):
                    own_posts[i.interaction_id] = permalink.parse(i.interaction_permalink)
        wanted = {r for r in targets.values() if isinstance(r, PostRef)} | set(own_posts.values())
        posts = self._posts(sorted(wanted), model)
        out: list[Rehydrated | Dropped] = []
        for i in interactions:
            target = targets.get(i.interaction_id)
            if isinstance(target, Dropped):
                out.append(target)
                continue
            facts = posts.get(target) if target is not None else None
            if target is not None and facts is None:
                out.append(Dropped("target_post_gone"))
                continue
            own = own_posts.get(i.interaction_id)
            hits: list[str] = []
            if own is not None:
                own_post = posts.get(own)
                if own_post is None:
                    out.append(Dropped("interaction_post_gone"))
                    continue
                hits = list(own_post.intent_hits)
            out.append(
                Rehydrated(interaction=i, target=facts.facts if facts else None, intent_hits=hits)
            )
        return out

    def _posts(self, refs: list[PostRef], model: ScoringModel) -> dict[PostRef, CachedPost]:
        """Facts for every ref that exists: cache first, one provider lookup for the misses."""
        if not refs:
            return {}
        cached = {
            ref: post
            for ref, post in self.cache.get_many(refs).items()
            if post.model_version == model.version
        }
        misses = [r for r in refs if r not in cached]
        if not misses:
            return cached
        self.provider_calls += 1
        answers = self.provider.lookup(misses)
        fresh: list[CachedPost] = []
        gone: list[PostRef] = []
        for ref in misses:
            answer = answers[ref]
            if answer.facts is None:
                gone.append(ref)
                continue
            hits = tuple(model.intent.hits(answer.text)) if answer.text else ()
            fresh.append(CachedPost(answer.facts, hits, model.version))
        if fresh:
            self.cache.put_many(fresh)
        if gone:
            self.cache.purge(gone)
        return cached | {p.facts.ref: p for p in fresh}


def provider_from_settings() -> PostProvider:
    """The provider named by POST_PROVIDER: `fixture` (the local default) reads a JSON file."""
    name = settings.optional("POST_PROVIDER", "fixture")
    if name == "fixture":
        from socialscore.fixture_provider import FixtureProvider

        return FixtureProvider(Path(settings.required("FIXTURE_POSTS_PATH")))
    raise settings.ConfigurationError(f"unknown POST_PROVIDER {name!r}; known: fixture")
