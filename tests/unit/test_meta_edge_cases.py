"""Meta as Meta sends it: reactions on comments, a reaction changed by `remove` + `add` at one
second, Messenger entries and other objects on the same callback, Instagram live comments and
mentions. Shapes from Meta's references:
- Page feed: https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed
- Messenger: https://developers.facebook.com/documentation/business-messaging/messenger-platform/
  webhooks/webhook-events/messages ("Message with attachment", its entry as Meta shows it)
- Instagram: https://developers.facebook.com/docs/instagram-platform/webhooks/examples/ and
  https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from socialscore.domain.interaction import Interaction, Kind, Network, Retraction
from socialscore.domain.ledger_rules import Key, LedgerEntry, entries
from socialscore.domain.messages import Rehydrated
from socialscore.domain.scoring_model import bundled
from socialscore.domain.touch import Touch, Withdrawal, touch_of, withdrawal_of
from socialscore.sources.base import Message
from socialscore.sources.meta import MetaSource

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
NOW = datetime(2026, 10, 15, tzinfo=UTC)
PAGE = "104857600000001"
POST_ID = f"{PAGE}_778899001122334"
PAT = "6543210987654321"
MODEL = bundled()
SOURCE = MetaSource()


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_bytes())
    return loaded


def read(body: dict[str, Any]) -> tuple[list[Message], dict[str, int]]:
    reading = SOURCE.read(json.dumps(body).encode(), NOW)
    return reading.messages, dict(reading.ignored)


def ledger_events(messages: list[Message]) -> list[Touch | Withdrawal]:
    """What the score stage makes of these messages (no seller, no contact: none is needed)."""
    out: list[Touch | Withdrawal] = []
    for m in messages:
        if isinstance(m, Interaction):
            out.append(touch_of(Rehydrated(interaction=m).resolved(None, None), MODEL))
        elif isinstance(m, Retraction):
            out.append(withdrawal_of(m, MODEL))
    return out


def stored(batches: list[list[Touch | Withdrawal]]) -> dict[Key, LedgerEntry]:
    """The ledger after these batches, each merged into what the ones before stored."""
    ledger: dict[Key, LedgerEntry] = {}
    for batch in batches:
        for key, entry in entries(batch).items():
            ledger[key] = ledger.get(key, LedgerEntry()).merge(entry)
    return ledger


def counted_likes(ledger: dict[Key, LedgerEntry]) -> list[str]:
    return [t.post or "" for e in ledger.values() if (t := e.counted) and t.kind is Kind.LIKE]


def test_a_reaction_on_a_comment_is_no_like_and_its_removal_takes_no_like_back() -> None:
    body = payload("meta_page_reactions.json")
    like_of_post = {**body["entry"][0]["changes"][2]["value"], "created_time": 1792107000}
    on_comment = body["entry"][0]["changes"][0]["value"]
    body["entry"][0]["changes"] = [
        {"field": "feed", "value": like_of_post},
        {"field": "feed", "value": on_comment},
        {"field": "feed", "value": {**on_comment, "verb": "remove", "created_time": 1792107300}},
    ]
    messages, ignored = read(body)
    assert ignored == {"reaction_on_comment": 2}
    assert [type(m) for m in messages] == [Interaction]
    assert counted_likes(stored([ledger_events(messages)])) == ["facebook#778899001122334"]


def test_a_like_changed_to_love_by_remove_and_add_at_one_second_stays_a_like() -> None:
    body = payload("meta_page_reactions.json")
    body["entry"][0]["changes"] = body["entry"][0]["changes"][1:]  # remove like, add love
    messages, _ = read(body)
    unlike, love = messages
    assert isinstance(unlike, Retraction)
    assert isinstance(love, Interaction)
    assert unlike.interaction_id == love.interaction_id  # one like, whatever its type
    events = ledger_events(messages)
    for order in (events, events[::-1]):  # whichever arrives first
        assert counted_likes(stored([[e] for e in order])) == ["facebook#778899001122334"]


def _reaction(verb: str, second: int, reaction: str) -> dict[str, Any]:
    return {
        "field": "feed",
        "value": {
            "item": "reaction",
            "verb": verb,
            "reaction_type": reaction,
            "post_id": POST_ID,
            "parent_id": POST_ID,
            "from": {"id": PAT},
            "created_time": 1792107200 + second,
        },
    }


CHANGES = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "edit"]),
        st.integers(0, 3),
        st.sampled_from(["like", "love", "haha", "anger"]),
    ),
    min_size=1,
    max_size=8,
)


@given(CHANGES, st.randoms(use_true_random=False), st.integers(1, 4))
def test_reaction_changes_end_in_the_latest_state_in_any_order_and_batching(
    changes: list[tuple[str, int, str]], shuffle: random.Random, batches: int
) -> None:
    """Within one second a removal comes first: the person still reacts when the latest second
    holds an add (or an edit), whatever order the changes arrive in and however they batch."""
    latest = max(second for _, second, _ in changes)
    reacts = any(verb != "remove" for verb, second, _ in changes if second == latest)
    body = {
        "object": "page",
        "entry": [{"id": PAGE, "changes": [_reaction(*c) for c in changes]}],
    }
    events = ledger_events(read(body)[0])
    shuffle.shuffle(events)
    split = [events[n::batches] for n in range(batches)]
    assert bool(counted_likes(stored(split))) is reacts


def test_messenger_entries_are_acknowledged_and_the_feed_beside_them_is_read() -> None:
    body = payload("meta_messenger.json")  # `time` in milliseconds, as Messenger sends it
    body["entry"].append(payload("meta_page_feed.json")["entry"][0])
    messages, ignored = read(body)
    assert [m.kind for m in messages if isinstance(m, Interaction)] == [
        Kind.LIKE,
        Kind.COMMENT,
        Kind.SHARE,
    ]
    assert ignored == {"messaging_event": 1, "own_activity": 1}  # the page's own status


def test_an_instagram_live_comment_is_a_comment_and_a_mention_names_nobody_to_credit() -> None:
    messages, ignored = read(payload("meta_instagram_live_mentions.json"))
    [live] = messages
    assert isinstance(live, Interaction)
    assert (live.network, live.kind, live.target_post, live.own_post) == (
        Network.INSTAGRAM,
        Kind.COMMENT,
        "instagram#17895695668009999",
        "instagram#17865799348089077",
    )
    assert live.own_words is not None
    assert live.own_words.intent_hits == ["pricing"]
    assert ignored == {"mention_without_author": 1}


def test_fields_not_read_are_counted() -> None:
    # A story's insights: https://developers.facebook.com/docs/graph-api/webhooks/
    # getting-started/webhooks-for-instagram/ (its sample, trimmed to two metrics).
    insights = {"field": "story_insights", "value": {"media_id": "18023345989012587", "reach": 17}}
    body = {"object": "instagram", "entry": [{"id": "17841405309211844", "changes": [insights]}]}
    assert read(body) == ([], {"field_story_insights": 1})
