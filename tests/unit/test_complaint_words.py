"""Complaints, pure: matching an act's own words (a complaint keeps no intent hit), the post
cache keyed by model for them, the touch, the event and the case made from ids alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialscore.crm.base import complaint_text
from socialscore.domain import permalink
from socialscore.domain.interaction import Category, Kind, Network
from socialscore.domain.ledger_rules import Key
from socialscore.domain.messages import Rehydrated, Seller
from socialscore.domain.opportunity import ComplaintCase, HotLeadTask
from socialscore.domain.owners import Owner
from socialscore.domain.post import PostFacts, PostRef
from socialscore.domain.scoring_model import ScoringModel, bundled
from socialscore.domain.touch import Touch, complaint_key, touch_of
from socialscore.pipeline import complaints
from socialscore.pipeline.crm_records import digest
from socialscore.pipeline.links import own_words
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.pipeline.routing import Router
from socialscore.providers.fixture import FixtureProvider
from socialscore_local.memory.bus import MemoryBus
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.scores import MemoryScoreStore
from tests.unit.test_rehydration import act

MODEL = bundled()
AUTHOR = "1001"
TARGET = "2600000000000000001"
REPLY = "2600000000000000002"
AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ANGRY = "Still broken after the update, and pricing went up. Worst release yet."
BUYER = "What does pricing look like for a team of 40?"


def test_a_complaint_phrase_drops_the_intent_hits_of_the_same_words() -> None:
    assert own_words(BUYER, MODEL) == (("pricing",), ())
    assert own_words(ANGRY, MODEL) == ((), ("still broken", "worst"))
    assert own_words("Congrats on the launch!", MODEL) == ((), ())
    # Whole words, any case, as intent keywords are matched.
    assert own_words("OUTAGE again?", MODEL) == ((), ("outage",))
    assert own_words("outages happen", MODEL) == ((), ())


@pytest.fixture
def provider(tmp_path: Path) -> FixtureProvider:
    facts = {"network": "x", "created_at": "2026-10-05T01:30:19Z"}
    path = tmp_path / "posts.json"
    path.write_text(
        json.dumps(
            [
                facts | {"post_id": TARGET, "author_id": AUTHOR, "text": "Refund policy update."},
                facts | {"post_id": REPLY, "author_id": "3003", "text": ANGRY},
            ]
        )
    )
    return FixtureProvider(path)


def test_only_the_act_s_own_words_make_a_complaint(provider: FixtureProvider) -> None:
    stage = Rehydrator(MemoryPostCache(), provider)

    out = stage.rehydrate(
        [
            act(1, TARGET, kind=Kind.COMMENT, own=REPLY, named=True),
            act(2, TARGET, kind=Kind.SHARE, own=REPLY, named=True),
            act(3, TARGET, named=True),
        ],
        MODEL,
    )

    assert all(isinstance(o, Rehydrated) for o in out)
    hits = [(o.intent_hits, o.complaint_hits) for o in out if isinstance(o, Rehydrated)]
    # The reply's words complain (and lose their intent hit); a share's own post is the target's
    # copy, and the target's "refund" is the brand's word: neither is read.
    assert hits == [([], ["still broken", "worst"]), ([], []), ([], [])]


def test_complaint_hits_are_cached_for_the_model_that_found_them(
    provider: FixtureProvider,
) -> None:
    cache = MemoryPostCache()
    Rehydrator(cache, provider).rehydrate(
        [act(1, TARGET, kind=Kind.COMMENT, own=REPLY, named=True)], MODEL
    )
    reply = cache.items[PostRef(Network.X, REPLY)]
    assert (reply.complaint_hits, reply.intent_hits, reply.model_version) == (
        ("still broken", "worst"),
        (),
        MODEL.version,
    )
    # A model without that phrase does not take the cached hits: the post is read again.
    calmer = ScoringModel.model_validate(
        MODEL.model_dump() | {"version": "calmer", "complaints": {"phrases": ["worst"]}}
    )
    stage = Rehydrator(cache, provider)
    (out,) = stage.rehydrate([act(2, TARGET, kind=Kind.COMMENT, own=REPLY, named=True)], calmer)

    assert isinstance(out, Rehydrated)
    assert (out.intent_hits, out.complaint_hits) == ([], ["worst"])
    assert stage.stats["looked_up"] == 1


def resolved_touch(complaint_hits: list[str], model: ScoringModel = MODEL) -> Touch:
    message = Rehydrated(
        interaction=act(7, TARGET, kind=Kind.COMMENT, own=REPLY, named=True),
        target=PostFacts(network="x", post_id=TARGET, author_id=AUTHOR),
        complaint_hits=complaint_hits,
    ).resolved("C-7", Seller(seller_id="s-ana", team="enterprise"))
    return touch_of(message, model)


def test_a_complaint_scores_the_act_and_no_intent_bonus() -> None:
    touch = resolved_touch(["worst"])
    plain = resolved_touch([])

    assert touch.weight == plain.weight == MODEL.categories[Category.ORGANIC].weights[Kind.COMMENT]
    assert (touch.complaint_hits, touch.intent_hits) == (("worst",), ())
    assert complaint_key(touch) == "complaint#x#u7#i#iid-7"


@pytest.mark.parametrize(
    "ref",
    [
        PostRef(Network.X, "1234567890123456789"),
        PostRef(Network.FACEBOOK, "12345678901234"),
        PostRef(Network.FACEBOOK, "pfbid0abcdefghijklmnopq"),
        PostRef(Network.INSTAGRAM, "Cx_9-AbCdE"),
        PostRef(Network.LINKEDIN, "urn:li:ugcPost:7123456789012345678"),
        PostRef(Network.YOUTUBE, "dQw4w9WgXcQ"),
        PostRef(Network.TIKTOK, "7234567890123456789"),
    ],
)
def test_a_link_made_from_a_post_key_reads_back_to_it(ref: PostRef) -> None:
    assert permalink.parse(permalink.link_of(ref)) == ref


def test_the_event_and_the_case_carry_ids_phrases_and_a_link_never_words() -> None:
    touch = resolved_touch(["still broken", "worst"])

    detail = complaints.detail(touch, "C-7", Owner("seller", "s-ana"))
    case = ComplaintCase.of(touch, "C-7")
    subject, description = complaint_text(case)

    assert detail == {
        "id": "complaint#x#u7#i#iid-7",
        "interaction_id": "iid-7",
        "network": "x",
        "kind": "comment",
        "profile": "x#u7",
        "contact_id": "C-7",
        "post": f"x#{TARGET}",
        "seller_id": "s-ana",
        "team": "enterprise",
        "own_post": f"x#{REPLY}",
        "permalink": f"https://x.com/i/web/status/{REPLY}",
        "phrases": ["still broken", "worst"],
        "occurred_at": "2026-11-01T12:00:00+00:00",
        "model_version": MODEL.version,
        "owner": {"type": "seller", "id": "s-ana"},
    }
    assert (case.key, case.permalink, case.seller_id) == (
        detail["id"],
        detail["permalink"],
        "s-ana",
    )
    assert subject == "Social complaint: still broken, worst"
    for part in (detail["permalink"], "x#u7", "iid-7", f"x#{TARGET}", "s-ana"):
        assert part in description
    every = json.dumps(detail) + subject + description
    assert "update" not in every  # the words stay with the network
    assert "release" not in every


def test_a_case_is_pushed_once_whatever_else_changes() -> None:
    case = ComplaintCase.of(resolved_touch(["worst"]), "C-7")
    relinked = case.model_copy(update={"contact_id": "C-8", "phrases": ["worst", "refund"]})
    task = HotLeadTask(profile="x#u7", contact_id="C-7", organic_score=30, threshold=25)

    assert digest(case, []) == digest(relinked, [])
    assert digest(case, []) != digest(task, [])


class Flags:
    def __init__(self, due: dict[Key, Touch]) -> None:
        self.due = due
        self.asked: list[list[Key]] = []
        self.marked: list[Key] = []

    def unannounced(self, keys: list[Key]) -> dict[Key, Touch]:
        self.asked.append(keys)
        return {k: t for k, t in self.due.items() if k in keys and k not in self.marked}

    def mark(self, keys: list[Key]) -> None:
        self.marked += keys


class Links:
    def __init__(self, owners: dict[str, str]) -> None:
        self.owners = owners

    def owners_of(self, identities: list[str]) -> dict[str, str]:
        return {i: self.owners[i] for i in identities if i in self.owners}


class History:
    def __init__(self, *touches: Touch) -> None:
        self.touches = list(touches)

    def touches_of(self, profile: str) -> list[Touch]:
        return [t for t in self.touches if t.profile == profile]


def test_a_complaint_is_announced_before_it_is_flagged_and_once() -> None:
    touch, plain = resolved_touch(["worst"]), resolved_touch([])
    key = (touch.profile, touch.dedupe_key)
    flags, bus = Flags({key: touch}), MemoryBus(refuse=True)
    scores = MemoryScoreStore()  # the profile's organic item: its tally names Ana
    scores.add(touch.profile, Category.ORGANIC, touch.units, seller="s-ana")
    router = Router(Links({}), scores, History(touch), "social-team")

    assert complaints.announce([plain], {}, flags, bus, router) == []
    assert flags.asked == []  # no complaint in the batch: no read
    with pytest.raises(RuntimeError):
        complaints.announce([touch], {"x#u7": "C-7"}, flags, bus, router)
    assert flags.marked == []  # not on the bus: not flagged, so the retry announces it

    bus.refuse = False
    said = complaints.announce([touch, touch], {"x#u7": "C-7"}, flags, bus, router)
    again = complaints.announce([touch], {"x#u7": "C-7"}, flags, bus, router)

    assert said == ["complaint#x#u7#i#iid-7"]
    assert again == []
    assert [(t, d["id"], d["contact_id"], d["owner"]) for t, d in bus.events] == [
        ("Complaint", "complaint#x#u7#i#iid-7", "C-7", {"type": "seller", "id": "s-ana"})
    ]
    assert flags.marked == [key]
