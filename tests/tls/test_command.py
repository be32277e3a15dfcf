"""`ca3 certs`, and render, lint, deploy of milestones 7 and 8 through the stand-in kubectl, --rotate included."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from ca3cli.core import registry, render, template_values
from ca3cli.core.settings import Settings
from ca3cli.operations.certs import objects, rotate, seed, store
from tests.cluster.conftest import NAMESPACE, Project, Run
from tests.cluster.recorded import listed
from tests.fixtures.kubectl import KubectlStub

Ca3 = Callable[..., Run]
WORKLOADS = "deployments,statefulsets,daemonsets"


@pytest.mark.parametrize("command", [("render", "-m", "7"), ("lint", "-m", "8"), ("deploy", "-m", "7", "--dry-run"),
                                     ("deploy", "-m", "8")])
def test_tls_milestones_without_certificates_stop_with_one_sentence(project: Project, kubectl_stub: KubectlStub,
                                                                     ca3: Ca3, command: tuple[str, ...]) -> None:
    result = ca3(*command)
    assert result.code == 1 and "Traceback" not in result.text
    assert result.text.endswith("run `ca3 certs` first.")
    assert not (project.path / "k8s").exists() and kubectl_stub.calls == []


def test_milestone_6_and_tls_switched_off_need_no_certificates(project: Project, ca3: Ca3) -> None:
    assert ca3("render", "-m", "6").code == 0
    (project.path / "ca3.yaml").write_text("tls:\n  influxdb: false\n  kafka: false\n")
    assert ca3("lint", "-m", "9").code == 0


def test_certs_issues_once_then_keeps_and_writes_the_summary(project: Project, ca3: Ca3) -> None:
    first = ca3("certs")
    assert first.code == 0, first.text
    assert re.search(r"ca\s*│\s*created", first.text) and re.search(r"kafka\s*│\s*created", first.text)
    again = ca3("certs")
    assert re.search(r"ca\s*│\s*kept", again.text) and "created" not in again.text
    summary = (project.path / "outputs" / "tls-config-summary.md").read_text()
    assert "| producer, processor -> Kafka (`kafka-service:9093`) | TLS |" in summary
    assert "Missing" not in summary


def test_render_writes_the_seed_tls_files_with_placeholders_only(project: Project, certified: list[str],
                                                                 ca3: Ca3) -> None:
    assert ca3("render", "-m", "8").code == 0
    folder = project.path / "k8s" / "tls"
    assert sorted(p.name for p in folder.iterdir()) == [
        "ca3-ca-configmap.yaml", "generate-influxdb-certs.sh", "generate-kafka-certs.sh",
        "influxdb-tls-secret.yaml.template", "kafka-tls-secret.yaml.template"]
    for template in folder.glob("*.template"):
        text = template.read_text()
        assert "${" in text and "BEGIN" not in text and "type: kubernetes.io/tls" in text
    scripts = sorted(str(p) for p in folder.glob("*.sh"))
    assert all(p.endswith(".sh") and (folder / p).stat().st_mode & 0o111 for p in scripts)
    subprocess.run([shutil.which("shellcheck") or "shellcheck", *scripts], check=True)
    assert "exec ca3 certs --only kafka" in (folder / "generate-kafka-certs.sh").read_text()
    assert ca3("render", "-m", "7").code == 0
    assert (folder / "generate-influxdb-certs.sh").exists() and not (folder / "generate-kafka-certs.sh").exists()
    assert ca3("render", "-m", "6").code == 0
    assert not folder.exists()  # a lower milestone removes the seed files like the manifests


def test_the_generate_script_runs_ca3_certs(project: Project, ca3: Ca3, tmp_path, monkeypatch) -> None:
    assert ca3("render", "-m", "6").code == 0  # no certificates needed yet
    script = Path(seed.__file__).with_name("seed") / "generate-influxdb-certs.sh"
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ca3").write_text('#!/bin/sh\necho "ca3 $*"\n')
    (fake / "ca3").chmod(0o755)
    ran = subprocess.run(["bash", script, "--rotate"], capture_output=True, text=True, check=True,
                         env={"PATH": f"{fake}:/usr/bin:/bin"}, cwd=project.path)
    assert ran.stdout.strip() == "ca3 certs --only influxdb --rotate"


def applied(stub: KubectlStub) -> str:
    return "".join(call.stdin or "" for call in stub.calls if call.words[0] == "apply")


@pytest.mark.parametrize("milestone", [7, 8])
def test_deploy_of_a_tls_milestone_applies_the_tls_objects_before_their_readers(
        project: Project, certified: list[str], cluster: KubectlStub, ca3: Ca3, milestone: int) -> None:
    result = ca3("deploy", "-m", str(milestone))
    assert result.code == 0, result.text
    applies = [call.stdin or "" for call in cluster.calls if call.words[0] == "apply"]
    tls_phase = next(i for i, text in enumerate(applies) if "name: ca3-ca" in text)
    influx_phase = next(i for i, text in enumerate(applies) if "kind: StatefulSet" in text and "influxdb" in text)
    assert tls_phase < influx_phase
    assert "name: influxdb-tls" in applies[tls_phase] and "type: kubernetes.io/tls" in applies[tls_phase]
    assert ("name: kafka-tls" in applies[tls_phase]) is (milestone == 8)
    assert ("kafka-service:9093" in applied(cluster)) is (milestone == 8)
    cert = (project.path / ".ca3" / "certs" / "influxdb.crt").read_text()
    [secret] = [doc for doc in yaml.safe_load_all(applied(cluster))
                if doc and doc["kind"] == "Secret" and doc["metadata"]["name"] == "influxdb-tls"]
    assert base64.b64decode(secret["data"]["tls.crt"]).decode() == cert  # the certificate ca3 certs made


def answer_rotation(stub: KubectlStub, running: list[tuple[str, str]]) -> None:
    stub.on("get", "namespace", NAMESPACE, stdout=f"namespace/{NAMESPACE}\n")
    stub.on("apply", stdout="secret/kafka-tls serverside-applied\n")
    stub.on("get", WORKLOADS, stdout=listed(*({"kind": kind, "metadata": {"name": name}} for kind, name in running)))
    stub.on("rollout", "restart", stdout="restarted\n")


def test_rotate_renews_applies_and_restarts_exactly_the_workloads_that_mount_the_changed_secrets(
        project: Project, certified: list[str], kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    folder = store.folder_for(project.path / "ca3.yaml")
    before = {n: x509.load_pem_x509_certificate(store.cert_path(folder, n).read_bytes()).serial_number
              for n in ("ca", "kafka")}
    answer_rotation(kubectl_stub, [("StatefulSet", "kafka"), ("StatefulSet", "influxdb"), ("Deployment", "producer"),
                                   ("Deployment", "processor"), ("Deployment", "grafana")])
    result = ca3("certs", "--rotate", "--only", "kafka")
    assert result.code == 0, result.text
    [restart] = [call.words for call in kubectl_stub.calls if call.words[0] == "rollout"]
    assert restart == ["rollout", "restart", "statefulset/kafka"]  # its clients read only the CA, which stayed
    after = {n: x509.load_pem_x509_certificate(store.cert_path(folder, n).read_bytes()).serial_number
             for n in ("ca", "kafka")}
    assert after["ca"] == before["ca"] and after["kafka"] != before["kafka"]
    sent = applied(kubectl_stub)
    assert "name: kafka-tls" in sent and "name: ca3-ca" in sent and "kind: Deployment" not in sent
    assert "the cluster has them already (applied above)" in result.text and "ca3 deploy -m" not in result.text


def test_rotating_everything_with_mutual_tls_restarts_every_reader_that_runs(project: Project, ca3: Ca3,
                                                                              kubectl_stub: KubectlStub) -> None:
    (project.path / "ca3.yaml").write_text("tls:\n  kafka_client_auth: required\n")
    assert ca3("certs").code == 0
    answer_rotation(kubectl_stub, [("StatefulSet", "kafka"), ("StatefulSet", "influxdb"), ("Deployment", "producer"),
                                   ("Deployment", "processor"), ("Deployment", "grafana")])
    assert ca3("certs", "--rotate").code == 0
    [restart] = [call.words for call in kubectl_stub.calls if call.words[0] == "rollout"]
    # kafka-exporter reads kafka-client-tls too, but is not running in this cluster; grafana reads only the CA.
    assert restart == ["rollout", "restart", "statefulset/kafka", "statefulset/influxdb", "deployment/producer",
                       "deployment/processor"]


def test_readers_come_from_the_rendered_manifests() -> None:
    settings = Settings.model_validate({"tls": {"kafka_client_auth": "required"}})
    manifests = render.render(settings, template_values.placeholders(), registry.HIGHEST)
    assert rotate.consumers(manifests, {"kafka-client-tls"}, set()) == [
        "deployment/producer", "deployment/processor", "deployment/kafka-exporter"]
    readers_of_ca = rotate.consumers(manifests, set(), {"ca3-ca"})
    assert readers_of_ca == ["deployment/producer", "deployment/processor", "deployment/grafana",
                             "deployment/kafka-exporter"]
    assert rotate.changed_objects(settings, ["ca"]) == ({"influxdb-tls", "kafka-tls", "kafka-client-tls"},
                                                        {"ca3-ca"})


def test_rotate_before_any_deploy_renews_locally_and_says_deploy_applies_them(
        project: Project, certified: list[str], kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    kubectl_stub.on("get", "namespace", NAMESPACE, returncode=1,
                    stderr=f'Error from server (NotFound): namespaces "{NAMESPACE}" not found\n')
    result = ca3("certs", "--rotate")
    assert result.code == 0, result.text
    assert "does not exist yet, so nothing was applied" in result.text
    assert "`ca3 deploy -m 8` applies them" in result.text
    assert [c.words[0] for c in kubectl_stub.calls] == ["get"]


def test_rotate_against_an_unreachable_cluster_is_one_sentence(project: Project, certified: list[str],
                                                                kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    kubectl_stub.on("get", "namespace", NAMESPACE, returncode=1,
                    stderr="The connection to the server 127.0.0.1:6443 was refused - did you specify the right host "
                           "or port?\n")
    result = ca3("certs", "--rotate")
    assert result.code == 1 and "Traceback" not in result.text
    assert "run `ca3 certs --rotate` again" in result.text


def secret_json(name: str, cert_pem: bytes) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": name},
            "data": {"tls.crt": base64.b64encode(cert_pem).decode(), "tls.key": "c2VjcmV0"}}


def test_check_shows_local_and_cluster_certificates_and_fails_on_a_missing_secret(
        project: Project, certified: list[str], kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    folder = store.folder_for(project.path / "ca3.yaml")
    influx = store.cert_path(folder, "influxdb").read_bytes()
    kubectl_stub.on("get", "secret", "influxdb-tls", stdout=secret_json("influxdb-tls", influx))
    kubectl_stub.on("get", "secret", "kafka-tls", returncode=1,
                    stderr='Error from server (NotFound): secrets "kafka-tls" not found\n')
    result = ca3("certs", "--check")
    assert result.code == 1
    assert "not in the cluster" in result.text and "influxdb-service" in result.text
    assert "Secret influxdb-tls" in result.text
    kubectl_stub.on("get", "secret", "kafka-tls", stdout=secret_json("kafka-tls",
                                                                     store.cert_path(folder, "kafka").read_bytes()))
    assert ca3("certs", "--check").code == 0


def test_check_without_certificates_says_what_to_run(project: Project, kubectl_stub: KubectlStub, ca3: Ca3) -> None:
    kubectl_stub.on("get", "secret", returncode=1, stderr='Error from server (NotFound): secrets "x" not found\n')
    result = ca3("certs", "--check")
    assert result.code == 1 and "missing: run `ca3 certs`" in result.text


def test_bad_options_are_one_sentence(project: Project, ca3: Ca3) -> None:
    assert ca3("certs", "--only", "grafana").code == 2
    assert ca3("certs", "--rotate", "--check").code == 2


def test_up_style_values_hold_keys_only_when_asked(project: Project, certified: list[str]) -> None:
    folder = store.folder_for(project.path / "ca3.yaml")
    with_keys = objects.values(folder, Settings(), 8, keys=True)
    without = objects.values(folder, Settings(), 8, keys=False)
    assert with_keys["tls_kafka_key"] in certified
    assert without["tls_kafka_key"].startswith("placeholder-") and without["tls_ca_crt"] == with_keys["tls_ca_crt"]


def test_up_to_milestone_8_issues_the_missing_certificates_then_deploys_them(
        project: Project, kubectl_stub: KubectlStub, apps, ca3: Ca3) -> None:
    from tests.cluster.conftest import answer_healthy_deploy

    kubectl_stub.docker.on("info", stdout="Server Version: 29.1.0\n").on("build")
    kubectl_stub.tool("kind").on("load", "docker-image")
    answer_healthy_deploy(kubectl_stub)
    result = ca3("up", "-m", "8")
    assert result.code == 0, result.text
    folder = store.folder_for(project.path / "ca3.yaml")
    assert sorted(p.name for p in folder.iterdir()) == ["ca.crt", "ca.key", "influxdb.crt", "influxdb.key",
                                                        "kafka.crt", "kafka.key"]
    assert "name: kafka-tls" in applied(kubectl_stub) and "Milestone 8 deployed" in result.text


def test_check_folds_long_names_onto_more_lines_instead_of_cutting_them_at_120_columns() -> None:
    from rich.console import Console

    from ca3cli.commands import certs as certs_command
    from ca3cli.operations.certs.check import Row

    names = ",".join(f"DNS:kafka-{i}.kafka-headless.conveyor-pipeline.svc.cluster.local" for i in range(3))
    row = Row("kafka", "Secret kafka-tls", "CN=kafka", names, "CN=ca3 CA", "89", ())
    console = Console(width=120, record=True, color_system=None)
    console.print(certs_command._rows_table("In namespace conveyor-pipeline", [row]))
    lines = [line for line in console.export_text().splitlines() if line.count("│") == 8]
    assert "…" not in console.export_text()
    column = "".join(line.split("│")[4].strip() for line in lines)  # the NAMES cells, top to bottom
    assert column == names
