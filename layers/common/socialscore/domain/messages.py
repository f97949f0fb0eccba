"""What travels between the stages, one union per queue.

Ingest sends interactions, identity links and deleted posts to rehydrate, and retractions,
erasures and answers (which need no post facts) straight to score. Rehydrate adds the target
post's facts; resolve adds the contact and the credited seller.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from socialscore.domain.interaction import (
    MESSAGE,
    Answered,
    Erase,
    Identify,
    Interaction,
    PostDeleted,
    Retraction,
)
from socialscore.domain.post import PostFacts


class Seller(BaseModel):
    """An employee or brand account whose posts earn credit, and the team it counts for."""

    model_config = MESSAGE

    seller_id: str
    team: str


class _Enriched(BaseModel):
    """An interaction and what the stages learnt about it."""

    model_config = MESSAGE

    interaction: Interaction
    target: PostFacts | None = None  # the facts of the post acted on
    intent_hits: list[str] = []  # the intent keywords the act's own words hit
    # The complaint phrases they hit (phrases, never the words): such an act has no intent hits.
    # Left out of the JSON when none: packs of 100 messages stay the size they were.
    complaint_hits: list[str] = Field(default=[], exclude_if=lambda hits: not hits)
    # The acting account's follower count, as the provider reported it with the act's own post
    # (the influencer bucket's `followers`); None (left out of the JSON): not known.
    actor_followers: int | None = Field(default=None, exclude_if=lambda n: n is None)


class Rehydrated(_Enriched):
    """An interaction with the facts of its target post and the intent keywords (or complaint
    phrases) its own post hit."""

    type: Literal["rehydrated"] = "rehydrated"

    def resolved(self, contact_id: str | None, seller: Seller | None) -> Resolved:
        return Resolved(
            interaction=self.interaction,
            target=self.target,
            intent_hits=self.intent_hits,
            complaint_hits=self.complaint_hits,
            actor_followers=self.actor_followers,
            contact_id=contact_id,
            seller=seller,
        )


class Resolved(_Enriched):
    """Ready to score. contact_id is None for an anonymous profile (not linked yet)."""

    type: Literal["resolved"] = "resolved"
    contact_id: str | None = None
    seller: Seller | None = None


# What ingest reads out of a delivery, each then sent to rehydrate's queue or score's.
Message = Interaction | Identify | Retraction | PostDeleted | Erase | Answered
RehydrateMessage = Interaction | Identify | PostDeleted
ResolveMessage = Rehydrated | Identify | PostDeleted
ScoreMessage = Resolved | Retraction | PostDeleted | Erase | Answered

REHYDRATE_MESSAGE: TypeAdapter[RehydrateMessage] = TypeAdapter(
    Annotated[RehydrateMessage, Field(discriminator="type")]
)
RESOLVE_MESSAGE: TypeAdapter[ResolveMessage] = TypeAdapter(
    Annotated[ResolveMessage, Field(discriminator="type")]
)
SCORE_MESSAGE: TypeAdapter[ScoreMessage] = TypeAdapter(
    Annotated[ScoreMessage, Field(discriminator="type")]
)
