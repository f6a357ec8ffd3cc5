"""The GitHub workflows' supply-chain and permission rules, checked on the files themselves.

- Every action is pinned to a full commit SHA, with its version tag in a trailing comment, and
  one action has one pin across all workflows.
- The workflows grant `contents: read` and nothing more, except `id-token: write` in the jobs
  that assume an AWS role with aws-actions/configure-aws-credentials.
- No `pull_request_target` (it would run a fork's code with this repository's permissions).
- CI tests only through `make test`: no workflow runs a test tool of its own.
- The workflows use the project's Python and Node versions and the deploy role's environment.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.deploy_role_config import DEFAULT_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials"
PINNED = re.compile(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)\s*(#.*)?$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\b")
ALLOWED = {"contents": "read", "id-token": "write"}
TEST_TOOLS = re.compile(r"\b(pytest|ruff|mypy|cfn-lint|checkov|actionlint|playwright)\b")


def _load(path: Path) -> dict[str, Any]:
    workflow = yaml.safe_load(path.read_text())
    assert isinstance(workflow, dict), path
    return workflow


def _triggers(workflow: dict[str, Any]) -> Any:
    # YAML 1.1 reads a bare `on` key as True.
    return workflow.get("on", workflow.get(True))


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def _uses(job: dict[str, Any]) -> list[str]:
    found = [step["uses"] for step in _steps(job) if "uses" in step]
    return found + ([job["uses"]] if "uses" in job else [])


def test_there_are_workflows() -> None:
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "deploy.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_commit_sha(path: Path) -> None:
    for job_id, job in _load(path)["jobs"].items():
        for uses in _uses(job):
            if uses.startswith("./"):
                continue  # an action of this repository, pinned by the checkout itself
            assert PINNED.fullmatch(uses), (
                f"{path.name} job {job_id}: {uses} is not pinned to a SHA"
            )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_pin_names_its_version(path: Path) -> None:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = USES_LINE.match(line)
        if match and not match.group(1).startswith("./"):
            comment = match.group(2) or ""
            assert VERSION_COMMENT.search(comment), f"{path.name}:{number}: no '# vX.Y.Z' comment"


def test_one_action_has_one_pin() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for job in _load(path)["jobs"].values():
            for uses in _uses(job):
                action, _, ref = uses.partition("@")
                pins.setdefault(action, set()).add(ref)
    assert {action: refs for action, refs in pins.items() if len(refs) > 1} == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_grants_only_contents_read(path: Path) -> None:
    # Without a top-level block a job would get the repository's default token permissions.
    assert _load(path).get("permissions") == {"contents": "read"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_jobs_grant_id_token_only_to_assume_a_role(path: Path) -> None:
    for job_id, job in _load(path)["jobs"].items():
        permissions = job.get("permissions", {})
        assert isinstance(permissions, dict), f"{path.name} job {job_id}: {permissions!r}"
        extra = {
            scope: level for scope, level in permissions.items() if ALLOWED.get(scope) != level
        }
        assert extra == {}, f"{path.name} job {job_id} grants {extra}"
        assumes_role = any(uses.startswith(CREDENTIALS_ACTION + "@") for uses in _uses(job))
        assert ("id-token" in permissions) == assumes_role, (
            f"{path.name} job {job_id}: id-token: write only where an AWS role is assumed"
        )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_no_pull_request_target(path: Path) -> None:
    triggers = _triggers(_load(path))
    names = [triggers] if isinstance(triggers, str) else list(triggers)
    assert "pull_request_target" not in names


def test_ci_tests_with_make_test_only() -> None:
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    triggers = _triggers(ci)
    assert "pull_request" in triggers
    assert triggers["push"] == {"branches": ["main"]}
    runs = [step["run"].strip() for step in _steps(ci["jobs"]["test"]) if "run" in step]
    assert "make test" in runs
    for path in WORKFLOWS:
        for job_id, job in _load(path)["jobs"].items():
            for step in _steps(job):
                assert not TEST_TOOLS.search(step.get("run", "")), (
                    f"{path.name} job {job_id} runs a test tool outside `make test`: {step['run']}"
                )


def test_caches_are_keyed_on_the_lock_files() -> None:
    for path in WORKFLOWS:
        for job in _load(path)["jobs"].values():
            for step in _steps(job):
                uses = step.get("uses", "")
                if uses.startswith("actions/setup-python@"):
                    assert step["with"]["cache"] == "pip"
                    assert step["with"]["cache-dependency-path"] == "pyproject.toml"
                if uses.startswith("actions/setup-node@"):
                    assert step["with"]["cache"] == "npm"
                    assert step["with"]["cache-dependency-path"] == "package-lock.json"


def test_deploy_runs_in_a_protected_environment_and_ends_with_doctor() -> None:
    deploy = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    triggers = _triggers(deploy)
    assert set(triggers) == {"workflow_dispatch", "push"}
    assert triggers["push"] == {"tags": ["v*"]}
    job = deploy["jobs"]["deploy"]
    assert job["environment"] == "production"
    runs = [step.get("run", "") for step in _steps(job)]
    assert "npx cdk deploy --all --require-approval never" in runs[-2]
    assert runs[-1].startswith(".venv/bin/tricloud doctor --stack")


def test_deploy_environment_is_the_one_the_deploy_role_trusts_by_default() -> None:
    deploy = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    assert deploy["jobs"]["deploy"]["environment"] == DEFAULT_ENVIRONMENT


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_tool_versions_are_the_projects(path: Path) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    makefile = (ROOT / "Makefile").read_text()
    env = _load(path)["env"]
    assert env["PYTHON_VERSION"] == pyproject["tool"]["mypy"]["python_version"]
    assert f"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := {env['NODE_VERSION']}" in makefile
