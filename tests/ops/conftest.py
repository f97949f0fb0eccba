"""The ops CLI against a deployed stack, on moto: the local runtime's resources, a
CloudFormation stack in the same moto whose outputs name them, and `socialscore --stack NAME`
run in this process, so that it finds them exactly as it would on AWS (describe_stacks, then
boto3 calls with the default credential chain)."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialscore_local import demo, server
from socialscore_local.ops_bridge import outputs
from socialscore_local.paths import DEMO_DIR
from socialscore_local.runtime import LocalRuntime
from tests.ops import copies
from tests.unit.cli_answers import Answer, socialscore

STACK_NAME = "socialscore-test"


@dataclass
class DeployedStack:
    rt: LocalRuntime
    name: str = STACK_NAME
    # The moment the demo's traffic is read as of: DEMO_AS_OF moved with the demo's dates (its
    # last act an hour old when the state was built), DEMO_AS_OF itself on a stack without it.
    as_of: datetime = demo.DEMO_AS_OF

    @property
    def at(self) -> str:
        """as_of, as `--as-of` takes it."""
        return self.as_of.isoformat()

    def socialscore(self, *args: str, typed: str = "") -> Answer:
        """`socialscore ARGS --stack NAME`, as a user runs it, `typed` on its stdin."""
        return socialscore(*args, "--stack", self.name, typed=typed)


def deploy(rt: LocalRuntime, name: str = STACK_NAME, **extra: str) -> None:
    """A CloudFormation stack in the runtime's moto with the template's outputs (and `extra`)."""
    values = outputs(rt) | extra
    template = {
        "Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": value} for key, value in values.items()},
    }
    with warnings.catch_warnings():  # moto makes nothing of the one resource, and says so
        warnings.simplefilter("ignore", UserWarning)
        rt.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))


def replay_demo(rt: LocalRuntime, secret: str, demo_dir: Path = DEMO_DIR) -> None:
    """The demo's webhooks, signed and posted over HTTP to the runtime's API, drained."""
    http = server.http_server(rt)
    try:
        deliveries = json.loads((demo_dir / "webhooks.json").read_text())
        demo.replay(rt, server.url(http), secret, deliveries)
    finally:
        http.shutdown()
        http.server_close()


MOVED = "demo"  # where in a work directory the demo's files moved to now are
_SHARED: list[Path] = []  # where xdist's workers of this run share the demo's state


@pytest.fixture(scope="session", autouse=True)
def shared_demo_state(tmp_path_factory: pytest.TempPathFactory) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):  # each worker's base temp is in the run's
        _SHARED.append(tmp_path_factory.getbasetemp().parent / "demo-state")


@functools.cache
def demo_states() -> tuple[copies.State, copies.State, datetime]:
    """The demo's state after its webhooks were replayed and drained, and after crm_sync and
    attribution then ran, as `make demo` does (its dates moved so that its last act was an hour
    old, as of the third: DEMO_AS_OF moved alike): run once a test run (once a process outside
    tests/ops), copied into each stack that asks for it (a replay costs 3.5-5 s, a copy 0.3 s)."""
    return copies.shared(_SHARED[0], _demo_run) if _SHARED else _demo_run()


def _demo_run() -> tuple[copies.State, copies.State, datetime]:
    with tempfile.TemporaryDirectory() as workdir:
        moved, as_of = demo.moved(Path(workdir) / MOVED, datetime.now(UTC))
        with demo.runtime(Path(workdir), demo_dir=moved) as rt:
            replay_demo(rt, demo.seed(rt, moved), moved)
            replayed = copies.taken(rt)
            demo.sync(rt, as_of)
            rt.run_schedule("AttributionFunction", as_of)
            return replayed, copies.taken(rt), as_of


def moved_demo(directory: Path) -> Path:
    """The demo's files as demo_states() moved and replayed them, written to `directory`: a run
    from them scores the acts on the days the shared state holds them."""
    for relative, content in demo_states()[1].files.items():
        if Path(relative).parts[0] == MOVED:
            path = directory / Path(relative).relative_to(MOVED)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    return directory


@contextlib.contextmanager
def copied(workdir: Path, state: copies.State) -> Iterator[LocalRuntime]:
    """A runtime of the demo's that holds `state` (its moved posts among its files)."""
    with demo.runtime(workdir, demo_dir=workdir / MOVED) as rt:
        copies.put(rt, state)
        yield rt


@contextlib.contextmanager
def deployed(workdir: Path, *, traffic: bool = True, **extra: str) -> Iterator[DeployedStack]:
    """A stack seeded with the demo's sellers and opportunities; `traffic`: the demo's webhooks
    replayed, drained, crm_sync and attribution run, as `make demo` does (a copy of that state)."""
    if traffic:
        _, state, as_of = demo_states()  # built before this stack starts: two runtimes would
        with copied(workdir, state) as rt:  # share moto
            deploy(rt, **extra)
            yield DeployedStack(rt, as_of=as_of)
        return
    with demo.runtime(workdir) as rt:
        demo.seed(rt)
        deploy(rt, **extra)
        yield DeployedStack(rt)


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedStack]:
    """The demo's data, for commands that only read: shared by a module's tests."""
    with deployed(tmp_path_factory.mktemp("stack")) as stack:
        yield stack


@pytest.fixture
def fresh_stack(tmp_path: Path) -> Iterator[DeployedStack]:
    """Seeded, no traffic yet: for commands that write."""
    with deployed(tmp_path / "stack", traffic=False) as stack:
        yield stack
