"""A Meta comment's words: read in memory at ingest for the model's intent keywords and
complaint phrases, never queued; rehydrate scores their hits instead of asking a provider.

Shapes from Meta's references: a Page feed comment's `message`
(https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed) and an Instagram
comment's `text` (https://developers.facebook.com/docs/instagram-platform/webhooks/examples/).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from socialscore.domain.interaction import Interaction, OwnWords
from socialscore.domain.messages import Rehydrated
from socialscore.domain.scoring_model import ScoringModel, bundled
from socialscore.pipeline.ingest import SOURCES, Ingest
from socialscore.pipeline.rehydration import Rehydrator
from socialscore.pipeline.webhook_secrets import WebhookSecrets
from socialscore.providers.base import NoProvider
from socialscore.sources.meta import MetaSource
from socialscore_local.memory.deliveries import MemoryDeliveries
from socialscore_local.memory.post_cache import MemoryPostCache
from socialscore_local.memory.queue import MemoryQueue

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
NOW = datetime(2026, 10, 15, tzinfo=UTC)
APP_SECRET = "meta-app-secret-for-tests"
MODEL = bundled()
# A person's words: none of them may leave ingest, only the model's keywords they hit.
WORDS = "Zanzibar procurement here: our outage again, yet the pricing looks fair"


class Loads:
    """The scoring model, counting how often ingest asks for it."""

    def __init__(self, model: ScoringModel = MODEL) -> None:
        self.model, self.calls = model, 0

    def __call__(self) -> ScoringModel:
        self.calls += 1
        return self.model


def page_comment(message: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EVENTS / "meta_page_feed.json").read_bytes())
    body["entry"][0]["changes"][1]["value"]["message"] = message
    return body


def post(body: dict[str, Any], loads: Loads) -> tuple[int, list[str]]:
    """POST a signed delivery to an ingest whose Meta source reads words with `loads`."""
    rehydrate, score = MemoryQueue(defers=False), MemoryQueue(defers=False)
    door = Ingest(
        secrets=WebhookSecrets(lambda refresh: {"meta": {"app_secrets": [APP_SECRET]}}),
        interactions=rehydrate,
        retractions=score,
        deliveries=MemoryDeliveries(),
        clock=lambda: NOW,
        sources={**SOURCES, "meta": MetaSource(loads)},
    )
    raw = json.dumps(body).encode()
    signed = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    answer = door.receive("POST", "meta", {"X-Hub-Signature-256": signed}, {}, raw)
    return answer.status, [m.body for m in rehydrate.sent + score.sent]


def test_no_word_of_a_comment_reaches_the_queue_only_its_hits() -> None:
    status, bodies = post(page_comment(WORDS), Loads())
    assert status == 200
    queued = "\n".join(bodies)
    for word in ("Zanzibar", "procurement", "looks fair", WORDS):
        assert word not in queued
    [comment] = [Interaction.model_validate_json(b) for b in bodies if '"comment"' in b]
    assert comment.own_words == OwnWords(
        model_version=MODEL.version, intent_hits=["pricing"], complaint_hits=["outage"]
    )


def test_the_model_is_loaded_only_for_a_delivery_with_words_and_once_for_all_of_them() -> None:
    loads = Loads()
    reactions = json.loads((EVENTS / "meta_page_remove.json").read_bytes())
    assert post(reactions, loads)[0] == 200
    assert loads.calls == 0
    body = page_comment(WORDS)
    body["entry"][0]["changes"].append(body["entry"][0]["changes"][1])
    assert post(body, loads)[0] == 200
    assert loads.calls == 1


def test_an_instagram_comment_s_words_count_as_on_x() -> None:
    body = json.loads((EVENTS / "meta_instagram.json").read_bytes())
    [first, _] = MetaSource(Loads()).messages(json.dumps(body).encode(), NOW)
    assert isinstance(first, Interaction)
    assert first.own_words is not None
    assert first.own_words.intent_hits == ["pricing"]  # "What's the pricing for teams?"


def rehydrate(interaction: Interaction, model: ScoringModel = MODEL) -> Rehydrated:
    cache = MemoryPostCache()
    [out] = Rehydrator(cache, NoProvider()).rehydrate([interaction], model)
    assert isinstance(out, Rehydrated)
    assert cache.reads == 0  # the hits came with the act: no post to read
    return out


def comment_with(words: str, loads: Loads) -> Interaction:
    [_, comment, _] = MetaSource(loads).messages(json.dumps(page_comment(words)).encode(), NOW)
    assert isinstance(comment, Interaction)
    return comment


def test_rehydrate_scores_the_hits_a_complaint_earning_no_intent() -> None:
    buyer = rehydrate(comment_with("Can we get a demo and pricing?", Loads()))
    assert (buyer.intent_hits, buyer.complaint_hits) == (["demo", "pricing"], [])
    complaint = rehydrate(comment_with(WORDS, Loads()))
    assert (complaint.intent_hits, complaint.complaint_hits) == ([], ["outage"])
    assert complaint.interaction.own_words is None  # the hits travel once, as the message's


def test_hits_matched_under_another_model_count_where_this_model_still_lists_them() -> None:
    older = MODEL.model_copy(update={"version": "older"})
    comment = comment_with("pricing and a demo, please", Loads(older))
    newer = ScoringModel.model_validate(
        {
            **MODEL.model_dump(mode="json"),
            "version": "newer",
            "intent": {"keywords": ["Pricing", "rfp"], "bonus": 10},
        }
    )
    out = rehydrate(comment, newer)
    assert out.intent_hits == ["pricing"]  # "demo" is no keyword of the model scoring it
    same = rehydrate(comment, older)
    assert same.intent_hits == ["demo", "pricing"]
