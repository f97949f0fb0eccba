"""python -m socialscore_local demo | serve --port N | crm-setup hubspot

(The operator's commands, model validation among them, are `socialscore`'s: ops/.)"""

from __future__ import annotations

import argparse
import logging
import os
import threading
from pathlib import Path

from socialscore_local import demo, emf, server, webhooks

WORKDIR = Path(".local")


def main() -> None:
    parser = argparse.ArgumentParser(prog="socialscore_local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser("demo", help="replay the demo data and print a summary")
    run_demo.add_argument("--workdir", type=Path, default=WORKDIR / "demo")
    run_demo.add_argument(
        "--crm",
        choices=["file", "salesforce", "hubspot"],
        default="file",
        help="where crm_sync pushes: an outbox file, or a local stub of Salesforce or HubSpot",
    )
    serve = commands.add_parser("serve", help="serve the webhook API for your own webhooks")
    serve.add_argument("--port", type=int, default=8787)
    serve.add_argument("--workdir", type=Path, default=WORKDIR / "serve")
    serve.add_argument("--secret", help="the SMMS signing secret (whsec_...); default: a new one")
    serve.add_argument("--x-consumer-secret", help="X's consumer secret (legacy signature, CRC)")
    serve.add_argument(
        "--x-oauth2-client-secret", help="X's OAuth 2.0 client secret (the OAuth2 signature)"
    )
    serve.add_argument("--meta-app-secret", help="the Meta app secret (X-Hub-Signature-256)")
    serve.add_argument("--meta-verify-token", help="the verify token Meta's subscription GET sends")
    crm_setup = commands.add_parser(
        "crm-setup", help="create the CRM properties (and custom object) once; idempotent"
    )
    crm_setup.add_argument("crm", choices=["hubspot"])
    crm_setup.add_argument(
        "--token-from-env", required=True, help="the variable holding the private app token"
    )
    crm_setup.add_argument("--base-url", default="https://api.hubapi.com")
    crm_setup.add_argument(
        "--model",
        type=Path,
        help="the scoring model JSON whose buckets to offer (default: bundled)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    if args.command == "demo":
        print(demo.run(args.workdir, crm=args.crm))
        return
    if args.command == "crm-setup":
        setup_hubspot(args.token_from_env, args.base_url, args.model)
        return
    others = webhooks.NetworkSecrets(
        args.x_consumer_secret,
        args.x_oauth2_client_secret,
        args.meta_app_secret,
        args.meta_verify_token,
    )
    run_server(args.port, args.workdir, args.secret, others)


def setup_hubspot(variable: str, base_url: str, model_file: Path | None = None) -> None:
    from socialscore.crm.hubspot import HubSpotCrm
    from socialscore.domain import scoring_model
    from socialscore_local.hubspot_setup import setup

    token = os.environ.get(variable, "")
    if not token:
        raise SystemExit(f"{variable} is not set: export it with the private app's token")
    model = scoring_model.parse(model_file.read_bytes()) if model_file else None
    report = setup(HubSpotCrm(lambda refresh: token, base_url), model=model)
    print(report.text())
    if report.failed:
        raise SystemExit(f"HubSpot refused {len(report.failed)} of the setup's steps (above)")


def run_server(
    port: int, workdir: Path, secret: str | None, others: webhooks.NetworkSecrets | None = None
) -> None:
    from socialscore_local.journal import Journal, kept_secret
    from socialscore_local.ops_bridge import REPORT, Bridge

    with demo.runtime(workdir, log_level="INFO") as rt:
        outbox = workdir / "crm" / "outbox.jsonl"
        pushed = outbox.read_bytes() if outbox.exists() else None
        seeded = demo.seed(rt)  # moto starts empty: the sellers again, idempotently
        if pushed is not None:  # what the CRM was given outlives a restart of ours
            outbox.write_bytes(pushed)
        secret = kept_secret(workdir, secret, seeded)
        demo.set_webhook_secret(rt, "smms", secret)
        taken = webhooks.set_network_secrets(rt, others or webhooks.NetworkSecrets())
        # Metrics as CloudWatch extracts them from a function's output: `socialscore refusals`.
        unpublish = emf.publish_metrics(rt)
        journal = Journal(rt, workdir)
        replayed = journal.replay()  # before the API opens: the pollers drain it with the rest
        journal.record()
        bridge = Bridge(rt)
        http = server.http_server(rt, port, bridge=bridge)
        stop = threading.Event()
        server.background(rt, stop)
        base = server.url(http)
        print(f"socialscore local API on {base}")
        print(f"  POST {base}/webhooks/smms   signed with SMMS secret {secret}")
        for line in taken:
            print(f"  {line}")
        print(
            f"  crm_sync every {rt.schedule_seconds('CrmSyncFunction'):.0f} s; CRM outbox in "
            f"{workdir / 'crm' / 'outbox.jsonl'}"
        )
        print(
            f"  what it accepts is journaled in {journal.path} and replayed on start "
            f"({replayed} lines now); delete {workdir} to start afresh"
        )
        print(f"  GET {base}{server.LOCAL_SCORES}: every profile's units and touches, read-only")
        print(f"  {base}{REPORT}: the report page; socialscore --local {base} ...: the ops CLI")
        print("  Ctrl-C to stop", flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            stop.set()
        finally:
            http.shutdown()
            bridge.close()
            journal.close()
            unpublish()


if __name__ == "__main__":
    main()
