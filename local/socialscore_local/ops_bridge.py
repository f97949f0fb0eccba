"""What serve lends the ops CLI (`socialscore --local URL`): the stack's outputs as
CloudFormation would give them, and its moto on 127.0.0.1, so that the CLI's every call is the
boto3 call it makes against a deployed stack. Every route here, and the emulator, needs the
run's token (access.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from socialscore_local.access import new_token
from socialscore_local.emulator import Guard, OnWrite
from socialscore_local.http_api import HttpAnswer
from socialscore_local.sqs_events import REGION

if TYPE_CHECKING:
    from socialscore_local.runtime import LocalRuntime

REPORT = "/report"
LOCAL = "/_local/"  # every route of serve's own, beside the template's: not deployed
# serve's own read-only view, not a route of the template: see local_scores.
LOCAL_SCORES = "/_local/scores"


def outputs(rt: LocalRuntime) -> dict[str, str]:
    """The template's outputs the local runtime has values for (tables, queues, secrets); a
    function's name or the API's id have none here."""
    found = {}
    for key, spec in rt.template.document.get("Outputs", {}).items():
        try:
            value = rt.evaluate(spec["Value"])
        except (KeyError, ValueError):
            continue
        if isinstance(value, str) and value:
            found[key] = value
    return found


def aws_endpoint(
    rt: LocalRuntime, token: str, on_write: OnWrite | None = None
) -> tuple[str, Callable[[], None]]:
    """Serve the runtime's moto (the same backends, in this process) on a free loopback port,
    behind the token's guard; returns its URL and how to stop it. A request runs between two of
    the pollers' batches, as the API's do, so that a reader sees what a batch did, whole."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)

    def between_batches(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with rt.lock:
            return app(environ, start_response)

    http = make_server("127.0.0.1", 0, Guard(between_batches, token, on_write), threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True, name="moto-endpoint").start()
    return f"http://127.0.0.1:{http.server_port}", http.shutdown


class Bridge:
    """serve's routes for the ops CLI and the report, beside the template's (not deployed):
    `GET /_local/stack` (the outputs and the moto endpoint), `POST /_local/invoke/<Function>`
    (a function run now with the JSON body as its event, as Lambda's Invoke does), `GET
    /_local/scores` and `GET /report` (the report page). `token`: what they and the emulator
    take (default: a new one); `on_write`: where the emulator's writes are journaled."""

    guarded = (LOCAL, REPORT)

    def __init__(
        self, rt: LocalRuntime, token: str | None = None, on_write: OnWrite | None = None
    ) -> None:
        self.rt = rt
        self.token = token or new_token()
        self.endpoint, self._stop = aws_endpoint(rt, self.token, on_write)

    def close(self) -> None:
        self._stop()

    def answer(self, method: str, path: str, body: bytes, query: str = "") -> HttpAnswer | None:
        """The answer to one of these routes; None: not one of them."""
        from socialscore_ops.stack import LOCAL_INVOKE, LOCAL_STACK

        if (method, path) == ("GET", LOCAL_STACK):
            found = {"endpoint": self.endpoint, "region": REGION, "outputs": outputs(self.rt)}
            return _json(200, found)
        if method == "POST" and path.startswith(LOCAL_INVOKE):
            return self._invoke(path.removeprefix(LOCAL_INVOKE), body)
        if (method, path) == ("GET", LOCAL_SCORES):
            return local_scores(self.rt)
        if (method, path) == ("GET", REPORT):
            return self._report(query)
        return None

    def _invoke(self, logical_id: str, body: bytes) -> HttpAnswer:
        if logical_id not in self.rt.functions:
            return _json(404, {"message": f"no function {logical_id}: {sorted(self.rt.functions)}"})
        try:
            event = json.loads(body or b"{}")
            return _json(200, self.rt.invoke(logical_id, event))
        except Exception as err:  # a failed run is the caller's answer, as Invoke's FunctionError
            return _json(500, {"message": f"{type(err).__name__}: {err}"})

    def _report(self, query: str) -> HttpAnswer:
        """`?as_of=2026-11-20&period=30`, both optional (now, 30 days); 400 says what is wrong."""
        from socialscore.report import page, period
        from socialscore.report.snapshot import Snapshot
        from socialscore_ops.stack import Stack

        try:
            as_of, days = period.from_query(query, datetime.now(UTC))
        except period.BadPeriod as bad:
            text = {"content-type": "text/plain; charset=utf-8"}
            return HttpAnswer(400, text, f"{bad}\n".encode())
        kept = period.as_of_text(query)
        with self.rt.lock:  # between two batches: what one has done, whole
            snapshot = Snapshot(Stack("local", outputs(self.rt)), as_of, days)
            html = page.render(snapshot, switch=kept)
        return HttpAnswer(200, {"content-type": "text/html; charset=utf-8"}, html.encode())


def local_scores(rt: LocalRuntime) -> HttpAnswer:
    """Every profile's units and touches, by `<profile>#<category>` (ids and numbers only), and
    how many messages the event-source queues still hold: for a check from outside the process,
    which cannot read the in-process moto."""
    from socialscore.wiring.reads import Stores

    sqs = rt.client("sqs")
    counts = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    with rt.lock:  # between two batches: what one has done, whole
        queued = 0
        for fn in rt.functions.values():
            for source in fn.queue_sources:
                url = rt.queue_url(source.queue)
                found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=counts)
                queued += sum(int(found["Attributes"].get(name, 0)) for name in counts)
        items = Stores(rt.table).scores.every_profile()
    profiles = {
        f"{profile}#{category}": {
            "units": str(item.get("units", 0)),
            "touches": int(item.get("touches", 0)),
        }
        for (profile, category), item in sorted(items.items())
    }
    return _json(200, {"queued": queued, "profiles": profiles})


def _json(status: int, value: Any) -> HttpAnswer:
    return HttpAnswer(
        status, {"content-type": "application/json"}, json.dumps(value, default=str).encode()
    )
