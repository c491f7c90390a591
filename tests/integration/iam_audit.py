"""Is every AWS call a function makes allowed by that function's role in the synthesized template?

moto does not enforce IAM, so a handler that calls what its role may not passes every moto test
and fails on AWS. This module is the IAM side of that: it maps a recorded call (service,
operation, API parameters, region, URL) to the IAM actions and resource ARNs AWS authorizes it
against (the Service Authorization Reference, plus the rules that are not in an API's name:
`TransactWriteItems` is authorized per item, a `PutObject` with tags also needs
`s3:PutObjectTagging`, reading a missing key answers 404 only with `s3:ListBucket`, a CMK-encrypted
secret needs `kms:Decrypt` via Secrets Manager), and evaluates them against the role's policy
statements as IAM does: explicit Deny wins, `*`/`?` wildcards in actions and resources, and a
Condition holds only when every key it names is known for the call and matches (an unknown key
fails the statement, as a missing context key does on AWS).

Template references (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`) are
resolved through a `Resolver` that the test harness fills with the physical names and ARNs of the
moto resources it made for each logical id, so the policy and the call name the same thing.
"""

from __future__ import annotations

import fnmatch
import gzip
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None}

# AWS managed policies the template attaches, as published (policy version of the AWS docs).
MANAGED = {
    "service-role/AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
}


class UnmappedCall(KeyError):
    """A call this audit does not know how to authorize: add it to `requirements`."""


@dataclass
class Resolver:
    """Logical id → physical values, as the harness made them."""

    region: str
    account: str
    refs: dict[str, str] = field(default_factory=dict)
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)
    fallback: Callable[[str, str | None], str] | None = None
    """Value for a logical id the harness made nothing for (attr None for Ref)."""

    def ref(self, lid: str) -> Any:
        if lid == "AWS::Region":
            return self.region
        if lid == "AWS::AccountId":
            return self.account
        if lid in PSEUDO:
            return PSEUDO[lid]
        if lid in self.refs:
            return self.refs[lid]
        if self.fallback:
            return self.fallback(lid, None)
        raise KeyError(f"no physical value for Ref {lid}")

    def attr(self, lid: str, name: str) -> str:
        if (lid, name) in self.attrs:
            return self.attrs[(lid, name)]
        if self.fallback:
            return self.fallback(lid, name)
        raise KeyError(f"no physical value for Fn::GetAtt {lid}.{name}")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.resolve(v) for k, v in value.items()}
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return self.ref(arg)
        if fn == "Fn::GetAtt":
            lid, name = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.attr(lid, name)
        if fn == "Fn::Join":
            sep, parts = arg
            return sep.join(str(self.resolve(p)) for p in parts)
        if fn == "Fn::Select":
            index, items = arg
            return self.resolve(items)[int(self.resolve(index))]
        if fn == "Fn::Split":
            sep, text = arg
            return str(self.resolve(text)).split(sep)
        if fn == "Fn::Sub":
            text, names = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

            def sub(m: re.Match[str]) -> str:
                key = m.group(1)
                if key in names:
                    return str(self.resolve(names[key]))
                if "." in key:
                    lid, name = key.split(".", 1)
                    return self.attr(lid, name)
                return str(self.ref(key))

            return re.sub(r"\$\{([^}!][^}]*)\}", sub, text)
        return {fn: self.resolve(arg)}


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: dict[str, dict[str, Any]]
    source: str


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def _statements(doc: dict[str, Any], source: str, resolver: Resolver) -> list[Statement]:
    out = []
    for st in _as_list(doc.get("Statement", [])):
        resources = st.get("Resource", "*" if "NotResource" not in st else [])
        out.append(
            Statement(
                effect=st["Effect"],
                actions=tuple(_as_list(st.get("Action", []))),
                not_actions=tuple(_as_list(st.get("NotAction", []))),
                resources=tuple(str(r) for r in _as_list(resolver.resolve(resources))),
                conditions=resolver.resolve(st.get("Condition", {})),
                source=source,
            )
        )
    return out


def role_statements(template: dict[str, Any], role_lid: str, resolver: Resolver) -> list[Statement]:
    """Every statement that applies to the role: its inline policies, the AWS::IAM::Policy
    resources attached to it, and the AWS managed policies it names."""
    resources = template["Resources"]
    role = resources[role_lid]["Properties"]
    out: list[Statement] = []
    for p in role.get("Policies", []):
        out += _statements(p["PolicyDocument"], f"{role_lid}/{p.get('PolicyName')}", resolver)
    for lid, r in resources.items():
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_lid} in r["Properties"].get("Roles", []):
            out += _statements(r["Properties"]["PolicyDocument"], lid, resolver)
    for arn in role.get("ManagedPolicyArns", []):
        name = str(resolver.resolve(arn)).split(":policy/", 1)[1]
        if name not in MANAGED:
            raise KeyError(f"{role_lid} attaches the managed policy {name}; add its statements to MANAGED")
        out += _statements({"Statement": MANAGED[name]}, f"aws-managed:{name}", resolver)
    return out


