"""Every profile's row recounted from every stored profile item and every counted touch: what
the report drew before its reads went to indexes and tallies, kept as the reference the new
reads are proven equal to, and as the bucket counts' fallback until crm_sync's bucket tally is
built. A profile is a contact over all its linked identities, or an anonymous identity, with an
item in the scores table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from socialscore.domain.owners import owner_of
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import ProfileItems, standing
from socialscore.domain.touch import Touch
from socialscore.report.leads import Grouping, Links
from socialscore.report.rows import BucketRow, ScoreRow
from socialscore.store.identities import crm_owner


def recount(
    items: ProfileItems,
    grouping: Grouping,
    touches: Iterable[Touch],
    links: Links,
    model: ScoringModel,
    as_of: datetime,
) -> list[ScoreRow]:
    """Every profile's scores now and its buckets, a contact's over its identities (their
    touches, their summed scores); a hot lead's owner (from its touches); best first."""
    mine: dict[str, list[str]] = defaultdict(list)  # who -> its identities with a score
    for identity in sorted({i for i, _ in items}):
        mine[grouping.who(identity)].append(identity)
    theirs: dict[str, list[Touch]] = defaultdict(list)
    for t in touches:
        theirs[grouping.who(t.profile)].append(t)
    now = {who: standing(items, ids, as_of, model) for who, ids in mine.items()}
    linked = links.links(
        sorted({i for w, s in now.items() if s.hot_since for i in grouping.identities(w)})
    )
    rows = []
    for who, s in now.items():
        owner = None
        if s.hot_since is not None:
            crm = crm_owner(linked[i] for i in grouping.identities(who) if i in linked)
            owner = owner_of(crm, theirs.get(who, []), "")
        buckets = s.buckets(model, theirs.get(who, []))
        rows.append(
            ScoreRow(who, who in grouping.contacts, s.organic, s.paid, s.hot_since, buckets, owner)
        )
    return sorted(rows, key=lambda r: (-r.organic, -r.paid, r.who))


def bucket_rows(scores: Sequence[ScoreRow], model: ScoringModel) -> list[BucketRow]:
    """How many of these profiles are in each of the model's buckets, in its order."""
    return [
        BucketRow(
            rule.name,
            rule.label,
            sum(1 for s in scores if rule.name in s.buckets),
            sum(1 for s in scores if s.contact and rule.name in s.buckets),
        )
        for rule in model.buckets
    ]
