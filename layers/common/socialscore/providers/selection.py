"""The social data provider rehydrate asks, as its configuration names it."""

from __future__ import annotations

from socialscore.aws.config import RehydrateConfig
from socialscore.domain.interaction import Network
from socialscore.domain.post import Lookup, PostProvider, PostRef


class NoProvider:
    """No provider (PostProvider=none): no network's posts can be looked up, so a post is
    credited on its source's word (a webhook that says whose post it is) or not at all."""

    max_ids_per_call: int | None = None
    networks: frozenset[Network] = frozenset()

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        return {ref: Lookup(None, gone_reason="no_provider_for_network") for ref in refs}


def provider_from(config: RehydrateConfig) -> PostProvider:
    if config.post_provider == "fixture":
        from socialscore.providers.fixture import FixtureProvider

        assert config.fixture_posts_path is not None  # the config checked
        return FixtureProvider(config.fixture_posts_path)
    if config.post_provider == "x":
        from socialscore.providers.x_api import BearerToken, XApiProvider

        assert config.x_api_secret_arn is not None  # the config checked
        return XApiProvider(
            BearerToken(config.x_api_secret_arn),
            config.x_api_base_url,
            backoff=config.x_api_retry_backoff_seconds,
        )
    return NoProvider()
