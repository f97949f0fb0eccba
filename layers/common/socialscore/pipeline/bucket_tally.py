"""Keeping the bucket tally (domain.bucket_tally) as profiles change: a step of each crm_sync run,
under its run lease, before its slices.

A run works out again, as of its slot time, the units that may have changed since the last: those
of the profiles and contacts marked changed (the score and resolve stages' ten-minute marks,
read from where the tally last read them, less the minute a link may take to show in the
by_contact index: the window crm_sync is about to take), of the erasures
pending, the units due (their `until` passed: found by the day it falls on, no scan), and those a
run before left. Each unit whose value differs from what it keeps is written with the counts'
difference in one transaction conditioned on the value read, so a unit's change is counted once
whatever fails or is run again. A run out of time, or one whose store fails a write, leaves the
units not taken to the next run (`todo`) and still moves past the marks it read: crm_sync may
take the window (and delete its marks) once this step has returned.

The counts are those of crm_sync's last run: at most one crm_sync interval behind (15 minutes by
default). Before a build (`socialscore rebuild`) the step does nothing: counts made of changes
alone would miss every profile that never changed since.

The same transaction moves the identity coverage's day items by the difference of the contact's
part (domain.coverage): the days from the run's first kept day on (kept_days), so the day items
of the last KEPT_DAYS days are those of crm_sync's last run, exactly once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Protocol

from socialscore.aws.logs import logger
from socialscore.domain.bucket_tally import (
    CONTACT,
    HOLD_EVERY,
    PROFILE,
    Counts,
    Kept,
    Place,
    Stored,
    build,
    kept,
    touched_units,
    with_cover,
)
from socialscore.domain.coverage import Sums, kept_days
from socialscore.domain.record_key import Erasures
from socialscore.domain.score_bins import signature
from socialscore.domain.scoring_model import ScoringModel
from socialscore.domain.standing import ProfileItems, standing
from socialscore.domain.touch import Touch
from socialscore.pipeline.index_settle import INDEX_SETTLE
from socialscore.pipeline.ports import IdentityLinks, ProfileScores, TouchHistory

__all__ = ["BucketTally", "TallyReport", "TallyStore", "rebuild"]


class TallyStore(Protocol):
    def place(self) -> Place: ...

    def counts(self) -> Counts: ...

    def kept(self, units: list[str]) -> dict[str, Stored]: ...

    def due(self, first: date, last: date) -> set[str]:
        """Units whose until falls on a day from first to last."""
        ...

    def cover(self, days: Iterable[date]) -> dict[str, Sums]:
        """The identity coverage's day items (the report reads them: report.covered)."""
        ...

    def todo(self) -> set[str]: ...

    def apply(self, unit: str, old: Stored | None, new: Kept | None, first: date = ...) -> bool:
        """The unit's change, the counts' and the coverage days' from `first` on (every day
        when not given) in one write conditioned on `old`; False when the unit is no longer
        `old` (nothing written)."""
        ...

    def set_todo(self, add: Iterable[str], done: Iterable[str]) -> None: ...

    def moved(self, marks_through: datetime, due_from: date) -> None: ...

    def forget_bins(self) -> None:
        """The place no longer names the score bins it was built with (a rebuild names them)."""
        ...

    def replace(
        self,
        units: Mapping[str, Kept],
        marks_through: datetime,
        due_from: date,
        hold: Callable[[], None] = ...,
        bins: str | None = ...,
    ) -> None:
        """A rebuild's: every unit, the counts and the place written anew; `hold` called every
        HOLD_EVERY items written; `bins`: the score bins kept (domain.score_bins.signature)."""
        ...


class ChangeMarks(Protocol):
    def changed_since(self, since: datetime, until: datetime) -> tuple[set[str], set[str]]: ...


def _forever() -> float:
    return math.inf


def _nothing() -> None:
    return None


@dataclass
class TallyReport:
    built: bool = True  # False: nothing done until a rebuild builds it
    worked: int = 0  # units worked out again
    moved: int = 0  # units whose value changed (written)
    left: int = 0  # units left to the next run (time, a write refused or failed)
    failed: list[str] = field(default_factory=list)  # why a step stopped (the error's type)


