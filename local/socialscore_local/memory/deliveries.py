"""The replay memory in a dict (pipeline.ports.DeliveryLog): the webhook ids a source delivered,
their bodies' digests and whether their messages were queued, each until it expires."""

from socialscore.domain.delivery import Claim


class MemoryDeliveries:
    """The replay memory in a dict: key -> (digest, expires_at, queued)."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, int, bool]] = {}

    def claim(self, key: str, digest: str, expires_at: int, now: int) -> Claim:
        found = self.items.get(key)
        if found is None or found[1] < now:
            self.items[key] = (digest, expires_at, False)
            return Claim.NEW
        if found[0] != digest:
            return Claim.CONFLICT
        return Claim.QUEUED if found[2] else Claim.NEW

    def queued(self, key: str, digest: str) -> None:
        found = self.items.get(key)
        if found is not None and found[0] == digest:
            self.items[key] = (digest, found[1], True)
