"""A signed body with any number anywhere a source reads one (times, ids) gets 2xx or a 400,
never a crash (API Gateway's 500), for every source; a 400 queues nothing. Numbers past any
id or time (10**80, 10**400, NaN, Infinity, negative) are always a 400."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_ingest import EVERY_SECRET, NOW, body_of, event, signed
from tests.unit.test_ingest_front_door import Door, meta_signed, x_signed

Body = dict[str, Any]
Path = tuple[str | int, ...]

X_AT = str(int(NOW.timestamp() * 1000) - 60_000)
META_AT = int(NOW.timestamp()) - 60


def smms_body() -> Body:
    identify = {
        "type": "identify",
        "id": "idn-1",
        "network": "x",
        "network_user_id": "71",
        "contact_id": "003A",
        "consent_basis": "opt_in",
        "occurred_at": "2026-03-01T11:00:00Z",
    }
    body: Body = json.loads(body_of(event(1, actor_id="70", target_author_id="9"), identify))
    return body


def x_body() -> Body:
    return {
        "for_user_id": "7",
        "favorite_events": [
            {
                "timestamp_ms": X_AT,
                "favorited_status": {"id_str": "1", "user": {"id_str": "7"}},
                "user": {"id_str": "42", "id": 42},
            }
        ],
        "follow_events": [
            {
                "type": "follow",
                "created_timestamp": X_AT,
                "target": {"id": "7"},
                "source": {"id": "43"},
            }
        ],
        "tweet_create_events": [
            {
                "id_str": "11",
                "timestamp_ms": X_AT,
                "user": {"id_str": "44"},
                "in_reply_to_status_id_str": "1",
                "in_reply_to_user_id_str": "7",
            }
        ],
        "tweet_delete_events": [{"status": {"id": "12", "user_id": "44"}, "timestamp_ms": X_AT}],
    }


def meta_body() -> Body:
    return {
        "object": "page",
        "entry": [
            {
                "id": "100",
                "time": META_AT,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "post_id": "100_5",
                            "comment_id": "5_6",
                            "parent_id": "100_5",
                            "from": {"id": "42"},
                            "created_time": META_AT,
                        },
                    }
                ],
            }
        ],
    }


# Every place a number is read, or an id a number could stand in for.
NUMBER_FIELDS: dict[str, list[Path]] = {
    "smms": [
        ("events", 0, "id"),
        ("events", 0, "actor_id"),
        ("events", 0, "target_author_id"),
        ("events", 0, "occurred_at"),
        ("events", 1, "network_user_id"),
        ("events", 1, "contact_id"),
        ("events", 1, "occurred_at"),
    ],
    "x": [
        ("for_user_id",),
        ("favorite_events", 0, "timestamp_ms"),
        ("favorite_events", 0, "favorited_status", "id_str"),
        ("favorite_events", 0, "user", "id"),
        ("favorite_events", 0, "user", "id_str"),
        ("follow_events", 0, "created_timestamp"),
        ("follow_events", 0, "source", "id"),
        ("tweet_create_events", 0, "id_str"),
        ("tweet_create_events", 0, "timestamp_ms"),
        ("tweet_create_events", 0, "in_reply_to_status_id_str"),
        ("tweet_delete_events", 0, "timestamp_ms"),
        ("tweet_delete_events", 0, "status", "id"),
    ],
    "meta": [
        ("entry", 0, "id"),
        ("entry", 0, "time"),
        ("entry", 0, "changes", 0, "value", "created_time"),
        ("entry", 0, "changes", 0, "value", "post_id"),
        ("entry", 0, "changes", 0, "value", "comment_id"),
        ("entry", 0, "changes", 0, "value", "from", "id"),
    ],
}
BODIES: dict[str, Callable[[], Body]] = {"smms": smms_body, "x": x_body, "meta": meta_body}
OUT_OF_RANGE: list[Any] = [10**80, -(10**80), 10**400, "9" * 400, math.nan, math.inf, -math.inf]


def sign_for(source: str, raw: bytes) -> dict[str, str]:
    if source == "smms":
        return signed(raw)
    if source == "x":
        return x_signed(EVERY_SECRET["x"]["consumer_secrets"][0], raw)
    return meta_signed(EVERY_SECRET["meta"]["app_secrets"][0], raw)


def with_value(body: Body, path: Path, value: Any) -> bytes:
    node: Any = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return json.dumps(body).encode()  # NaN and Infinity as JSON's extensions spell them


def answer(source: str, path: Path, value: Any) -> tuple[int, int]:
    door = Door()
    raw = with_value(BODIES[source](), path, value)
    status = door.post(raw, sign_for(source, raw), source).status
    return status, len(door.queue.messages)


NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 2**31, 2**53 + 1, 2**63, 2**64, 10**19, 10**20]),
    st.integers(min_value=0, max_value=10**25).map(str),
    st.sampled_from(OUT_OF_RANGE),
)
CASES = [(source, path) for source, paths in NUMBER_FIELDS.items() for path in paths]


@pytest.mark.parametrize("source", list(BODIES))
def test_the_unaltered_bodies_are_accepted(source: str) -> None:
    door = Door()
    raw = json.dumps(BODIES[source]()).encode()
    assert door.post(raw, sign_for(source, raw), source).status in (200, 202)
    assert door.queue.messages


@settings(max_examples=400, deadline=None)
@given(case=st.sampled_from(CASES), value=NUMBERS)
def test_any_number_anywhere_is_accepted_or_a_400_never_a_crash(
    case: tuple[str, Path], value: Any
) -> None:
    source, path = case
    status, queued = answer(source, path, value)
    assert status in (200, 202, 400), (source, path, value, status)
    if status == 400:
        assert queued == 0


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=repr)
@pytest.mark.parametrize(("source", "path"), CASES, ids=lambda v: ".".join(map(str, v)))
def test_a_number_out_of_any_range_is_a_400_and_queues_nothing(
    source: str, path: Path, value: Any
) -> None:
    assert answer(source, path, value) == (400, 0)
