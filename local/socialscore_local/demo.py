"""The demo: replay events/demo through the local runtime over HTTP, sync the CRM, summarise."""

from __future__ import annotations

import functools
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialscore.domain.interaction import identity_key
from socialscore.domain.messages import Seller
from socialscore.wiring.reads import Stores
from socialscore_local import seeding, server, webhooks
from socialscore_local.faults import Faults
from socialscore_local.paths import DEMO_DIR
from socialscore_local.runtime import LocalRuntime

if TYPE_CHECKING:
    from socialscore_local.demo_stub_crm import StubCrm

# The moment events/demo's stream is read as of (its last act is a day earlier). The demo runs
# it moved to now (moved()), this moment with it: the score stage's hot-lead check and Engage
# now read the wall clock, so a stream left on its own dates shows fewer of both every day.
DEMO_AS_OF = datetime(2026, 11, 22, tzinfo=UTC)
SENDER_ATTEMPTS = 20  # an SMMS retries a webhook that did not get a 2xx


def runtime(
    workdir: Path,
    *,
    demo_dir: Path = DEMO_DIR,
    faults: Faults | None = None,
    log_level: str = "ERROR",
) -> LocalRuntime:
    """A runtime wired to the demo's fixture provider and a file CRM under workdir."""
    return LocalRuntime(
        workdir,
        parameters={"LogLevel": log_level},
        environment={
            "FIXTURE_POSTS_PATH": str(demo_dir / "posts.json"),
            "FILE_CRM_OPPORTUNITIES": str(workdir / "crm" / "opportunities.json"),
            "FILE_CRM_OUTBOX": str(workdir / "crm" / "outbox.jsonl"),
        },
        faults=faults,
    )


def set_webhook_secret(rt: LocalRuntime, source: str, secret: str) -> None:
    secrets = rt.client("secretsmanager")
    arn = rt.physical["WebhookSecrets"]["Ref"]
    value = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    value[source] = [secret]
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(value))


def seed(rt: LocalRuntime, demo_dir: Path = DEMO_DIR) -> str:
    """Register the demo sellers, hand the CRM its opportunities; returns the SMMS secret."""
    sellers = Stores(rt.table).sellers
    for raw in json.loads((demo_dir / "sellers.json").read_text()):
        sellers.register(
            identity_key(raw["network"], raw["network_user_id"]),
            Seller(seller_id=raw["seller_id"], team=raw["team"]),
        )
    crm = rt.workdir / "crm"
    crm.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_dir / "opportunities.json", crm / "opportunities.json")
    (crm / "outbox.jsonl").unlink(missing_ok=True)
    secret = webhooks.new_secret()
    set_webhook_secret(rt, "smms", secret)
    return secret


def replay(
    rt: LocalRuntime, url: str, secret: str, deliveries: list[dict[str, Any]], copies: int = 1
) -> webhooks.Replay:
    """POST each delivery `copies` times, retrying 5xx as a sender does; drain as we go."""
    result = webhooks.Replay()
    for n, delivery in enumerate(deliveries):
        for _ in range(copies):
            status = 0
            for _attempt in range(SENDER_ATTEMPTS):
                status, _ = webhooks.post(f"{url}/webhooks/smms", secret, delivery["body"])
                result.statuses[status] += 1
                if status < 500:
                    break
            result.deliveries += 1
            if status != delivery["expect"]:
                result.unexpected.append(f"delivery {n}: {status}, expected {delivery['expect']}")
            elif status == 202:
                result.events += len(delivery["body"]["events"])
        rt.drain()
    return result


def sync(rt: LocalRuntime, as_of: datetime = DEMO_AS_OF, attempts: int = 20) -> dict[str, Any]:
    """Run crm_sync as the scheduler would, retrying a failed run (as its RetryPolicy does)."""
    for _ in range(attempts - 1):
        try:
            result: dict[str, Any] = rt.run_schedule("CrmSyncFunction", as_of)
            return result
        except Exception:  # noqa: S112 - the scheduler retries; the last attempt raises
            continue
    return dict(rt.run_schedule("CrmSyncFunction", as_of))


def moved(directory: Path, now: datetime, demo_dir: Path = DEMO_DIR) -> tuple[Path, datetime]:
    """demo_dir written to `directory` with its dates moved so that its last act is an hour old
    at `now`, as serve --demo moves them; returns that directory and DEMO_AS_OF moved alike."""
    shifted = seeding.moved_demo(now, demo_dir)
    return seeding.write_moved_demo(shifted, directory, demo_dir), DEMO_AS_OF + shifted.shift


def run(workdir: Path, demo_dir: Path = DEMO_DIR, crm: str = "file") -> str:
    """The whole demo, its dates moved to now; returns the printed summary. `crm`: file (an
    outbox file), or the local stub of salesforce or hubspot, reached through crm_sync's real
    adapter."""
    from socialscore_local import demo_crm

    if workdir.exists():
        shutil.rmtree(workdir)
    demo_dir, as_of = moved(workdir / "demo", datetime.now(UTC), demo_dir)
    deliveries = json.loads((demo_dir / "webhooks.json").read_text())
    if crm == "file":
        return _run(workdir, demo_dir, deliveries, None, as_of)
    with demo_crm.stub(crm, demo_dir) as stub:
        return _run(workdir, demo_dir, demo_crm.respell(deliveries, stub.ids), stub, as_of)


def _run(
    workdir: Path,
    demo_dir: Path,
    deliveries: list[dict[str, Any]],
    stub: StubCrm | None,
    as_of: datetime,
) -> str:
    from socialscore_local import demo_activities, demo_identities, people, report

    rt = runtime(workdir, demo_dir=demo_dir)
    if stub is not None:
        rt.local_environment |= stub.environment
    with rt:
        secret = seed(rt, demo_dir)
        if stub is not None:
            stub.connect(rt)
        http = server.http_server(rt)
        listener = people.listen(rt)
        try:
            replayed = replay(rt, server.url(http), secret, deliveries)
            first = sync(rt, as_of)
            second = sync(rt, as_of)
            rt.run_schedule("AttributionFunction", as_of)
            landed = stub.landed() if stub is not None else None
            breakdown = stub.breakdown() if stub is not None else None
            heard = people.heard(rt, listener)
            summary = report.render(rt, replayed, first, second, as_of, landed, breakdown, heard)
            if stub is None:
                outbox = rt.workdir / "crm" / "outbox.jsonl"
                return f"{summary}\n\n{demo_activities.from_outbox(outbox)}"
            parts = [summary, stub.counts(), stub.activities()]  # before the fields are read
            if stub.fields is not None:  # then the CRM's own social fields link more contacts
                known = demo_identities.first_identified(deliveries)
                fields = demo_identities.epilogue(
                    rt, stub.fields, stub.ids, known, functools.partial(sync, as_of=as_of), as_of
                )
                parts.insert(1, fields)
            return "\n\n".join(p for p in parts if p)
        finally:
            http.shutdown()
            http.server_close()
