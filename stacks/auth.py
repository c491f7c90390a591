"""Cognito: the user pool, the web app's public client (authorization code + PKCE) and the
hosted UI domain."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stacks import config
from stacks.nag import ack


class Auth(Construct):
    def __init__(self, scope: Construct, id: str, *, settings: config.Settings, app_urls: list[str]):
        super().__init__(scope, id)
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            removal_policy=RemovalPolicy.RETAIN,
        )
        ack(
            self.user_pool,
            "COG2",
            "MFA is offered (TOTP) and can be made required per organisation; requiring it would lock out "
            "users an administrator invites before they enrol a device.",
        )
        ack(
            self.user_pool,
            "COG3",
            "Threat protection (Cognito Plus) is a paid tier the operator can enable; invite-only sign-up and "
            "a 12-character password policy apply without it.",
        )
        ack(self.user_pool, "COG8", "The Plus feature plan is the paid tier of the threat protection above (COG3).")
        self.client = self.user_pool.add_client(
            "Web",
            generate_secret=False,  # a browser app: public client, authorization code with PKCE
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=app_urls,
                logout_urls=app_urls,
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            enable_token_revocation=True,
        )
        prefix = settings.cognito_domain_prefix or f"omnigen-{Aws.ACCOUNT_ID}"
        self.domain = self.user_pool.add_domain(
            "Hosted", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix)
        )
