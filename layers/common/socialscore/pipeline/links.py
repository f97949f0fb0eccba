"""Reading an interaction's links: which posts it needs (its target, its own post), resolved
from post keys, permalinks and short links, or the outcome that ends it early.

Two rules decide what is left for a provider to tell:
- a target whose author the source named (X and Meta webhooks, an SMMS that published the
  post) is credited on the source's word, on any network: its facts are what the source said,
  and no provider or cache is asked about it;
- an act's own post is read only for the actor's own words (a reply, a quote's added text, a
  mention): a share's own post is the sharer's copy of the target, so the brand's words would
  count as the sharer's intent, and a like, follow or click has no words at all. An act whose
  source sent its words with it (a Meta comment) brings their hits (`carried_words`): no post
  is read for it.

Those words are matched (`own_words`) against the model's intent keywords and complaint
phrases alike; a complaint earns no intent bonus, so an act whose words hit a complaint phrase
keeps no intent hit ("cancel my order, what does pricing look like elsewhere" is no buyer).
"""

from __future__ import annotations

from dataclasses import dataclass

from socialscore.domain import permalink
from socialscore.domain.interaction import Interaction, Kind, Network, OwnWords
from socialscore.domain.post import PostFacts, PostRef
from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline.outcomes import Dropped, Failed, Outcome
from socialscore.pipeline.ports import ShortLinkResolver

OWN_WORDS = frozenset({Kind.COMMENT, Kind.QUOTE, Kind.MENTION})


@dataclass
class Wanted:
    """What one interaction needs: its target (a post to look up, the facts its source gave, or
    why not) and its own post to read for intent, if any."""

    target: PostRef | PostFacts | Outcome | None = None
    own: PostRef | None = None


def own_words(text: str, model: ScoringModel) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(intent hits, complaint hits) of an act's own words, in memory: the text is never kept.
    A complaint's intent hits are dropped: it earns no intent bonus."""
    return _judged(model.intent.hits(text), model.complaints.hits(text))


def carried_words(words: OwnWords, model: ScoringModel) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(intent hits, complaint hits) of words read where they arrived (`Interaction.own_words`),
    under the model scoring them. Matched under another version (a model published while the act
    was queued), only the hits this model still lists count: the words are gone, so a keyword or
    phrase added since cannot be looked for."""
    intent, complaints = words.intent_hits, words.complaint_hits
    if words.model_version != model.version:
        intent = _still_listed(intent, model.intent.keywords)
        complaints = _still_listed(complaints, model.complaints.phrases)
    return _judged(intent, complaints)


def _still_listed(hits: list[str], phrases: list[str]) -> list[str]:
    listed = {p.strip().lower() for p in phrases}  # as the model's matching reads them
    return [h for h in hits if h in listed]


def _judged(intent: list[str], complaints: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (() if complaints else tuple(intent)), tuple(complaints)


def read_links(
    interactions: list[Interaction],
    networks: frozenset[Network],
    short_links: ShortLinkResolver | None,
) -> dict[str, Wanted]:
    """`networks`: those the provider can read; a post elsewhere is known only on its source's
    word."""
    wanted: dict[str, Wanted] = {}
    short: dict[str, list[tuple[str, str]]] = {}  # link -> [(interaction id, "target"|"own")]
    for i in interactions:
        w = wanted[i.interaction_id] = Wanted()
        links = [("target", i.target_post, i.target_permalink)]
        if i.kind in OWN_WORDS and i.own_words is None:  # words that came with it need no post
            links.append(("own", i.own_post, i.interaction_permalink))
        for role, key, link in links:
            ref: PostRef | Outcome | None = from_key(key) if key else None
            if ref is None and link:
                try:
                    ref = permalink.parse(link)
                except permalink.ShortLink as err:
                    short.setdefault(err.link, []).append((i.interaction_id, role))
                except permalink.UnparseablePermalink:
                    ref = Dropped("unparseable_permalink")
            _assign(w, role, ref)
    if short:
        _resolve(short, wanted, short_links)
    for i in interactions:
        w = wanted[i.interaction_id]
        if isinstance(w.target, PostRef):
            w.target = _on_source_word(i, w.target, networks)
        if w.own is not None and w.own.network not in networks:
            w.own = None  # no intent bonus from a post no provider can read
    return wanted


def _on_source_word(
    i: Interaction, target: PostRef, networks: frozenset[Network]
) -> PostRef | PostFacts | Dropped:
    if i.target_author_id is not None:
        return PostFacts(
            network=target.network,
            post_id=target.post_id,
            author_id=i.target_author_id,
            created_at=i.target_created_at,
        )
    if target.network not in networks:
        # Nobody said whose post it is and no provider can tell: no seller to credit, and no
        # way to know the post still exists.
        return Dropped("no_provider_for_network")
    return target


def _resolve(
    short: dict[str, list[tuple[str, str]]],
    wanted: dict[str, Wanted],
    short_links: ShortLinkResolver | None,
) -> None:
    resolved = short_links.resolve_many(list(short)) if short_links else {}
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


def from_key(key: str) -> PostRef | None:
    """A post key ingest worked out (network#post_id); None when it is not one."""
    try:
        return PostRef.from_key(key)
    except ValueError:
        return None


def _assign(w: Wanted, role: str, ref: PostRef | Outcome | None) -> None:
    if role == "target":
        w.target = ref
    elif isinstance(ref, PostRef):
        w.own = ref  # an unreadable own link costs the intent bonus, not the interaction
