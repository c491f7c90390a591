"""The review workflow's resources in the synthesized template: the audit table no function can
rewrite (its IAM grants put, get and query only — no UpdateItem, DeleteItem or batch write), a
Cognito group per role, and the share-link route open to API Gateway (its token is checked by
the app)."""

from __future__ import annotations

import pytest
from synth_once import synthesize

from stacks.storage import AUDIT_ACTIONS

REWRITES = {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate",
            "dynamodb:PartiQLDelete", "dynamodb:DeleteTable", "dynamodb:UpdateTable"}  # fmt: skip


@pytest.fixture(scope="module")
def synth():
    return synthesize()


def _audit_table(synth) -> str:
    tables = {lid: r for lid, r in synth.resources("AWS::DynamoDB::Table").items() if lid.startswith("StorageAudit")}
    assert len(tables) == 1, list(synth.resources("AWS::DynamoDB::Table"))
    return next(iter(tables))


def _mentions(value, lid: str) -> bool:
    if isinstance(value, dict):
        return (
            value.get("Ref") == lid
            or value.get("Fn::GetAtt", [None])[0] == lid
            or any(_mentions(v, lid) for v in value.values())
        )
    if isinstance(value, list):
        return any(_mentions(v, lid) for v in value)
    return False


def test_the_audit_table_is_kept_and_expires_nothing(synth):
    lid = _audit_table(synth)
    table = synth.template["Resources"][lid]
    p = table["Properties"]
    assert p["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "seq", "KeyType": "RANGE"}]
    assert {"AttributeName": "seq", "AttributeType": "N"} in p["AttributeDefinitions"]
    assert "TimeToLiveSpecification" not in p and p["DeletionProtectionEnabled"] is True
    assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_no_function_may_rewrite_the_audit_trail(synth):
    lid = _audit_table(synth)
    granted: dict[str, set[str]] = {}
    for plid, r in synth.resources("AWS::IAM::Policy").items():
        for st in r["Properties"]["PolicyDocument"]["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if _mentions(st.get("Resource"), lid):
                assert st["Effect"] == "Allow"
                assert set(actions) <= set(AUDIT_ACTIONS), f"{plid} grants {sorted(set(actions) - set(AUDIT_ACTIONS))}"
                assert not set(actions) & REWRITES
                granted.setdefault(plid, set()).update(actions)
            # nor through a statement on every resource
            if st.get("Resource") == "*" or "*" in (st.get("Resource") or []):
                assert not set(actions) & (REWRITES | {"dynamodb:PutItem"}), plid
    roles = sorted(granted)
    assert any(r.startswith("FunctionsApi") for r in roles) and any(r.startswith("FunctionsSteps") for r in roles), (
        roles
    )
    assert all({"dynamodb:PutItem", "dynamodb:Query"} <= a for a in granted.values())
    # and the functions that record are told the table's name
    for fid, fn in synth.resources("AWS::Lambda::Function").items():
        env = fn["Properties"].get("Environment", {}).get("Variables", {})
        if fid.startswith(("FunctionsApi", "FunctionsSteps", "FunctionsMedia")):
            assert env.get("OMNIGEN_AUDIT_TABLE") == {"Ref": lid}, fid


def test_a_cognito_group_per_role(synth):
    groups = {
        g["Properties"]["GroupName"]: g["Properties"] for g in synth.resources("AWS::Cognito::UserPoolGroup").values()
    }
    assert set(groups) == {"creator", "reviewer"}
    (pool,) = synth.resources("AWS::Cognito::UserPool")
    assert all(g["UserPoolId"] == {"Ref": pool} for g in groups.values())


def test_share_links_pass_api_gateway_without_a_cognito_token(synth):
    resources = synth.resources("AWS::ApiGateway::Resource")
    shared = next(lid for lid, r in resources.items() if r["Properties"]["PathPart"] == "shared")
    proxy = next(lid for lid, r in resources.items() if r["Properties"].get("ParentId") == {"Ref": shared})
    methods = [m["Properties"] for m in synth.resources("AWS::ApiGateway::Method").values()
               if m["Properties"].get("ResourceId") == {"Ref": proxy}]  # fmt: skip
    assert [(m["HttpMethod"], m["AuthorizationType"]) for m in methods if m["HttpMethod"] != "OPTIONS"] == [
        ("ANY", "NONE")
    ]
