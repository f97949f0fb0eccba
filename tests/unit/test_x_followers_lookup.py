"""Authors' follower counts from the X API v2 post lookup, asked for in the same call
(`expansions=author_id`, `user.fields=public_metrics`) and read from `includes.users`, None when X
leaves the author out (suspended, withheld): X's real provider code, the X stub answering in
process (tests/unit/in_process.py; the stub includes authors and counts only when the request
asks for them: tests/unit/test_x_followers.py). Moved from tests/integration/test_x_followers.py
(the same lookup over HTTP to the stub's server; the provider's HTTP path stays proven there by
tests/integration/test_x_api.py)."""

from __future__ import annotations

from tests.unit.in_process import provider
from tests.unit.test_x_followers import POSTS, x, x_stub


def test_each_post_carries_its_author_s_follower_count_from_the_same_call() -> None:
    stub = x_stub()
    lookups = provider(stub)

    answers = lookups.lookup([x(p) for p in POSTS])

    assert (lookups.calls, stub.calls) == (1, 1)
    followers = {p: a.facts.author_followers for p, a in answers.items() if a.facts is not None}
    # A suspended author's post is still readable; its count is unknown (None), not zero.
    assert followers == {
        x("2600000000000000001"): 20_000,
        x("2600000000000000002"): 0,
        x("2600000000000000003"): None,
    }
