"""A comment's words, read where they arrive: matched in memory against the scoring model's
intent keywords and complaint phrases; only the hits go on (`OwnWords`), never the words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from socialscore.domain.interaction import Interaction, OwnWords
from socialscore.domain.scoring_model import ScoringModel, bundled
from socialscore.sources.base import Message, Reading

# The scoring model, loaded at most once per delivery and only when a comment has words.
ModelOnce = Callable[[], ScoringModel]


def comment_words(text: str | None, model: ModelOnce) -> OwnWords | None:
    """The hits of a comment's words; the words themselves go no further than this call."""
    if not text:
        return None
    m = model()
    return OwnWords(
        model_version=m.version,
        intent_hits=m.intent.hits(text),
        complaint_hits=m.complaints.hits(text),
    )


def with_words(interaction: Interaction, words: OwnWords | None) -> Interaction:
    return interaction.model_copy(update={"own_words": words}) if words else interaction


@dataclass
class WordsSource:
    """A source whose deliveries carry comments' words (Meta, LinkedIn), verified by a GET
    challenge. `model`: the scoring model a comment's words are matched against (the live one,
    as the other stages read it); loaded only for a delivery with words in it."""

    model: Callable[[], ScoringModel] = bundled
    success_status = 200
    methods: tuple[str, ...] = ("GET", "POST")

    def read(self, body: bytes, received: datetime) -> Reading:
        """The delivery's messages and what it ignored, counted by reason."""
        raise NotImplementedError

    def messages(self, body: bytes, received: datetime) -> list[Message]:
        return self.read(body, received).messages
