"""The front door without the X, Meta and LinkedIn secrets (only the SMMS's set, as a stack is
deployed): a signed X delivery and a LinkedIn one answer 401, Meta's subscription check 403,
LinkedIn's challenge 401, and nothing is queued. Ingest over fakes (tests/unit/
test_ingest_front_door.py's Door). Moved from tests/integration/test_front_door.py, which keeps
serve setting the secrets on the local runtime and every source then answering."""

from __future__ import annotations

from socialscore.pipeline.ingest import Receipt
from tests.unit.test_front_door_answers import LINKEDIN_BODY, LINKEDIN_SECRET, linkedin_signed
from tests.unit.test_ingest import EVERY_SECRET, X_SECRET
from tests.unit.test_ingest_front_door import X_BODY, Door, x_signed

CHALLENGE_CODE = "890e4fa2-8f4f-4a9e-8a4b-3f2d1c0b9a87"  # a UUID v4, as LinkedIn sends


def get(door: Door, source: str, query: dict[str, str]) -> Receipt:
    return door.ingest.receive("GET", source, {}, query, b"")


def test_without_them_x_meta_and_linkedin_answer_401_and_403() -> None:
    door = Door({"smms": EVERY_SECRET["smms"]})
    verify = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "42"}

    answers = [
        door.post(X_BODY, x_signed(X_SECRET, X_BODY), "x").status,
        get(door, "meta", verify).status,
        door.post(
            LINKEDIN_BODY, linkedin_signed(LINKEDIN_SECRET, LINKEDIN_BODY), "linkedin"
        ).status,
        get(door, "linkedin", {"challengeCode": CHALLENGE_CODE}).status,
    ]

    assert answers == [401, 403, 401, 401]
    assert door.queue.calls == []
    # With them, the same requests go through (so the refusals above are the secrets' absence).
    every = Door(EVERY_SECRET | {"linkedin": {"client_secrets": [LINKEDIN_SECRET]}})
    assert every.post(X_BODY, x_signed(X_SECRET, X_BODY), "x").status == 200
    assert get(every, "meta", verify).status == 200
    assert every.post(
        LINKEDIN_BODY, linkedin_signed(LINKEDIN_SECRET, LINKEDIN_BODY), "linkedin"
    ).status in (200, 202)
    assert get(every, "linkedin", {"challengeCode": CHALLENGE_CODE}).status == 200
