"""X's post lookup in memory (pipeline.ports.PostProvider), answering as XApiProvider answers
from the API (tests/stubs/x_api_stub.py), so rehydrate's rules are proven without a socket:

- at most 100 ids a call, each call recorded (`requests`), an id asked once;
- a post it holds comes with its facts and text (the author's follower count where
  `followers` names it); one it does not hold is gone `not_found`, a protected one
  `not_authorized`; an id X calls malformed (not 1 to 19 digits) is `refused` alone;
- a spent quota stops the lookup with ProviderRateLimited until the window's reset, keeping
  what the calls before it answered, and no call is made before the reset (the provider reads
  `x-rate-limit-remaining: 0` and does not waste one);
- `fail_next(n)`: the next n calls outlast the provider's retries (5xx or timeouts): the lookup
  stops with ProviderUnavailable, keeping what was answered before.

The same lookups on both: tests/integration/test_post_provider_contract.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from socialscore.aws.batch import chunks
from socialscore.domain.interaction import Network
from socialscore.domain.post import PostFacts, PostRef
from socialscore.providers.base import (
    Lookup,
    ProviderRateLimited,
    ProviderUnavailable,
    ask_in_parts,
)

MAX_IDS = 100
_X_ID = re.compile(r"[0-9]{1,19}")


class MemoryPosts:
    networks = frozenset({Network.X})
    max_ids_per_call: int | None = MAX_IDS

    def __init__(
        self,
        *,
        quota: int | None = None,
        window_seconds: int = 900,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`quota`: calls a window (None: unlimited)."""
        self.posts: dict[str, tuple[PostFacts, str]] = {}
        self.protected: set[str] = set()
        self.followers: dict[str, int] = {}  # author id -> followers_count
        self.quota = quota
        self.window_seconds = window_seconds
        self.requests: list[list[str]] = []  # the ids of every call made
        self._clock = clock
        self._window_start = clock()
        self._used = 0
        self._failures = 0

    # --- control ---------------------------------------------------------------------------
    def add(self, facts: PostFacts, text: str = "") -> None:
        self.posts[facts.post_id] = (facts, text)

    def delete(self, post_id: str) -> None:
        self.posts.pop(post_id, None)

    def fail_next(self, times: int = 1) -> None:
        self._failures += times

    @property
    def reset_at(self) -> int:
        return int(self._window_start + self.window_seconds)

    @property
    def calls(self) -> int:
        return len(self.requests)

    # --- the port --------------------------------------------------------------------------
    def lookup(self, refs: list[PostRef]) -> dict[PostRef, Lookup]:
        answered = {
            ref: Lookup(None, gone_reason="no_provider_for_network")
            for ref in refs
            if ref.network is not Network.X
        }
        ids = list(dict.fromkeys(r.post_id for r in refs if r.network is Network.X))
        refused = {i for i in ids if not _X_ID.fullmatch(i)}
        answered |= {_ref(i): Lookup(None, refused="invalid_id") for i in refused}
        asked = [i for i in ids if i not in refused]
        return ask_in_parts(answered, chunks(asked, MAX_IDS), self._call)

    def _call(self, ids: list[str]) -> dict[PostRef, Lookup]:
        if self._clock() >= self.reset_at:
            self._window_start, self._used = self._clock(), 0
        if self.quota is not None and self._used >= self.quota:
            raise ProviderRateLimited(reset_at=self.reset_at)
        self.requests.append(sorted(ids))
        if self._failures:
            self._failures -= 1
            raise ProviderUnavailable(reason="http 503: Service Unavailable")
        self._used += 1
        return {_ref(i): self._answer(i) for i in ids}

    def _answer(self, post_id: str) -> Lookup:
        if post_id in self.protected:
            return Lookup(None, gone_reason="not_authorized")
        if post_id not in self.posts:
            return Lookup(None, gone_reason="not_found")
        facts, text = self.posts[post_id]
        followers = self.followers.get(facts.author_id)
        return Lookup(facts.model_copy(update={"author_followers": followers}), text=text)


def _ref(post_id: str) -> PostRef:
    return PostRef(Network.X, post_id)
