"""No private key ca3 issues reaches stdout, stderr, a run log, kubectl's argv, k8s/ or outputs/: keys live only in
.ca3/ (mode 0600) and travel to the cluster on kubectl's stdin."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.cluster.conftest import NAMESPACE, Project, Run
from tests.fixtures.kubectl import KubectlStub
from tests.tls.test_command import answer_rotation

Ca3 = Callable[..., Run]


def key_lines(keys: list[str]) -> list[str]:
    """Each key's base64 body lines: a key split across lines or re-wrapped still shows one of them."""
    return [line for key in keys for line in key.splitlines() if line and not line.startswith("-----")]


def leaks(text: str, keys: list[str]) -> list[str]:
    return [line for line in key_lines(keys) if line in text] + (["PRIVATE KEY"] if "PRIVATE KEY" in text else [])


def test_no_key_reaches_output_logs_argv_or_rendered_files(project: Project, certified: list[str],
                                                           cluster: KubectlStub, ca3: Ca3) -> None:
    answer_rotation(cluster, [("StatefulSet", "kafka")])
    cluster.on("get", "secret", returncode=1, stderr='Error from server (NotFound): secrets "x" not found\n')
    runs = [ca3("render", "-m", "8"), ca3("render", "-m", "8", "--include-secrets"), ca3("lint", "-m", "8"),
            ca3("deploy", "-m", "8"), ca3("certs", "--check"), ca3("certs", "--rotate")]
    assert [run.code for run in runs] == [0, 0, 0, 0, 1, 0], [run.text[-300:] for run in runs]
    from ca3cli.core.settings import Settings
    from ca3cli.operations.certs import objects, store

    keys = certified + objects.key_texts(store.folder_for(project.path / "ca3.yaml"), Settings())  # after rotation
    for run in runs:
        assert leaks(run.out + run.err, keys) == []
    logs = project.run_logs()
    assert {log.name.split("-")[0] for log in logs} >= {"deploy", "certs"}
    for log in logs:
        assert leaks(log.read_text(), keys) == [], log
    secrets = [doc for call in cluster.calls for doc in yaml.safe_load_all(call.stdin or "")
               if doc and doc.get("kind") == "Secret"]
    stdin = "".join(base64.b64decode(value).decode() for secret in secrets  # Secrets go as base64 `data`
                    for value in (secret.get("data") or {}).values())
    ca_key, *leaf_keys = certified  # key_texts lists the CA first
    assert all(key_lines([key])[1] in stdin for key in leaf_keys)  # applied, on stdin
    assert [line for line in key_lines([ca_key]) if line in stdin] == []  # CA key stays here
    assert leaks(" ".join(" ".join(call.argv) for call in cluster.calls), keys) == []
    for folder in ("k8s", "outputs"):
        files = [p for p in (project.path / folder).rglob("*") if p.is_file()]
        assert files and not [p for p in files if leaks(p.read_text(errors="ignore"), keys)]
    private = [p for p in (project.path / ".ca3").rglob("*") if p.is_file() and leaks(p.read_text(), keys)]
    assert private and all(p.stat().st_mode & 0o077 == 0 for p in private)
    assert {p.parent.name for p in private} <= {"certs", "tls"}  # .ca3/certs and .ca3/rendered-secrets/tls
    assert NAMESPACE in (project.path / "outputs" / "tls-config-summary.md").read_text()


def test_the_summary_names_key_paths_never_keys(project: Project, certified: list[str]) -> None:
    from ca3cli.core.settings import Settings
    from ca3cli.operations.certs.summary import write_tls_summary

    text = write_tls_summary(Settings(), project.path).read_text()
    assert leaks(text, certified) == []
    assert str(Path(".ca3") / "certs" / "kafka.key") in text and "Secret kafka-tls" in text
