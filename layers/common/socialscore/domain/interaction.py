"""Interactions: what a social user did to a post, normalised across sources."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
)

from socialscore.domain.limits import key_part


class Network(StrEnum):
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    LINKEDIN = "linkedin"
    YOUTUBE = "youtube"
    TIKTOK = "tiktok"


class Kind(StrEnum):
    LIKE = "like"
    SHARE = "share"
    QUOTE = "quote"
    COMMENT = "comment"
    MENTION = "mention"
    FOLLOW = "follow"
    CLICK = "click"


class Category(StrEnum):
    ORGANIC = "organic"
    PAID = "paid"


PAID_TAG = "paid"


def category_of(tags: list[str]) -> Category:
    """Organic unless the source tags the interaction as paid: the two are never summed."""
    return Category.PAID if PAID_TAG in tags else Category.ORGANIC


def normalise_tags(tags: list[str]) -> list[str]:
    # Sorted and unique so that the same event always serialises the same way.
    return sorted({t.strip().lower() for t in tags if t.strip()})


# The characters SQS carries: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
# A body holding U+FFFE, U+FFFF or a lone surrogate fails its send on every retry; control
# characters travel JSON-escaped, but no id, tag or link means one. Ingest refuses them all with
# the field named, and no message model can be built holding one.
NOT_QUEUEABLE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def queueable(value: str) -> str:
    bad = NOT_QUEUEABLE.search(value)
    if bad is not None:
        raise ValueError(f"holds U+{ord(bad.group()):04X}, a character SQS does not carry")
    return value


def _queueable_input(value: object) -> object:
    return queueable(value) if isinstance(value, str) else value


# Every string a message carries, and every string a webhook sends that may reach one.
Text = Annotated[str, AfterValidator(queueable)]
# One that ends up in a DynamoDB key: too long, it would fail its whole batch's write.
KeyText = Annotated[Text, AfterValidator(key_part)]
# Checked before parsing: pydantic would percent-encode the character into a link nobody wrote.
Permalink = Annotated[HttpUrl, BeforeValidator(_queueable_input), Field(max_length=2048)]
FIRST_POST = datetime(2006, 3, 21, tzinfo=UTC)  # the first tweet: nothing social is older
CLOCK_SKEW = timedelta(days=1)


def _plausible(moment: datetime) -> datetime:
    # A typo'd year would overflow the decayed score (2 ** (years / half-life)): refuse it here,
    # with the field named, rather than fail a whole batch downstream.
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: outside datetime's range in UTC
        raise ValueError("must lie between 2006-03-21 and now") from None
    if not FIRST_POST <= moment <= datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("must lie between 2006-03-21 and now")
    return moment


# Any offset in, UTC out: stored times then compare and sort correctly as text.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_plausible)]
# Constraints before the check: after a validator, pydantic would drop them from the JSON Schema.
UserId = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$"),
    AfterValidator(queueable),
]
Tags = Annotated[
    list[Annotated[str, Field(max_length=64), AfterValidator(queueable)]], Field(max_length=20)
]
ContactId = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(queueable)]
OwnerId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]


# Every stage message (and every model one carries) reads fields it does not know and drops
# them: during a rolling deploy the previous version's stages read what the next one writes, and
# the next reads what is still queued from the previous one (a field since removed). Refused,
# such a message would be poison and end in a DLQ. What a webhook may send is decided by the
# sources' own models; what code may build, by mypy (pydantic's init_forbid_extra).
MESSAGE = ConfigDict(frozen=True, extra="ignore")


class Act(BaseModel):
    """What every message about one act carries: who did what to which post, when."""

    model_config = MESSAGE

    interaction_id: KeyText
    source: Text
    network: Network
    kind: Kind
    actor_id: UserId
    # The target's post key (network#post_id), where the source gave ids or ingest read the link.
    target_post: KeyText | None = None
    occurred_at: UtcDatetime

    @property
    def actor_key(self) -> str:
        return identity_key(self.network, self.actor_id)


Hits = Annotated[list[Annotated[Text, Field(max_length=80)]], Field(max_length=200)]


class OwnWords(BaseModel):
    """What an act's own words hit, matched where the words arrived (Meta sends a comment's text
    with the change): the scoring model's keywords and phrases, never the person's words. Both
    lists are as matched: rehydrate applies the rules (a complaint earns no intent) and checks
    them against the model it scores with."""

    model_config = MESSAGE

    model_version: Text  # the scoring model the words were matched against
    intent_hits: Hits = Field(default_factory=list)
    complaint_hits: Hits = Field(default_factory=list)


class Interaction(Act):
    """The normalised interaction that travels between stages: ids and permalinks only."""

    type: Literal["interaction"] = "interaction"
    category: Category
    target_permalink: Text | None = None
    target_user_id: UserId | None = None
    interaction_permalink: Text | None = None
    own_post: KeyText | None = None  # the act's own post key (a reply, a retweet)
    # Where the source says whose post it is (X, Meta, an SMMS that published it) and when it
    # was posted: credited on its word, without asking a provider.
    target_author_id: UserId | None = None
    target_created_at: UtcDatetime | None = None
    tags: Annotated[list[Text], AfterValidator(normalise_tags)] = Field(default_factory=list)
    # Where the source sent the act's own words with it: their hits, read in memory at ingest,
    # so that no text is queued and no provider is asked. Left out of the JSON when none.
    own_words: OwnWords | None = Field(default=None, exclude_if=lambda v: v is None)


class Retraction(Act):
    """Takes back one act (an unlike, an unfollow, a removed reaction), wherever it arrives in
    the order: its interaction_id is the one the act itself got (act_id)."""

    type: Literal["retraction"] = "retraction"

    @classmethod
    def of(cls, undone: Act) -> Retraction:
        """Takes back `undone`, an act built from the take-back's own report (its ids, and the
        moment it was taken back): the act's ids are stated once, where the act is built."""
        return cls(**undone.model_dump(include=set(Act.model_fields)))