@dataclass
class BucketTally:
    store: TallyStore
    changes: ChangeMarks
    identities: IdentityLinks
    ledger: TouchHistory
    scores: ProfileScores
    model: ScoringModel
    piece: int = 100  # units read and written per step
    margin: float = 30.0  # seconds kept in hand at least, for the rest of crm_sync's run

    def __call__(
        self,
        as_of: datetime,
        last_run: datetime | None,
        window_end: datetime,
        erasures: Erasures,
        seconds_left: Callable[[], float] = _forever,
    ) -> TallyReport:
        """Bring the tally to `as_of`: the marks from where it (or crm_sync) last read them to
        `window_end`, the erasures pending, the units due by as_of and those left before."""
        place = self.store.place()
        if not place.built:
            logger().info("bucket tally not built: nothing kept until `socialscore rebuild`")
            return TallyReport(built=False)
        if place.bins not in (None, signature(self.model.hot_lead_threshold)):
            # This run moves the bins by another threshold's edges: the counts are no longer
            # the built bins', even once that threshold is published back (a model rolled
            # back), so the report reads every profile's score until a rebuild builds them.
            self.store.forget_bins()
        since = max((t for t in (last_run, place.marks_through) if t is not None), default=None)
        profiles: set[str] = set()
        contacts: set[str] = set()
        if since is not None:
            profiles, contacts = self.changes.changed_since(since, window_end)
        profiles |= erasures.profiles
        contacts |= erasures.contacts
        linked = self.identities.contacts_of(sorted(profiles)) if profiles else {}
        wanted = touched_units(profiles, contacts, linked)
        left = self.store.todo()
        wanted |= left
        due = self.store.due(place.due_from or as_of.date(), as_of.date())
        report = TallyReport()
        later: set[str] = set()
        todo = sorted(wanted | due)
        # Half the run's time at most: the rest is crm_sync's (what is left waits a run).
        floor = max(self.margin, seconds_left() / 2)
        for start in range(0, len(todo), self.piece):
            if seconds_left() < floor:
                later |= set(todo[start:])
                break
            chunk = todo[start : start + self.piece]
            try:
                later |= self._piece(chunk, wanted, as_of, report)
            except Exception as err:  # the rest waits for the next run; crm_sync goes on
                logger().warning("bucket tally step failed", extra={"reason": type(err).__name__})
                report.failed.append(type(err).__name__)
                later |= set(todo[start:])
                break
        report.left = len(later)
        self.store.set_todo(later, left)
        # A link marked in the last minute may not be in the by_contact index yet (the contact
        # then worked out without it): those marks are read again by the next run.
        self.store.moved(window_end - INDEX_SETTLE, as_of.date())
        logger().info("bucket tally", extra=asdict(report))
        return report

    def _piece(
        self, chunk: list[str], wanted: set[str], as_of: datetime, report: TallyReport
    ) -> set[str]:
        """Work out a piece of units; returns those to try again next run."""
        stored = self.store.kept(chunk)
        work = [u for u in chunk if u in wanted or ((s := stored.get(u)) and _due(s, as_of))]
        fresh = self._values(work, as_of)
        again: set[str] = set()
        for unit in work:
            old, new = stored.get(unit), fresh[unit]
            report.worked += 1
            # An item left emptied (its delete failed after the write) is deleted now.
            if (old.value if old is not None else None) != new or (old and new is None):
                try:
                    written = self.store.apply(unit, old, new, kept_days(as_of)[0])
                except Exception as err:  # this profile waits for the next run, not the others
                    logger().warning(
                        "bucket tally write failed", extra={"reason": type(err).__name__}
                    )
                    report.failed.append(type(err).__name__)
                    again.add(unit)
                    continue
                if not written:  # written meanwhile (a rebuild)
                    again.add(unit)
                    continue
                report.moved += 1
            if new is not None and new.due(as_of):  # at its threshold now: look again next run
                again.add(unit)
        return again

    def _values(self, units: list[str], as_of: datetime) -> dict[str, Kept | None]:
        """Each unit's value now, from its identities' touches and scores."""
        alone = [u.removeprefix(PROFILE) for u in units if u.startswith(PROFILE)]
        linked = self.identities.contacts_of(alone) if alone else {}
        members: dict[str, list[str]] = {}
        for unit in units:
            if unit.startswith(CONTACT):
                members[unit] = self.identities.identities_of(unit.removeprefix(CONTACT))
            else:
                identity = unit.removeprefix(PROFILE)
                members[unit] = [] if identity in linked else [identity]
        ids = sorted({i for m in members.values() for i in m})
        items = self.scores.profile_units(ids) if ids else {}
        scored = {i for i, _ in items}  # as the report: a profile is one with a score
        # A contact's every identity (its coverage counts them scored or not), another's if scored.
        read = {
            i for u, m in members.items() if u.startswith(CONTACT) or scored & set(m) for i in m
        }
        touches = {i: self.ledger.touches_of(i) for i in sorted(read)}
        out: dict[str, Kept | None] = {}
        for unit, every in members.items():
            mine = every if scored & set(every) else []
            out[unit] = (
                kept(
                    self.model,
                    standing(items, mine, as_of, self.model),
                    [t for i in mine for t in touches[i]],
                    unit.startswith(CONTACT),
                )
                if mine
                else None
            )
            if unit.startswith(CONTACT):
                out[unit] = with_cover(out[unit], as_of, (t for i in every for t in touches[i]))
        return out


def _due(stored: Stored, as_of: datetime) -> bool:
    return stored.value is not None and stored.value.due(as_of)


def rebuild(
    store: TallyStore,
    model: ScoringModel,
    as_of: datetime,
    contacts: Mapping[str, list[str]],
    touches: Iterable[Touch],
    items: ProfileItems,
    hold: Callable[[], None] = _nothing,
) -> int:
    """Build the tally anew from everything kept, read from `as_of` on (`socialscore rebuild`):
    its marks are read again from there, so a change made while it read is taken by the next
    run. Returns how many units it keeps (every profile, and every contact with touches).

    `hold` is called every HOLD_EVERY touches read and items written: the ops command renews
    crm_sync's run lease there. A crm_sync run let in while the tally is rebuilt would take its
    change window and delete marks made after `as_of`, which the new tally never reads."""
    units = build(model, as_of, contacts, _holding(touches, hold), items)
    hold()
    store.replace(units, as_of, as_of.date(), hold, signature(model.hot_lead_threshold))
    return len(units)


def _holding(touches: Iterable[Touch], hold: Callable[[], None]) -> Iterator[Touch]:
    for n, t in enumerate(touches, 1):
        if n % HOLD_EVERY == 0:
            hold()
        yield t
