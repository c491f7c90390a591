"""The WebSocket and fan-out functions on AWS's own sample events (tests/fixtures/aws_events), as
the template deploys them (lambda_world.py: template environment, own container, every AWS call
audited against the function's role): the $connect authorizer on a REQUEST event carrying a
Cognito ID token, $connect / subscribe / $disconnect on API Gateway's WebSocket events, and the
jobs-table stream fan-out on DynamoDB stream records."""

from __future__ import annotations

import json
from urllib.parse import quote

import boto3
import pytest
from lambda_world import REGION, LambdaWorld, sample_event
from moto import mock_aws
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from store_contract import BRIEF

from omnigen.pipeline import lifecycle
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.progress import Tracker
from omnigen.store.dynamodb import DynamoJobStore
from omnigen.store.s3 import S3AssetStore

synth_once = pytest.importorskip("synth_once")
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def synth():
    return synth_once.synthesize()


@pytest.fixture
def world(monkeypatch, synth):
    for k, v in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        yield LambdaWorld(synth.template, monkeypatch, secrets={})


def store_of(world: LambdaWorld) -> StepContext:
    env = world.env("WsSubscribe")
    return StepContext(
        jobs=DynamoJobStore(env["OMNIGEN_JOBS_TABLE"], world.env("Steps")["OMNIGEN_KV_TABLE"]),
        assets=S3AssetStore(world.env("Steps")["OMNIGEN_ASSETS_BUCKET"]),
        providers=None,  # type: ignore[arg-type]
        settings=None,  # type: ignore[arg-type]
    )


def sent_to(connection_id: str) -> list[dict]:
    """The JSON messages moto's management API received for a connection (moto keys it by the id
    as it appears in the request path: URL-encoded)."""
    connections = apigatewaymanagementapi_backends["123456789012"][REGION].connections
    data = connections[quote(connection_id, safe="")].data.decode()
    decoder, out, i = json.JSONDecoder(), [], 0
    while i < len(data):
        obj, i = decoder.raw_decode(data, i)
        out.append(obj)
    return out


def ws_api_id(world: LambdaWorld) -> str:
    return world.physical("AWS::ApiGatewayV2::Api")


def test_websocket_connect_subscribe_disconnect_on_aws_sample_events(world):
    token, sub = world.id_token()
    api_id = ws_api_id(world)

    # $connect authorizer: a REQUEST event; the ID token rides in ?token= (browsers set no headers).
    auth_event = sample_event("apiGatewayAuthorizerWebSocketEvent")
    auth_event["queryStringParameters"] = {"token": token}
    auth_event["multiValueQueryStringParameters"] = {"token": [token]}
    auth_event["methodArn"] = f"arn:aws:execute-api:{REGION}:123456789012:{api_id}/prod/$connect"
    policy = world.invoke("WsAuthorizer", auth_event)
    assert policy["principalId"] == sub and policy["context"] == {"user_id": sub}
    (statement,) = policy["policyDocument"]["Statement"]
    assert statement == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": auth_event["methodArn"]}
    forged = dict(auth_event, queryStringParameters={"token": token[:-4] + "AAAA"})
    with pytest.raises(Exception, match="Unauthorized"):
        world.invoke("WsAuthorizer", forged)
    # a browser page elsewhere, even with a valid token, is refused; the web app's own origin is not
    web_app = world.env("WsAuthorizer")["OMNIGEN_CORS_ORIGINS"].split(",")[0]
    assert web_app.startswith("https://")
    from_elsewhere = dict(auth_event, headers=auth_event["headers"] | {"Origin": "https://evil.example"})
    with pytest.raises(Exception, match="Unauthorized"):
        world.invoke("WsAuthorizer", from_elsewhere)
    from_app = dict(auth_event, headers=auth_event["headers"] | {"origin": web_app})
    assert world.invoke("WsAuthorizer", from_app)["principalId"] == sub

    # $connect: API Gateway passes the authorizer's context in requestContext.authorizer.
    connect = sample_event("apiGatewayWebSocketApiConnect")
    connection_id = connect["requestContext"]["connectionId"]
    connect["requestContext"]["authorizer"] = {"principalId": sub, "user_id": sub}
    assert world.invoke("WsConnect", connect) == {"statusCode": 200}

    ctx = store_of(world)
    job = lifecycle.create_job(ctx, sub, BRIEF)
    Tracker(ctx.jobs, job.job_id).start("script", "writing")
    other = lifecycle.create_job(ctx, "someone-else", BRIEF)

    message = sample_event("apiGatewayWebSocketApiMessage")
    message["requestContext"].update(routeKey="subscribe", connectionId=connection_id)
    message["body"] = json.dumps({"action": "subscribe", "job_id": job.job_id, "last_seq": 0})
    assert world.invoke("WsSubscribe", message) == {"statusCode": 200}
    replayed = sent_to(connection_id)
    assert [e["seq"] for e in replayed] == [1, 2] and {e["job_id"] for e in replayed} == {job.job_id}
    message["body"] = json.dumps({"action": "subscribe", "job_id": other.job_id})
    world.invoke("WsSubscribe", message)
    assert sent_to(connection_id)[-1] == {"error": f"no job {other.job_id}", "job_id": other.job_id}

    disconnect = sample_event("apiGatewayWebSocketApiDisconnect")
    disconnect["requestContext"]["connectionId"] = connection_id
    assert world.invoke("WsDisconnect", disconnect) == {"statusCode": 200}
    table = world.env("WsConnect")["OMNIGEN_CONNECTIONS_TABLE"]
    assert boto3.client("dynamodb", region_name=REGION).scan(TableName=table)["Items"] == []

    assert world.calls("WsAuthorizer") == []  # it verifies the JWT in memory (JWKS over HTTPS)
    for name in ("WsConnect", "WsSubscribe", "WsDisconnect"):
        assert world.calls(name), f"{name} made no AWS call: the audit saw nothing of it"
    problems = world.audit()
    assert not problems, "\n".join(problems)


