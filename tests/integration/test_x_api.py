"""The X API v2 provider's real HTTP code against the local stub of the API: what needs the wire
(timeouts, retries and their backoff, kept-alive connections, redirects, X's error bodies, the
token's refresh) or AWS (the token's secret). How the provider cuts, dedupes, splits and stops its
calls is proven in process: tests/unit/test_x_api_calls.py, test_x_api_refusals.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from socialscore.aws import clients
from socialscore.providers.base import ProviderUnavailable
from socialscore.providers.x_api import BearerToken, XApiProvider
from tests.stubs.x_api_stub import XApiStub, post
from tests.unit.test_x_api_calls import AUTHOR, ids, x


@pytest.fixture
def stub() -> Iterator[XApiStub]:
    with XApiStub() as s:
        yield s


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def provider(stub: XApiStub, **kwargs: object) -> XApiProvider:
    options: dict[str, object] = {"sleep": Sleeps(), "timeout": 2.0} | kwargs
    return XApiProvider(lambda refresh: stub.token, stub.url, **options)  # type: ignore[arg-type]


def test_a_long_post_s_full_text_is_read_for_intent(stub: XApiStub) -> None:
    stub.posts["7"] = post(AUTHOR, text="We are evaluating…", note="We are evaluating vendors")
    assert provider(stub).lookup([x(7)])[x(7)].text == "We are evaluating vendors"


def test_unknown_and_protected_posts_come_back_gone_with_their_reason(stub: XApiStub) -> None:
    stub.posts["1"] = post(AUTHOR)
    stub.posts["3"] = post(AUTHOR)
    stub.protected.add("3")

    answers = provider(stub).lookup([x(1), x(2), x(3)])

    assert answers[x(1)].facts is not None
    assert (answers[x(2)].facts, answers[x(2)].gone_reason) == (None, "not_found")
    assert (answers[x(3)].facts, answers[x(3)].gone_reason) == (None, "not_authorized")
    assert stub.calls == 1  # gone is an answer, not an error: no retry


def test_5xx_is_retried_with_growing_backoff_then_answers(stub: XApiStub) -> None:
    stub.posts["1"] = post(AUTHOR)
    stub.fail_next(503, times=2)
    sleeps = Sleeps()

    answers = provider(stub, sleep=sleeps, backoff=0.5).lookup([x(1)])

    assert answers[x(1)].facts is not None
    assert stub.statuses == [503, 503, 200]
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0
    assert 1.0 <= sleeps[1] <= 2.0


def test_5xx_past_the_attempts_is_unavailable_with_earlier_answers_kept(
    stub: XApiStub,
) -> None:
    wanted = ids(101)
    for post_id in wanted:
        stub.posts[post_id] = post(AUTHOR)
    stub.fail_next(502, times=3, after=1)  # the first chunk answers, the second meets 502s

    with pytest.raises(ProviderUnavailable) as down:
        provider(stub, attempts=3).lookup([x(i) for i in wanted])

    assert stub.statuses == [200, 502, 502, 502]
    assert set(down.value.answered) == {x(i) for i in wanted[:100]}
    assert "502" in down.value.reason


def test_a_timeout_is_retried(stub: XApiStub) -> None:
    stub.posts["1"] = post(AUTHOR)
    stub.stall_next(1.0)

    answers = provider(stub, timeout=0.2).lookup([x(1)])

    assert answers[x(1)].facts is not None
    assert stub.calls == 2


def test_timeouts_past_the_attempts_are_unavailable(stub: XApiStub) -> None:
    stub.posts["1"] = post(AUTHOR)
    stub.stall_next(0.6, times=2)
    with pytest.raises(ProviderUnavailable):
        provider(stub, timeout=0.2, attempts=2).lookup([x(1)])
    assert stub.calls == 2


def test_a_401_fetches_the_token_afresh_once(stub: XApiStub) -> None:
    stub.posts["1"] = post(AUTHOR)
    asked: list[bool] = []

    def token(refresh: bool) -> str:
        asked.append(refresh)
        return stub.token if True in asked else "stale-token"

    answers = XApiProvider(token, stub.url).lookup([x(1)])

    assert answers[x(1)].facts is not None
    assert stub.statuses == [401, 200]
    assert True in asked


def test_a_wrong_token_is_unavailable_not_a_loop(stub: XApiStub) -> None:
    with pytest.raises(ProviderUnavailable) as refused:
        XApiProvider(lambda refresh: "wrong", stub.url).lookup([x(1)])
    assert refused.value.reason == "http_401"
    assert stub.statuses == [401, 401]


@pytest.mark.parametrize(
    ("secret", "token"),
    [('{"bearer_token": "AAAA%2Fb"}', "AAAA%2Fb"), ("AAAA%2Fb\n", "AAAA%2Fb"), ("{}", "")],
)
def test_the_bearer_token_comes_from_secrets_manager(
    secret: str, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        clients.reset()
        parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped
        arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="x-api", SecretString=secret
        )["ARN"]
        read = BearerToken(arn)
        assert read() == token
        boto3.client("secretsmanager", region_name="us-east-1").put_secret_value(
            SecretId=arn, SecretString='{"bearer_token": "rotated"}'
        )
        assert read() == token  # cached
        assert read(refresh=True) == "rotated"
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped
    clients.reset()


# --- HTTP: redirects, pooling, logs -----------------------------------------------------------
@pytest.fixture
def elsewhere() -> Iterator[XApiStub]:
    """Another host (another port: another origin), which must never be asked anything."""
    with XApiStub() as s:
        yield s


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> str:
    """A service name of the test's own: its logger is made now, writing to captured stdout."""
    name = f"x-api-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", name)
    return name


