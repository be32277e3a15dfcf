"""`ca3 handin` on a scratch project with no cluster: the static parts written, every cluster-made output listed
as MISSING with its command, and no generated secret value anywhere in the submission."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from ca3cli.core import registry, render, template_values
from ca3cli.core.settings import Settings
from ca3cli.edges import secrets
from ca3cli.operations.handin import scripts
from tests.fixtures.patience import CALL_GUARD_S
from tests.handin.conftest import Run

CLUSTER_MADE = {
    "outputs/grafana-dashboard.png": "ca3 evidence",
    "outputs/log-search.png": "ca3 evidence",
    "outputs/log-search-error.png": "ca3 evidence",
    "outputs/log-explore.png": "ca3 evidence",
    "outputs/prometheus-targets.png": "ca3 evidence",
    "outputs/hpa-scaling.png": "ca3 load-test",
    "outputs/hpa-scaling-events.txt": "ca3 load-test",
    "outputs/scaling-test-results.md": "ca3 load-test",
    "outputs/resilience-report.md": "ca3 chaos --record",
    "outputs/resilience-drill.mp4": "ca3 chaos --record",
    "outputs/pod-recovery.txt": "ca3 chaos --record",
    "outputs/recovery-timeline.png": "ca3 chaos --record",
    "outputs/validation-report.json": "ca3 validate --json --junit outputs/validation-report.xml",
    "outputs/validation-report.xml": "ca3 validate --json --junit outputs/validation-report.xml",
    "outputs/validation-report.md": "ca3 validate --json --junit outputs/validation-report.xml",
    "outputs/deploy-log.txt": "ca3 deploy",
}
STATIC = ["k8s/namespace.yaml", "k8s/prometheus/prometheus-deployment.yaml", "k8s/prometheus/prometheus-service.yaml",
          "k8s/prometheus/prometheus-configmap.yaml", "k8s/prometheus/prometheus-rbac.yaml",
          "k8s/logging/loki-deployment.yaml", "k8s/logging/promtail-daemonset.yaml", "k8s/secrets.yaml.template",
          "scripts/deploy.sh", "scripts/validate.sh", "scripts/destroy.sh", "scripts/load-test.sh",
          "scripts/resilience-test.sh", "outputs/network-policies.yaml", "outputs/operator-procedures.md",
          "outputs/CHECKLIST.md", "outputs/tls-config-summary.md", "k8s/tls/generate-influxdb-certs.sh",
          "k8s/tls/influxdb-tls-secret.yaml.template", "k8s/tls/generate-kafka-certs.sh",
          "k8s/tls/kafka-tls-secret.yaml.template", "outputs/secret-scan.md", "README.md", ".gitignore"]


def _row(checklist: str, path: str) -> str:
    rows = [line for line in checklist.splitlines() if f"`{path}`" in line or f"| {path}:" in line
            or f" {path}: " in line]
    assert rows, f"{path} is not in the checklist"
    return rows[0]


def test_handin_without_a_cluster_writes_every_static_part(scratch: Path, ca3: Run) -> None:
    done = ca3("handin", "--allow-missing")
    assert done.returncode == 0, done.stderr
    for path in STATIC:
        assert (scratch / path).is_file(), f"{path} was not written"
    assert "prometheus-targets.png" in done.stdout, "the checklist is printed too"


def test_checklist_names_each_cluster_made_output_missing_with_its_command(scratch: Path, ca3: Run) -> None:
    assert ca3("handin", "--allow-missing").returncode == 0
    checklist = (scratch / "outputs/CHECKLIST.md").read_text()
    for path, command in CLUSTER_MADE.items():
        row = _row(checklist, path)
        assert "| MISSING |" in row and command in row, row
    assert "| PRESENT |" in _row(checklist, "outputs/network-policies.yaml")


def test_missing_outputs_fail_the_handin_unless_allowed(ca3: Run) -> None:
    done = ca3("handin")
    assert done.returncode == 1
    assert "MISSING" in done.stderr and "--allow-missing" in done.stderr


def _secret_forms(folder: Path) -> list[str]:
    values = secrets.load(secrets.folder_for(folder / "ca3.yaml")).values()
    return [form for value in values for form in (value, base64.b64encode(value.encode()).decode())]


def test_no_generated_secret_value_appears_anywhere_in_the_submission(scratch: Path, ca3: Run) -> None:
    assert ca3("handin", "--allow-missing").returncode == 0
    forms = _secret_forms(scratch)
    files = [p for p in scratch.rglob("*") if p.is_file() and ".ca3" not in p.relative_to(scratch).parts]
    assert len(files) > 60
    for path in files:
        text = path.read_bytes().decode(errors="replace")
        assert not [form for form in forms if form in text], f"{path} holds a generated secret"


def test_k8s_holds_no_secret_object_and_the_template_only_placeholders(scratch: Path, ca3: Run) -> None:
    assert ca3("handin", "--allow-missing").returncode == 0
    kinds = [doc["kind"] for path in (scratch / "k8s").rglob("*.yaml")
             for doc in yaml.safe_load_all(path.read_text()) if doc]
    assert "Secret" not in kinds and "StatefulSet" in kinds
    template = list(yaml.safe_load_all((scratch / "k8s/secrets.yaml.template").read_text()))
    assert {doc["metadata"]["name"] for doc in template} == {"influxdb-auth", "grafana-admin", "kafka-cluster",
                                                             "influxdb-tls", "kafka-tls"}
    values = [v for doc in template for k, v in doc["stringData"].items() if not k.endswith(("-user", "-username"))]
    assert values and all(re.fullmatch(r"(\$\{[A-Z_]+\})+", v) for v in values), values  # keystore: key+cert


def test_network_policies_file_holds_every_rendered_policy(scratch: Path, ca3: Run) -> None:
    assert ca3("handin", "--allow-missing", "--milestone", "5").returncode == 0
    shipped = [doc for doc in yaml.safe_load_all((scratch / "outputs/network-policies.yaml").read_text()) if doc]
    rendered = [doc for m in render.render(Settings(), template_values.placeholders(), 5) for doc in m.documents
                if doc["kind"] == "NetworkPolicy"]
    assert [d["metadata"]["name"] for d in shipped] == [d["metadata"]["name"] for d in rendered]
    assert [d["spec"] for d in shipped] == [d["spec"] for d in rendered]
    assert len(shipped) > 8, "the eight baseline policies and the observability ones"


def test_milestone_bounds_what_is_rendered_and_listed(scratch: Path, ca3: Run) -> None:
    assert ca3("handin", "--allow-missing", "--milestone", "1").returncode == 0
    assert not (scratch / "k8s/prometheus").exists()
    checklist = (scratch / "outputs/CHECKLIST.md").read_text()
    assert "prometheus-targets.png" not in checklist and "network-policies.yaml" in checklist
    assert "[ \"$#\" -gt 0 ] || set -- -m 1" in (scratch / "scripts/deploy.sh").read_text()


def test_gitignore_gains_the_seed_entries_and_keeps_what_was_there(scratch: Path, ca3: Run) -> None:
    (scratch / ".gitignore").write_text("node_modules/")
    assert ca3("handin", "--allow-missing", "-m", "1").returncode == 0
    lines = (scratch / ".gitignore").read_text().splitlines()
    assert lines[0] == "node_modules/"
    assert {"secrets.yaml", ".ca3/", "*.key", "*secret*.yaml"} <= set(lines)


def test_committing_the_submission_tracks_k8s_and_no_secret(scratch: Path, ca3: Run, git: Run) -> None:
    git("init", "-q")
    assert ca3("handin", "--allow-missing").returncode == 0
    git("add", "-A")
    tracked = git("ls-files").stdout.split()
    assert "k8s/kafka/kafka-statefulset.yaml" in tracked and "k8s/secrets.yaml.template" in tracked
    assert not [path for path in tracked if path.startswith(".ca3/")]
    forms = _secret_forms(scratch)
    for path in tracked:
        assert not [f for f in forms if f in (scratch / path).read_text(errors="replace")], path


def test_the_project_scripts_are_the_ones_a_submission_gets() -> None:
    root = Path(__file__).resolve().parents[2]
    for name, text in scripts.texts(1).items():
        if (root / "scripts" / name).exists():
            assert (root / "scripts" / name).read_text() == text, f"scripts/{name} differs from handin/scripts.py"
    assert registry.HIGHEST == 9


def test_readme_keeps_what_the_student_wrote_and_replaces_only_its_own_part(scratch: Path, ca3: Run) -> None:
    (scratch / "README.md").write_text("# My CA3\n\nNotes I wrote myself.\n")
    assert ca3("handin", "--allow-missing", "-m", "2").returncode == 0
    assert ca3("handin", "--allow-missing", "-m", "3").returncode == 0
    text = (scratch / "README.md").read_text()
    assert text.startswith("# My CA3\n\nNotes I wrote myself.\n")
    assert text.count("<!-- ca3 handin: begin") == 1 and text.count("<!-- ca3 handin: end -->") == 1
    assert "### Milestone 3: Application metrics instrumentation" in text, "the second run's part replaced the first"


def test_every_written_script_is_shellcheck_clean_and_runs_its_ca3_command(scratch: Path, ca3: Run) -> None:
    assert ca3("handin", "--allow-missing", "-m", "4").returncode == 0
    assert shutil.which("shellcheck"), "shellcheck is missing; `bash scripts/test.sh` installs it"
    names = sorted(p.name for p in (scratch / "scripts").glob("*.sh"))
    assert names == sorted(scripts.texts(4)), names
    checked = subprocess.run(["shellcheck", "-x", "--shell=bash", *(f"scripts/{n}" for n in names)], cwd=scratch,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    fake = scratch / "bin" / "ca3"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "$*" >> "$RAN"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "RAN": str(scratch / "ran")}
    for name in ("deploy.sh", "validate.sh", "resilience-test.sh"):
        subprocess.run(["bash", f"scripts/{name}"], cwd=scratch, env=env, check=True, timeout=CALL_GUARD_S)
    assert (scratch / "ran").read_text().splitlines() == ["deploy -m 4", "validate", "chaos --record"]
