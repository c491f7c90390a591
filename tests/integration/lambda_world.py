"""The deployed stack as its Lambda handlers see it, on moto, with every AWS call audited.

`LambdaWorld` reads the synthesized template and, on moto, makes what it describes: the tables
(keys, indexes, streams, TTL from the template), the buckets, the secrets, the Cognito pool and
its web client. Each function of the template then runs its real handler as one warm Lambda
container would:
- its environment is exactly the template's (references resolved to those moto resources), plus
  what Lambda itself sets; `overrides` names every value a test changes (e.g. the providers a
  `-c providers=local` deploy would set) — nothing else leaks in from the test process;
- its module caches (`functools.cache` in `lambdas/`) are its own, as a container's are;
- every AWS call it makes — on its own thread or any it starts, presigned URLs included — is
  recorded by botocore's `before-parameter-build`/`before-call` events and attributed to it.

`audit()` then checks every recorded call against that function's role in the same template
(tests/integration/iam_audit.py). moto's Lambda cannot run our code (no Docker), so the harness
dispatches an invocation to the handler in this process (`invoke`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib
import io
import json
import os
import re
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from copy import deepcopy
from pathlib import Path
from typing import Any

import boto3
import botocore.handlers
import iam_audit
from iam_audit import Account, Call, Resolver

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "fixtures" / "aws_events"
REGION = "us-east-1"
ACCOUNT = "123456789012"
PASSTHROUGH = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
"""Process variables a Lambda has too (its own values); everything else comes from the template."""
LAMBDA_ENV = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    "LAMBDA_TASK_ROOT": "/var/task",
    "TZ": ":UTC",
    # X-Ray's daemon is not here; tracing is the only thing switched off (Powertools' own switch).
    "POWERTOOLS_TRACE_DISABLED": "1",
}

current_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("lambda_function", default=None)


def sample_event(name: str) -> dict[str, Any]:
    """A public AWS sample event (tests/fixtures/aws_events, sources in its README)."""
    return json.loads((EVENTS / f"{name}.json").read_text())


class LambdaContext:
    def __init__(self, name: str, memory_mb: int = 512, timeout_s: int = 30):
        self.function_name = name
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        self.aws_request_id = "req-1"
        self._timeout_ms = timeout_s * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


class FunctionEnviron(MutableMapping[str, str]):
    """`os.environ` as each function sees it: its own variables while it runs, the process's
    otherwise (the test itself, moto)."""

    def __init__(self, real: MutableMapping[str, str], envs: dict[str, dict[str, str]]):
        self.real = real
        self.envs = envs

    def _now(self) -> MutableMapping[str, str]:
        fn = current_function.get()
        return self.envs.get(fn, self.real) if fn else self.real  # the state machine runs no code of ours

    def __getitem__(self, key: str) -> str:
        return self._now()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._now()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._now()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._now()))

    def __len__(self) -> int:
        return len(self._now())

    def copy(self) -> dict[str, str]:
        return dict(self._now())


class PerFunctionCache:
    """A `functools.cache`d function with one cache per function (container)."""

    def __init__(self, wrapped: Callable[..., Any]):
        self.wrapped = wrapped
        self.caches: dict[str | None, Callable[..., Any]] = {}
        self.lock = threading.Lock()
        functools.update_wrapper(self, wrapped)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fn = current_function.get()
        with self.lock:
            cached = self.caches.setdefault(fn, functools.cache(self.wrapped))
        return cached(*args, **kwargs)

    def cache_clear(self) -> None:
        with self.lock:
            self.caches.clear()


def _propagate_context_into_threads(monkeypatch: Any) -> None:
    """Threads and pool tasks started inside a function belong to it (heartbeats, S3 transfers)."""
    start, run, submit = threading.Thread.start, threading.Thread.run, ThreadPoolExecutor.submit

    def started(self: threading.Thread) -> None:
        self._lw_context = contextvars.copy_context()  # type: ignore[attr-defined]
        start(self)

    def running(self: threading.Thread) -> None:
        context = getattr(self, "_lw_context", None)
        if context is None:
            return run(self)
        return context.run(run, self)

    def submitted(self: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return submit(self, contextvars.copy_context().run, fn, *args, **kwargs)

    monkeypatch.setattr(threading.Thread, "start", started)
    monkeypatch.setattr(threading.Thread, "run", running)
    monkeypatch.setattr(ThreadPoolExecutor, "submit", submitted)


class Recorder:
    """botocore event handlers that record each call with the function making it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()

    def before_parameter_build(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        fn = current_function.get()
        if fn is None:
            return  # the test's own setup and checks
        call = Call(
            function=fn,
            service=model.service_model.service_name,
            operation=model.name,
            params=deepcopy({k: v for k, v in params.items() if k != "Body"}),
            region=context.get("client_region"),
            presigned=bool(context.get("is_presign_request")),
        )
        context["_lw_call"] = call
        with self.lock:
            self.calls.append(call)

    def before_call(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call = context.get("_lw_call")
        if call is not None:
            call.url = params.get("url")

    def install(self, monkeypatch: Any) -> None:
        handlers = [
            *botocore.handlers.BUILTIN_HANDLERS,
            ("before-parameter-build", self.before_parameter_build),
            ("before-call", self.before_call),
        ]
        monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # new sessions register the handlers


def _is_ours(resource: dict[str, Any]) -> bool:
    p = resource["Properties"]
    return resource["Type"] == "AWS::Lambda::Function" and (
        str(p.get("Handler", "")).startswith("lambdas.") or p.get("PackageType") == "Image"
    )


class LambdaWorld:
    def __init__(
        self,
        template: dict[str, Any],
        monkeypatch: Any,
        *,
        secrets: dict[str, str],
        overrides: dict[str, dict[str, str]] | None = None,
    ):
        """`secrets`: the value of each secret, by the start of its logical id; `overrides`: env
        values a test changes, by function name (`"*"` for all)."""
        self.template = template
        self.resources: dict[str, dict[str, Any]] = template["Resources"]
        self.functions = {lid: r for lid, r in self.resources.items() if _is_ours(r)}
        self.resolver = Resolver(REGION, ACCOUNT, fallback=self._fallback)
        self.recorder = Recorder()
        self.recorder.install(monkeypatch)
        _propagate_context_into_threads(monkeypatch)
        self._make_resources(secrets)
        self.envs = {lid: self._environment(lid, overrides or {}) for lid in self.functions}
        monkeypatch.setattr(os, "environ", FunctionEnviron(os.environ, self.envs))
        self._per_function_caches(monkeypatch)
        self._serve_cognito_keys(monkeypatch)
        self.modules: dict[str, Any] = {}
        self.policies = {
            lid: iam_audit.role_statements(template, iam_audit.function_role(template, lid), self.resolver)
            for lid in self.functions
        }
        self._state_machines_as_principals(monkeypatch)

    # -- names ------------------------------------------------------------------------------

    def lid(self, name: str) -> str:
        """The logical id of the function `name` (`Api`, `Steps`, `Media`, `WsConnect`, ...)."""
        (lid,) = [k for k in self.functions if re.fullmatch(rf"Functions{name}[0-9A-F]{{8}}", k)]
        return lid

    def env(self, name: str) -> dict[str, str]:
        return self.envs[self.lid(name)]

    def physical(self, kind: str) -> str:
        """The physical name (Ref) of the template's one resource of `kind`."""
        (lid,) = [k for k, r in self.resources.items() if r["Type"] == kind]
        return str(self.resolver.ref(lid))

    def _fallback(self, lid: str, attr: str | None) -> str:
        """Resources the harness does not make (API ids, alarms, ...): stable made-up values."""
        kind = self.resources.get(lid, {}).get("Type", "")
        if kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
            return re.sub(r"[^a-z0-9]", "", lid.lower())[:10]
        if kind == "AWS::Lambda::Function":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{lid}" if attr == "Arn" else lid
        if kind == "AWS::StepFunctions::StateMachine":
            name = self.resources[lid]["Properties"].get("StateMachineName", lid)
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}" if attr in (None, "Arn") else name
        return f"{lid}.{attr}" if attr else lid

    # -- moto resources from the template ---------------------------------------------------

    def _make_resources(self, secrets: dict[str, str]) -> None:
        r = self.resolver
        db = boto3.client("dynamodb", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        sm = boto3.client("secretsmanager", region_name=REGION)
        for lid, res in self.resources.items():
            p, kind = res.get("Properties", {}), res["Type"]
            if kind == "AWS::DynamoDB::Table":
                args: dict[str, Any] = {
                    "TableName": lid,
                    "KeySchema": p["KeySchema"],
                    "AttributeDefinitions": p["AttributeDefinitions"],
                    "BillingMode": p.get("BillingMode", "PAY_PER_REQUEST"),
                }
                if p.get("GlobalSecondaryIndexes"):
                    args["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
                if p.get("StreamSpecification"):
                    args["StreamSpecification"] = {"StreamEnabled": True, **p["StreamSpecification"]}
                out = db.create_table(**args)["TableDescription"]
                if p.get("TimeToLiveSpecification"):
                    db.update_time_to_live(TableName=lid, TimeToLiveSpecification=p["TimeToLiveSpecification"])
                r.refs[lid] = lid
                r.attrs[(lid, "Arn")] = out["TableArn"]
                if out.get("LatestStreamArn"):
                    r.attrs[(lid, "StreamArn")] = out["LatestStreamArn"]
            elif kind == "AWS::S3::Bucket":
                name = re.sub(r"[^a-z0-9-]", "", lid.lower())[:63]
                s3.create_bucket(Bucket=name)
                r.refs[lid] = name
                r.attrs[(lid, "Arn")] = f"arn:aws:s3:::{name}"
                r.attrs[(lid, "RegionalDomainName")] = f"{name}.s3.{REGION}.amazonaws.com"
            elif kind == "AWS::SecretsManager::Secret":
                value = next((v for k, v in secrets.items() if lid.startswith(k)), "placeholder")
                arn = sm.create_secret(Name=lid, SecretString=value)["ARN"]
                r.refs[lid] = arn
            elif kind == "AWS::Cognito::UserPool":
                self._make_user_pool(lid)
        for lid, res in self.resources.items():
            if res["Type"] == "AWS::Cognito::UserPoolClient":
                pool = r.ref(res["Properties"]["UserPoolId"]["Ref"])
                client = boto3.client("cognito-idp", region_name=REGION).create_user_pool_client(
                    UserPoolId=pool, ClientName=lid, ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
                )
                r.refs[lid] = client["UserPoolClient"]["ClientId"]

    def _make_user_pool(self, lid: str) -> None:
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool = idp.create_user_pool(PoolName=lid, UsernameAttributes=["email"])["UserPool"]
        self.resolver.refs[lid] = pool["Id"]
        self.resolver.attrs[(lid, "Arn")] = pool["Arn"]

    def id_token(self, email: str = "alice@example.com") -> tuple[str, str]:
        """A Cognito ID token for a user of the stack's pool (made on first use) and its `sub`."""
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool = self.physical("AWS::Cognito::UserPool")
        client = self.physical("AWS::Cognito::UserPoolClient")
        try:
            idp.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS")
            idp.admin_set_user_password(UserPoolId=pool, Username=email, Password="Passw0rd!Passw0rd", Permanent=True)
        except idp.exceptions.UsernameExistsException:
            pass
        auth = idp.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": "Passw0rd!Passw0rd"},
        )
        token = auth["AuthenticationResult"]["IdToken"]
        user = idp.admin_get_user(UserPoolId=pool, Username=email)
        sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
        return token, sub

    def _serve_cognito_keys(self, monkeypatch: Any) -> None:
        """Cognito's JWKS URL answers with moto's signing keys; any other URL is not reachable."""
        keys = iam_audit.moto_cognito_jwks()
        real = urllib.request.urlopen

        def urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
            text = url if isinstance(url, str) else url.full_url
            if re.fullmatch(rf"https://cognito-idp\.{REGION}\.amazonaws\.com/[^/]+/\.well-known/jwks\.json", text):
                return io.BytesIO(keys)
            if current_function.get() is not None:
                raise OSError(f"no network here: a function fetched {text}")
            return real(url, *args, **kwargs)

        monkeypatch.setattr(urllib.request, "urlopen", urlopen)

    # -- functions --------------------------------------------------------------------------

    def _environment(self, lid: str, overrides: dict[str, dict[str, str]]) -> dict[str, str]:
        p = self.functions[lid]["Properties"]
        variables = self.resolver.resolve(p.get("Environment", {}).get("Variables", {}))
        env = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
        env.update(LAMBDA_ENV)
        env["AWS_LAMBDA_FUNCTION_NAME"] = lid
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(p.get("MemorySize", 128))
        env.update({k: str(v) for k, v in variables.items()})
        name = next((n for n in overrides if n != "*" and re.fullmatch(rf"Functions{n}[0-9A-F]{{8}}", lid)), None)
        env.update(overrides.get("*", {}))
        env.update(overrides.get(name, {}) if name else {})
        return env

    def _per_function_caches(self, monkeypatch: Any) -> None:
        for name in ("lambdas.runtime", "lambdas.fanout", "lambdas.ws", "lambdas.webhook", "lambdas.steps",
                     "lambdas.media.handler"):  # fmt: skip
            importlib.import_module(name)
        sys.modules.pop("lambdas.api", None)  # built at import, in the Api function's container
        replaced: dict[int, PerFunctionCache] = {}
        for name, module in list(sys.modules.items()):
            if not name.startswith("lambdas.") or module is None:
                continue
            for attr, value in list(vars(module).items()):
                if isinstance(value, functools._lru_cache_wrapper):
                    wrapper = replaced.setdefault(id(value), PerFunctionCache(value.__wrapped__))
                    monkeypatch.setattr(module, attr, wrapper)

    def handler(self, lid: str) -> Callable[[dict[str, Any], Any], Any]:
        p = self.functions[lid]["Properties"]
        spec = p.get("Handler") or _image_command()
        module_name, attr = spec.rsplit(".", 1)
        token = current_function.set(lid)
        try:
            module = self.modules.get(module_name) or importlib.import_module(module_name)
        finally:
            current_function.reset(token)
        self.modules[module_name] = module
        return getattr(module, attr)  # type: ignore[no-any-return]

    def invoke(self, name_or_lid: str, event: dict[str, Any]) -> Any:
        """Run the function's handler on `event` in its container (this thread)."""
        lid = name_or_lid if name_or_lid in self.functions else self.lid(name_or_lid)
        p = self.functions[lid]["Properties"]
        handler = self.handler(lid)
        try:
            asyncio.get_event_loop()
        except RuntimeError:  # Lambda runs a handler on its main thread, which has a loop (Mangum needs one)
            asyncio.set_event_loop(asyncio.new_event_loop())
        token = current_function.set(lid)
        try:
            return handler(event, LambdaContext(lid, int(p.get("MemorySize", 128)), int(p.get("Timeout", 3))))
        finally:
            current_function.reset(token)

    def _state_machines_as_principals(self, monkeypatch: Any) -> None:
        """moto runs each execution on a thread of its own; what it calls (the Lambda invokes of
        the tasks) is the state machine's role calling, audited like a function's."""
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        machines = [lid for lid, r in self.resources.items() if r["Type"] == "AWS::StepFunctions::StateMachine"]
        for lid in machines:
            role = self.resources[lid]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
            self.policies[lid] = iam_audit.role_statements(self.template, role, self.resolver)
        start = ExecutionWorker.start
        (machine,) = machines

        def started(worker: Any) -> None:
            context = contextvars.Context()
            context.run(current_function.set, machine)
            context.run(start, worker)

        monkeypatch.setattr(ExecutionWorker, "start", started)

    # -- the audit --------------------------------------------------------------------------

    def account(self) -> Account:
        machines = tuple(
            self.resolver.resolve({"Ref": lid})
            for lid, r in self.resources.items()
            if r["Type"] == "AWS::StepFunctions::StateMachine"
        )
        return Account(REGION, ACCOUNT, state_machine_arns=machines, cmk_of=self._cmks())

    def _cmks(self) -> dict[str, str]:
        """Resources the template encrypts with a customer-managed key (KMS key in this stack)."""
        out: dict[str, str] = {}
        for lid, res in self.resources.items():
            p = res.get("Properties", {})
            key = None
            if res["Type"] == "AWS::SecretsManager::Secret":
                key = p.get("KmsKeyId")
            elif res["Type"] == "AWS::DynamoDB::Table":
                key = (p.get("SSESpecification") or {}).get("KMSMasterKeyId")
            elif res["Type"] == "AWS::S3::Bucket":
                rules = (p.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration", [])
                key = next((r["ServerSideEncryptionByDefault"].get("KMSMasterKeyID") for r in rules), None)
            if key is None:
                continue
            key_arn = str(self.resolver.resolve(key))
            if res["Type"] == "AWS::SecretsManager::Secret":
                out[self.resolver.refs[lid]] = key_arn
            elif lid in self.resolver.refs:
                out[self.resolver.attrs.get((lid, "Arn"), self.resolver.refs[lid])] = key_arn
        return out

    def calls(self, name: str | None = None) -> list[Call]:
        lid = self.lid(name) if name else None
        return [c for c in self.recorder.calls if lid is None or c.function == lid]

    def audit(self) -> list[str]:
        return iam_audit.audit(self.recorder.calls, self.policies, self.account())

    def called_functions(self) -> set[str]:
        return {c.function for c in self.recorder.calls}


def _image_command() -> str:
    """The media image's handler, from its Dockerfile's CMD."""
    text = (ROOT / "lambdas" / "media" / "Dockerfile").read_text()
    (cmd,) = re.findall(r'^CMD \["([^"]+)"\]', text, re.MULTILINE)
    return cmd
