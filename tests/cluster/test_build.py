"""`ca3 build`: images tagged exactly as the manifests reference them, loaded into the chosen local cluster."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ca3cli.core import render, settings, template_values
from ca3cli.core.errors import Ca3Error
from ca3cli.core.settings import Settings
from ca3cli.operations import build
from tests.cluster.conftest import Project, Run, app_image
from tests.fixtures.kubectl import KubectlStub

Ca3 = Callable[..., Run]


def manifest_images(chosen: Settings) -> set[str]:
    """The images the rendered producer and processor Deployments run."""
    images = set()
    for manifest in render.render(chosen, template_values.placeholders(), 1):
        for doc in manifest.documents:
            if doc["kind"] == "Deployment" and doc["metadata"]["name"] in build.APPS:
                images.update(c["image"] for c in doc["spec"]["template"]["spec"]["containers"])
    return images


def test_build_tags_are_the_images_the_manifests_use(project: Project, kubectl_stub: KubectlStub, apps: Path,
                                                      ca3: Ca3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CA3_IMAGES_TAG", "0.3.1")
    kubectl_stub.docker.on("build")
    result = ca3("build")
    assert result.code == 0, result.text
    built = {call.argv[call.argv.index("-t") + 1] for call in kubectl_stub.docker.calls}
    assert built == manifest_images(settings.load(None, {"CA3_IMAGES_TAG": "0.3.1"})) == {
        "ca3/producer:0.3.1", "ca3/processor:0.3.1"}
    assert [call.argv[-3:] for call in kubectl_stub.docker.calls] == [
        ["-f", str(apps / "producer" / "Dockerfile"), str(apps)],
        ["-f", str(apps / "processor" / "Dockerfile"), str(apps)]]


def test_build_load_kind_uses_the_cluster_named_by_the_context(project: Project, kubectl_stub: KubectlStub,
                                                                apps: Path, ca3: Ca3) -> None:
    kubectl_stub.docker.on("build")
    kind = kubectl_stub.tool("kind").on("load", "docker-image")
    result = ca3("build", "--load", "kind")
    assert result.code == 0, result.text
    assert kind.commands() == [f"load docker-image {app_image(apps, 'producer')} --name ca3",
                               f"load docker-image {app_image(apps, 'processor')} --name ca3"]


def test_build_push_pushes_after_each_build(project: Project, kubectl_stub: KubectlStub, apps: Path, ca3: Ca3) -> None:
    kubectl_stub.docker.on("build").on("push")
    assert ca3("build", "--push").code == 0
    assert [call.argv[0] for call in kubectl_stub.docker.calls] == ["build", "push", "build", "push"]


@pytest.mark.parametrize(("target", "context", "expected"), [
    ("minikube", "minikube", ["minikube", "image", "load", "ca3/producer:0.1.0", "-p", "minikube"]),
    ("k3d", "k3d-demo", ["k3d", "image", "import", "ca3/producer:0.1.0", "-c", "demo"]),
    ("kind", "", ["kind", "load", "docker-image", "ca3/producer:0.1.0"]),
])
def test_load_step_per_cluster_tool(target: str, context: str, expected: list[str]) -> None:
    assert build.load_step(target, "ca3/producer:0.1.0", context).argv == expected


def test_unknown_load_target_is_refused(project: Project, kubectl_stub: KubectlStub, apps: Path, ca3: Ca3) -> None:
    result = ca3("build", "--load", "microk8s")
    assert result.code == 2
    assert "choose one of kind, minikube, k3d" in result.text
    assert kubectl_stub.docker.calls == []


def test_failed_docker_build_stops_with_a_sentence(project: Project, kubectl_stub: KubectlStub, apps: Path,
                                                   ca3: Ca3) -> None:
    kubectl_stub.docker.on("build", returncode=1, stderr="ERROR: failed to solve: python:3.11.11-slim: not found\n")
    result = ca3("build", "--load", "kind")
    assert result.code == 1
    assert "failed with exit code 1 (its output is above)" in result.text
    assert len(kubectl_stub.docker.calls) == 1 and kubectl_stub.tool("kind").calls == []


def test_missing_docker_says_how_to_install_it(project: Project, apps: Path, ca3: Ca3,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(project.path / "empty-bin"))
    result = ca3("build")
    assert result.code == 1
    assert "`docker` was not found on PATH. Install it (https://docs.docker.com/engine/install/)" in result.text


def test_build_steps_name_each_apps_dockerfile_with_the_repository_apps_folder_as_context(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(build.CHECKOUT_APPS_DIR.parent)
    steps = [step.argv for step in build.steps(Settings()) if step.argv[1] == "build"]
    assert [argv[-1] for argv in steps] == [str(Path.cwd() / "apps")] * 2
    assert [Path(argv[-2]).relative_to(Path.cwd()) for argv in steps] == [
        Path("apps/producer/Dockerfile"), Path("apps/processor/Dockerfile")]


def test_build_outside_a_checkout_says_where_to_run_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(build, "CHECKOUT_APPS_DIR", tmp_path / "site-packages" / "apps")
    with pytest.raises(Ca3Error, match="Run the command from the root of the ca3 repository"):
        build.steps(Settings())


def test_missing_dockerfile_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(Ca3Error, match="Dockerfile does not exist"):
        build.steps(Settings(), apps_dir=tmp_path)
