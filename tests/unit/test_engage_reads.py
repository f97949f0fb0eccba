"""What reading the engage-now queue costs, as the README states it: one read of an actor's
touches (for its buckets) only for actors that could still reach the top, never a scan of the
ledger, and one read each of the answered marks, the seller registry, the actors' scores and
(for the top's actors) their contact ids, however many acts wait (the stores' adapters take
those reads 100 keys a request). The reader over the score stage's fakes, the ledger counting
each profile read and each scan (socialscore_local.memory.ledger: `read`, `SCAN`), the other
stores' fakes counting the keys of each read asked of them."""

from __future__ import annotations

from collections.abc import Iterable

from socialscore.domain.interaction import Category
from socialscore.domain.messages import Seller
from socialscore.domain.standing import ProfileItem
from socialscore.pipeline.engage import EngageReader
from socialscore_local.memory.engage import MemoryEngage
from socialscore_local.memory.identities import MemoryIdentityLinks
from socialscore_local.memory.ledger import MemoryTouchLedger
from socialscore_local.memory.scores import MemoryScoreStore
from socialscore_local.memory.sellers import MemorySellers
from tests.unit.score_world import MODEL, ScoreWorld
from tests.unit.test_engage_queue import NOW, own, queue, reply


def test_the_queue_reads_only_the_actors_that_could_reach_its_top_and_never_scans() -> None:
    w = ScoreWorld(now=NOW)
    # u1: a reply an hour old whose words hit two keywords (rank about 32); u2-u5: plain
    # replies 13 hours old, whose rank with every bucket weight added stays under 17.
    w.score([reply("u1", 1, 1, intent_hits=["pricing", "demo"])])
    w.score([reply(f"u{n}", n, 13) for n in range(2, 6)])
    w.ledger.read.clear()

    top = queue(w, limit=1)

    assert [e["act"] for e in top["entries"]] == [f"x#{own(1)}"]
    assert top["waiting"] == 5
    assert w.ledger.read == ["x#u1"]  # no other actor, no scan (listed as SCAN)

    w.ledger.read.clear()
    every = queue(w, limit=25)

    assert len(every["entries"]) == 5
    assert sorted(w.ledger.read) == [f"x#u{n}" for n in range(1, 6)]  # each once, no scan


class Asked:
    """A store fake's mixin: `asked` holds the keys of each read asked of it."""

    def __init__(self, *args: MemoryTouchLedger) -> None:
        super().__init__(*args)
        self.asked: list[int] = []


class Sellers(Asked, MemorySellers):
    def of_accounts(self, identities: list[str]) -> dict[str, Seller]:
        self.asked.append(len(identities))
        return super().of_accounts(identities)


class Scores(Asked, MemoryScoreStore):
    def profile_units(self, profiles: list[str]) -> dict[tuple[str, Category], ProfileItem]:
        self.asked.append(len(profiles))
        return super().profile_units(profiles)


class Links(Asked, MemoryIdentityLinks):
    def contacts_of(self, identities: list[str]) -> dict[str, str]:
        self.asked.append(len(identities))
        return super().contacts_of(identities)


class Engage(Asked, MemoryEngage):
    def answered(self, posts: Iterable[str]) -> set[str]:
        wanted = list(posts)
        self.asked.append(len(wanted))
        return super().answered(wanted)


def test_each_other_store_is_read_once_for_every_act_waiting() -> None:
    sellers, scores, links = Sellers(), Scores(), Links()
    w = ScoreWorld(now=NOW, scores=scores, links=links, sellers=sellers)
    w.score([reply(f"u{n}", n, 1 + n / 10) for n in range(120)])
    engage = Engage(w.ledger)
    reader = EngageReader(engage, scores, w.ledger, sellers, links)
    sellers.asked, scores.asked, links.asked = [], [], []  # the score stage's reads apart

    top = reader.queue(MODEL, w.now, 10)

    assert (len(top.entries), top.waiting) == (10, 120)
    assert engage.asked == [120]  # every act's own post, in one read
    assert sellers.asked == [120]  # every actor: the team's own acts are not to answer
    assert scores.asked == [120]
    assert links.asked == [10]  # the top's actors only
