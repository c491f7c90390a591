"""Cognito: the user pool, the web app's public client (authorization code + PKCE) and the
hosted UI domain."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stacks import config
from stacks.nag import ack

ROLE_GROUPS = {
    "creator": "Creators make and edit ads and share them with reviewers.",
    "reviewer": "Reviewers comment on, approve or reject the versions shared with them; they cannot edit.",
}


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
        # A group per role: the API reads `cognito:groups` from the authorizer's claims. A user in
        # neither group is a creator (as every user was before roles); a reviewer in only
        # "reviewer" reads and decides on the jobs shared with them and cannot edit.
        self.groups = {
            role: cognito.CfnUserPoolGroup(
                self, f"Group{role.title()}", user_pool_id=self.user_pool.user_pool_id, group_name=role, description=why
            )
            for role, why in ROLE_GROUPS.items()
        }
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