def test_fanout_on_a_dynamodb_stream_sample_delivers_to_subscribers_within_its_role(world):
    ctx = store_of(world)
    job = lifecycle.create_job(ctx, "alice", BRIEF)
    job = Tracker(ctx.jobs, job.job_id).start("script", "writing") or ctx.jobs.get(job.job_id)
    connections = world.env("WsConnect")["OMNIGEN_CONNECTIONS_TABLE"]
    db = boto3.client("dynamodb", region_name=REGION)
    for conn in ("c-one", "c-two"):
        db.put_item(TableName=connections, Item={"connection_id": {"S": conn}, "sk": {"S": f"job#{job.job_id}"},
                                                  "job_id": {"S": job.job_id}, "user_id": {"S": "alice"}})  # fmt: skip
    item = db.get_item(TableName=world.env("WsSubscribe")["OMNIGEN_JOBS_TABLE"],
                       Key={"job_id": {"S": job.job_id}, "sk": {"S": "job"}})["Item"]  # fmt: skip
    event = sample_event("dynamoStreamEvent")
    record = event["Records"][1]  # the sample's MODIFY record; the filter passes only these
    record["dynamodb"]["NewImage"] = item
    record["dynamodb"]["Keys"] = {"job_id": item["job_id"], "sk": item["sk"]}
    event["Records"] = [record]
    assert world.invoke("Fanout", event) == {"batchItemFailures": []}
    for conn in ("c-one", "c-two"):
        (delivered,) = sent_to(conn)
        assert delivered["job_id"] == job.job_id and delivered["seq"] == job.seq
    assert {c.operation for c in world.calls("Fanout")} == {"Query", "PostToConnection"}
    problems = world.audit()
    assert not problems, "\n".join(problems)


def _rest(method: str, path: str, headers: dict[str, str]) -> dict:
    """AWS's REST proxy sample event for this method, path and headers (no body)."""
    event = sample_event("apiGatewayProxyEvent")
    event.update(path=path, resource="/api/v1/{proxy+}", httpMethod=method, headers=headers,
                 multiValueHeaders={k: [v] for k, v in headers.items()}, queryStringParameters=None,
                 multiValueQueryStringParameters=None, body=None)  # fmt: skip
    event["requestContext"].update(httpMethod=method, path=f"/prod{path}", resourcePath="/api/v1/{proxy+}")
    return event


def _headers(out: dict) -> dict[str, str]:
    multi = {k.lower(): ",".join(v) for k, v in (out.get("multiValueHeaders") or {}).items()}
    return multi | {k.lower(): v for k, v in (out.get("headers") or {}).items()}


def test_the_web_app_may_send_if_match_and_read_the_drafts_etag_cross_origin(world, synth):
    """The web app on CloudFront calls the API on API Gateway: its save names the draft revision it
    read (`If-Match`), from the `ETag` it was sent. Both the gateway's preflight and the API
    function allow the one and expose the other, or a browser would refuse the save or hide the tag."""
    preflights = [m["Properties"] for m in synth.resources("AWS::ApiGateway::Method").values()
                  if m["Properties"]["HttpMethod"] == "OPTIONS"]  # fmt: skip
    assert preflights
    for m in preflights:
        params = m["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        allowed = params["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
        assert "If-Match" in allowed, allowed
    origin = world.env("Api")["OMNIGEN_CORS_ORIGINS"].split(",")[0]
    asked = {"Origin": origin, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "if-match"}
    out = _headers(world.invoke("Api", _rest("OPTIONS", "/api/v1/jobs/j1/timeline", asked)))
    assert "if-match" in out["access-control-allow-headers"].lower(), out
    out = _headers(world.invoke("Api", _rest("GET", "/api/v1/health", {"Origin": origin})))
    assert "etag" in out["access-control-expose-headers"].lower(), out
