"""Several social data providers as one: each post asked of the first provider that reads its
network (LinkedIn's API for LinkedIn posts, X's for X posts), so that one network's spent rate
limit holds back no other network's posts."""

from __future__ import annotations

from collections.abc import Sequence

from socialscore.domain.post import PostRef
from socialscore.pipeline.ports import PostProvider
from socialscore.providers.base import Lookup, ProviderStopped


class ByNetwork:
    """Meets pipeline.ports.PostProvider. A provider that stops (rate limited, unavailable) does
    not stop the others: every one is asked, then the first stop is raised carrying everything
    answered, so the refs left are only the stopped provider's."""

    def __init__(self, providers: Sequence[PostProvider]) -> None:
        self._providers = list(providers)
        self.networks = frozenset(n for p in self._providers for n in p.networks)
        limits = [p.max_ids_per_call for p in self._providers if p.max_ids_per_call]
        # One call's worth of the smallest: a batch is never split finer than one provider needs.
        self.max_ids_per_call: int | None = min(limits) if limits else None

    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        answered: dict[PostRef, Lookup] = {}
        stopped: ProviderStopped | None = None
        left = list(refs)
        for provider in self._providers:  # the first that reads a network answers for it
            mine = [r for r in left if r.network in provider.networks]
            left = [r for r in left if r.network not in provider.networks]
            if not mine:
                continue
            try:
                answered |= provider.lookup(mine)
            except ProviderStopped as stop:
                answered |= dict(stop.answered)
                stopped = stopped or stop
        read = self.networks
        for ref in refs:
            if ref.network not in read:
                answered[ref] = Lookup(None, gone_reason="no_provider_for_network")
        if stopped is not None:
            stopped.answered = answered
            raise stopped
        return answered
