"""A source's webhook served over HTTP by the seeded local runtime, for the tests that try it as
an attacker would (test_linkedin_validation_oracle, e2e/test_x_crc_oracle)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from socialscore_local import demo, server
from socialscore_local.runtime import LocalRuntime


@contextmanager
def serving(
    folder: Path, source: str, secrets: dict[str, Any]
) -> Iterator[tuple[LocalRuntime, str]]:
    """The demo runtime in `folder`, seeded, `secrets` its webhook secrets for `source`, served
    over HTTP: the runtime and the source's webhook URL."""
    with demo.runtime(folder) as rt:
        demo.seed(rt)
        store = rt.client("secretsmanager")
        arn = rt.physical["WebhookSecrets"]["Ref"]
        value = json.loads(store.get_secret_value(SecretId=arn)["SecretString"])
        value[source] = secrets
        store.put_secret_value(SecretId=arn, SecretString=json.dumps(value))
        http = server.http_server(rt)
        try:
            yield rt, f"{server.url(http)}/webhooks/{source}"
        finally:
            http.shutdown()
            http.server_close()


def call(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """The answer's status and JSON body."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status), json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def queued(rt: LocalRuntime) -> int:
    """The messages waiting on the queues a delivery goes to."""
    return sum(rt.depth(q) for q in ("RehydrateQueue", "ScoreQueue"))