def log_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_and_the_token_never_leaves_for_another_host(
    stub: XApiStub,
    elsewhere: XApiStub,
    status: int,
    service: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stub.posts["1"] = post(AUTHOR)
    stub.redirect_next(status, f"{elsewhere.url}/2/tweets?ids=1&tweet.fields=author_id")

    with pytest.raises(ProviderUnavailable) as refused:
        provider(stub).lookup([x(1)])

    assert refused.value.reason == f"http_{status}_redirect_not_followed"
    assert stub.statuses == [status]  # not retried either: a redirect will not go away
    assert elsewhere.connections == 0
    assert elsewhere.requests == []
    out = capsys.readouterr().out
    assert stub.token not in out
    [line] = [li for li in log_lines(out) if str(li["message"]).startswith("X API answered")]
    assert (line["status"], line["location_host"], line["service"]) == (
        status,
        "127.0.0.1",
        service,
    )


def test_lookups_share_one_kept_alive_connection(stub: XApiStub) -> None:
    for post_id in ids(3):
        stub.posts[post_id] = post(AUTHOR)
    first, second = provider(stub), provider(stub)  # two providers of one container

    for post_id in ids(3):
        assert first.lookup([x(post_id)])[x(post_id)].facts is not None
    assert second.lookup([x(i) for i in ids(3)])[x(ids(3)[0])].facts is not None

    assert stub.calls == 4
    assert stub.connections == 1


def test_a_refusal_is_logged_with_x_s_problem_title_and_never_the_token(
    stub: XApiStub, service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stub.tweet_fields.discard("note_tweet")  # X answers 400 Invalid Request for the field
    with pytest.raises(ProviderUnavailable) as refused:
        provider(stub).lookup([x(5)])

    assert refused.value.reason == "http_400"
    out = capsys.readouterr().out
    assert stub.token not in out
    [line] = [li for li in log_lines(out) if li["message"] == "X API refused the request"]
    assert (line["level"], line["service"]) == ("ERROR", service)
    assert line["problem"] == "http 400: Invalid Request"
