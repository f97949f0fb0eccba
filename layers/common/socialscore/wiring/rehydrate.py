"""The rehydrate stage's use case (the post cache, the social data provider its configuration
names with PostProvider, the short-link resolver when ShortLinks=resolve) and its queues."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialscore.aws.config import RehydrateConfig
    from socialscore.aws.sqs import SqsQueue
    from socialscore.pipeline.ports import PostProvider
    from socialscore.pipeline.rehydration import Rehydrator


def post_provider(config: RehydrateConfig) -> PostProvider:
    """The provider rehydrate asks: PostProvider's, with LinkedIn's Posts API beside it for
    LinkedIn posts when LinkedInProvider=linkedin."""
    provider = _post_provider(config)
    if config.linkedin_provider != "linkedin":
        return provider
    from socialscore.pipeline.by_network import ByNetwork
    from socialscore.providers.linkedin_api import AccessToken, LinkedInApiProvider

    assert config.linkedin_api_secret_arn is not None  # the config checked
    linkedin = LinkedInApiProvider(
        AccessToken(config.linkedin_api_secret_arn),
        config.linkedin_api_base_url,
        config.linkedin_api_version,
    )
    return ByNetwork([linkedin, provider])


def _post_provider(config: RehydrateConfig) -> PostProvider:
    """X's API, a fixture file, or none (credit on the source's word alone)."""
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
    from socialscore.providers.base import NoProvider

    return NoProvider()


def rehydrator(config: RehydrateConfig) -> Rehydrator:
    from socialscore.pipeline.rehydration import Rehydrator
    from socialscore.store.post_cache import PostCache

    provider = post_provider(config)
    short_links = None
    if config.short_links == "resolve":
        from socialscore.providers.short_links import ShortLinks

        short_links = ShortLinks()
    return Rehydrator(
        PostCache(config.post_cache_table),
        provider,
        short_links=short_links,
        # A provider answering many ids a call is asked once for a whole batch's posts.
        coalesce=provider.max_ids_per_call is not None,
    )


def queues(config: RehydrateConfig) -> tuple[SqsQueue, SqsQueue]:
    """(the resolve queue it forwards to, its own queue for deferrals)"""
    from socialscore.aws.sqs import SqsQueue

    return SqsQueue(config.resolve_queue_url), SqsQueue(config.rehydrate_queue_url)