def function_role(template: dict[str, Any], function_lid: str) -> str:
    role = template["Resources"][function_lid]["Properties"]["Role"]
    return str(role["Fn::GetAtt"][0])


# --- one call → what IAM checks ------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()
    why: str = ""

    def __str__(self) -> str:
        extra = f" [{self.why}]" if self.why else ""
        return f"{self.action} on {self.resource}{extra}"


@dataclass
class Call:
    function: str
    service: str
    operation: str
    params: dict[str, Any]
    region: str | None
    presigned: bool = False
    url: str | None = None

    def __str__(self) -> str:
        kind = "presigned " if self.presigned else ""
        return f"{self.function}: {kind}{self.service}.{self.operation}"


@dataclass
class Account:
    """What the requirements need to know about the deployed resources."""

    region: str
    account: str
    state_machine_arns: tuple[str, ...] = ()
    """Task tokens come from these state machines (SendTask* is authorized on them)."""
    cmk_of: dict[str, str] = field(default_factory=dict)
    """Resource ARN (table, bucket, secret) → the customer-managed KMS key ARN encrypting it."""


_S3_READS = {"GetObject", "HeadObject"}
_S3_OBJECT_ACTIONS = {
    "GetObject": ["s3:GetObject"],
    "HeadObject": ["s3:GetObject"],
    "PutObject": ["s3:PutObject"],
    "CreateMultipartUpload": ["s3:PutObject"],
    "UploadPart": ["s3:PutObject"],
    "CompleteMultipartUpload": ["s3:PutObject"],
    "AbortMultipartUpload": ["s3:AbortMultipartUpload"],
    "DeleteObject": ["s3:DeleteObject"],
    "GetObjectTagging": ["s3:GetObjectTagging"],
    "PutObjectTagging": ["s3:PutObjectTagging"],
}
_DDB_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_DDB_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems", "DescribeTable", "ConditionCheckItem"}
_SFN_TOKEN_OPS = {"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"}


def _kms(acct: Account, resource: str, via: str, write: bool) -> list[Requirement]:
    key = acct.cmk_of.get(resource)
    if not key:
        return []
    ctx = (("kms:ViaService", f"{via}.{acct.region}.amazonaws.com"), ("kms:CallerAccount", acct.account))
    action = "kms:GenerateDataKey" if write else "kms:Decrypt"
    return [Requirement(action, key, ctx, f"{resource} is encrypted with a customer-managed key")]


def _table(acct: Account, region: str, name: str) -> str:
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{acct.account}:table/{name}"


