"""The CI examples (examples/ci/): actionlint-clean, and each job's commands run as written.

GitHub Actions: every `run:` step runs in bash as written; a `pulumi/actions` step runs the Pulumi CLI
command the action runs for its inputs (`command`, `stack-name`, `expect-no-changes`). GitLab: every
`script` line runs in bash as written (`set -eo pipefail`, as GitLab's runner does). Steps that only
set the runner up (checkout, Python, the project's install, AWS credentials, artifacts; named
"Set up ..." or GitLab's `before_script`) are the CI's business: here the tools are already there.

The stack is the embedded default, written as a user would for this test: local Knot and the SQLite
ledger; the workflows run unchanged (the DynamoDB ledger is the stack file's choice, not theirs).
The program runs through plain `pulumi` with Pulumi's Python language host, as on a CI runner.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.localdns import LocalDnsServer
from devtools.runner import ROOT, pulumi_bin_dir
from tests.integration.zone import Zone

EXAMPLES = ROOT / "examples" / "ci"
GITHUB = EXAMPLES / "github-actions.yml"
GITLAB = EXAMPLES / "gitlab-ci.yml"
PASSPHRASE = "ci-example-passphrase"
RUNNER_ONLY = ("actions/checkout@", "actions/setup-python@", "aws-actions/configure-aws-credentials@")
RUNNER_ONLY += ("actions/upload-artifact@",)


def tool(script: str) -> str:
    """A tool this project's scripts provide (built once into the cache on a fresh machine)."""
    out = subprocess.run(["bash", str(ROOT / "scripts" / script)], check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def test_the_github_workflow_is_actionlint_clean() -> None:
    actionlint = tool("ensure-actionlint.sh")
    result = subprocess.run([actionlint, "-no-color", str(GITHUB)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_gitlab_file_has_the_three_jobs_with_their_triggers() -> None:
    ci = yaml.safe_load(GITLAB.read_text())
    assert ci["stages"] == ["preview", "deploy", "drift"]
    triggers = {job: ci[job]["rules"][0]["if"] for job in ("preview", "up", "drift")}
    assert "merge_request_event" in triggers["preview"]
    assert "CI_DEFAULT_BRANCH" in triggers["up"]
    assert "schedule" in triggers["drift"]
    # Credentials come from the CI's store or OIDC, never from the repo.
    workflow = yaml.safe_load(GITHUB.read_text())
    assert workflow["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
    assert all(job["permissions"]["id-token"] == "write" for job in workflow["jobs"].values())
    assert "PULUMI_CONFIG_PASSPHRASE" not in ci["variables"] and "AWS_ID_TOKEN" in ci["default"]["id_tokens"]
    for text in (GITHUB.read_text(), GITLAB.read_text()):
        assert not re.search(r"(?i)(key|passphrase|password|token)\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{16,}", text)


class CiProject:
    """A checkout of the project as a runner has it, with a stack `prod` on local Knot and SQLite."""

    def __init__(self, folder: Path, dns: LocalDnsServer) -> None:
        self.folder = folder
        self.project = folder / "checkout"
        self.project.mkdir(parents=True)
        for name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(ROOT / name, self.project / name)
        domains = [{"domain": "ci-notify.example.test", "type": "triggered"}]
        config = {
            "config": {
                "dms:domains": domains,
                "dms:dns": {
                    "provider": "rfc2136",
                    "server": dns.address,
                    "zone": dns.zone,
                    "tsig": {"keyFile": str(dns.key_file)},
                },
                "dms:ledger": {"backend": "sqlite", "path": str(folder / "ledger.sqlite")},
                "dms:verification": {"timeout": 30},
            }
        }
        (self.project / "Pulumi.prod.yaml").write_text(json.dumps(config))
        (folder / "backend").mkdir()
        self.summary = folder / "step-summary.md"
        bins = [Path(sys.executable).parent, pulumi_bin_dir()]  # the language host is beside the CLI
        self.env = {
            **os.environ,
            # The venv's bin first: the language host runs the `python` it finds on PATH.
            "PATH": os.pathsep.join([*map(str, bins), os.environ.get("PATH", "")]),
            "PULUMI_HOME": str(folder / "pulumi-home"),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
            "PYTHONPATH": str(ROOT),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_PATH": str(folder / "github-path"),
        }
        # What the CI's secret store and variables hold.
        self.store = {
            "vars.PULUMI_BACKEND_URL": (folder / "backend").as_uri(),
            "secrets.PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        }

    def bash(self, script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", f"set -eo pipefail\n{script}"],
            cwd=self.project,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )

    def init_stack(self, env: dict[str, str]) -> None:
        # Once per stack, by whoever sets the pipeline up (pulumi/actions can do it with `upsert`).
        done = self.bash('pulumi stack init "$PULUMI_STACK" --non-interactive', env)
        assert done.returncode == 0, done.stderr


def expand(text: str, values: dict[str, str]) -> str:
    """`${{ a.b }}` from the store, the workflow's env or the test's event."""
    return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: values[m.group(1)], text)


def pulumi_action(inputs: dict[str, Any]) -> str:
    """The CLI command pulumi/actions@v6 runs for these inputs."""
    command = inputs["command"]
    args = [command, "--stack", inputs["stack-name"], "--non-interactive", "--color", "never"]
    if command in ("up", "refresh", "destroy"):
        args.append("--yes")
    if str(inputs.get("expect-no-changes", "")).lower() == "true":
        args.append("--expect-no-changes")
    return "pulumi " + " ".join(args)


def run_github_job(ci: CiProject, workflow: dict[str, Any], job: str) -> tuple[bool, str]:
    """Run a job's steps; a failed step skips the rest except `if: always()`. (passed, output)"""
    values = {**ci.store}
    env = {k: expand(str(v), values) for k, v in workflow["env"].items()}
    values.update({f"env.{k}": v for k, v in env.items()})
    passed, output = True, []
    for step in workflow["jobs"][job]["steps"]:
        uses, name = step.get("uses", ""), step.get("name", "")
        if uses.startswith(RUNNER_ONLY) or name.startswith("Set up"):
            continue
        if not passed and step.get("if") != "always()":
            continue
        if uses.startswith("pulumi/actions@"):
            script = pulumi_action({k: expand(str(v), values) for k, v in step["with"].items()})
        else:
            assert not uses, f"a step this test does not know how to run: {uses}"
            script = expand(step["run"], values)
        done = ci.bash(script, env)
        output.append(f"$ {script}\n{done.stdout}{done.stderr}")
        passed = passed and done.returncode == 0
    return passed, "\n".join(output)


def run_gitlab_job(ci: CiProject, pipeline: dict[str, Any], job: str, env: dict[str, str]) -> tuple[bool, str]:
    output = []
    for line in pipeline[job]["script"]:
        done = ci.bash(line, env)
        output.append(f"$ {line}\n{done.stdout}{done.stderr}")
        if done.returncode != 0:
            return False, "\n".join(output)
    return True, "\n".join(output)


@pytest.mark.e2e
def test_the_github_jobs_preview_up_and_drift_run_as_written(tmp_path: Path, local_dns: LocalDnsServer) -> None:
    workflow = yaml.safe_load(GITHUB.read_text())
    ci = CiProject(tmp_path, local_dns)
    backend, passphrase = ci.store["vars.PULUMI_BACKEND_URL"], PASSPHRASE
    ci.init_stack({"PULUMI_STACK": "prod", "PULUMI_BACKEND_URL": backend, "PULUMI_CONFIG_PASSPHRASE": passphrase})

    passed, output = run_github_job(ci, workflow, "preview")
    assert passed, output
    assert "ci-notify.example.test: 4 to create" in output  # the plan, in the preview the comment holds
    plan = json.loads((ci.project / "dns-plan.json").read_text())
    assert [r["action"] for r in plan["domains"][0]["records"]] == ["create"] * 4
    assert "+ CREATE   MX    ci-notify.example.test 5 mxbiz1.qq.com." in ci.summary.read_text()

    passed, output = run_github_job(ci, workflow, "up")
    assert passed, output
    assert re.search(r"ci-notify\.example\.test\s+triggered\s+Verified", output), output

    passed, output = run_github_job(ci, workflow, "drift")
    assert passed, output  # nothing drifted

    Zone(local_dns).delete("_dmarc.ci-notify.example.test", "TXT")  # someone removes a record by hand
    passed, output = run_github_job(ci, workflow, "drift")
    assert not passed, output
    assert "--expect-no-changes" in output and "DMARC: no DMARC record" in output  # status ran, `if: always()`
    assert PASSPHRASE not in output and local_dns.tsig_secret() not in output


@pytest.mark.e2e
def test_the_gitlab_jobs_preview_up_and_drift_run_as_written(tmp_path: Path, local_dns: LocalDnsServer) -> None:
    pipeline = yaml.safe_load(GITLAB.read_text())
    ci = CiProject(tmp_path, local_dns)
    env = {
        **{k: str(v) for k, v in pipeline["variables"].items()},
        # Masked CI/CD variables in GitLab.
        "PULUMI_BACKEND_URL": ci.store["vars.PULUMI_BACKEND_URL"],
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
    }
    (ci.project / "Pulumi.prod.yaml").write_text(
        (ci.project / "Pulumi.prod.yaml").read_text().replace("ci-notify.", "ci-gl-notify.")
    )
    ci.init_stack(env)

    for job in ("preview", "up", "drift"):
        passed, output = run_gitlab_job(ci, pipeline, job, env)
        assert passed, output
    assert "ci-gl-notify.example.test: 4 to create" in (ci.project / "preview.txt").read_text()
    assert "ci-gl-notify.example.test: 4 to create" in (ci.project / "dns-plan.txt").read_text()

    Zone(local_dns).delete("_dmarc.ci-gl-notify.example.test", "TXT")
    passed, output = run_gitlab_job(ci, pipeline, "drift", env)
    assert not passed, output
    failed_at = [line for line in output.splitlines() if line.startswith("$ ")][-1]
    assert "--expect-no-changes" in failed_at, output
    assert PASSPHRASE not in output and local_dns.tsig_secret() not in output
