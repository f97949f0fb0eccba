"""The social data provider rehydrate asks, as its configuration names it."""

from __future__ import annotations

from socialscore.aws.config import RehydrateConfig
from socialscore.providers.base import NoProvider, PostProvider


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
