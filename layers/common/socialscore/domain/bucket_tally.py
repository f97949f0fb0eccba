"""The bucket tally: for each of the scoring model's buckets, how many profiles and how many
contacts are in it, kept as profiles change instead of read from every touch.

A profile is a unit: a contact (over all its linked identities, `c:<contact>`) or an anonymous
identity on its own (`p:<identity>`); an identity linked to a contact is no unit of its own. Each
unit keeps its buckets and the moment they may next change with no new touch (`until`,
domain.buckets.stable_until); the counts are the sum of what the units keep. A unit is worked out
again when its touches, scores or links changed, when it was erased, or once `until` has passed;
the difference between what it kept and what it is now is what the counts move by.

A unit also keeps its organic score's bin (domain.score_bins), counted beside the buckets: every
profile is in one, so the bins' counts are the profiles' and contacts' and the score
distribution's, and its `until` is also the moment decay takes it under its bin.

A contact unit also keeps its part of the identity coverage (domain.coverage.contributed): per
day of the last KEPT_DAYS and more, its identities' organic touches and points per network and
per seller; the coverage's day items are the sum of what the units keep, moved by the same
difference. It needs no `until`: time alone changes no day's sums (a day past the window is
never read again).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from socialscore.domain import score_bins
from socialscore.domain.buckets import stable_until
from socialscore.domain.coverage import Cover, contributed, kept_days
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import ProfileItems, Standing, standing
from socialscore.domain.touch import Touch

CONTACT, PROFILE = "c:", "p:"
# A rebuild's touches read, or items written, between two calls of its `hold` (where the ops
# command renews crm_sync's run lease): a second or two of DynamoDB reads or writes.
HOLD_EVERY = 1_000


def contact_unit(contact: str) -> str:
    return f"{CONTACT}{contact}"


def profile_unit(identity: str) -> str:
    return f"{PROFILE}{identity}"


@dataclass(frozen=True)
class Kept:
    """What a unit keeps: its buckets (the model's order), its score's bin and until when they
    hold; a contact's part of the identity coverage."""

    buckets: tuple[str, ...]
    until: datetime | None  # None: not before its touches change
    contact: bool
    cover: Cover = field(default_factory=dict)  # a contact's alone: domain.coverage.contributed
    bin: int | None = None  # None: no profile (a contact with no score keeping its coverage)

    def due(self, as_of: datetime) -> bool:
        return self.until is not None and self.until <= as_of


@dataclass(frozen=True)
class Stored:
    """A unit's item as the tally store holds it: `value` None once emptied (being deleted);
    `version` moves with every write, so a write is conditioned on the value it replaces."""

    value: Kept | None
    version: int


@dataclass(frozen=True)
class Place:
    """Where the tally stands: built (by a rebuild) or not, the change marks it has read up to,
    the first day whose due units it has not all taken (the last run's day), and whether its
    build kept the identity coverage (a tally built before it did not) and the score bins it
    kept (score_bins.signature; None: a tally built before it kept them)."""

    built: bool
    marks_through: datetime | None
    due_from: date | None
    cover: bool = False
    bins: str | None = None


# bucket -> (profiles, contacts) in it
Counts = dict[str, tuple[int, int]]


def kept(model: ScoringModel, standing: Standing, touches: list[Touch], contact: bool) -> Kept:
    """A scored unit's buckets, bin and until as of the standing's moment, from its counted
    touches (every identity's for a contact)."""
    known = standing.facts(touches)
    buckets = standing.buckets(model, touches)
    threshold, score = model.hot_lead_threshold, standing.organic
    moments = [stable_until(model, known)]
    moments.append(score_bins.leaves(score, threshold, standing.as_of, model.half_life_seconds))
    until = min((m for m in moments if m is not None), default=None)
    return Kept(buckets, until, contact, bin=score_bins.bin_of(score, threshold))


def with_cover(value: Kept | None, as_of: datetime, touches: Iterable[Touch]) -> Kept | None:
    """A contact unit's value with its part of the coverage as of `as_of`, from every touch of
    its identities (scored or not: the coverage counts a linked profile's touches as they are)."""
    cover = contributed(touches, *kept_days(as_of))
    if not cover:
        return value
    if value is None:
        return Kept((), None, True, cover)
    return replace(value, cover=cover)


def delta(old: Kept | None, new: Kept | None) -> Counts:
    """What the counts move by when a unit goes from `old` to `new` (buckets and bins moved
    only; a bin by its name, score_bins.key)."""
    moves: Counter[tuple[str, int]] = Counter()
    for sign, value in ((-1, old), (1, new)):
        if value is not None:
            named = () if value.bin is None else (score_bins.key(value.bin),)
            for bucket in (*value.buckets, *named):
                moves[(bucket, 0)] += sign
                if value.contact:
                    moves[(bucket, 1)] += sign
    buckets = sorted({b for b, _ in moves})
    out = {b: (moves[(b, 0)], moves[(b, 1)]) for b in buckets}
    return {b: v for b, v in out.items() if v != (0, 0)}


def counts(units: Iterable[Kept]) -> Counts:
    """The counts a set of units adds up to (a rebuild's, or a check's)."""
    total: Counts = {}
    for value in units:
        for bucket, (p, c) in delta(None, value).items():
            before = total.get(bucket, (0, 0))
            total[bucket] = (before[0] + p, before[1] + c)
    return total


def touched_units(
    profiles: Iterable[str],
    contacts: Iterable[str],
    contact_of: Mapping[str, str],
) -> set[str]:
    """The units that may have changed with these profiles and contacts marked changed (or
    erased): a profile's own (it may have been linked or unlinked since) and its contact's now; a
    contact's. A contact a profile left is marked itself (resolution.relink, erasure)."""
    units = {contact_unit(c) for c in contacts}
    for identity in profiles:
        units.add(profile_unit(identity))
        if identity in contact_of:
            units.add(contact_unit(contact_of[identity]))
    return units


def build(
    model: ScoringModel,
    as_of: datetime,
    contacts: Mapping[str, list[str]],
    touches: Iterable[Touch],
    items: ProfileItems,
) -> dict[str, Kept]:
    """Every unit's value as of a moment from everything kept (a rebuild): each contact over its
    identities, each identity with a touch or a score and no contact on its own."""
    mine: dict[str, list[Touch]] = {}
    for t in touches:
        mine.setdefault(t.profile, []).append(t)
    linked = {i for ids in contacts.values() for i in ids}
    scored = {i for i, _ in items}  # as the report counts them: a profile is one with a score
    members = {contact_unit(c): list(ids) for c, ids in contacts.items() if scored & set(ids)}
    alone = scored - linked
    members |= {profile_unit(i): [i] for i in alone}
    out: dict[str, Kept | None] = {}
    for unit, ids in members.items():
        out[unit] = kept(
            model,
            standing(items, ids, as_of, model),
            [t for i in ids for t in mine.get(i, [])],
            unit.startswith(CONTACT),
        )
    for contact, ids in contacts.items():
        unit = contact_unit(contact)
        out[unit] = with_cover(out.get(unit), as_of, (t for i in ids for t in mine.get(i, [])))
    return {unit: value for unit, value in out.items() if value is not None}
