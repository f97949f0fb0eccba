"""Where a stack's resources are: a deployed stack's CloudFormation outputs, or a running
`serve`, which answers the same outputs and lends its moto on 127.0.0.1.

Either way every later call is the same boto3 call through `socialscore.aws.clients` and the
store's repositories: only where the endpoint and the names come from differs. The one call that
cannot be the same is running a function now (`invoke`): Lambda's Invoke on AWS, serve's
`/_local/invoke` locally (moto would run a Lambda in docker).

serve answers only who holds its token, new at each start (so that no web page the developer
visits can drive it): from SOCIALSCORE_LOCAL_TOKEN, else from serve's work directory as `make
serve` makes it (`.local/serve/token` under the directory the command runs in). It goes to
serve's routes as a bearer token and to its AWS emulator as the access key id.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from socialscore.aws import clients

# serve's own routes, beside the template's: not deployed.
LOCAL_STACK = "/_local/stack"
LOCAL_INVOKE = "/_local/invoke/"
LOCAL_SECONDS = 300.0  # a function run by serve, as crm_sync's Lambda timeout
TOKEN_VARIABLE = "SOCIALSCORE_LOCAL_TOKEN"  # noqa: S105 - the variable's name
TOKEN_FILE = Path(".local/serve/token")  # make serve's, from the repository root


class OpsError(Exception):
    """A user's mistake or a refusal: one line on stderr, a non-zero exit, no traceback."""


@dataclass(frozen=True)
class Stack:
    name: str  # the stack's name, or serve's URL
    outputs: Mapping[str, str]
    serve: str | None = None  # serve's base URL when it is a local one
    token: str | None = None  # serve's token, when it is a local one

    def output(self, key: str) -> str:
        value = self.outputs.get(key)
        if not value:
            raise OpsError(f"{self.name} has no output {key}: deploy the current template.yaml")
        return value

    def table(self, logical: str) -> str:
        """A table's name by its logical id in template.yaml (ScoresTable...)."""
        return self.output(f"{logical}Name")

    def queue_url(self, logical: str) -> str:
        """A queue's URL by its logical id (RehydrateQueue, ScoreDLQ...)."""
        return self.output(f"{logical}Url")

    @property
    def scoring_model_parameter(self) -> str | None:
        """The SSM parameter the functions read the scoring model from; None: the bundled one."""
        return self.outputs.get("ScoringModelParameterName") or None

    def invoke(self, function: str, payload: Mapping[str, Any]) -> Any:
        """Run a function now with this event and return its answer (a failure: OpsError)."""
        if self.serve is not None:
            url = self.serve + LOCAL_INVOKE + function
            return _local_json(url, payload, LOCAL_SECONDS, self.token)
        reply = clients.client("lambda").invoke(
            FunctionName=self.output(f"{function}Name"), Payload=json.dumps(payload).encode()
        )
        answer = json.loads(reply["Payload"].read() or b"null")
        if reply.get("FunctionError"):
            raise OpsError(f"{function} failed: {answer.get('errorMessage', answer)}")
        return answer


def deployed(name: str, region: str | None) -> Stack:
    """A deployed stack, found by name with the usual AWS credentials (profile, env, role)."""
    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
    os.environ.pop("AWS_ENDPOINT_URL", None)
    clients.reset()
    try:
        found = clients.client("cloudformation").describe_stacks(StackName=name)["Stacks"]
    except NoRegionError:
        raise OpsError("no AWS region: pass --region or set AWS_REGION") from None
    except NoCredentialsError:
        raise OpsError("no AWS credentials: set AWS_PROFILE or run `aws configure`") from None
    except ClientError as err:
        message = err.response["Error"].get("Message", "")
        if "does not exist" in message:
            where = clients.client("cloudformation").meta.region_name
            raise OpsError(f"no stack {name} in {where}") from None
        raise OpsError(f"CloudFormation refused: {message}") from None
    except BotoCoreError as err:
        raise OpsError(f"cannot reach CloudFormation: {err}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in found[0].get("Outputs", [])}
    return Stack(name, outputs)


def local_token(environ: Mapping[str, str] | None = None, file: Path = TOKEN_FILE) -> str | None:
    """serve's token: SOCIALSCORE_LOCAL_TOKEN, else the token file, else None."""
    given = (os.environ if environ is None else environ).get(TOKEN_VARIABLE, "").strip()
    if given:
        return given
    try:
        return file.read_text().strip() or None
    except OSError:  # no serve ran here, or not as this user: the answer will say so
        return None


def local(url: str, token: str | None = None) -> Stack:
    """A running `serve` (make serve): its outputs, and its moto as every client's endpoint.
    `token`: serve's (default: local_token())."""
    base = url.rstrip("/")
    if not base.startswith(("http://127.0.0.1:", "http://localhost:")):
        # serve lends its moto on loopback only, with throwaway credentials
        raise OpsError(f"--local takes serve's address, http://127.0.0.1:PORT, not {url}")
    token = token or local_token()
    found = _local_json(base + LOCAL_STACK, None, 10.0, token)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": found["endpoint"],
            "AWS_DEFAULT_REGION": found["region"],
            # serve's emulator checks no signature: the key id is the token it takes
            "AWS_ACCESS_KEY_ID": token or "",
            "AWS_SECRET_ACCESS_KEY": "local",
        }
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)
    clients.reset()
    return Stack(base, found["outputs"], serve=base, token=token)


def _local_json(
    url: str, payload: Mapping[str, Any] | None, seconds: float, token: str | None = None
) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - http on loopback, checked by local()
        url, data=data, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=seconds) as reply:  # noqa: S310 - loopback
            return json.loads(reply.read())
    except urllib.error.HTTPError as err:
        detail = err.read().decode(errors="replace").strip()
        if err.code == 403 and token is None:
            raise OpsError(
                f"{url} needs serve's token: none in {TOKEN_VARIABLE} or {TOKEN_FILE} "
                f"(export {TOKEN_VARIABLE}=$(cat <serve's workdir>/token))"
            ) from None
        raise OpsError(f"{url} answered {err.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        reason = getattr(err, "reason", err)
        raise OpsError(f"nothing answers at {url} ({reason}): is `make serve` running?") from None
