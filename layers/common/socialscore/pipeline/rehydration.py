"""Rehydrate: permalinks to post facts, spending the provider only on what it alone can tell.

For a batch of interactions:
1. every target post and every act's own post is read from its permalink (short links resolved
   through `short_links`, when enabled);
2. a target whose source named its author is credited on that word (see `links`): it costs no
   cache read and no call. What is left for the provider: targets nobody named an author for,
   and the own posts of replies, quotes and mentions (read for intent);
3. one cache read for all of those; a cached post costs nothing more;
4. the misses go to the provider together, in as few calls as its id limit allows;
5. each interaction ends in one outcome: `Rehydrated` (forward it), `Dropped` (never credited,
   for a counted reason, not retried), `Deferred` (send it again later: a spent rate limit, or
   coalescing, below) or `Failed` (the provider is down, or refuses one of its post ids as
   malformed: SQS retries it, then its DLQ; a refused id fails only what needs it).

Coalescing (providers with an id limit, batches of at least that many interactions): a call for
fewer ids than the limit is a call spent for less than it could fetch. When a batch's misses do
not fill their last call, the interactions that need only the remainder are deferred once,
straight back to the queue, to share a fuller call with the next batch; an interaction deferred
before (or delivered again) is always looked up at once, so nothing waits more than one extra
batch. Smaller batches (the local runtime's 10) are looked up whole: deferring once could not
fill a call.

Followers: the provider's facts of an act's own post carry its author's follower count (X's
lookup gives it with the post); when that author is the actor, it goes on as `actor_followers`
(the influencer bucket's `followers`). Only acts whose own post is read (a reply, a quote, a
mention) carry one: no post is looked up for it alone.

Intent and complaints: the text of an act's own post (a reply, a quote, a mention) is matched
against the model's intent keywords and complaint phrases in memory (`links.own_words`); only
the hits are cached, keyed by the model's version, and forwarded. A target's text never is. An
act whose words came with it (a Meta comment, matched at ingest) brings its hits instead
(`links.carried_words`): no post is read for them, and hits matched under another model
version count only where this model still lists them (counted as `words_from_another_model`).

A post deleted (a delete event, or the provider's `errors`) is remembered as gone for an hour in
the container, whoever vouched for it: later interactions with it are dropped.

A batch (`take`): identify and post-deleted messages pass through to the resolve queue (a
post-deleted one purges the post cache on the way); each interaction goes where its outcome
sends it (pipeline.outcomes.route).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from socialscore.aws import batch
from socialscore.aws.logs import logger
from socialscore.domain.interaction import Interaction, PostDeleted
from socialscore.domain.messages import Rehydrated, RehydrateMessage
from socialscore.domain.post import CachedPost, PostFacts, PostRef
from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline.links import Wanted, carried_words, from_key, own_words, read_links
from socialscore.pipeline.outcomes import Deferred, Dropped, Failed, Outcome, route
from socialscore.pipeline.ports import MessageQueue, PostCacheStore, PostProvider, ShortLinkResolver
from socialscore.providers.base import ProviderRateLimited, ProviderStopped

MAX_DELAY_SECONDS = 900  # SQS's DelaySeconds limit
GONE_REMEMBERED_SECONDS = 3600
POST_ID_REFUSED = "post_id_refused"  # the provider will not look the id up: malformed


@dataclass
class Rehydrator:
    cache: PostCacheStore
    provider: PostProvider
    short_links: ShortLinkResolver | None = None
    coalesce: bool = False
    clock: Callable[[], float] = time.time
    stats: Counter[str] = field(default_factory=Counter, init=False)
    _gone: dict[PostRef, tuple[str, float]] = field(default_factory=dict, init=False)

    def rehydrate(
        self, interactions: list[Interaction], model: ScoringModel, forced: Collection[str] = ()
    ) -> list[Outcome]:
        """One outcome per interaction, in order. `forced`: interaction ids never deferred for
        coalescing (they were deferred or delivered before)."""
        wanted = read_links(interactions, self.provider.networks, self.short_links)
        now = self.clock()
        named = {r for w in wanted.values() for r in _named(w)}
        gone = {r: why for r in named if (why := self._remembered_gone(r, now)) is not None}
        vouched = {w.target.ref for w in wanted.values() if isinstance(w.target, PostFacts)}
        self.stats["on_source_word"] += len(vouched)
        live = {  # interactions still in play, and the posts each needs from the provider
            i.interaction_id: [r for r in (w.target, w.own) if isinstance(r, PostRef)]
            for i in interactions
            if not isinstance((w := wanted[i.interaction_id]).target, Outcome)
        }
        demand = Counter(r for refs in live.values() for r in refs if r not in gone)
        forced_refs = {r for iid in forced if iid in live for r in live[iid]}
        intent_refs = {w.own for iid, w in wanted.items() if iid in live and w.own is not None}
        # A batch smaller than one call has too few posts to fill calls by deferring once.
        limit = self.provider.max_ids_per_call
        coalesce = self.coalesce and limit is not None and len(interactions) >= limit
        posts, pending = self._posts(demand, intent_refs, forced_refs, model, coalesce, gone)
        return [
            self._outcome(i, wanted[i.interaction_id], posts, gone, pending, model)
            for i in interactions
        ]

    def take(
        self,
        received: list[batch.Received[RehydrateMessage]],
        model: ScoringModel,
        forward: MessageQueue,
        later: MessageQueue,
    ) -> batch.Done:
        """A batch, end to end: to `forward` (the resolve queue) what goes on, to `later` (this
        stage's own queue) what is deferred, with its deferral count raised."""
        deleted = [r.message.post for r in received if isinstance(r.message, PostDeleted)]
        if deleted:
            self.forget(deleted)
        acts = [(r, r.message) for r in received if isinstance(r.message, Interaction)]
        interactions = [i for _, i in acts]
        forced = {i.interaction_id for r, i in acts if r.deferrals or r.receive_count > 1}
        before = Counter(self.stats)
        routes = route(acts, self.rehydrate(interactions, model, forced))
        outgoing = [
            (r.id, r.message.model_dump_json())
            for r in received
            if not isinstance(r.message, Interaction)
        ]
        correlation = batch.correlation_ids(received)
        failed = routes.failed
        if routes.again:
            unsent = later.send_later(routes.again, routes.deferrals, correlation)
            failed |= batch.unsent(unsent, "rehydrate")
        failed |= batch.unsent(forward.send(outgoing + routes.forward, correlation), "resolve")
        posts = self.stats - before
        logger().info("rehydrated", extra={"outcomes": dict(routes.counts), "posts": dict(posts)})
        counts = {
            "InteractionsForwarded": routes.counts["forwarded"],
            "CacheHits": posts["cache_hits"],
            "CacheMisses": posts["cache_misses"],
            "ProviderLookups": posts["looked_up"],
        }
        reasons = {
            "InteractionsDropped": routes.by_reason("dropped"),
            "InteractionsDeferred": routes.by_reason("deferred"),
            "InteractionsFailed": routes.by_reason("failed"),
        }
        return batch.Done(failed, counts, reasons)

    def forget(self, keys: list[str]) -> None:
        """Posts deleted (a delete event, by post key): no facts left in the cache, none served
        from memory."""
        refs = [r for r in map(from_key, keys) if r is not None]
        now = self.clock()
        for ref in refs:
            self._gone[ref] = ("deleted", now + GONE_REMEMBERED_SECONDS)
        self.cache.purge(refs)

    # --- posts -------------------------------------------------------------------------------
    def _posts(
        self,
        demand: Counter[PostRef],
        intent_refs: set[PostRef],
        forced_refs: set[PostRef],
        model: ScoringModel,
        coalesce: bool,
        gone: dict[PostRef, str],
    ) -> tuple[dict[PostRef, CachedPost], dict[PostRef, Outcome]]:
        """(posts found, posts still unknown and what to do about them); the posts the provider
        says are gone are added to `gone`, with why."""
        now = self.clock()
        refs = sorted(demand)
        if not refs:
            return {}, {}
        cached = self.cache.get_many(refs)
        # Hits depend on the model's keywords and phrases: a post read for its words needs this
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
            return posts, pending
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
            if answer.refused is not None:
                pending[ref] = Failed(POST_ID_REFUSED)
                continue
            if answer.facts is None:
                if answer.gone_reason is not None:
                    gone[ref] = answer.gone_reason
                    self._gone[ref] = (gone[ref], now + GONE_REMEMBERED_SECONDS)
                continue  # without a reason: the provider cannot tell (see `Lookup`)
            intent, complaints = own_words(answer.text, model) if answer.text else ((), ())
            fresh.append(CachedPost(answer.facts, intent, model.version, complaints))
        self.stats["looked_up"] += len(answers)
        # A gone post the cache held (with another model's hits) is removed; one it never
        # held costs no write.
        self.cache.update(fresh, [r for r in gone if r in cached])
        return posts | {p.facts.ref: p for p in fresh}, pending

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
        w: Wanted,
        posts: dict[PostRef, CachedPost],
        gone: dict[PostRef, str],
        pending: dict[PostRef, Outcome],
        model: ScoringModel,
    ) -> Outcome:
        if isinstance(w.target, Rehydrated | Dropped | Deferred | Failed):
            return w.target
        target_ref = w.target.ref if isinstance(w.target, PostFacts) else w.target
        if target_ref is not None and target_ref in gone:
            return Dropped(f"target_post_{gone[target_ref]}")
        waits = [pending[r] for r in (w.target, w.own) if isinstance(r, PostRef) and r in pending]
        if waits:
            return max(waits, key=_urgency)
        if w.own is not None and w.own in gone:
            # The act's own post (a reply, a quote) was deleted: a deleted act is not credited.
            return Dropped(f"interaction_post_{gone[w.own]}")
        target = w.target
        if isinstance(target, PostRef):
            if target not in posts:
                return Dropped("target_post_unknown")  # no author: no seller to credit
            # The target author's follower count is not the actor's: it does not travel.
            target = posts[target].facts.model_copy(update={"author_followers": None})
        # An own post the provider cannot tell about costs the bonus (and the complaint), not
        # the act: it is not known to be deleted.
        own = posts.get(w.own) if w.own is not None else None
        # The own post's author is the actor, as a rule; the check keeps another account's
        # audience (a wrong own link) from counting as the actor's.
        acting = own is not None and own.facts.author_id == interaction.actor_id
        intent, complaints = (own.intent_hits, own.complaint_hits) if own else ((), ())
        words = interaction.own_words
        if words is not None:  # the words came with the act: their hits, no post read
            intent, complaints = carried_words(words, model)
            self.stats["words_from_another_model"] += words.model_version != model.version
            # The hits travel on as the message's own: the act does not carry them twice.
            interaction = interaction.model_copy(update={"own_words": None})
        return Rehydrated(
            interaction=interaction,
            target=target,
            intent_hits=list(intent),
            complaint_hits=list(complaints),
            actor_followers=own.facts.author_followers if own is not None and acting else None,
        )


def _named(w: Wanted) -> list[PostRef]:
    """The posts an interaction names, whether or not the provider is asked about them."""
    target = w.target.ref if isinstance(w.target, PostFacts) else w.target
    return [r for r in (target, w.own) if isinstance(r, PostRef)]


def _urgency(outcome: Outcome) -> int:
    """Which of two waits decides: a failure over a rate limit over coalescing."""
    if isinstance(outcome, Failed):
        return 2
    return 1 if isinstance(outcome, Deferred) and outcome.reason != "coalescing" else 0
