"""A backfill file read and validated in full before anything is sent: SMMS events in the
product's own contract (the webhook's `events`, one a line), as JSON lines or as CSV.

Each line is validated with the SMMS source's own models and normalised exactly as ingest
normalises a webhook's events, so every rule of the contract holds unchanged. A refused line is
reported by its number, the field at fault and why (pydantic's message, or one of the fixed
words below), never its value. An interaction may carry `own_text`, the act's own words (a
comment, quote or mention): matched against the scoring model's intent keywords and complaint
phrases here, in memory, as Meta's comment text is; only the hits travel on, the words go no
further. A `text` field is dropped, as the webhook drops post text: it may be the text of the
post acted on (a like may carry one), which says nothing of the act's own words.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError, ValidationInfo, field_validator

from socialscore.domain.interaction import OwnWords
from socialscore.domain.scoring_model import ScoringModel
from socialscore.pipeline.links import OWN_WORDS
from socialscore.sources.base import Message
from socialscore.sources.smms import SmmsInteraction
from socialscore.sources.smms_events import SmmsAnswered, SmmsErase, SmmsIdentify

MAX_LINE_BYTES = 64 * 1024  # a webhook event is a few hundred bytes; a longer line is an error
MAX_TEXT = 10_000  # characters of an act's own words (a long LinkedIn comment is 1,250)
SHOWN = 20  # refused lines named in the summary; the rest are counted by reason
CSV_LIST = "|"  # separates a CSV cell's tags


class BackfillInteraction(SmmsInteraction):
    """An SMMS interaction with, optionally, the act's own words for intent (never stored)."""

    own_text: str | None = Field(
        default=None,
        max_length=MAX_TEXT,
        description="The act's own words (comment, quote, mention): read for intent only.",
    )

    @field_validator("own_text")
    @classmethod
    def _own_words(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if value is not None and kind is not None and kind not in OWN_WORDS:
            raise ValueError(f"a {kind.value} has no words of its own")
        return value


Event = Annotated[
    BackfillInteraction | SmmsIdentify | SmmsErase | SmmsAnswered, Field(discriminator="type")
]
_EVENT: TypeAdapter[Any] = TypeAdapter(Event)


@dataclass(frozen=True)
class Refusal:
    line: int
    reason: str  # `field: message`, or a fixed word: never the line's value


@dataclass
class Reading:
    """The file's messages in its order, by line number, and the lines refused."""

    messages: list[tuple[int, Message]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    lines: int = 0  # lines with an event (blank lines are not counted)
    digest: str = ""  # sha256 of the file's bytes: a resume cursor holds only for this file

    def refused_by_reason(self) -> Counter[str]:
        return Counter(r.reason for r in self.refused)


Words = Callable[[str], OwnWords]
# Pydantic's message for an unknown event type quotes the value: these say it without.
_TAG_ERRORS = {
    "union_tag_invalid": "type: not one of interaction, identify, erase, answered",
    "union_tag_not_found": "type: missing",
}


def model_words(model: ScoringModel) -> Words:
    """Matches an act's words against the model the stages score with (Meta's comment rule)."""

    def words(text: str) -> OwnWords:
        return OwnWords(
            model_version=model.version,
            intent_hits=model.intent.hits(text),
            complaint_hits=model.complaints.hits(text),
        )

    return words


def read_file(path: Path, words: Words | None = None) -> Reading:
    """Every line of the file validated and normalised; `words` matches an act's text (None:
    text is refused, there being no model to read it with)."""
    data = path.read_bytes()
    reading = Reading(digest=hashlib.sha256(data).hexdigest())
    rows = _csv_rows(data) if path.suffix.lower() == ".csv" else _json_rows(data)
    for number, row in rows:
        reading.lines += 1
        if isinstance(row, str):
            reading.refused.append(Refusal(number, row))
            continue
        found = _message(row, words)
        if isinstance(found, str):
            reading.refused.append(Refusal(number, found))
        else:
            reading.messages.append((number, found))
    return reading


def _message(row: Any, words: Words | None) -> Message | str:
    try:
        event = _EVENT.validate_python(row)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        return _TAG_ERRORS.get(first["type"]) or f"{_field(first['loc'])}: {first['msg']}"
    if not isinstance(event, BackfillInteraction):
        message: Message = event.normalise()
        return message
    interaction = event.normalise()
    if event.own_text is None:
        return interaction
    if words is None:
        return "own_text: no scoring model to read it with"
    # The words are matched here and dropped: only the model's hits travel on.
    return interaction.model_copy(update={"own_words": words(event.own_text)})


def _field(loc: tuple[int | str, ...]) -> str:
    """The field as the file names it: pydantic puts the event's type (the union's tag) first."""
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or "line"


def _json_rows(data: bytes) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            yield number, f"line: over {MAX_LINE_BYTES:,} bytes"
            continue
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            yield number, "line: not JSON"
            continue
        yield number, value if isinstance(value, dict) else "line: not a JSON object"


def _csv_rows(data: bytes) -> Iterator[tuple[int, Any]]:
    """A header naming the contract's fields, then one event a row; an empty cell is a field
    left out, tags are separated by |."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield 1, "file: not UTF-8"
        return
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            number = reader.line_num
            if None in row or any(v is None for v in row.values()):
                yield number, "line: not as many cells as the header"
                continue
            cells: dict[str, Any] = {k: v for k, v in row.items() if k and v != ""}
            if not cells:
                continue
            if sum(len(v) for v in cells.values()) > MAX_LINE_BYTES:
                yield number, f"line: over {MAX_LINE_BYTES:,} bytes"
                continue
            if "tags" in cells:
                cells["tags"] = [t for t in cells["tags"].split(CSV_LIST) if t]
            yield number, cells
    except csv.Error:
        yield reader.line_num, "line: not CSV"
