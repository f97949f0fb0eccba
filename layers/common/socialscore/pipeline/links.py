"""Reading an interaction's links: which posts it needs (its target, its own post), resolved
from post keys, permalinks and short links, or the outcome that ends it early."""

from __future__ import annotations

from dataclasses import dataclass

from socialscore.domain import permalink
from socialscore.domain.interaction import Interaction, Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.pipeline.outcomes import Dropped, Failed, Outcome
from socialscore.providers.short_links import ShortLinks


@dataclass
class Wanted:
    """What one interaction needs: its target (or why not) and its own post, if any."""

    target: PostRef | PostFacts | Outcome | None = None
    own: PostRef | None = None


def read_links(
    interactions: list[Interaction],
    networks: frozenset[Network],
    short_links: ShortLinks | None,
) -> dict[str, Wanted]:
    wanted: dict[str, Wanted] = {}
    short: dict[str, list[tuple[str, str]]] = {}  # link -> [(interaction id, "target"|"own")]
    for i in interactions:
        w = wanted[i.interaction_id] = Wanted()
        target_key = getattr(i, "target_post", None)
        own_key = getattr(i, "own_post", None)
        for role, key, link in (
            ("target", target_key, i.target_permalink),
            ("own", own_key, i.interaction_permalink),
        ):
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
        if isinstance(w.target, PostRef) and w.target.network not in networks:
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
        if w.own is not None and w.own.network not in networks:
            w.own = None  # no intent bonus from a post no provider can read
    return wanted


def _resolve(
    short: dict[str, list[tuple[str, str]]],
    wanted: dict[str, Wanted],
    short_links: ShortLinks | None,
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
