"""A comment's words, read where they arrive: matched in memory against the scoring model's
intent keywords and complaint phrases; only the hits go on (`OwnWords`), never the words."""

from __future__ import annotations

from collections.abc import Callable

from socialscore.domain.interaction import Interaction, OwnWords
from socialscore.domain.scoring_model import ScoringModel

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
