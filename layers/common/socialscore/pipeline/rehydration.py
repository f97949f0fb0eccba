"""Rehydrate: permalinks to post facts, spending the provider only on what the cache lacks.

For a batch of interactions:
1. every target post and every act's own post is read from its permalink (short links resolved
   through `short_links`, when enabled);
2. one cache read for all of them; a cached post costs nothing more;
3. the misses go to the provider together, in as few calls as its id limit allows;
4. each interaction ends in one outcome: `Rehydrated` (forward it), `Dropped` (never credited,
   for a counted reason, not retried), `Deferred` (send it again later: a spent rate limit, or
   coalescing, below) or `Failed` (the provider is down: SQS retries it, then its DLQ).

Coalescing (providers with an id limit, batches of at least that many interactions): a call for
fewer ids than the limit is a call spent for less than it could fetch. When a batch's misses do
not fill their last call, the interactions that need only the remainder are deferred once,
straight back to the queue, to share a fuller call with the next batch; an interaction deferred
before (or delivered again) is always looked up at once, so nothing waits more than one extra
batch. Smaller batches (the local runtime's 10) are looked up whole: deferring once could not
fill a call.

Intent: the text of an act's own post (a reply, a quote) is matched against the model's keywords
in memory; only the hits are cached and forwarded.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from socialscore.aws import config
from socialscore.domain import permalink
from socialscore.domain.interaction import Interaction
from socialscore.domain.post import (
    PostFacts,
    PostProvider,
    PostRef,
    ProviderRateLimited,
    ProviderStopped,
)
from socialscore.domain.scoring_model import ScoringModel
from socialscore.providers.short_links import ShortLinks
from socialscore.store.post_cache import CachedPost, PostCache

MAX_DELAY_SECONDS = 900  # SQS's DelaySeconds limit
GONE_REMEMBERED_SECONDS = 3600


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


@dataclass(frozen=True)
class Deferred:
    """Send the interaction again, visible after `delay_seconds`, and count this delivery done."""

    reason: str
    delay_seconds: int = 0


@dataclass(frozen=True)
class Failed:
    """Report the delivery failed: SQS retries it, and after maxReceiveCount moves it to the DLQ."""

    reason: str


Outcome = Rehydrated | Dropped | Deferred | Failed


@dataclass
class _Wanted:
    """What one interaction needs: its target (or why not) and its own post, if any."""

    target: PostRef | PostFacts | Outcome | None = None
    own: PostRef | None = None


@dataclass
class Rehydrator:
    cache: PostCache
    provider: PostProvider
    short_links: ShortLinks | None = None
    coalesce: bool = False
    clock: Callable[[], float] = time.time
    provider_calls: int = field(default=0, init=False)  # lookups asked of the provider
    stats: Counter[str] = field(default_factory=Counter, init=False)
    _gone: dict[PostRef, tuple[str, float]] = field(default_factory=dict, init=False)

    def rehydrate(
        self, interactions: list[Interaction], model: ScoringModel, forced: Collection[str] = ()
    ) -> list[Outcome]:
        """One outcome per interaction, in order. `forced`: interaction ids never deferred for
        coalescing (they were deferred or delivered before)."""
        wanted = self._read_links(interactions)
        live = {  # interactions still in play, and the posts each needs
            i.interaction_id: [r for r in (w.target, w.own) if isinstance(r, PostRef)]
            for i in interactions
            if not isinstance((w := wanted[i.interaction_id]).target, Outcome)
        }
        demand = Counter(r for refs in live.values() for r in refs)
        forced_refs = {r for iid in forced if iid in live for r in live[iid]}
        intent_refs = {w.own for iid, w in wanted.items() if iid in live and w.own is not None}
        # A batch smaller than one call has too few posts to fill calls by deferring once.
        limit = self.provider.max_ids_per_call
        coalesce = self.coalesce and limit is not None and len(interactions) >= limit
        posts, gone, pending = self._posts(demand, intent_refs, forced_refs, model, coalesce)
        return [
            self._outcome(i, wanted[i.interaction_id], posts, gone, pending) for i in interactions
        ]

    def forget(self, keys: list[str]) -> None:
        """Posts deleted (a delete event, by post key): no facts left in the cache, none served
        from memory."""
        refs = [r for r in map(_from_key, keys) if r is not None]
        now = self.clock()
        for ref in refs:
            self._gone[ref] = ("deleted", now + GONE_REMEMBERED_SECONDS)
        self.cache.purge(refs)

    # --- links -------------------------------------------------------------------------------
    def _read_links(self, interactions: list[Interaction]) -> dict[str, _Wanted]:
        wanted: dict[str, _Wanted] = {}
        short: dict[str, list[tuple[str, str]]] = {}  # link -> [(interaction id, "target"|"own")]
        for i in interactions:
            w = wanted[i.interaction_id] = _Wanted()
            target_key = getattr(i, "target_post", None)
            own_key = getattr(i, "own_post", None)
            for role, key, link in (
                ("target", target_key, i.target_permalink),
                ("own", own_key, i.interaction_permalink),
            ):
                ref: PostRef | Outcome | None = _from_key(key) if key else None
                if ref is None and link:
                    try:
                        ref = permalink.parse(link)
                    except permalink.ShortLink as err:
                        short.setdefault(err.link, []).append((i.interaction_id, role))
                    except permalink.UnparseablePermalink:
                        ref = Dropped("unparseable_permalink")
                _assign(w, role, ref)
        if short:
            self._resolve(short, wanted)
        for i in interactions:
            w = wanted[i.interaction_id]
            if isinstance(w.target, PostRef) and w.target.network not in self.provider.networks:
                if i.target_author_id is not None:
                    # The network told us whose post it is (a Page's feed, an Instagram
                    # account's media): credit on its word, and its delete events.
                    w.target = PostFacts(
                        network=w.target.network,
                        post_id=w.target.post_id,
                        author_id=i.target_author_id,
                    )
                else:
                    # e.g. a LinkedIn post with the X provider: no facts to credit a seller
                    # with, and no way to know it still exists.
                    w.target = Dropped("no_provider_for_network")
            if w.own is not None and w.own.network not in self.provider.networks:
                w.own = None  # no intent bonus from a post no provider can read
        return wanted

    def _resolve(self, short: dict[str, list[tuple[str, str]]], wanted: dict[str, _Wanted]) -> None:
        resolved = self.short_links.resolve_many(list(short)) if self.short_links else {}
        for link, users in short.items():
            r = resolved.get(link)
            ref: PostRef | Outcome
            if r is None:
                ref = Dropped("short_link_not_resolved")
            elif r.ref is not None:
                ref = r.ref
            elif r.transient:
                ref = Failed("short_link_unavailable")
            else:
                ref = Dropped(r.drop_reason or "short_link_not_resolved")
            for interaction_id, role in users:
                _assign(wanted[interaction_id], role, ref)

    # --- posts -------------------------------------------------------------------------------
    def _posts(
        self,
        demand: Counter[PostRef],
        intent_refs: set[PostRef],
        forced_refs: set[PostRef],
        model: ScoringModel,
        coalesce: bool,
    ) -> tuple[dict[PostRef, CachedPost], dict[PostRef, str], dict[PostRef, Outcome]]:
        """(posts found, gone posts and why, posts still unknown and what to do about them)."""
        now = self.clock()
        gone = {r: why for r in demand if (why := self._remembered_gone(r, now)) is not None}
        refs = sorted(r for r in demand if r not in gone)
        if not refs:
            return {}, gone, {}
        cached = self.cache.get_many(refs)
        # Intent hits depend on the model's keywords: a post read for intent needs this
        # model's; a post read only for its facts does not.
        posts = {
            r: p
            for r, p in cached.items()
            if r not in intent_refs or p.model_version == model.version
        }
        misses = [r for r in refs if r not in posts]
        self.stats["cache_hits"] += len(posts)
        self.stats["cache_misses"] += len(misses)
        now_refs, later = self._plan(misses, demand, forced_refs) if coalesce else (misses, [])
        pending: dict[PostRef, Outcome] = {r: Deferred("coalescing") for r in later}
        if not now_refs:
            return posts, gone, pending
        self.provider_calls += 1
        try:
            answers = dict(self.provider.lookup(now_refs))
        except ProviderStopped as stopped:
            answers = dict(stopped.answered)
            outcome: Outcome = Failed("provider_unavailable")  # the provider logged why
            if isinstance(stopped, ProviderRateLimited):
                delay = math.ceil(stopped.reset_at - now)
                outcome = Deferred("rate_limited", min(MAX_DELAY_SECONDS, max(1, delay)))
            pending |= {r: outcome for r in now_refs if r not in answers}
        fresh: list[CachedPost] = []
        for ref, answer in answers.items():
            if answer.facts is None:
                gone[ref] = answer.gone_reason or "gone"
                self._gone[ref] = (gone[ref], now + GONE_REMEMBERED_SECONDS)
                continue
            hits = tuple(model.intent.hits(answer.text)) if answer.text else ()
            fresh.append(CachedPost(answer.facts, hits, model.version))
        self.stats["looked_up"] += len(answers)
        # A gone post the cache held (with another model's hits) is removed; one it never
        # held costs no write.
        self.cache.update(fresh, [r for r in gone if r in cached])
        return posts | {p.facts.ref: p for p in fresh}, gone, pending

    def _plan(
        self, misses: list[PostRef], demand: Counter[PostRef], forced_refs: set[PostRef]
    ) -> tuple[list[PostRef], list[PostRef]]:
        """(refs to look up now, refs to leave for a fuller call with the next batch)."""
        limit = self.provider.max_ids_per_call
        if not limit or not misses:
            return misses, []
        # Forced refs first, then the most wanted: the refs left over are the ones that hold
        # the fewest interactions back.
        order = sorted(misses, key=lambda r: (r not in forced_refs, -demand[r], r))
        forced_calls = math.ceil(sum(r in forced_refs for r in misses) / limit)
        calls = max(forced_calls, len(misses) // limit)
        return order[: calls * limit], order[calls * limit :]

    def _remembered_gone(self, ref: PostRef, now: float) -> str | None:
        remembered = self._gone.get(ref)
        if remembered is None:
            return None
        if remembered[1] <= now:
            del self._gone[ref]
            return None
        return remembered[0]

    # --- outcomes ----------------------------------------------------------------------------
    def _outcome(
        self,
        interaction: Interaction,
        w: _Wanted,
        posts: dict[PostRef, CachedPost],
        gone: dict[PostRef, str],
        pending: dict[PostRef, Outcome],
    ) -> Outcome:
        if isinstance(w.target, Rehydrated | Dropped | Deferred | Failed):
            return w.target
        waits = [pending[r] for r in (w.target, w.own) if isinstance(r, PostRef) and r in pending]
        if waits:
            return max(waits, key=_urgency)
        if isinstance(w.target, PostRef) and w.target in gone:
            return Dropped(f"target_post_{gone[w.target]}")
        hits: list[str] = []
        if w.own is not None:
            if w.own in gone:
                # The act's own post (a reply, a quote) was deleted: a deleted act is not credited.
                return Dropped(f"interaction_post_{gone[w.own]}")
            hits = list(posts[w.own].intent_hits)
        target = posts[w.target].facts if isinstance(w.target, PostRef) else w.target
        return Rehydrated(interaction=interaction, target=target, intent_hits=hits)


def _from_key(key: str) -> PostRef | None:
    """A post key ingest worked out (network#post_id); None when it is not one."""
    try:
        return PostRef.from_key(key)
    except ValueError:
        return None


def _assign(w: _Wanted, role: str, ref: PostRef | Outcome | None) -> None:
    if role == "target":
        w.target = ref
    elif isinstance(ref, PostRef):
        w.own = ref  # an unreadable own link costs the intent bonus, not the interaction


def _urgency(outcome: Outcome) -> int:
    """Which of two waits decides: a failure over a rate limit over coalescing."""
    if isinstance(outcome, Failed):
        return 2
    return 1 if isinstance(outcome, Deferred) and outcome.reason != "coalescing" else 0


def provider_from_settings() -> PostProvider:
    """The provider named by POST_PROVIDER: `fixture` (the local default) reads a JSON file,
    `x` asks the X API v2 (X_API_BASE_URL, bearer token in the X_API_SECRET_ARN secret)."""
    name = config.optional("POST_PROVIDER", "fixture")
    if name == "fixture":
        from socialscore.providers.fixture import FixtureProvider

        return FixtureProvider(Path(config.required("FIXTURE_POSTS_PATH")))
    if name == "x":
        from socialscore.providers.x_api import DEFAULT_BASE_URL, BearerToken, XApiProvider

        return XApiProvider(
            BearerToken(config.required("X_API_SECRET_ARN")),
            config.optional("X_API_BASE_URL", DEFAULT_BASE_URL),
            backoff=float(config.optional("X_API_RETRY_BACKOFF_SECONDS", "0.5")),
        )
    raise config.ConfigurationError(f"unknown POST_PROVIDER {name!r}; known: fixture, x")
