"""The web app: a private S3 bucket behind CloudFront with origin access control, and a
`config.json` (API, WebSocket and Cognito settings) written beside it at deploy."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cf
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from omnigen.api.security_headers import web_csp
from stacks import config
from stacks.nag import ack, logical_id
from stacks.storage import secure_bucket


class Web(Construct):
    def __init__(self, scope: Construct, id: str, *, logs: s3.IBucket):
        super().__init__(scope, id)
        self.bucket = secure_bucket(
            self,
            "Site",
            server_access_logs_bucket=logs,
            server_access_logs_prefix="s3/site/",
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=False,
        )
        self.distribution = cf.Distribution(
            self,
            "Cdn",
            comment="OmniGen web app",
            default_root_object="index.html",
            default_behavior=cf.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cf.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=self._headers_policy(),
                cache_policy=cf.CachePolicy.CACHING_OPTIMIZED,
            ),
            # A single-page app: unknown paths are the app's own routes.
            error_responses=[
                cf.ErrorResponse(
                    http_status=404, response_http_status=200, response_page_path="/index.html", ttl=Duration.seconds(0)
                ),
                cf.ErrorResponse(
                    http_status=403, response_http_status=200, response_page_path="/index.html", ttl=Duration.seconds(0)
                ),
            ],
            price_class=cf.PriceClass.PRICE_CLASS_100,
            http_version=cf.HttpVersion.HTTP2_AND_3,
            enable_logging=True,
            log_bucket=logs,
            log_file_prefix="cloudfront/",
        )
        ack(self.distribution, "CFR1", "An internal tool for marketing teams; no country needs blocking.")
        ack(self.distribution, "CFR2", "Static files only; the API has its own throttling. Add a web ACL if required.")
        ack(
            self.distribution,
            "CFR4",
            "Uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; a custom domain "
            "with TLSv1.2_2021 is the documented upgrade (docs/deploy.md).",
        )

    def _headers_policy(self) -> cf.ResponseHeadersPolicy:
        """The security headers the local server sends with the web app (the same CSP, with S3,
        API Gateway and Cognito as the places it loads from and talks to), plus HSTS."""
        csp = web_csp(
            elsewhere="https://*.amazonaws.com",
            connect_elsewhere="wss://*.amazonaws.com https://*.amazoncognito.com",
        )
        return cf.ResponseHeadersPolicy(
            self,
            "Headers",
            comment="OmniGen web app: CSP, nosniff, no framing, no referrer, HSTS",
            security_headers_behavior=cf.ResponseSecurityHeadersBehavior(
                content_security_policy=cf.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=True
                ),
                content_type_options=cf.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cf.ResponseHeadersFrameOptions(frame_option=cf.HeadersFrameOption.DENY, override=True),
                referrer_policy=cf.ResponseHeadersReferrerPolicy(
                    referrer_policy=cf.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cf.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(365), include_subdomains=True, override=True
                ),
            ),
        )

    @property
    def origin(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}"

    def publish(self, settings: dict[str, Any]) -> s3deploy.BucketDeployment:
        """Upload the built web app (when `frontend/dist` exists) and its `config.json`."""
        sources = [s3deploy.Source.json_data("config.json", settings)]
        if (config.WEB_DIST / "index.html").is_file():
            sources.insert(0, s3deploy.Source.asset(str(config.WEB_DIST)))
        deployment = s3deploy.BucketDeployment(
            self,
            "Publish",
            sources=sources,
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/index.html", "/config.json"],
            prune=False,
            memory_limit=512,
        )
        self._ack_deployment_handler()
        return deployment

    def _ack_deployment_handler(self) -> None:
        """CDK's BucketDeployment runs one shared Lambda (a stack-level singleton) we do not write."""
        stack = Stack.of(self)
        handler = next(c for c in stack.node.children if c.node.id.startswith("Custom::CDKBucketDeployment"))
        why = "CDK's BucketDeployment handler: {}; it runs only during deployment."
        ack(handler, "L1", why.format("its runtime is chosen by aws-cdk-lib"))
        ack(
            handler,
            "IAM4",
            why.format("AWSLambdaBasicExecutionRole lets it write its own logs"),
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        )
        findings = [
            f"Action::{a}" for a in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*")
        ]
        findings += [
            "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
            f"Resource::<{logical_id(self.bucket)}.Arn>/*",
            "Resource::*",
        ]
        ack(
            handler,
            "IAM5",
            why.format(
                "it copies the staged web files into the site bucket and invalidates "
                "CloudFront, which has no resource-level permission"
            ),
            *findings,
        )
