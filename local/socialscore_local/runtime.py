"""The local runtime: every resource of template.yaml on moto, the real handlers in process.

- provisions tables, queues (with their redrive policies) and secrets from the template;
- turns HTTP requests into API Gateway HTTP API (v2) events for the function whose route matches;
- drives each SQS event source as declared (pollers.py: batch size, ReportBatchItemFailures;
  SQS itself moves a message to its DLQ after maxReceiveCount);
- runs scheduled functions on demand with the schedule's Input.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from socialscore.aws import clients
from socialscore_local import fidelity, log_groups, moto_costs
from socialscore_local.faults import Faults
from socialscore_local.http_api import ACCOUNT, HttpAnswer, http_answer, http_event, match_route
from socialscore_local.invocation import LocalContext, environ_as, environ_with, sdk_session
from socialscore_local.paths import ROOT
from socialscore_local.pollers import QueueDriving
from socialscore_local.provisioning import provision
from socialscore_local.sqs_events import REGION
from socialscore_ops.template import Template, evaluate

STACK = "socialscore-local"
log = logging.getLogger("socialscore_local")
# The embedded default answers from files: posts from a fixture, a CRM in two files. The
# template refuses both on AWS, where its own defaults (no provider, no CRM) apply.
LOCAL_PARAMETERS = {"PostProvider": "fixture", "CrmAdapter": "file"}


class LocalRuntime(QueueDriving):
    def __init__(
        self,
        workdir: Path,
        *,
        parameters: dict[str, str] | None = None,
        environment: dict[str, str] | None = None,
        faults: Faults | None = None,
        template: Path = ROOT / "template.yaml",
    ) -> None:
        self.workdir = workdir
        self.template = Template.read(template)
        self.parameters = self.template.parameter_defaults() | LOCAL_PARAMETERS | (parameters or {})
        self.parameters |= {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": STACK,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.template = self.template.applied(self.parameters)
        # EMF metrics are CloudWatch's to read; locally they would only flood the terminal.
        self.local_environment = {"POWERTOOLS_METRICS_DISABLED": "true"} | (environment or {})
        self.faults = faults
        self.functions = {f.logical_id: f for f in self.template.functions()}
        self.physical: dict[str, dict[str, str]] = {}
        self.calls: Counter[tuple[str, str]] = Counter()  # (function, operation) -> AWS calls
        self.invocations: Counter[str] = Counter()
        self.lock = threading.RLock()  # one invocation at a time, like a single-worker Lambda
        # Lambda runs the API and the queues' consumers side by side; here they take turns, and
        # an API request waits for no more than the batch being run: the pollers yield to it,
        # and serve caps a batch so that none runs long (Lambda too hands over smaller batches).
        self.longest_batch: int | None = None
        self._api_waiting = 0
        self._api_lock = threading.Lock()
        self._mock = mock_aws()
        self._clients: dict[str, Any] = {}
        self._declared: dict[str, dict[str, str]] = {}  # evaluated environment, by function
        self._current: str | None = None
        self._saved_environ: dict[str, str] = {}
        self._log_mirror: list[log_groups.Mirror] = []  # each function's lines -> its log group

    # --- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> LocalRuntime:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._saved_environ = dict(os.environ)
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_SESSION_TOKEN": "local",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
            }
        )
        self._mock.start()
        fidelity.plain_dynamodb_numbers()
        moto_costs.install()
        # Handlers' clients come from boto3's default session: count (and maybe fail) their
        # calls there. The runtime's own calls go through a session of its own.
        boto3.DEFAULT_SESSION = sdk_session()
        boto3.DEFAULT_SESSION.events.register("before-call", self._count, unique_id="ss-count")
        if self.faults is not None:
            self.faults.install(boto3.DEFAULT_SESSION.events, lambda: self._current is not None)
        self._fresh_containers()
        self._session = sdk_session()
        for session in (boto3.DEFAULT_SESSION, self._session):
            fidelity.refuse_what_sqs_refuses(session.events)
        self.workdir.mkdir(parents=True, exist_ok=True)
        provision(self.template, self._session, STACK, self.physical, self.evaluate)
        os.environ.update(self._environment())
        self._fresh_loggers()
        self._log_mirror = log_groups.mirror(
            self.template, self.functions, self.evaluate, self.function_environment
        )
        for fn in self.functions.values():
            code = str(ROOT / fn.code_uri)
            if code not in sys.path:
                sys.path.insert(0, code)

    def stop(self) -> None:
        log_groups.unmirror(self._log_mirror)
        self._mock.stop()
        self._fresh_containers()
        os.environ.clear()
        os.environ.update(self._saved_environ)
        self._clients.clear()
        self._declared.clear()

    def _fresh_containers(self) -> None:
        """Forget what warm Lambda containers keep: clients, cached secrets, handler globals."""
        from aws_lambda_powertools.utilities import parameters

        clients.reset()
        parameters.clear_caches()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped
        for fn in self.functions.values():
            sys.modules.pop(fn.handler.rsplit(".", 1)[0], None)

    def _fresh_loggers(self) -> None:
        """Powertools configures a service's logger once per process; a new container would
        configure it anew: at this runtime's log level, writing to the stdout of now."""
        for logical_id in self.functions:
            env = self.function_environment(logical_id)
            service = logging.getLogger(env.get("POWERTOOLS_SERVICE_NAME", "service_undefined"))
            if not service.handlers:
                continue
            service.setLevel(env.get("POWERTOOLS_LOG_LEVEL", "INFO"))
            for handler in service.handlers:
                if isinstance(handler, logging.StreamHandler):
                    handler.stream = sys.stdout  # not setStream: it flushes the old, maybe closed

    def client(self, service: str) -> Any:
        """The runtime's own client for a service: made once, as the pollers call it often."""
        if service not in self._clients:
            self._clients[service] = self._session.client(service)
        return self._clients[service]

    def table(self, logical: str) -> str:
        """A table's name, as its logical id in the template names it."""
        return self.physical[logical]["Ref"]

    # --- provisioning ------------------------------------------------------------------------
    def _ref(self, logical: str, attribute: str | None) -> str:
        return self.physical[logical]["Ref" if attribute is None else attribute]

    def evaluate(self, value: Any) -> Any:
        return evaluate(
            value, self._ref, self.parameters, self.template.document.get("Conditions", {})
        )

    def _environment(self) -> dict[str, str]:
        """What the harness sees between invocations: every variable the functions agree on.
        Each invocation then runs with its own function's variables (a service name differs)."""
        merged: dict[str, str] = {}
        disagree: set[str] = set()
        for fn in self.functions.values():
            for name, value in self.function_environment(fn.logical_id).items():
                if merged.setdefault(name, value) != value:
                    disagree.add(name)
        return {k: v for k, v in merged.items() if k not in disagree}

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """A function's variables as deployed (evaluated once, after provisioning), with the
        local overrides on top."""
        if logical_id not in self._declared:
            fn = self.functions[logical_id]
            evaluated = self.evaluate(fn.environment).items()
            self._declared[logical_id] = {name: str(value) for name, value in evaluated}
        return self._declared[logical_id] | self.local_environment

    # --- invoking ----------------------------------------------------------------------------
    def handler(self, logical_id: str) -> Callable[[Any, Any], Any]:
        fn = self.functions[logical_id]
        module, attribute = fn.handler.rsplit(".", 1)
        handler: Callable[[Any, Any], Any] = getattr(importlib.import_module(module), attribute)
        return handler

    def invoke(self, logical_id: str, event: Any) -> Any:
        fn = self.functions[logical_id]
        with self.lock, self._running(logical_id):
            environ_with(self.function_environment(logical_id))  # undone by _running
            self.invocations[logical_id] += 1
            result = self.handler(logical_id)(event, LocalContext(logical_id, fn.timeout))
            if self.faults is not None:
                self.faults.maybe_lose_response(logical_id)
            return result

    @contextmanager
    def _running(self, logical_id: str) -> Iterator[None]:
        # What an invocation set is undone after it: the next function does not inherit it.
        harness = dict(os.environ)
        self._current = logical_id
        try:
            yield
        finally:
            environ_as(harness)
            self._current = None

    @property
    def current(self) -> str | None:
        """The function being invoked, if any: for hooks on its AWS calls (serve's journal)."""
        return self._current

    def _count(self, model: Any, **_: Any) -> None:
        if self._current is not None:
            self.calls[(self._current, model.name)] += 1

    # --- HTTP API ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        query: str = "",
    ) -> HttpAnswer:
        """What API Gateway would answer: route, invoke, map the result or a crash to HTTP."""
        for fn in self.functions.values():
            for route_method, route_path in fn.http_routes:
                params = match_route(route_path, path)
                if params is None or route_method not in ("ANY", method.upper()):
                    continue
                event = http_event(method, path, route_path, params, headers or {}, body, query)
                try:
                    with self._api_turn():
                        result = self.invoke(fn.logical_id, event)
                except Exception as err:  # a crashed Lambda is a 500 to the caller, as on AWS
                    log.warning("%s crashed: %r", fn.logical_id, err)
                    return HttpAnswer(500, {}, b'{"message":"Internal Server Error"}')
                return http_answer(result)
        return HttpAnswer(404, {}, b'{"message":"Not Found"}')

    @contextmanager
    def _api_turn(self) -> Iterator[None]:
        with self._api_lock:
            self._api_waiting += 1
        try:
            yield
        finally:
            with self._api_lock:
                self._api_waiting -= 1

    # --- schedules ---------------------------------------------------------------------------
    def run_schedule(self, logical_id: str, at: datetime | None = None) -> Any:
        """Invoke a scheduled function with its schedule's Input, as EventBridge Scheduler does."""
        schedule = self.functions[logical_id].schedules[0]
        slot = (at or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
        raw = schedule.get("Input", "{}").replace("<aws.scheduler.scheduled-time>", slot)
        return self.invoke(logical_id, json.loads(raw))

    def schedule_seconds(self, logical_id: str) -> float:
        expression = self.evaluate(self.functions[logical_id].schedules[0]["ScheduleExpression"])
        match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
        if not match:
            raise ValueError(f"the local runtime runs rate() schedules only, not {expression!r}")
        unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
        return int(match.group(1)) * unit
