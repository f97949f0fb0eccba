"""A crm_sync run's work, cut in slices of a few CRM calls each, in the order they are taken:
the first slice of the pending erasures, the CRM's changed opportunities (oldest modification
first), the contacts marked changed (in contact id order), the daily decay pass over every linked
contact, a page of the identity store at a time, then the other erasures' slices. Each slice
carries the cursors that hold once it landed (crm_cursors): the run saves them with the slice's
digests, and the next run starts from the last saved. Planning only: the pages of the decay pass
are read as the slices are drawn, nothing is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from socialscore.domain.opportunity import Opportunity
from socialscore.pipeline.crm_cursors import Cursors


@dataclass(frozen=True)
class SliceSize:
    """A slice's size: a few CRM calls' worth (Salesforce's collections take 200 records a call,
    HubSpot's batch APIs 100). An opportunity is a headline and its breakdown records (one per
    model and seller or post: a few dozen); a contact, a score and at most a task or a case. A
    CRM that writes big loads in one job (Salesforce's Bulk API 2.0) takes bigger slices."""

    contacts: int = 1_000
    opportunities: int = 50
    # Erased contacts and identities a slice: with HubSpot's GDPR delete, a call each (no batch
    # for it), 100 take 100 s at 1 s a call, which leaves a run time for the rest of its work.
    erasures: int = 100


# identity store page: (cursor, at most this many index items) -> (contacts, next cursor, "" at
# the end)
Pages = Callable[[str, int], tuple[dict[str, list[str]], str]]


@dataclass(frozen=True)
class Slice:
    after: Cursors  # where the run stands once this slice landed
    erased: frozenset[str] = frozenset()  # contacts whose social fields are cleared
    forgotten: frozenset[str] = frozenset()  # erased identities: nothing kept names them
    opportunities: Sequence[Opportunity] = ()  # changed in the CRM: attributed anew
    touched: Sequence[str] = ()  # contacts marked changed: scored and read afresh
    decay: Mapping[str, list[str]] = field(default_factory=dict)  # the decay pass's contacts
    daily: bool = False  # a slice of the decay pass
    consumed: tuple[datetime, datetime] | None = None  # the change window this slice closes

    @property
    def kind(self) -> str:
        """What the slice works on, for the time budget's estimates."""
        if self.daily:
            return "daily"
        if self.erased or self.forgotten:
            return "erased"
        return "opportunities" if self.opportunities else "marked"


def slices(
    at: Cursors,
    *,
    erased: set[str],
    forgotten: set[str],
    changed: list[Opportunity],
    touched: set[str],
    window_end: datetime,
    day: str,
    pages: Pages,
    size: SliceSize,
    settled: datetime | None = None,
) -> Iterator[Slice]:
    """The run's slices from the cursors `at`. `erased`, `forgotten`: the contacts and
    identities erased, a first slice of them before the rest of the work and the others after
    it, so a big batch of erasures never holds the rest up for more than a slice a run;
    `touched`: the contacts marked in the window that ends at `window_end`; `settled`: the
    newest mark the window may consume (None: `window_end`); `day`: the run's UTC day (a decay
    pass is due once a day)."""
    chunks = _erasures(erased, forgotten, size.erasures)
    for contacts, profiles in chunks[:1]:
        yield Slice(at, erased=contacts, forgotten=profiles)
    at = yield from _opportunities(at, changed, size.opportunities)
    at = yield from _marked(at, touched, window_end, settled or window_end, size.contacts)
    if at.decay_due(day):
        at = yield from _decay(at, day, pages, size.contacts)
    for contacts, profiles in chunks[1:]:
        yield Slice(at, erased=contacts, forgotten=profiles)


def _erasures(
    contacts: set[str], profiles: set[str], size: int
) -> list[tuple[frozenset[str], frozenset[str]]]:
    """(contacts, profiles) erased, `size` of both a slice, in id order."""
    named = sorted([("c", c) for c in contacts] + [("p", p) for p in profiles])
    chunks = [named[n : n + size] for n in range(0, len(named), size)]
    return [
        (
            frozenset(i for kind, i in chunk if kind == "c"),
            frozenset(i for kind, i in chunk if kind == "p"),
        )
        for chunk in chunks
    ]


def _opportunities(
    at: Cursors, changed: list[Opportunity], size: int
) -> Generator[Slice, None, Cursors]:
    """The changed opportunities' slices, oldest modification first; returns the cursors after."""
    ordered = sorted(changed, key=lambda o: (o.modified_at, o.id))
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        newest = chunk[-1].modified_at
        at = replace(at, checkpoint=max(newest, at.checkpoint or newest))
        yield Slice(at, opportunities=chunk)
    return at


def _marked(
    at: Cursors, touched: set[str], window_end: datetime, settled: datetime, size: int
) -> Generator[Slice, None, Cursors]:
    """The marked contacts' slices, the last closing the window (one that closes it alone when
    none is marked); returns the cursors after.

    A closed window's marks before `settled`'s bucket are read no more: the next window starts
    at `settled`, not at `window_end`. A mark newer than that may name a link the identities'
    by_contact index did not show this run (pipeline.index_settle), so its bucket is read again
    by the next run, whichever ten-minute bucket the run started in."""
    todo = sorted(c for c in touched if c > at.marks_after)
    closed = replace(at, last_run=settled, marks_until=None, marks_after="")
    consumed = (at.last_run, settled) if at.last_run is not None else None
    for start in range(0, len(todo), size):
        marked = todo[start : start + size]
        at = replace(at, marks_until=window_end, marks_after=marked[-1])
        if start + size >= len(todo):  # the window's last: the next starts at its end
            at = closed
            yield Slice(at, touched=marked, consumed=consumed)
        else:
            yield Slice(at, touched=marked)
    if not todo:  # nothing marked: the window closes all the same
        at = closed
        yield Slice(at, consumed=consumed)
    return at


def _decay(at: Cursors, day: str, pages: Pages, size: int) -> Generator[Slice, None, Cursors]:
    """The day's decay pass, a page of the identity store a slice; returns the cursors after."""
    at = replace(at, decay_pass=at.decay_pass or day)
    while True:
        contacts, cursor = pages(at.decay_cursor, size)
        if cursor:
            at = replace(at, decay_cursor=cursor)
        else:  # the pass is done: the day's decay is taken
            at = replace(at, decay_day=at.decay_pass, decay_pass="", decay_cursor="")
        yield Slice(at, decay=contacts, daily=True)
        if not cursor:
            return at