def requirements(call: Call, acct: Account) -> list[Requirement]:
    region = call.region or acct.region
    p = call.params
    svc, op = call.service, call.operation
    if svc == "dynamodb":
        if op in ("TransactWriteItems", "TransactGetItems"):
            reqs = []
            for item in p["TransactItems"]:
                ((kind, body),) = item.items()
                action = _DDB_TRANSACT.get(kind, "GetItem")
                table = _table(acct, region, body["TableName"])
                reqs.append(Requirement(f"dynamodb:{action}", table, why=f"{op} authorizes each item"))
                reqs += _kms(acct, table, "dynamodb", action not in _DDB_READS)
            return reqs
        if op in ("BatchWriteItem", "BatchGetItem"):
            reqs = []
            for name in p["RequestItems"]:
                table = _table(acct, region, name)
                reqs.append(Requirement(f"dynamodb:{op}", table))
                reqs += _kms(acct, table, "dynamodb", op == "BatchWriteItem")
            return reqs
        table = _table(acct, region, p["TableName"])
        resource = f"{table}/index/{p['IndexName']}" if p.get("IndexName") else table
        return [Requirement(f"dynamodb:{op}", resource), *_kms(acct, table, "dynamodb", op not in _DDB_READS)]
    if svc == "s3":
        bucket = f"arn:aws:s3:::{p['Bucket']}"
        if op == "ListObjectsV2" or op == "ListObjects":
            return [Requirement("s3:ListBucket", bucket)]
        if op not in _S3_OBJECT_ACTIONS:
            raise UnmappedCall(f"s3.{op}")
        obj = f"{bucket}/{p['Key']}"
        reqs = [Requirement(a, obj) for a in _S3_OBJECT_ACTIONS[op]]
        if op in ("PutObject", "CreateMultipartUpload") and p.get("Tagging"):
            reqs.append(Requirement("s3:PutObjectTagging", obj, why="the request sets tags"))
        if op in _S3_READS and not call.presigned:
            reqs.append(Requirement("s3:ListBucket", bucket, why="without it a missing key answers 403, not 404"))
        reqs += _kms(acct, bucket, "s3", op not in _S3_READS)
        return reqs
    if svc == "stepfunctions":
        if op == "StartExecution":
            return [Requirement("states:StartExecution", p["stateMachineArn"])]
        if op in ("StopExecution", "DescribeExecution", "GetExecutionHistory"):
            return [Requirement(f"states:{op}", p["executionArn"])]
        if op in _SFN_TOKEN_OPS:
            if not acct.state_machine_arns:
                raise UnmappedCall("a task-token call, but no state machine issues tokens")
            return [
                Requirement(f"states:{op}", arn, why="the token's state machine") for arn in acct.state_machine_arns[:1]
            ]
        raise UnmappedCall(f"stepfunctions.{op}")
    if svc == "lambda":
        if op != "Invoke":
            raise UnmappedCall(f"lambda.{op}")
        name = p["FunctionName"]
        arn = name if name.startswith("arn:") else f"arn:aws:lambda:{region}:{acct.account}:function:{name}"
        return [Requirement("lambda:InvokeFunction", arn)]
    if svc == "secretsmanager":
        if op != "GetSecretValue":
            raise UnmappedCall(f"secretsmanager.{op}")
        arn = p["SecretId"]
        return [Requirement("secretsmanager:GetSecretValue", arn), *_kms(acct, arn, "secretsmanager", False)]
    if svc == "apigatewaymanagementapi":
        methods = {"PostToConnection": "POST", "GetConnection": "GET", "DeleteConnection": "DELETE"}
        if op not in methods or not call.url:
            raise UnmappedCall(f"apigatewaymanagementapi.{op}")
        u = urlparse(call.url)
        api_id = u.hostname.split(".", 1)[0] if u.hostname else ""
        stage = u.path.strip("/").split("/", 1)[0]
        api = f"arn:aws:execute-api:{region}:{acct.account}:{api_id}"
        resource = f"{api}/{stage}/{methods[op]}/@connections/{p['ConnectionId']}"
        return [Requirement("execute-api:ManageConnections", resource)]
    if svc == "xray" and op in ("PutTraceSegments", "PutTelemetryRecords", "GetSamplingRules", "GetSamplingTargets"):
        return [Requirement(f"xray:{op}", "*")]
    raise UnmappedCall(f"{svc}.{op}")


# --- evaluation -----------------------------------------------------------------------------


def _match(pattern: str, value: str, case: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _condition_holds(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    for operator, tests in conditions.items():
        base = operator.removesuffix("IfExists")
        for key, wanted in tests.items():
            if key not in context:
                if operator.endswith("IfExists"):
                    continue
                return False
            value, options = context[key], [str(w) for w in _as_list(wanted)]
            if base in ("StringEquals", "ArnEquals"):
                ok = value in options
            elif base in ("StringLike", "ArnLike"):
                ok = any(fnmatch.fnmatchcase(value, o) for o in options)
            elif base == "StringNotEquals":
                ok = value not in options
            elif base == "Bool":
                ok = value.lower() in (o.lower() for o in options)
            else:
                return False  # an operator this audit does not evaluate never grants
            if not ok:
                return False
    return True


def _applies(st: Statement, req: Requirement) -> bool:
    if st.not_actions:
        acts = not any(_match(a, req.action, case=False) for a in st.not_actions)
    else:
        acts = any(_match(a, req.action, case=False) for a in st.actions)
    if not acts or not any(_match(r, req.resource, case=True) for r in st.resources):
        return False
    return _condition_holds(st.conditions, dict(req.context))


def allowed(statements: Iterable[Statement], req: Requirement) -> Statement | None:
    """The statement that allows `req`, or None (no Allow applies, or a Deny does)."""
    grant = None
    for st in statements:
        if _applies(st, req):
            if st.effect == "Deny":
                return None
            grant = grant or st
    return grant


def audit(calls: Iterable[Call], policies: dict[str, list[Statement]], acct: Account) -> list[str]:
    """Each denied (call, requirement), as a sentence naming the function, the call and the ARN."""
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for call in calls:
        if call.function not in policies:
            problems.append(f"{call}: the function has no role in the template")
            continue
        for req in requirements(call, acct):
            if (call.function, str(req)) in seen:
                continue
            seen.add((call.function, str(req)))
            if allowed(policies[call.function], req) is None:
                problems.append(f"{call} needs {req}: its role does not allow it")
    return problems


def moto_cognito_jwks() -> bytes:
    """The public keys moto signs its Cognito tokens with (served where Cognito serves JWKS)."""
    from pathlib import Path

    import moto.cognitoidp

    return gzip.decompress((Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-public.json.gz").read_bytes())
