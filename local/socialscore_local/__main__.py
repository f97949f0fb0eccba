"""python -m socialscore_local demo | serve [--demo] --port N | crm-setup hubspot|marketo

(The operator's commands, model validation among them, are `socialscore`'s: ops/.) Each command
imports what it needs when chosen: crm-setup no HTTP server, serve's refusals no emulator."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

WORKDIR = Path(".local")


def main() -> None:
    parser = argparse.ArgumentParser(prog="socialscore_local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser("demo", help="replay the demo data and print a summary")
    run_demo.add_argument("--workdir", type=Path, default=WORKDIR / "demo")
    run_demo.add_argument(
        "--crm",
        choices=["file", "salesforce", "hubspot", "marketo"],
        default="file",
        help="where crm_sync pushes: an outbox file, or a local stub of Salesforce, HubSpot "
        "or Marketo",
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
    serve.add_argument(
        "--linkedin-client-secret",
        help="the LinkedIn app's client secret (X-LI-Signature, the validation GET)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="load the demo's posts, opportunities, sellers and webhooks (dates moved to today) "
        "into an empty work directory",
    )
    serve.add_argument("--posts", type=Path, help="your posts (JSON), instead of none")
    serve.add_argument(
        "--opportunities", type=Path, help="your CRM opportunities (JSON), instead of none"
    )
    serve.add_argument(
        "--sellers", type=Path, help="a sellers CSV, as `socialscore sellers import`"
    )
    serve.add_argument(
        "--identities", type=Path, help="an identities CSV, as `socialscore identities import`"
    )
    crm_setup = commands.add_parser(
        "crm-setup", help="create the CRM properties (and custom object) once; idempotent"
    )
    crm_setup.add_argument("crm", choices=["hubspot", "marketo"])
    crm_setup.add_argument(
        "--token-from-env", help="HubSpot: the variable holding the private app token"
    )
    crm_setup.add_argument("--endpoint", help="Marketo: the REST API endpoint (Web Services)")
    crm_setup.add_argument("--client-id", help="Marketo: the custom service's Client ID")
    crm_setup.add_argument(
        "--client-secret-from-env", help="Marketo: the variable holding its Client Secret"
    )
    crm_setup.add_argument("--base-url", default="https://api.hubapi.com")
    crm_setup.add_argument(
        "--app-id", type=int, help="the socialscore public app's id: create its timeline templates"
    )
    crm_setup.add_argument(
        "--developer-key-from-env", help="the variable holding the app's developer API key"
    )
    crm_setup.add_argument(
        "--model",
        type=Path,
        help="the scoring model JSON whose buckets to offer (default: bundled)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    if args.command == "demo":
        from socialscore_local import demo

        print(demo.run(args.workdir, crm=args.crm))
        return
    if args.command == "crm-setup" and args.crm == "marketo":
        from socialscore_local import marketo_setup

        marketo_setup.run(args.endpoint, args.client_id, args.client_secret_from_env)
        return
    if args.command == "crm-setup":
        if not args.token_from_env:
            parser.error("crm-setup hubspot needs --token-from-env")
        setup_hubspot(args.token_from_env, args.base_url, args.model)
        if args.app_id is not None:
            setup_timeline(
                args.token_from_env, args.base_url, args.app_id, args.developer_key_from_env
            )
        return
    from socialscore_local import serving, webhooks
    from socialscore_local.seeding import Seeds

    if args.demo and (args.posts or args.opportunities):
        parser.error("--demo brings the demo's posts and opportunities: not with --posts")
    others = webhooks.NetworkSecrets(
        args.x_consumer_secret,
        args.x_oauth2_client_secret,
        args.meta_app_secret,
        args.meta_verify_token,
        args.linkedin_client_secret,
    )
    seeds = Seeds(args.demo, args.posts, args.opportunities, args.sellers, args.identities)
    try:
        serving.run(args.port, args.workdir, args.secret, others, seeds)
    except serving.CannotStart as err:
        print(f"serve: {err}", file=sys.stderr)
        raise SystemExit(1) from None


def setup_hubspot(variable: str, base_url: str, model_file: Path | None = None) -> None:
    from socialscore.crm.hubspot import HubSpotCrm
    from socialscore.domain import scoring_model
    from socialscore_local.hubspot_setup import SetupStopped, setup

    token = os.environ.get(variable, "")
    if not token:
        raise SystemExit(f"{variable} is not set: export it with the private app's token")
    try:
        model = scoring_model.parse(model_file.read_bytes()) if model_file else None
        report = setup(HubSpotCrm(lambda refresh: token, base_url), model=model)
    except (OSError, scoring_model.InvalidScoringModel, SetupStopped) as err:
        raise SystemExit(f"crm-setup: {' '.join(str(err).split())}") from None
    print(report.text())
    if report.failed:
        raise SystemExit(f"HubSpot refused {len(report.failed)} of the setup's steps (above)")


def setup_timeline(variable: str, base_url: str, app_id: int, key_variable: str | None) -> None:
    """The app's timeline event templates (the activities); prints the secret's `timeline`
    template ids."""
    import json

    from socialscore.crm.hubspot_http import HubSpotApi
    from socialscore_local.hubspot_setup import SetupStopped
    from socialscore_local.hubspot_timeline_setup import setup_timeline as templates

    key = os.environ.get(key_variable or "", "")
    if not key:
        raise SystemExit("--app-id needs --developer-key-from-env naming a set variable")
    token = os.environ.get(variable, "")
    try:
        report, ids = templates(HubSpotApi(lambda refresh: token, base_url), app_id, key)
    except SetupStopped as err:
        raise SystemExit(f"crm-setup: {' '.join(str(err).split())}") from None
    print(report.text())
    print("the CRM secret's timeline template ids:", json.dumps(ids, sort_keys=True))
    if report.failed:
        raise SystemExit(f"HubSpot refused {len(report.failed)} of the templates (above)")


if __name__ == "__main__":
    main()
