"""Settings of the optional GitHub deploy-role stack, read from CDK context.

The stack exists only when `github_repository` is set. Keys:
- github_repository: `owner/name`, spelled as on GitHub (the OIDC `sub` claim is compared
  exactly).
- github_environment or github_branch (one of them; default: environment `production`, the
  one `.github/workflows/deploy.yml` uses): what may assume the deploy role. A job that names
  an environment gets the subject `repo:OWNER/NAME:environment:ENV`, any other job on a branch
  `repo:OWNER/NAME:ref:refs/heads/BRANCH`.
- github_oidc_provider_arn: use the account's existing GitHub OIDC provider (an account has
  at most one per URL) instead of creating it.
- @aws-cdk/core:bootstrapQualifier: CDK's own key for a custom `cdk bootstrap --qualifier`;
  the deploy role may assume that bootstrap's roles.
A bad value raises `ConfigError` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import DefaultStackSynthesizer

from stacks.config import ConfigError

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
DEFAULT_ENVIRONMENT = "production"
QUALIFIER_KEY = "@aws-cdk/core:bootstrapQualifier"

_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_ENVIRONMENT = re.compile(r"[A-Za-z0-9._-]{1,255}")
_BRANCH = re.compile(r"(?!/)(?!.*//)(?!.*\.\.)[A-Za-z0-9._/-]{1,255}(?<!/)")
_PROVIDER_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/" + re.escape(GITHUB_OIDC_HOST)
)
# The bootstrap template's own AllowedPattern for --qualifier.
_QUALIFIER = re.compile(r"[A-Za-z0-9_-]{1,10}")


@dataclass(frozen=True)
class DeployRoleConfig:
    """Who may deploy from GitHub, and through which CDK bootstrap."""

    repository: str
    environment: str | None = DEFAULT_ENVIRONMENT
    branch: str | None = None
    oidc_provider_arn: str | None = None
    qualifier: str = DefaultStackSynthesizer.DEFAULT_QUALIFIER

    @property
    def deploy_subject(self) -> str:
        """The exact `sub` claim of the jobs allowed to deploy."""
        if self.branch is not None:
            return f"repo:{self.repository}:ref:refs/heads/{self.branch}"
        return f"repo:{self.repository}:environment:{self.environment}"

    @property
    def pull_request_subject(self) -> str:
        """The `sub` claim of a pull-request job of the repository (never of a fork's)."""
        return f"repo:{self.repository}:pull_request"

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> DeployRoleConfig | None:
        """The settings, or None when `github_repository` is not set."""
        repository = _text(get, "github_repository", _REPOSITORY, "owner/name as on GitHub")
        environment = _text(get, "github_environment", _ENVIRONMENT, "a GitHub environment name")
        branch = _text(get, "github_branch", _BRANCH, "a branch name such as main")
        provider = _text(
            get,
            "github_oidc_provider_arn",
            _PROVIDER_ARN,
            f"the ARN of the account's {GITHUB_OIDC_HOST} OIDC provider",
        )
        qualifier = _text(get, QUALIFIER_KEY, _QUALIFIER, "1-10 letters, digits, _ or -")
        if repository is None:
            optional = {
                "github_environment": environment,
                "github_branch": branch,
                "github_oidc_provider_arn": provider,
            }
            given = [key for key, value in optional.items() if value]
            if given:
                raise ConfigError(
                    f"context {', '.join(given)} needs context github_repository (owner/name)"
                )
            return None
        if environment is not None and branch is not None:
            raise ConfigError(
                "set only one of context github_environment and github_branch: a job that "
                "names an environment is identified by it, not by its branch"
            )
        return cls(
            repository=repository,
            environment=None if branch else environment or DEFAULT_ENVIRONMENT,
            branch=branch,
            oidc_provider_arn=provider,
            qualifier=qualifier or DefaultStackSynthesizer.DEFAULT_QUALIFIER,
        )

    @classmethod
    def from_mapping(cls, context: Mapping[str, Any]) -> DeployRoleConfig | None:
        """The settings from a plain mapping (tests, tools)."""
        return cls.from_context(context.get)


def _text(
    get: Callable[[str], Any], key: str, pattern: re.Pattern[str], help_text: str
) -> str | None:
    """One optional text value, checked against `pattern`."""
    value = get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigError(f"context {key}={value!r} is invalid: expected {help_text}")
    return value