class PostDeleted(BaseModel):
    """A post is gone: the touches it made (a reply, a retweet) are retracted, caches purged."""

    model_config = MESSAGE

    type: Literal["post_deleted"] = "post_deleted"
    source: Text
    post: KeyText  # network#post_id
    occurred_at: UtcDatetime
    # The score stage looks the post's acts up twice, the second time a minute later: the index
    # it reads is eventually consistent, and an act written just before the deletion may lag.
    sweep: Annotated[int, Field(ge=1, le=2)] = 1


class Answered(BaseModel):
    """Someone answered an act (an SMMS's `answered` event): it leaves the engage-now queue."""

    model_config = MESSAGE

    type: Literal["answered"] = "answered"
    event_id: Text
    source: Text
    post: KeyText  # the answered act's own post, network#post_id
    occurred_at: UtcDatetime


class Erase(BaseModel):
    """Forget a person: a contact (every identity linked to it) or one social identity. Their
    touches leave the aggregates, then their ledger entries, scores and identity links go."""

    model_config = MESSAGE

    type: Literal["erase"] = "erase"
    event_id: Text
    source: Text
    contact_id: KeyText | None = None
    identity: KeyText | None = None  # network#user_id
    occurred_at: UtcDatetime
    # An erasure by contact looks for its identities twice, the second time a minute later: the
    # index it reads is eventually consistent, and a link written just before may lag. The first
    # is sent as it always was, with no `sweep`.
    sweep: Annotated[int, Field(ge=1, le=2)] = Field(default=1, exclude_if=lambda v: v == 1)


class ConsentBasis(StrEnum):
    OPT_IN = "opt_in"
    SOURCE_ASSERTED = "source_asserted"


class LinkBasis(StrEnum):
    """A link socialscore made itself, never one a source may claim: from the CRM contact's own
    social field (crm_sync), or decided by an operator in the review queue."""

    CRM_RECORD = "crm_record"
    REVIEWED = "reviewed"


def link_basis(value: str) -> ConsentBasis | LinkBasis:
    """A stored link's basis."""
    return ConsentBasis(value) if value in ConsentBasis.__members__.values() else LinkBasis(value)


class Identify(BaseModel):
    """Links a social network user id to a marketing contact, with the consent basis recorded."""

    model_config = MESSAGE

    type: Literal["identify"] = "identify"
    event_id: Text
    source: Text
    network: Network
    network_user_id: UserId
    contact_id: ContactId
    consent_basis: ConsentBasis | LinkBasis
    occurred_at: UtcDatetime
    # The contact's owner in the CRM (a Salesforce user id, a HubSpot owner id), when the source
    # knows it: whom a hot lead or complaint of this contact is routed to (domain.owners).
    owner_id: OwnerId | None = Field(default=None, exclude_if=lambda v: v is None)

    @property
    def identity(self) -> str:
        return identity_key(self.network, self.network_user_id)


def identity_key(network: Network | str, user_id: str) -> str:
    return f"{network}#{user_id}"
