"""Shared set-up for the cluster-edge tests: a project folder with settings and secrets, the CLI run in-process
(through `main`, so exit codes and error sentences are the real ones), and a stand-in cluster that answers a healthy
milestone-1 deploy."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ca3cli import cli
from ca3cli.commands import common
from ca3cli.core.settings import Settings
from ca3cli.edges import secrets
from ca3cli.edges.objectwatch import LIST_UIDS
from ca3cli.operations import build, prune
from tests.cluster.recorded import auth_secret, namespace_with_owners, ready
from tests.fixtures.kubectl import CONNECTION_REFUSED, KubectlStub, fixture
from tests.fixtures.project import project_folder

CONTEXT = "kind-ca3"
NAMESPACE = "conveyor-pipeline"
SETTINGS = f"cluster:\n  flavour: kind\n  context: {CONTEXT}\n"
WAITED_KINDS = ("statefulset", "deployment", "daemonset", "job")


@dataclass(frozen=True)
class Project:
    path: Path
    secrets: dict[str, str]

    def run_logs(self) -> list[Path]:
        return sorted((self.path / "run_logs").glob("*.log"))


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """stdout and stderr with rich's line wrapping undone, for assertions on sentences."""
        return " ".join((self.out + "\n" + self.err).split())


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A folder with ca3.yaml (kind, context kind-ca3) and generated secrets, as after `ca3 init`."""
    folder_path = project_folder(tmp_path, monkeypatch)  # apart from the stand-in's own records in tmp_path
    (folder_path / "ca3.yaml").write_text(SETTINGS)
    folder = secrets.folder_for(folder_path / "ca3.yaml")
    secrets.ensure(folder)
    return Project(folder_path, secrets.load(folder))


@pytest.fixture
def ca3(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run `ca3 ARGS...` in-process through the real entry point and return its exit code and output."""

    # The consoles are made once, at first import, with whatever width the process had then: fix it here, so
    # sentences wrap the same whichever test imported them first (or whichever pytest-xdist worker runs this).
    for shown in (common.console, common.err_console):
        monkeypatch.setattr(shown, "width", 200)

    def run(*args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["ca3", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            cli.main()
        captured = capsys.readouterr()
        code = exited.value.code
        return Run(code if isinstance(code, int) else (0 if code is None else 1), captured.out, captured.err)

    return run


def answer_preflight(stub: KubectlStub) -> None:
    """A reachable kind cluster: a default StorageClass, ca3's own NodePort only (recorded), a working
    metrics-server."""
    stub.on("version", stdout=fixture("recorded/version.json"))
    stub.on("get", "storageclasses", stdout=fixture("recorded/get-storageclass.json"))
    stub.on("get", "services", "--all-namespaces", stdout=fixture("recorded/get-svc.json"))
    stub.on("get", "apiservice", "v1beta1.metrics.k8s.io", stdout=fixture("apiservice-metrics-available.json"))
    stub.on("get", "namespace", NAMESPACE, stdout=f"namespace/{NAMESPACE}\n")
    stub.on("get", "namespace", NAMESPACE, "--show-managed-fields", stdout=namespace_with_owners())


def no_watch(stub: KubectlStub, kind: str) -> None:
    """The kind's watch refused as a stopped API server refuses it (recorded: server-down-version), so a wait polls;
    a test of the watch registers its stream over this."""
    stub.on("get", kind, "--watch", "--output-watch-events", stderr=CONNECTION_REFUSED, returncode=1)
    stub.on("get", kind, "-o", LIST_UIDS, stderr=CONNECTION_REFUSED, returncode=1)


def answer_healthy_deploy(stub: KubectlStub) -> None:
    """Every call of a successful deploy: applies accepted, every waited object Current, nothing left to prune."""
    answer_preflight(stub)
    stub.on("apply", stdout="namespace/conveyor-pipeline serverside-applied\n")
    for kind in WAITED_KINDS:
        stub.on("get", kind, stdout=ready(kind))
        no_watch(stub, kind)
    stub.on("get", "secret", "influxdb-auth", stdout=auth_secret())  # InfluxDB's tokens are there
    stub.on("get", ",".join(prune.NAMESPACED_KINDS), stdout=fixture("empty-list.json"))
    stub.on("get", ",".join(prune.CLUSTER_KINDS), stdout=fixture("empty-list.json"))


@pytest.fixture
def apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An apps/ tree with a Dockerfile per app (the build context is all docker sees)."""
    root = tmp_path / "apps"
    for app in build.APPS:
        (root / app).mkdir(parents=True)
        (root / app / "Dockerfile").write_text("FROM python:3.11.11-slim\n")
    monkeypatch.setattr(build, "CHECKOUT_APPS_DIR", root)
    return root


def app_image(apps: Path, app: str) -> str:
    """The image reference ca3 builds and deploys for `app` from the build context `apps` (its content tag)."""
    return build.with_content_tags(Settings(), apps).image(app)


@pytest.fixture
def cluster(kubectl_stub: KubectlStub) -> KubectlStub:
    """The stand-in kubectl answering a healthy milestone-1 deploy; tests add longer, more specific rules."""
    answer_healthy_deploy(kubectl_stub)
    return kubectl_stub


@pytest.fixture
def images(kubectl_stub: KubectlStub) -> KubectlStub:
    """Docker answers `info` and builds; kind, k3d and minikube create, start and load."""
    kubectl_stub.docker.on("info", stdout="Server Version: 29.1.0\n").on("build")
    kubectl_stub.tool("kind").on("create", "cluster").on("load", "docker-image")
    kubectl_stub.tool("k3d").on("cluster", "create")
    kubectl_stub.tool("minikube").on("start").on("addons", "enable").on("image", "load")
    return kubectl_stub
