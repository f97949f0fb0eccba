"""The social data provider interface: what rehydrate asks for the posts only a provider can
tell it about, and the two ways a provider stops before it has answered everything."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from socialscore.domain.interaction import Network
from socialscore.domain.post import PostFacts, PostRef


@dataclass(frozen=True)
class Lookup:
    """A provider's answer for one post. `text` lives in memory only, for intent matching.

    No facts and a `gone_reason`: the post is gone (deleted, not found, not authorised), and
    rehydrate drops what needs it. No facts and no reason: the provider cannot tell (a fixture
    file that does not list the post), so a target is unknown but an act's own post is not
    known to be deleted. `refused`: the provider refuses to look the id up at all (X's 400 for a
    malformed id), and what needs it fails alone, for an operator to see in the DLQ.
    """

    facts: PostFacts | None
    text: str | None = field(default=None, repr=False)  # never in a log line or an error
    gone_reason: str | None = None
    refused: str | None = None


@dataclass
class ProviderStopped(Exception):
    """The provider stopped before answering every ref; `answered` holds what it did answer."""

    answered: Mapping[PostRef, Lookup] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{type(self).__name__}: {len(self.answered)} refs answered"


@dataclass
class ProviderRateLimited(ProviderStopped):
    """The provider's rate limit is spent until `reset_at` (unix seconds)."""

    reset_at: float = 0.0


@dataclass
class ProviderUnavailable(ProviderStopped):
    """Server errors or timeouts outlasted the retries: try again later."""

    reason: str = "unavailable"


def ask_in_parts(
    answered: dict[PostRef, Lookup],
    parts: Iterable[list[str]],
    ask: Callable[[list[str]], dict[PostRef, Lookup]],
) -> dict[PostRef, Lookup]:
    """`answered` and each part's answer; a stop carries all answered before it on."""
    for part in parts:
        try:
            answered |= ask(part)
        except ProviderStopped as stopped:
            stopped.answered = answered | dict(stopped.answered)
            raise
    return answered


class NoProvider:
    """No provider (PostProvider=none): it can read no network, so rehydrate never asks it. A
    post is credited on its source's word (a webhook that says whose post it is) or not at all,
    and an act's own post earns no intent bonus. It meets pipeline.ports.PostProvider."""

    max_ids_per_call: int | None = None
    networks: frozenset[Network] = frozenset()

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        return {ref: Lookup(None, gone_reason="no_provider_for_network") for ref in refs}
