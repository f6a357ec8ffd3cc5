"""Sign-in for private mode: a Cognito user pool (e-mail as user name) and the page's app client.

The page talks to Cognito's own API (InitiateAuth, RespondToAuthChallenge) with the client id;
the client has no secret (a browser cannot keep one) and allows the password flow, SRP and
refresh tokens. API Gateway checks the ID token with a Cognito authorizer (stacks/api.py).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

#: Lifetimes: an ID token is what the API accepts; the refresh token keeps the page signed in.
ID_TOKEN_VALIDITY = Duration.hours(1)
REFRESH_TOKEN_VALIDITY = Duration.days(30)
PASSWORD_MIN_LENGTH = 12
TEMPORARY_PASSWORD_DAYS = 3


class Auth(Construct):
    """The user pool and the page's app client."""

    def __init__(self, scope: Construct, construct_id: str, *, allow_signup: bool) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            self_sign_up_enabled=allow_signup,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_MIN_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(TEMPORARY_PASSWORD_DAYS),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Plus plan: threat protection blocks risky sign-ins and compromised passwords.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,  # the accounts outlive a stack replacement
        )
        self.client = self.user_pool.add_client(
            "Page",
            user_pool_client_name="page",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            id_token_validity=ID_TOKEN_VALIDITY,
            access_token_validity=ID_TOKEN_VALIDITY,
            refresh_token_validity=REFRESH_TOKEN_VALIDITY,
        )

    @property
    def endpoint(self) -> str:
        """Cognito's regional API endpoint, which the page calls (CSP connect-src)."""
        return f"https://cognito-idp.{Stack.of(self).region}.amazonaws.com"
