"""What reading the engage-now queue costs the ledger, as the README states it: one read of an
actor's touches (for its buckets) only for actors that could still reach the top, and never a
scan of the ledger, however many acts wait. The reader over the score stage's fakes, the ledger
counting each profile read and each scan (socialscore_local.memory.ledger: `read`, `SCAN`)."""

from __future__ import annotations

from tests.unit.score_world import ScoreWorld
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
