"""`python -m socialscore_local serve`: the local runtime as a server that runs until Ctrl-C,
safe on a laptop (access.py), keeping what it accepted (journal.py), started on data or empty
(seeding.py).

What stops serve before it starts (a busy port, a file it cannot use) is said before the
emulator and the AWS SDK are imported: 0.2 s of CPU instead of 0.5."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialscore_local import webhooks
from socialscore_local.access import TOKEN_FILE, new_token, write_private
from socialscore_local.seeding import BadSeed, Seeds, imports, place_files, run_import

if TYPE_CHECKING:
    from socialscore_local.runtime import LocalRuntime


class PortBusy(Exception):
    """serve's port is taken (another serve, or another program)."""


def listen(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port (0: a free one), taken before serve starts anything
    else, so that a busy port is known at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as err:
        sock.close()
        raise PortBusy(
            f"cannot listen on 127.0.0.1:{port} ({err.strerror}): is another serve running? "
            "Stop it, or pass another --port"
        ) from None
    sock.listen(ThreadingHTTPServer.request_queue_size)
    return sock


class CannotStart(Exception):
    """serve cannot start: one line, a non-zero exit, no traceback."""


def run(
    port: int,
    workdir: Path,
    secret: str | None,
    others: webhooks.NetworkSecrets | None = None,
    seeds: Seeds | None = None,
) -> None:
    from socialscore_local.journal import JOURNAL

    seeds = seeds or Seeds()
    journal_file = workdir / JOURNAL
    if seeds.demo and journal_file.exists() and journal_file.stat().st_size:
        raise CannotStart(
            f"{workdir} already holds what an earlier serve accepted: --demo loads into an "
            f"empty work directory (delete {workdir}, or give another --workdir)"
        )
    try:
        listening = listen(port)  # first: a busy port is said at once
    except PortBusy as err:
        raise CannotStart(str(err)) from None
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        deliveries = place_files(workdir, seeds, datetime.now(UTC))
    except BadSeed as err:
        listening.close()
        raise CannotStart(str(err)) from None
    try:
        given = others or webhooks.NetworkSecrets()
        _serve(listening, workdir, secret, given, seeds, deliveries)
    except BadSeed as err:
        raise CannotStart(str(err)) from None


def _serve(
    listening: socket.socket,
    workdir: Path,
    secret: str | None,
    others: webhooks.NetworkSecrets,
    seeds: Seeds,
    deliveries: list[dict[str, Any]],
) -> None:
    from socialscore_local import demo, emf, server
    from socialscore_local.journal import Journal, kept_secret
    from socialscore_local.ops_bridge import LOCAL_SCORES, REPORT, Bridge

    # The fixture provider reads the work directory's posts.json (seeding.py put it there).
    with demo.runtime(workdir, demo_dir=workdir, log_level="INFO") as rt:
        secret = kept_secret(workdir, secret, webhooks.new_secret())
        demo.set_webhook_secret(rt, "smms", secret)
        taken = webhooks.set_network_secrets(rt, others)
        # Metrics as CloudWatch extracts them from a function's output: `socialscore refusals`.
        unpublish = emf.publish_metrics(rt)
        journal = Journal(rt, workdir)
        replayed = journal.replay()  # before the API opens: the pollers drain it with the rest
        journal.record()
        token = new_token()  # a new one each run: an old one, read once by anyone, is worthless
        write_private(workdir / TOKEN_FILE, token)
        bridge = Bridge(rt, token, journal.emulated)
        http = server.http_server(rt, bridge=bridge, listening=listening)
        port = http.server_address[1]
        stop = threading.Event()
        try:
            base = server.url(http)
            for noun, path in imports(workdir, seeds):
                run_import(base, token, noun, path)
            if deliveries:
                _load_demo(rt, base, secret, deliveries)
            server.background(rt, stop)
            print(f"socialscore local API on {base}")
            print(f"  POST {base}/webhooks/smms   signed with SMMS secret {secret}")
            for line in taken:
                print(f"  {line}")
            print(f"  token for this run: {token} (in {workdir / TOKEN_FILE}, owner-only)")
            print(f"  report page: {base}{REPORT}?token={token}")
            print(
                f"  socialscore --local {base} ...: the ops CLI (it reads the token from "
                f"SOCIALSCORE_LOCAL_TOKEN, else from .local/serve/token)"
            )
            print(f"  GET {base}{LOCAL_SCORES}: every profile's units and touches (token)")
            print(
                f"  crm_sync every {rt.schedule_seconds('CrmSyncFunction'):.0f} s; CRM outbox in "
                f"{workdir / 'crm' / 'outbox.jsonl'}"
            )
            print(
                f"  what it accepts is journaled in {journal.path} and replayed on start "
                f"({replayed} lines replayed this time); delete {workdir} to start afresh"
            )
            if not (replayed or seeds.demo or seeds.sellers or seeds.identities):
                print(
                    "  it holds no data yet: to try it on the demo's, stop it and run `.venv/bin/"
                    f"python -m socialscore_local serve --demo --port {port} --workdir {workdir}`"
                )
            print("  Ctrl-C to stop", flush=True)
            stop.wait()
        except KeyboardInterrupt:
            stop.set()
        finally:
            stop.set()
            http.shutdown()
            http.server_close()
            bridge.close()
            journal.close()
            unpublish()


def _load_demo(rt: LocalRuntime, url: str, secret: str, deliveries: list[dict[str, Any]]) -> None:
    """The demo's stream, sent as its SMMS sends it and drained; then crm_sync and attribution,
    so that the leaderboard's money and the report's opportunities show at once."""
    from socialscore_local import demo

    replayed = demo.replay(rt, url, secret, deliveries)
    for unexpected in replayed.unexpected:
        print(f"  the demo's {unexpected}")
    now = datetime.now(UTC)
    demo.sync(rt, now)
    rt.run_schedule("AttributionFunction", now)
    print(
        f"loaded the demo: {replayed.deliveries} webhooks, {replayed.events} events, its dates "
        "moved to end today"
    )
