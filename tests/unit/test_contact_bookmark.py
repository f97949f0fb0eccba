"""Where the read of the CRM's changed contacts resumes (pipeline.contact_bookmark): a run takes
at most its share and never cuts an instant in two; the next read starts a little before the
bookmark only when the bookmark was close to its read (the search index's lag), so a backlog
read a part at a time always moves on; the bookmark never goes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialscore.domain.social_fields import Changed, ContactFields
from socialscore.pipeline.contact_bookmark import OVERLAP, Bookmark, cut

T0 = datetime(2026, 12, 6, 9, tzinfo=UTC)


def changed(*minutes: int) -> list[Changed]:
    return [(ContactFields(f"c{n}", ()), T0 + timedelta(minutes=m)) for n, m in enumerate(minutes)]


def test_a_run_takes_its_share_and_the_rest_of_the_last_ones_instant() -> None:
    taken, whole = cut(changed(1, 2, 3, 3, 3, 4), limit=3)
    assert [c.contact_id for c, _ in taken] == ["c0", "c1", "c2", "c3", "c4"]
    assert not whole
    assert cut(changed(1, 2), limit=3) == (changed(1, 2), True)


def test_the_next_read_overlaps_only_a_bookmark_close_to_its_read() -> None:
    assert Bookmark(T0, T0 + timedelta(seconds=30)).overlap
    assert not Bookmark(T0, T0 + OVERLAP).overlap  # a backlog's part: read long after


def test_the_bookmark_never_goes_back_and_reads_back_whole() -> None:
    mark = Bookmark(T0, T0)
    later = T0 + timedelta(hours=1)
    assert mark.moved(T0 - timedelta(minutes=3), later) == Bookmark(T0, later)
    assert mark.moved(None, later) == Bookmark(T0, later)
    assert Bookmark.loads(mark.dumps()) == mark
    assert Bookmark.loads(None) is None
