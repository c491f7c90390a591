#!/usr/bin/env python3
"""Post-deploy smoke check (`make smoke`), run by ops after `cdk deploy`:

1. health — `GET /health` answers 200 with the version and the providers;
2. auth refusal — `GET /jobs` with no token, and with a forged one, answers 401;
3. a job — `POST /generate` with a 10 s 360p brief (a Cognito ID token for a real user), then
   `GET /jobs/{id}` until it ends: it must complete, and its output URL must serve the MP4.

The job only runs when the stack's providers are `local` (deploy with `-c providers=local` for a
smoke stack) unless `--allow-paid` says a Replicate-backed job may be billed.

The target is `--url` (the API base, ending in /api/v1), else $OMNIGEN_SMOKE_URL, else the
`ApiUrl` output of the CloudFormation stack `--stack` ($OMNIGEN_STACK, default OmniGen) read with
the AWS credentials of the shell. Exit status: 0 every check passed, 1 a check failed, 2 nothing
to check (no URL and no stack) or a check could not run (no token).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from omnigen.samples import small_brief

BRIEF = small_brief(
    prompt="A calm, hopeful short spot: a gardener gets back to her roses",
    duration_s=15,  # 11 s is the shortest this brief fits with the offline voice; a stack's voice may read slower
)
TERMINAL = {"completed", "failed", "cancelled"}


class NotConfigured(Exception):
    """Nothing to check, or a check cannot run; the message says what to give."""


class CheckFailed(Exception):
    pass


def stack_api_url(stack: str) -> str:
    """The `ApiUrl` output of a deployed stack (AWS credentials and region from the shell)."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is in the dev extras
        raise NotConfigured("boto3 is not installed; pass --url") from None
    try:
        cfn = boto3.client("cloudformation")
        outputs = cfn.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except (BotoCoreError, ClientError) as err:
        raise NotConfigured(
            f"no deployed stack to check: reading stack {stack!r} failed ({err}). Pass --url "
            "https://<api-id>.execute-api.<region>.amazonaws.com/prod/api/v1 (the ApiUrl output of "
            "`cdk deploy`), or set AWS credentials and --stack / OMNIGEN_STACK."
        ) from None
    for out in outputs:
        if out["OutputKey"] == "ApiUrl":
            return str(out["OutputValue"])
    raise NotConfigured(f"stack {stack!r} has no ApiUrl output; is it an OmniGen stack?")


class Smoke:
    def __init__(self, api: str, token: str | None, timeout_s: float, allow_paid: bool, say: Callable[[str], None]):
        self.api = api.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self.allow_paid = allow_paid
        self.say = say
        self.http = httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=False)
        self.providers = ""

    def request(self, method: str, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
        """One request, retried (three times, with backoff) only on a connection error or a 502-504."""
        headers = {**kw.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        # A route of the API ("/jobs"), or a URL the API gave (absolute, or rooted at its host).
        url = f"{self.api}{path}" if not path.startswith(("http", "/api/")) else str(httpx.URL(self.api).join(path))
        for attempt in range(4):
            try:
                r = self.http.request(method, url, headers=headers, **kw)
                if r.status_code not in (502, 503, 504) or attempt == 3:
                    return r
            except httpx.TransportError as err:
                if attempt == 3:
                    raise CheckFailed(f"{method} {url} failed: {err}") from err
            time.sleep(1.5 * 2**attempt)
        raise AssertionError("unreachable")

    def health(self) -> None:
        r = self.request("GET", "/health")
        if r.status_code != 200:
            raise CheckFailed(f"health: GET {self.api}/health answered {r.status_code}: {r.text[:300]}")
        body = r.json()
        self.providers = str(body.get("providers", ""))
        self.say(f"ok   health: version {body.get('version')}, providers {self.providers}")

    def auth_refusal(self) -> None:
        for label, token in (("no token", None), ("a forged token", "eyJhbGciOiJub25lIn0.e30.")):
            r = self.request("GET", "/jobs", token=token)
            if r.status_code != 401:
                raise CheckFailed(f"auth: GET /jobs with {label} answered {r.status_code}, not 401: {r.text[:200]}")
        self.say("ok   auth: /jobs refuses a request without a token and one with a forged token (401)")

    def job(self) -> None:
        if not self.token:
            raise NotConfigured(
                "job: no token. Pass --token (or OMNIGEN_SMOKE_TOKEN): a Cognito ID token of a smoke-test "
                "user, e.g. `aws cognito-idp admin-initiate-auth ... --query AuthenticationResult.IdToken`."
            )
        if self.providers != "local" and not self.allow_paid:
            raise NotConfigured(
                f"job: the stack's providers are {self.providers!r}; a job would be billed by Replicate. "
                "Deploy the smoke stack with -c providers=local, or pass --allow-paid."
            )
        r = self.request("POST", "/generate", token=self.token, json=BRIEF)
        if r.status_code != 202:
            raise CheckFailed(f"job: POST /generate answered {r.status_code}: {r.text[:300]}")
        job_id = r.json()["job_id"]
        self.say(f"...  job {job_id} accepted; waiting up to {self.timeout_s:.0f} s")
        deadline, status, job = time.monotonic() + self.timeout_s, "queued", {}
        while time.monotonic() < deadline:
            job = self.request("GET", f"/jobs/{job_id}", token=self.token).json()
            status = job.get("status", "")
            if status in TERMINAL:
                break
            time.sleep(3)
        if status != "completed":
            error = (job.get("error") or {}).get("message", "")
            raise CheckFailed(f"job {job_id} ended {status or 'unknown'} (not completed) {error}".strip())
        output = (job.get("urls") or {}).get("output")
        if not output:
            raise CheckFailed(f"job {job_id} completed without an output URL")
        got = self.request("GET", output, headers={"Range": "bytes=0-1023"})
        if got.status_code not in (200, 206) or b"ftyp" not in got.content[:64]:
            raise CheckFailed(f"job {job_id}: its output URL answered {got.status_code}, not an MP4")
        self.say(f"ok   job {job_id} completed; its MP4 is served ({got.status_code})")


def main(argv: list[str] | None = None, say: Callable[[str], None] = print) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--url", default=os.environ.get("OMNIGEN_SMOKE_URL"), help="API base URL (…/api/v1)")
    ap.add_argument("--stack", default=os.environ.get("OMNIGEN_STACK", "OmniGen"))
    ap.add_argument("--token", default=os.environ.get("OMNIGEN_SMOKE_TOKEN"), help="Cognito ID token for the job")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the job")
    ap.add_argument("--allow-paid", action="store_true", help="run the job even if the stack uses Replicate")
    args = ap.parse_args(argv)
    try:
        url = args.url or stack_api_url(args.stack)
        say(f"smoke check of {url}")
        smoke = Smoke(url, args.token, args.timeout, args.allow_paid, say)
        smoke.health()
        smoke.auth_refusal()
        smoke.job()
    except NotConfigured as err:
        say(f"not checked: {err}")
        return 2
    except CheckFailed as err:
        say(f"FAIL {err}")
        return 1
    say("smoke check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
