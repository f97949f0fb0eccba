"""X's and LinkedIn's providers side by side (pipeline.by_network): each post asked of the
provider for its network, and LinkedIn's daily limit spent holds no X post back."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from socialscore.aws.config import ConfigurationError, RehydrateConfig
from socialscore.domain.interaction import Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.pipeline.by_network import ByNetwork
from socialscore.providers.base import Lookup, ProviderRateLimited
from socialscore.wiring.rehydrate import post_provider

X_POST = PostRef(Network.X, "1")
LI_POST = PostRef(Network.LINKEDIN, "urn:li:share:2")
YT_POST = PostRef(Network.YOUTUBE, "abcdefghijk")


@dataclass
class Fake:
    network: Network
    max_ids_per_call: int | None
    limited: bool = False
    asked: list[list[PostRef]] = field(default_factory=list)

    @property
    def networks(self) -> frozenset[Network]:
        return frozenset({self.network})

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        self.asked.append(refs)
        if self.limited:
            raise ProviderRateLimited(reset_at=86400.0)
        facts = {r: PostFacts(network=r.network, post_id=r.post_id, author_id="a") for r in refs}
        return {r: Lookup(f) for r, f in facts.items()}


def test_each_post_goes_to_its_networks_provider() -> None:
    x, li = Fake(Network.X, 100), Fake(Network.LINKEDIN, 50)
    both = ByNetwork([x, li])
    answered = both.lookup([X_POST, LI_POST, YT_POST])
    assert (x.asked, li.asked) == ([[X_POST]], [[LI_POST]])
    assert answered[X_POST].facts is not None
    assert answered[LI_POST].facts is not None
    assert answered[YT_POST].gone_reason == "no_provider_for_network"
    assert both.networks == {Network.X, Network.LINKEDIN}
    assert both.max_ids_per_call == 50


def test_linkedins_spent_limit_holds_no_x_post_back() -> None:
    x, li = Fake(Network.X, 100), Fake(Network.LINKEDIN, 50, limited=True)
    with pytest.raises(ProviderRateLimited) as limited:
        ByNetwork([li, x]).lookup([LI_POST, X_POST])
    assert limited.value.reset_at == 86400.0
    assert set(limited.value.answered) == {X_POST}  # asked after LinkedIn stopped, answered


def test_a_post_is_asked_of_the_first_provider_reading_its_network_only() -> None:
    li, fixture = Fake(Network.LINKEDIN, 50), Fake(Network.LINKEDIN, None)
    ByNetwork([li, fixture]).lookup([LI_POST])
    assert (li.asked, fixture.asked) == ([[LI_POST]], [])


BASE_ENV = {
    "POST_CACHE_TABLE": "posts",
    "RESOLVE_QUEUE_URL": "https://sqs.example/resolve",
    "REHYDRATE_QUEUE_URL": "https://sqs.example/rehydrate",
}


def test_linkedin_provider_on_reads_linkedin_beside_x() -> None:
    env = {
        **BASE_ENV,
        "POST_PROVIDER": "x",
        "X_API_SECRET_ARN": "arn:x",
        "LINKEDIN_PROVIDER": "linkedin",
        "LINKEDIN_API_SECRET_ARN": "arn:li",
    }
    provider = post_provider(RehydrateConfig.from_environment(env))
    assert provider.networks == {Network.X, Network.LINKEDIN}
    assert provider.max_ids_per_call == 50


def test_linkedin_provider_off_reads_no_linkedin_post() -> None:
    provider = post_provider(
        RehydrateConfig.from_environment(
            {**BASE_ENV, "POST_PROVIDER": "x", "X_API_SECRET_ARN": "arn:x"}
        )
    )
    assert Network.LINKEDIN not in provider.networks


def test_linkedin_provider_without_its_secret_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="LINKEDIN_API_SECRET_ARN"):
        RehydrateConfig.from_environment({**BASE_ENV, "LINKEDIN_PROVIDER": "linkedin"})
