"""What serve lends the ops CLI (`socialscore --local URL`): the stack's outputs as
CloudFormation would give them, and its moto on 127.0.0.1, so that the CLI's every call is the
boto3 call it makes against a deployed stack."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialscore_local.runtime import LocalRuntime


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


def aws_endpoint(rt: LocalRuntime) -> tuple[str, Callable[[], None]]:
    """Serve the runtime's moto (the same backends, in this process) on a free loopback port;
    returns its URL and how to stop it. A request runs between two of the pollers' batches, as
    the API's do, so that a reader sees what a batch did, whole."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)

    def between_batches(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with rt.lock:
            return app(environ, start_response)

    http = make_server("127.0.0.1", 0, between_batches, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True, name="moto-endpoint").start()
    return f"http://127.0.0.1:{http.server_port}", http.shutdown
