"""Edge: the load generator's Job and NetworkPolicy: apply, follow, read its summary, delete (always)."""

from __future__ import annotations

import json
from typing import Any, Literal

import yaml

from ca3cli.core.errors import Ca3Error, KubectlError
from ca3cli.core.kubeobjects import Workload
from ca3cli.edges import kuberead
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.deploy import APPLY_TIMEOUT_S, FIELD_MANAGER
from ca3cli.operations.loadtest.model import LoadReport
from ca3cli.operations.loadtest.objects import ref

JobState = Literal["running", "complete", "failed"]


def start(kubectl: Kubectl, objects: list[dict[str, Any]]) -> None:
    """Replace any earlier load Job (its pod template is immutable), then apply the Job and its policy."""
    delete(kubectl, objects, wait=True)
    stream = "".join("---\n" + yaml.safe_dump(obj, sort_keys=False) for obj in objects)
    try:
        kubectl.run("apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "-f", "-", input=stream,
                    timeout=APPLY_TIMEOUT_S, mutating=True)
    except KubectlError as exc:
        raise Ca3Error(f"The cluster refused the load generator's Job or NetworkPolicy:\n"
                       f"{(exc.stderr or exc.stdout).strip()}\nFix what kubectl names above and run "
                       "`ca3 load-test` again.") from exc


def state(job: Workload) -> tuple[JobState, str]:
    """Whether a Job (from `kubectl get job -o json`) runs, completed or failed, with the failure's message."""
    for condition in job.get("status", {}).get("conditions") or []:
        if condition.get("status") == "True" and condition.get("type") in ("Complete", "Failed"):
            kind: JobState = "complete" if condition["type"] == "Complete" else "failed"
            return kind, condition.get("message") or condition.get("reason", "")
    return "running", ""


def follow(kubectl: Kubectl, job: dict[str, Any]) -> tuple[JobState, str]:
    return state(kuberead.one(kubectl, Workload, ref(job), timeout=20))


def summary(logs: str, outcome: JobState, reason: str) -> LoadReport:
    """The load generator's JSON summary line (its last line with `sent`) as a LoadReport."""
    for line in reversed(logs.splitlines()):
        try:
            found = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict) and "sent" in found:
            counts = {k: int(found.get(k, 0)) for k in ("sent", "accepted", "refused", "failed_requests")}
            return LoadReport("failed" if outcome == "failed" else "complete", reason=reason, **counts)
    return LoadReport("failed", reason=reason or "the load generator printed no summary")


def read_summary(kubectl: Kubectl, job: dict[str, Any], outcome: JobState, reason: str) -> LoadReport:
    logs = kubectl.run("logs", ref(job), "--tail=20", check=False, timeout=30)
    return summary(logs.stdout, outcome, reason or ("" if logs.returncode == 0 else logs.stderr.strip()))


def delete(kubectl: Kubectl, objects: list[dict[str, Any]], wait: bool = False) -> None:
    """Delete the Job (its pods go with it) and its NetworkPolicy; absent is fine."""
    kubectl.run("delete", *(ref(obj) for obj in objects), "--ignore-not-found", f"--wait={str(wait).lower()}",
                timeout=APPLY_TIMEOUT_S, mutating=True)
