"""The synthesized CloudFormation: every resource family, least-privilege IAM, cdk-nag, cfn-lint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from synth_once import synthesize

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def synth():
    return synthesize()


def one(synth, kind: str, **match):
    found = [
        r for r in synth.resources(kind).values()
        if all(r["Properties"].get(k) == v for k, v in match.items())
    ]  # fmt: skip
    assert len(found) == 1, f"expected one {kind} with {match}, found {len(found)}"
    return found[0]["Properties"]


def statements(synth):
    for lid, r in synth.template["Resources"].items():
        if r["Type"] == "AWS::IAM::Policy":
            docs = [r["Properties"]["PolicyDocument"]]
        elif r["Type"] == "AWS::IAM::Role":
            docs = [p["PolicyDocument"] for p in r["Properties"].get("Policies", [])]
        else:
            continue
        for doc in docs:
            for st in doc["Statement"]:
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                resources = st.get("Resource", [])
                resources = resources if isinstance(resources, list) else [resources]
                yield lid, actions, resources


def test_assets_bucket_is_private_tls_only_encrypted_with_cors_and_lifecycle(synth):
    buckets = synth.resources("AWS::S3::Bucket")
    for b in buckets.values():
        p = b["Properties"]
        assert p["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True
        }  # fmt: skip
        assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assets = next(b["Properties"] for b in buckets.values() if "CorsConfiguration" in b["Properties"])
    cors = assets["CorsConfiguration"]["CorsRules"][0]
    assert set(cors["AllowedMethods"]) == {"GET", "HEAD", "PUT"} and cors["AllowedOrigins"]
    rules = {r["Id"]: r for r in assets["LifecycleConfiguration"]["Rules"] if "Id" in r}
    assert rules["intermediate-assets"]["TagFilters"] == [{"Key": "omnigen-lifecycle", "Value": "intermediate"}]
    assert rules["incomplete-uploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1
    assert "LoggingConfiguration" in assets
    policies = json.dumps(synth.resources("AWS::S3::BucketPolicy"))
    assert policies.count('"aws:SecureTransport": "false"') >= len(buckets)


def test_tables_keys_stream_pitr_ttl(synth):
    tables = synth.resources("AWS::DynamoDB::Table").values()
    by_keys = {tuple(k["AttributeName"] for k in t["Properties"]["KeySchema"]): t["Properties"] for t in tables}
    jobs = by_keys[("job_id", "sk")]
    assert jobs["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert {g["IndexName"] for g in jobs["GlobalSecondaryIndexes"]} == {"by_user", "unfinished"}
    assert jobs["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    connections = by_keys[("connection_id", "sk")]
    assert connections["TimeToLiveSpecification"]["Enabled"] is True
    assert connections["GlobalSecondaryIndexes"][0]["IndexName"] == "by_job"
    assert by_keys[("key",)]["TimeToLiveSpecification"]["Enabled"] is True  # idempotency
    assert ("user_id", "month") in by_keys  # usage
    for t in tables:
        p = t["Properties"]
        assert p["BillingMode"] == "PAY_PER_REQUEST"
        assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_secrets_for_replicate(synth):
    descriptions = [s["Properties"]["Description"] for s in synth.resources("AWS::SecretsManager::Secret").values()]
    assert any("API token" in d for d in descriptions) and any("webhook" in d for d in descriptions)


def test_zip_lambdas_on_the_layer_with_powertools_and_tracing(synth):
    functions = synth.resources("AWS::Lambda::Function")
    ours = {k: v["Properties"] for k, v in functions.items() if k.startswith("Functions")}
    handlers = {p.get("Handler") for p in ours.values()}
    assert {
        "lambdas.api.handler",
        "lambdas.steps.handler",
        "lambdas.webhook.handler",
        "lambdas.fanout.handler",
        "lambdas.ws.authorizer",
        "lambdas.ws.connect",
        "lambdas.ws.disconnect",
        "lambdas.ws.subscribe",
    } <= handlers
    (layer,) = [
        k for k, v in synth.resources("AWS::Lambda::LayerVersion").items()
        if "omnigen" in v["Properties"].get("Description", "")
    ]  # fmt: skip
    for p in ours.values():
        env = p["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "omnigen" and env["POWERTOOLS_METRICS_NAMESPACE"] == "OmniGen"
        assert env["OMNIGEN_STORE"] == "aws"
        assert p["TracingConfig"] == {"Mode": "Active"}
        assert "LoggingConfig" in p  # its own log group, with retention
        if p.get("PackageType") != "Image":
            assert p["Layers"] == [{"Ref": layer}] and p["Runtime"] == "python3.11"


def test_the_functions_that_render_and_estimate_get_the_video_model_and_its_end_frame_companion(synth):
    """The media function renders the takes, the steps function plans them (write_script) and the
    API estimates them: each is told both video models from cdk.json (videoModel,
    videoModelEndFrame), so all three plan and price the same takes on the same models."""
    context = json.loads((Path(__file__).resolve().parents[2] / "cdk.json").read_text())["context"]
    functions = [p["Properties"] for p in synth.resources("AWS::Lambda::Function").values()]
    media = next(p for p in functions if p.get("PackageType") == "Image")
    api = next(p for p in functions if p.get("Handler") == "lambdas.api.handler")
    steps = next(p for p in functions if p.get("Handler") == "lambdas.steps.handler")
    for fn in (media, api, steps):
        env = fn["Environment"]["Variables"]
        assert env["OMNIGEN_MODEL_VIDEO"] == context["videoModel"] == "kwaivgi/kling-v2.5-turbo-pro"
        assert env["OMNIGEN_MODEL_VIDEO_END_FRAME"] == context["videoModelEndFrame"] == "kwaivgi/kling-v2.1"


def test_media_lambda_is_a_container_image_a_new_account_can_deploy(synth):
    media = next(
        p["Properties"] for p in synth.resources("AWS::Lambda::Function").values()
        if p["Properties"].get("PackageType") == "Image"
    )  # fmt: skip
    # 3,008 MB: the most a new account may give a function (10,240 MB once the quota is raised,
    # `-c mediaMemoryMb=10240`); its concurrency is reserved, so a burst of jobs has a ceiling.
    assert media["MemorySize"] == 3008 and media["EphemeralStorage"] == {"Size": 10240}
    assert media["ReservedConcurrentExecutions"] == 30  # 2 jobs of 12 scene chains + music + voice
    assert media["Timeout"] == 900
    assets = json.loads((synth.outdir / "OmniGen.assets.json").read_text())
    (image,) = assets["dockerImages"].values()
    context = synth.outdir / image["source"]["directory"]
    dockerfile = (context / "Dockerfile").read_text()
    assert "FROM python:3.11-slim-bookworm" in dockerfile
    assert '["/usr/local/bin/python", "-m", "awslambdaric"]' in dockerfile  # the runtime interface client
    assert "--only-binary=:all:" in dockerfile and "tesseract-ocr" in dockerfile
    requirements = (context / "lambdas" / "media" / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("imageio-ffmpeg") for line in requirements)
    assert (context / "layers/core/python/omnigen/pipeline/steps.py").is_file()


def test_state_machine_shape(synth):
    (sm,) = synth.resources("AWS::StepFunctions::StateMachine").values()
    assert sm["Properties"]["StateMachineType"] == "STANDARD"
    assert sm["Properties"]["TracingConfiguration"] == {"Enabled": True}
    assert sm["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    # Inputs and outputs carry task tokens: they must not be logged.
    assert sm["Properties"]["LoggingConfiguration"]["IncludeExecutionData"] is False
    text = json.dumps(sm["Properties"]["DefinitionString"])
    for expected in (
        "lambda:invoke.waitForTaskToken",
        "HeartbeatSeconds",
        "$$.Task.Token",
        '"JitterStrategy\\":\\"FULL',
        "States.ALL",
        "Omnigen.Retryable",
        "States.HeartbeatTimeout",
        'MaxConcurrency\\":12',  # every scene of a 60 s ad at once (issue 15), cdk.json's maxConcurrentScenes
        "KeyframesFirst?",  # continuity keyframes: the Keyframes task before the Scenes Map
        "make_keyframes",
    ):
        assert expected in text, expected


def definition(synth) -> dict:
    (sm,) = synth.resources("AWS::StepFunctions::StateMachine").values()
    body = sm["Properties"]["DefinitionString"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    return json.loads("".join(p if isinstance(p, str) else "ARN" for p in parts))


def test_no_state_of_the_pipeline_can_fail_without_a_catch_or_a_reconcile(synth):
    """FailJob has a Catch (the execution ends FAILED with a named error); an execution that ends
    FAILED, TIMED_OUT or ABORTED reaches the step Lambda's `reconcile` through EventBridge, with
    a day of retries and a dead-letter queue — so no job stays running."""
    states = definition(synth)["States"]
    fail_job = states["FailJob"]
    assert fail_job["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.fail_job_error", "Next": "FailJobFailed"}
    ]
    assert states["FailJobFailed"]["Type"] == "Fail"
    (rule,) = synth.resources("AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.states"] and pattern["detail"]["status"] == ["FAILED", "TIMED_OUT", "ABORTED"]
    assert "OmniGen-pipeline" in json.dumps(pattern["detail"]["stateMachineArn"])
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"]["Fn::GetAtt"][0].startswith("FunctionsSteps")
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
    assert target["DeadLetterConfig"]["Arn"]
    assert '"step":"reconcile"' in target["InputTransformer"]["InputTemplate"].replace(" ", "")


def test_a_throttled_media_function_is_waited_for(synth):
    render = definition(synth)["States"]["Produce"]["Branches"][0]["States"]["Scenes"]["ItemProcessor"]["States"][
        "Chain"
    ]["ItemProcessor"]["States"]["RenderScene"]
    throttled = next(r for r in render["Retry"] if r["ErrorEquals"] == ["Lambda.TooManyRequestsException"])
    assert throttled["MaxAttempts"] >= 10 and throttled["JitterStrategy"] == "FULL"


def test_rest_api_authorizer_open_webhook_throttling_logs_cors(synth):
    one(synth, "AWS::ApiGateway::Authorizer", Type="COGNITO_USER_POOLS")
    methods = [m["Properties"] for m in synth.resources("AWS::ApiGateway::Method").values()]
    auth = sorted((m["HttpMethod"], m["AuthorizationType"]) for m in methods if m["HttpMethod"] != "OPTIONS")
    # everything behind Cognito but health, Replicate's webhook and the share links (their signed token)
    assert auth == [("ANY", "COGNITO_USER_POOLS"), ("ANY", "NONE"), ("GET", "NONE"), ("POST", "NONE")]
    (stage,) = synth.resources("AWS::ApiGateway::Stage").values()
    p = stage["Properties"]
    assert p["AccessLogSetting"]["DestinationArn"] and p["TracingEnabled"] is True
    settings = {(m["ResourcePath"], m["HttpMethod"]): m for m in p["MethodSettings"]}
    default = settings[("/*", "*")]
    assert default["ThrottlingRateLimit"] == 20 and default["ThrottlingBurstLimit"] == 40
    # The open routes have throttles of their own: a flood of either cannot spend the API's.
    health = settings[("/~1api~1v1~1health", "GET")]
    assert (health["ThrottlingRateLimit"], health["ThrottlingBurstLimit"]) == (5, 10)
    webhook = settings[("/~1api~1v1~1webhooks~1replicate", "POST")]
    assert (webhook["ThrottlingRateLimit"], webhook["ThrottlingBurstLimit"]) == (50, 100)
    responses = synth.resources("AWS::ApiGateway::GatewayResponse")
    assert len(responses) == 2
    for response in responses.values():  # the gateway's own errors carry the app's security headers
        headers = response["Properties"]["ResponseParameters"]
        assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
        assert headers["gatewayresponse.header.Referrer-Policy"] == "'no-referrer'"
        assert headers["gatewayresponse.header.X-Frame-Options"] == "'DENY'"


def test_websocket_api_authorizer_routes_and_fanout(synth):
    one(synth, "AWS::ApiGatewayV2::Api", ProtocolType="WEBSOCKET")
    authorizer = one(synth, "AWS::ApiGatewayV2::Authorizer", AuthorizerType="REQUEST")
    assert authorizer["IdentitySource"] == ["route.request.querystring.token"]
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"] for r in synth.resources("AWS::ApiGatewayV2::Route").values()
    }
    assert set(routes) == {"$connect", "$disconnect", "subscribe"}
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    (stage,) = synth.resources("AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["AccessLogSettings"]["DestinationArn"]
    # Access logs are written with the account's API Gateway CloudWatch role: the stage must be
    # created after the account setting that names it (on a fresh account nothing else sets it).
    (account,) = synth.resources("AWS::ApiGateway::Account")
    assert account in stage.get("DependsOn", [])
    (mapping,) = synth.resources("AWS::Lambda::EventSourceMapping").values()
    m = mapping["Properties"]
    assert m["BisectBatchOnFunctionError"] is True and m["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert m["DestinationConfig"]["OnFailure"]["Destination"]
    pattern = json.loads(m["FilterCriteria"]["Filters"][0]["Pattern"])
    assert pattern == {"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"sk": {"S": ["job"]}}}}


def test_web_hosting_oac_and_config_json(synth):
    (oac,) = synth.resources("AWS::CloudFront::OriginAccessControl").values()
    assert oac["Properties"]["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    (dist,) = synth.resources("AWS::CloudFront::Distribution").values()
    cfg = dist["Properties"]["DistributionConfig"]
    assert cfg["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert cfg["Origins"][0]["OriginAccessControlId"] and cfg["Logging"]
    (deployment,) = synth.resources("Custom::CDKBucketDeployment").values()
    markers = json.dumps(deployment["Properties"].get("SourceMarkers", []))
    for key in ("ApiRest", "ProgressApi", "AuthUsers", "AuthUsersWeb"):
        assert key in markers, f"config.json does not carry {key}"
    # the web app's security headers: the local server's CSP (plus S3, API Gateway, Cognito), no framing
    (policy,) = synth.resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    assert cfg["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": next(iter(synth.resources("AWS::CloudFront::ResponseHeadersPolicy")))
    }
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert "wss://*.amazonaws.com" in csp and "https://*.amazoncognito.com" in csp
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def test_cognito_pkce_client_and_hosted_domain(synth):
    client = one(synth, "AWS::Cognito::UserPoolClient", GenerateSecret=False)
    assert client["AllowedOAuthFlows"] == ["code"] and client["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert len(synth.resources("AWS::Cognito::UserPoolDomain")) == 1
    (pool,) = synth.resources("AWS::Cognito::UserPool").values()
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


def test_alarms_on_failures_errors_and_dlq(synth):
    alarms = [a["Properties"] for a in synth.resources("AWS::CloudWatch::Alarm").values()]
    metrics = {a["MetricName"] for a in alarms}
    assert {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "Errors",
        "ApproximateNumberOfMessagesVisible",
        "5XXError",
    } <= metrics
    assert sum(a["MetricName"] == "Errors" for a in alarms) == 9  # every Lambda
    assert sum(a["MetricName"] == "ApproximateNumberOfMessagesVisible" for a in alarms) == 2  # both DLQs
    assert all(a["AlarmActions"] for a in alarms)


def test_cloudwatch_can_publish_alarms_to_the_encrypted_topic(synth):
    """The AWS-managed SNS key's policy admits no CloudWatch: a customer-managed key whose policy
    lets CloudWatch use it, and a topic policy that lets CloudWatch publish."""
    ((topic_lid, topic),) = synth.resources("AWS::SNS::Topic").items()
    key_ref = topic["Properties"]["KmsMasterKeyId"]
    assert isinstance(key_ref, dict) and "alias/aws/sns" not in json.dumps(key_ref)
    key = synth.template["Resources"][key_ref["Fn::GetAtt"][0]]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    for_cloudwatch = [
        st for st in key["Properties"]["KeyPolicy"]["Statement"]
        if st.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} and st["Effect"] == "Allow"
    ]  # fmt: skip
    (st,) = for_cloudwatch
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(st["Action"])
    assert "aws:SourceAccount" in json.dumps(st["Condition"])
    (policy,) = [
        p["Properties"] for p in synth.resources("AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_lid} in p["Properties"]["Topics"]
    ]  # fmt: skip
    publish = [
        st for st in policy["PolicyDocument"]["Statement"]
        if st.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} and st["Effect"] == "Allow"
    ]  # fmt: skip
    (st,) = publish
    assert st["Action"] == "sns:Publish" and st["Resource"] == {"Ref": topic_lid}
    alarms = [a["Properties"] for a in synth.resources("AWS::CloudWatch::Alarm").values()]
    assert all(a["AlarmActions"] == [{"Ref": topic_lid}] for a in alarms)


def test_each_function_is_told_only_of_the_secrets_its_role_may_read(synth):
    """`load_secrets` reads every secret whose ARN the environment names: a function named a
    secret its role cannot read dies at its first read (the API at import: every route 502)."""
    import iam_audit

    from omnigen.providers.secrets import SECRETS
    from stacks.secrets import REPLICATE_TOKEN_ENV, WEBHOOK_SECRET_ENV

    assert set(SECRETS.values()) == {REPLICATE_TOKEN_ENV, WEBHOOK_SECRET_ENV}
    by_name = iam_audit.Resolver(
        "us-east-1", "123456789012", fallback=lambda lid, attr: f"{lid}.{attr}" if attr else lid
    )
    told = {}
    for lid, fn in synth.resources("AWS::Lambda::Function").items():
        if not lid.startswith("Functions"):
            continue
        env = fn["Properties"].get("Environment", {}).get("Variables", {})
        named = {env[v]["Ref"] for v in SECRETS.values() if v in env}
        policy = iam_audit.role_statements(synth.template, iam_audit.function_role(synth.template, lid), by_name)
        for secret in named:
            need = iam_audit.Requirement("secretsmanager:GetSecretValue", secret)
            assert iam_audit.allowed(policy, need), f"{lid} is told of {secret}, which its role may not read"
        told[lid.rstrip("0123456789ABCDEF")] = named
    assert len(told["FunctionsWebhook"]) == 1 and len(told["FunctionsApi"]) == 1
    assert told["FunctionsSteps"] == told["FunctionsMedia"] == told["FunctionsApi"] != told["FunctionsWebhook"]
    assert not told["FunctionsWsConnect"] and not told["FunctionsFanout"]


ALLOWED_STAR = {
    # AWS supports no resource-level permission for these actions.
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
    "dynamodb:ListStreams", "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation",
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}  # fmt: skip


def test_iam_is_least_privilege(synth):
    for lid, actions, resources in statements(synth):
        for action in actions:
            assert action != "*" and not action.endswith(":*"), f"{lid} grants {action}"
        if "*" in resources:
            assert set(actions) <= ALLOWED_STAR, f"{lid} grants {actions} on every resource"
    by_role = {}
    for lid, actions, _ in statements(synth):
        by_role.setdefault(lid, set()).update(actions)
    webhook = next(a for lid, a in by_role.items() if lid.startswith("FunctionsWebhook"))
    assert "states:SendTaskFailure" in webhook and not any(a.startswith("s3:") for a in webhook)
    # Recording a seen webhook id is a PutItem on the key-value table (this test asserted the
    # opposite before: a read-only grant, under which every delivery failed).
    assert {"dynamodb:PutItem", "dynamodb:GetItem"} <= webhook
    authorizer = next(a for lid, a in by_role.items() if lid.startswith("FunctionsWsAuthorizer"))
    assert authorizer <= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    api = next(a for lid, a in by_role.items() if lid.startswith("FunctionsApi"))
    assert {"states:StartExecution", "states:StopExecution", "lambda:InvokeFunction"} <= api
    assert "states:SendTaskSuccess" not in api


def test_cdk_nag_has_no_unacknowledged_finding(synth):
    # app.synth() raises when a validation plugin fails: the session's synth passing with
    # AwsSolutionsChecks attached (app.build) is the check; the CDK's own template validation too.
    reports = {p["pluginName"]: p for p in synth.validation_report()["pluginReports"]}
    assert all(p["conclusion"] == "success" for p in reports.values()), reports


def test_cdk_nag_would_refuse_an_unacknowledged_finding(synth):
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    from cdk_nag import AwsSolutionsChecks

    app = cdk.App(outdir=str(synth.outdir / "nag-probe"))
    s3.Bucket(cdk.Stack(app, "Probe"), "Plain")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="AwsSolutions-S10"):
        app.synth()


def test_cfn_lint_finds_no_error(synth):
    templates = sorted(Path(synth.outdir).glob("*.template.json"))
    assert templates
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), "--format", "parseable", *map(str, templates)],
        capture_output=True, text=True,
    )  # fmt: skip
    errors = [line for line in done.stdout.splitlines() if ":E" in line]
    assert not errors, "\n".join(errors)
    assert done.returncode in (0, 4, 8, 12), done.stderr  # 4/8: warnings/informational only
