"""`ca3 up` and `ca3 cluster` through the stand-in kubectl, docker, kind, k3d and minikube: the calls and their
order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ca3cli.core.errors import ClusterUnreachable
from ca3cli.operations import init, localcluster, up
from ca3cli.operations.up import Problem
from tests.cluster import recorded
from tests.cluster.conftest import NAMESPACE, Project, Run, answer_healthy_deploy, app_image
from tests.fixtures.kubectl import Call, KubectlStub, fixture

Ca3 = Callable[..., Run]
REFUSED = "The connection to the server 127.0.0.1:39021 was refused - did you specify the right host or port?\n"
DOCKER_DOWN = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"


def label(call: Call) -> str:
    """A call as `program verb [object]`, short enough to compare whole sequences."""
    words = call.words
    if call.program == "kubectl":
        if words[0] in ("apply", "version", "wait", "patch"):
            return f"kubectl {words[0]}"
        return f"kubectl {words[0]} {words[2] if words[0] == 'rollout' else words[1]}"
    return " ".join([call.program, *words[:2]])


def unreachable_once(stub: KubectlStub) -> None:
    """The context refuses the first call (ca3 up's reachability check) and answers once the cluster exists."""
    answer_healthy_deploy(stub)
    stub.on("version", returncode=1, stderr=REFUSED, times=1)
    stub.on("patch", stdout="deployment.apps/metrics-server patched\n")
    # Creating the cluster polls kube-system's own workloads and the node until they are Current, as deploy does.
    kube_system_ready(stub)


def kube_system_ready(stub: KubectlStub) -> None:
    """Calico's DaemonSet, metrics-server's Deployment (recorded workloads under their names) and the node Ready."""
    stub.on("get", "daemonset", "calico-node", stdout=recorded.in_kube_system(recorded.ready("daemonset"),
                                                                             "calico-node"))
    stub.on("get", "deployment", "metrics-server", stdout=recorded.in_kube_system(recorded.ready("deployment"),
                                                                                 "metrics-server"))
    stub.on("get", "nodes", stdout=recorded.recorded("get-nodes.json"))


def only_on_path(stub: KubectlStub, monkeypatch: pytest.MonkeyPatch, folder: Path, *programs: str) -> None:
    """PATH holds just these stand-ins: the others (kind, k3d, minikube) are not installed."""
    folder.mkdir()
    for program in programs:
        (folder / program).symlink_to(stub.bin_dir / program)
    monkeypatch.setenv("PATH", str(folder))


CREATE_KIND = ["kind create cluster", "kubectl apply", "kubectl get daemonset", "kubectl get nodes",
               "kubectl apply", "kubectl patch", "kubectl get deployment", "kubectl get storageclasses"]
BUILD_AND_LOAD_KIND = ["docker build -t", "kind load docker-image", "docker build -t", "kind load docker-image"]


def test_up_on_an_unreachable_context_creates_the_kind_cluster_then_builds_and_loads_then_deploys(
        project: Project, images: KubectlStub, apps: Path, ca3: Ca3) -> None:
    unreachable_once(images)
    result = ca3("up")
    assert result.code == 0, result.text
    order = [label(call) for call in images.every_call]
    assert order[:2] == ["kubectl version", "docker info"]
    assert order[2:2 + len(CREATE_KIND)] == CREATE_KIND
    assert order[2 + len(CREATE_KIND):][:4] == BUILD_AND_LOAD_KIND
    assert order[2 + len(CREATE_KIND) + 4:][:2] == ["kubectl version", "kubectl get storageclasses"]  # the deploy
    assert order[-1] == ("kubectl get clusterroles.rbac.authorization.k8s.io,"
                         "clusterrolebindings.rbac.authorization.k8s.io")
    setup = [c for c in images.calls if c.words[0] in ("apply", "patch") or c.words[:2] == ["get", "nodes"]][:4]
    assert {c.flag("--context") for c in setup} == {"kind-ca3"}
    assert "cluster 1/7 create kind cluster ca3 (Kubernetes 1.37, NodePort 30300 on localhost)" in result.text
    assert f"images 4/4 load {app_image(apps, 'processor')} into kind cluster ca3" in result.text
    assert "Milestone 1 deployed" in result.text
    assert "http://localhost:30300" in result.text


def test_up_gives_kind_the_config_on_stdin_with_the_node_port_mapping_and_no_kindnet(
        project: Project, images: KubectlStub, apps: Path, ca3: Ca3) -> None:
    unreachable_once(images)
    assert ca3("up").code == 0
    [create] = [c for c in images.tool("kind").calls if c.words[:2] == ["create", "cluster"]]
    assert create.argv == ["create", "cluster", "--name", "ca3", "--config=-"]
    config = yaml.safe_load(create.stdin or "")
    assert config["nodes"][0]["extraPortMappings"] == [{"containerPort": 30300, "hostPort": 30300, "protocol": "TCP"}]
    assert config["networking"]["disableDefaultCNI"] is True
    applied = [c.words[-1] for c in images.calls if c.words[:2] == ["apply", "--server-side"] and c.words[-2] == "-f"]
    assert applied[:2] == [localcluster.CALICO_MANIFEST, localcluster.METRICS_SERVER_MANIFEST]
    [patch] = [c for c in images.calls if c.words[0] == "patch"]
    assert "--kubelet-insecure-tls" in patch.words[-1]


def test_up_on_a_reachable_cluster_creates_nothing_and_only_builds_loads_and_deploys(
        project: Project, images: KubectlStub, apps: Path, ca3: Ca3) -> None:
    answer_healthy_deploy(images)
    result = ca3("up", "-m", "1")
    assert result.code == 0, result.text
    order = [label(call) for call in images.every_call]
    assert order[:5] == ["kubectl version", *BUILD_AND_LOAD_KIND]
    assert "kind create cluster" not in order and "docker info" not in order
    assert [c.argv[-2:] for c in images.tool("kind").calls] == [["--name", "ca3"]] * 2
    assert "Using the cluster of kube context kind-ca3" in result.text
    assert "Milestone 1 deployed" in result.text


def test_up_on_a_reachable_cluster_that_is_not_local_builds_the_images_but_loads_them_nowhere(
        project: Project, images: KubectlStub, apps: Path, ca3: Ca3) -> None:
    (project.path / "ca3.yaml").write_text("cluster:\n  flavour: other\n  context: prod-eu\n")
    answer_healthy_deploy(images)
    result = ca3("up")
    assert result.code == 0, result.text
    assert [label(c) for c in images.every_call][:3] == ["kubectl version", "docker build -t", "docker build -t"]
    assert not [c for c in images.every_call if c.program in localcluster.FLAVOURS]
    assert {c.flag("--context") for c in images.calls} == {"prod-eu"}
    assert "http://NODE_IP:30300 (any node's address)" in result.text


def test_up_without_kind_k3d_or_minikube_is_one_sentence_with_install_links_and_exit_code_1(
        project: Project, images: KubectlStub, apps: Path, ca3: Ca3, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    images.on("version", returncode=1, stderr=REFUSED)
    only_on_path(images, monkeypatch, tmp_path / "no-engine-bin", "kubectl", "docker")
    result = ca3("up")
    assert result.code == 1
    assert ("No reachable cluster and no local engine: context `kind-ca3` does not answer, kind, k3d and minikube "
            "are not installed; install one of kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation), "
            "k3d (https://k3d.io/#installation) or minikube (https://minikube.sigs.k8s.io/docs/start/), then run "
            "`ca3 up` again") in result.text
    assert "Traceback" not in result.text
    assert [label(c) for c in images.every_call] == ["kubectl version", "docker info"]


def test_up_with_docker_not_running_says_so_and_creates_nothing(project: Project, images: KubectlStub, apps: Path,
                                                                ca3: Ca3) -> None:
    images.on("version", returncode=1, stderr=REFUSED)
    images.docker.on("info", returncode=1, stderr=DOCKER_DOWN)
    result = ca3("up")
    assert result.code == 1
    assert ("context `kind-ca3` does not answer, Docker is not running (`docker info`: Cannot connect to the Docker "
            "daemon at unix:///var/run/docker.sock. Is the docker daemon running?); start Docker "
            "(https://docs.docker.com/engine/install/), then run `ca3 up` again") in result.text
    assert images.tool("kind").calls == [] and not [c for c in images.docker.calls if c.words[0] == "build"]


def test_up_before_init_writes_the_secrets_keeps_ca3_yaml_and_deploys(project: Project, images: KubectlStub,
                                                                      apps: Path, ca3: Ca3) -> None:
    for secret in (project.path / ".ca3" / "secrets").iterdir():
        secret.unlink()
    answer_healthy_deploy(images)
    result = ca3("up")
    assert result.code == 0, result.text
    assert "Kept ca3.yaml" in result.text and "5 generated, 0 kept" in result.text
    assert (project.path / "ca3.yaml").read_text().startswith("cluster:\n  flavour: kind\n  context: kind-ca3")


def test_up_with_minikube_and_no_current_context_starts_profile_ca3_loads_into_it_and_prints_minikube_service(
        project: Project, images: KubectlStub, apps: Path, ca3: Ca3) -> None:
    (project.path / "ca3.yaml").write_text("cluster:\n  flavour: minikube\n")
    unreachable_once(images)
    images.on("config", "current-context", returncode=1, stderr="error: current-context is not set\n")
    result = ca3("up")
    assert result.code == 0, result.text
    order = [label(call) for call in images.every_call]
    assert order[:8] == ["kubectl version", "kubectl config current-context", "docker info", "minikube start -p",
                         "minikube addons enable", "kubectl get nodes", "kubectl get storageclasses",
                         "docker build -t"]
    assert images.tool("minikube").commands()[-1] == f"image load {app_image(apps, 'processor')} -p ca3"
    assert {c.flag("--context") for c in images.calls[2:]} == {"ca3"}
    assert f"minikube service grafana-service -n {NAMESPACE} --url -p ca3" in result.text


def test_cluster_create_k3d_maps_the_port_on_server_0_waits_for_the_node_and_checks_the_storage_class(
        project: Project, images: KubectlStub, ca3: Ca3) -> None:
    kube_system_ready(images)
    images.on("get", "storageclasses", stdout=fixture("recorded/get-storageclass.json"))
    result = ca3("cluster", "create", "--flavour", "k3d")
    assert result.code == 0, result.text
    assert [label(c) for c in images.every_call] == ["docker info", "k3d cluster create", "kubectl get nodes",
                                                     "kubectl get storageclasses"]
    assert images.tool("k3d").calls[0].argv[3:] == ["--image", localcluster.K3S_IMAGE, "-p", "30300:30300@server:0",
                                                    "--wait", "--timeout", "300s"]
    assert {c.flag("--context") for c in images.calls} == {"k3d-ca3"}
    assert "cluster 2/2 wait until every node is Ready" in result.text
    assert "Cluster ca3 is ready (kube context k3d-ca3)" in result.text


def test_cluster_create_stops_when_the_new_cluster_has_no_default_storage_class(project: Project,
                                                                                images: KubectlStub, ca3: Ca3) -> None:
    kube_system_ready(images)
    images.on("get", "storageclasses", stdout=fixture("storageclasses-no-default.json"))
    result = ca3("cluster", "create", "--flavour", "k3d")
    assert result.code == 1
    assert "The new cluster (context k3d-ca3) cannot hold the volumes: The cluster has no default StorageClass" in \
        result.text


def test_a_failing_cluster_step_names_the_step_and_how_to_start_over(project: Project, images: KubectlStub,
                                                                     ca3: Ca3) -> None:
    images.on("apply", returncode=1, stderr="error: unable to read URL \"https://raw.githubusercontent.com/...\"\n")
    result = ca3("cluster", "create")
    assert result.code == 1
    assert f"Could not install Calico {localcluster.CALICO_VERSION}, which enforces NetworkPolicies:" in result.text
    assert "run `ca3 cluster delete --flavour kind`, then `ca3 cluster create` again" in result.text
    assert not [c for c in images.calls if c.words[0] in ("get", "patch")]


def test_cluster_create_with_kind_missing_says_how_to_install_it_before_running_anything(
        project: Project, images: KubectlStub, ca3: Ca3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    only_on_path(images, monkeypatch, tmp_path / "no-kind-bin", "kubectl", "docker")
    result = ca3("cluster", "create", "--flavour", "kind")
    assert result.code == 1
    assert ("`kind` was not found on PATH. Install it (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) "
            "and run `ca3 cluster create` again") in result.text
    assert images.every_call == []


@pytest.mark.parametrize("flavour", ["docker-desktop", "other", "microk8s"])
def test_cluster_create_refuses_flavours_it_cannot_make(project: Project, images: KubectlStub, ca3: Ca3,
                                                        flavour: str) -> None:
    result = ca3("cluster", "create", "--flavour", flavour)
    assert result.code == 2
    assert "ca3 creates kind, k3d or minikube clusters" in result.text
    assert images.every_call == []


def test_cluster_delete_without_yes_and_without_a_terminal_insists_on_yes(project: Project, images: KubectlStub,
                                                                          ca3: Ca3) -> None:
    result = ca3("cluster", "delete")
    assert result.code == 2
    assert "Pass --yes to confirm without a prompt" in result.text
    assert images.every_call == []


@pytest.mark.parametrize(("flavour", "expected"), [("kind", "kind delete cluster --name ca3"),
                                                   ("minikube", "minikube delete -p ca3")])
def test_cluster_delete_yes_deletes_only_the_cluster_named_ca3(project: Project, images: KubectlStub, ca3: Ca3,
                                                               flavour: str, expected: str) -> None:
    images.tool(flavour).on("delete")
    result = ca3("cluster", "delete", "--flavour", flavour, "--yes")
    assert result.code == 0, result.text
    assert [str(c) for c in images.every_call] == [expected]


def test_choose_local_creates_for_the_current_context_or_the_local_clusters_own_context() -> None:
    assert up.choose_local("kind", "", "x", []) == up.Target("kind-ca3", create=True)
    assert up.choose_local("k3d", "k3d-ca3", "x", []) == up.Target("k3d-ca3", create=True)


def test_choose_local_never_replaces_a_chosen_context_that_is_not_the_local_one() -> None:
    with pytest.raises(ClusterUnreachable, match="run `ca3 --context kind-ca3 up` to use a local one"):
        up.choose_local("kind", "prod-eu", "context `prod-eu` does not answer", [])


def test_choose_local_refuses_to_create_for_docker_desktop_and_says_which_flavours_it_makes() -> None:
    with pytest.raises(ClusterUnreachable, match=r"creates only kind, k3d or minikube clusters \(cluster.flavour is "
                                                 r"docker-desktop\)"):
        up.choose_local("docker-desktop", "", "x", [])


def test_engine_problem_names_the_local_tool_that_is_installed_instead() -> None:
    assert up.engine_problem("kind", ["minikube"]) == Problem(
        "kind (cluster.flavour) is not installed but minikube is",
        "install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) or set "
        "`cluster.flavour: minikube` in ca3.yaml")
    assert up.engine_problem("kind", ["kind", "k3d"]) is None


def test_needs_init_until_ca3_yaml_and_every_secret_exist(project: Project) -> None:
    config = project.path / "ca3.yaml"
    assert not init.needs_init(config)
    (project.path / ".ca3" / "secrets" / "grafana_admin_password").unlink()
    assert init.needs_init(config)
    assert init.needs_init(project.path / "missing.yaml")


def test_up_with_an_unknown_milestone_stops_before_any_cluster_or_image_step(project: Project, images: KubectlStub,
                                                                              apps: Path, ca3: Ca3) -> None:
    unreachable_once(images)
    result = ca3("up", "-m", "42")
    assert result.code == 2
    assert "Unknown milestone 42" in result.text
    assert images.every_call == []
