"""Kafka runs a dynamic KRaft quorum (KIP-853) for 1 and 3 brokers: the broker properties, as the apache/kafka
image converts the KAFKA_* variables, name `controller.quorum.bootstrap.servers` and no static voters; the init
container formats with the same properties; its script, run by bash against stand-ins for Kafka's tools, formats
a new cluster with the same `--initial-controllers` on every broker, a broker that lost its volume as a new member,
and a formatted volume not at all."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ca3cli.core import kraft, render, template_values
from ca3cli.core.lint import tls as tls_rules
from ca3cli.core.settings import parse

PORT = 9095


def kafka(replicas: int, milestone: int = 1, cluster_id: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """The rendered Kafka StatefulSet and the kafka-scripts ConfigMap's files."""
    chosen = parse({"kafka": {"replicas": replicas}, "cluster": {"storage_class": "standard"}})
    values = {**template_values.placeholders(), **({"kafka_cluster_id": cluster_id} if cluster_id else {})}
    docs = [d for m in render.render(chosen, values, milestone) for d in m.documents]
    statefulset = next(d for d in docs if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "kafka")
    scripts = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "kafka-scripts")
    return statefulset, scripts["data"]


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container["env"]}


def pod(statefulset: dict[str, Any]) -> dict[str, Any]:
    return statefulset["spec"]["template"]["spec"]


@pytest.mark.parametrize("replicas", [1, 3])
def test_the_broker_properties_name_a_dynamic_quorum_with_auto_join_and_no_static_voters(replicas: int) -> None:
    statefulset, _ = kafka(replicas)
    props = tls_rules.broker_properties(env(pod(statefulset)["containers"][0]))
    hosts = [f"kafka-{i}.kafka-headless.conveyor-pipeline.svc:{PORT}" for i in range(replicas)]
    assert props["controller.quorum.bootstrap.servers"].split(",") == hosts
    assert "controller.quorum.voters" not in props
    # A volume formatted again (a new directory id) replaces its old voter entry by itself (Kafka 4.2+).
    assert props["controller.quorum.auto.join.enable"] == "true"
    assert props["process.roles"] == "broker,controller" and props["controller.listener.names"] == "CONTROLLER"
    assert f"CONTROLLER://:{PORT}" in props["listeners"]


@pytest.mark.parametrize("replicas", [1, 3])
def test_the_init_container_formats_with_the_brokers_own_properties_and_the_same_initial_controllers(
        replicas: int) -> None:
    statefulset, _ = kafka(replicas)
    [init], [main] = pod(statefulset)["initContainers"], pod(statefulset)["containers"]
    assert init["image"] == main["image"] and init["command"] == ["bash", "/etc/ca3/kafka/format-storage.sh"]
    assert main["command"] == ["bash", "/etc/ca3/kafka/start.sh"]
    kafka_env = {k: v for k, v in env(init).items() if k.startswith("KAFKA_")}
    assert kafka_env == {k: v for k, v in env(main).items() if k.startswith("KAFKA_")}
    assert init["volumeMounts"] == main["volumeMounts"]  # the same volume, the same files
    voters = env(init)["CA3_INITIAL_CONTROLLERS"].split(",")
    assert [v.split("@")[0] for v in voters] == [str(i) for i in range(replicas)]
    endpoints = [v.split("@")[1].rsplit(":", 1)[0] for v in voters]
    assert endpoints == env(main)["KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS"].split(",")
    # Each broker advertises its controller endpoint as the quorum was formatted with it, so auto-join and endpoint
    # updates send that name (Kubernetes expands $(POD_NAME): kafka-0, kafka-1...).
    advertised = [a for a in env(main)["KAFKA_ADVERTISED_LISTENERS"].split(",") if a.startswith("CONTROLLER://")]
    assert [advertised[0].replace("$(POD_NAME)", f"kafka-{i}") for i in range(replicas)] == [
        f"CONTROLLER://{e}" for e in endpoints]
    directory_ids = [v.rsplit(":", 1)[1] for v in voters]
    assert len(set(directory_ids)) == replicas
    assert all(len(base64.urlsafe_b64decode(d + "==")) == 16 and len(d) == 22 for d in directory_ids)


def test_directory_ids_are_fixed_by_the_cluster_id_so_every_broker_formats_with_the_same_list() -> None:
    first, again, other = (env(pod(kafka(3, cluster_id=c)[0])["initContainers"][0])["CA3_INITIAL_CONTROLLERS"]
                           for c in ("MkU3OEVBNTcwNTJENDM2Qk", "MkU3OEVBNTcwNTJENDM2Qk", "VYW4XRTwSb2Z77UQ1RriGg"))
    assert first == again != other
    assert kraft.directory_id("MkU3OEVBNTcwNTJENDM2Qk", 0) != kraft.directory_id("MkU3OEVBNTcwNTJENDM2Qk", 1)


def test_with_tls_the_quorum_tool_presents_the_brokers_client_configuration_in_both_containers() -> None:
    statefulset, _ = kafka(3, milestone=8)
    for container in (pod(statefulset)["initContainers"][0], pod(statefulset)["containers"][0]):
        assert env(container)["CA3_QUORUM_CLIENT_CONFIG"] == "/etc/kafka/client/client-tls.properties"
        assert "/etc/kafka/client" in [m["mountPath"] for m in container["volumeMounts"]]
    assert "CA3_QUORUM_CLIENT_CONFIG" not in env(pod(kafka(3, milestone=7)[0])["containers"][0])


STUB = """#!/bin/bash
echo "$(basename "$0") $*" >> "$CA3_STUB_LOG"
{body}
"""


def install(tmp_path: Path, scripts: dict[str, str], quorum_answers: bool) -> tuple[Path, dict[str, str]]:
    """The rendered scripts in a folder, stand-ins for Kafka's tools in a fake KAFKA home, and the variables."""
    folder, home, logs = tmp_path / "scripts", tmp_path / "kafka", tmp_path / "data" / "logs"
    for path in (folder, home / "bin", home / "config", logs):
        path.mkdir(parents=True)
    for name, text in scripts.items():
        (folder / name).write_text(text)
    bodies = {  # the image's wrapper writes server.properties, then its formatting fails as on a dynamic quorum
        "kafka-run-class.sh": 'echo "process.roles=broker,controller" > "$CA3_KAFKA_HOME/config/server.properties"\n'
                              'echo "Because controller.quorum.voters is not set on this controller" >&2; exit 1',
        "kafka-metadata-quorum.sh": 'echo "$KAFKA_HEAP_OPTS" > "$CA3_STUB_LOG.heap"; '
                                    f"exit {0 if quorum_answers else 1}",
        "kafka-storage.sh": "exit 0",
    }
    for name, body in bodies.items():
        (home / "bin" / name).write_text(STUB.format(body=body))
        (home / "bin" / name).chmod(0o755)
    variables = {"PATH": os.environ["PATH"], "CA3_KAFKA_HOME": str(home), "CA3_STUB_LOG": str(tmp_path / "calls"),
                 "KAFKA_LOG_DIRS": str(logs), "CLUSTER_ID": "MkU3OEVBNTcwNTJENDM2Qk"}
    return folder, variables


def format_storage(tmp_path: Path, quorum_answers: bool, formatted: bool = False,
                   replicas: int = 3) -> tuple[list[str], str]:
    statefulset, scripts = kafka(replicas)
    folder, variables = install(tmp_path, scripts, quorum_answers)
    init = env(pod(statefulset)["initContainers"][0])
    variables |= {k: init[k] for k in ("KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS", "CA3_INITIAL_CONTROLLERS")}
    if formatted:
        (Path(variables["KAFKA_LOG_DIRS"]) / "meta.properties").write_text("cluster.id=MkU3OEVBNTcwNTJENDM2Qk\n")
    ran = subprocess.run(["bash", str(folder / "format-storage.sh")], env=variables, capture_output=True, text=True,
                         timeout=60, check=False)
    assert ran.returncode == 0, ran.stderr
    log = tmp_path / "calls"
    return (log.read_text().splitlines() if log.exists() else []), init["CA3_INITIAL_CONTROLLERS"]


@pytest.mark.parametrize("replicas", [1, 3])
def test_a_new_cluster_is_formatted_with_the_initial_controllers(tmp_path: Path, replicas: int) -> None:
    calls, voters = format_storage(tmp_path, quorum_answers=False, replicas=replicas)
    assert len(voters.split(",")) == replicas
    home = tmp_path / "kafka"
    assert calls[0] == ("kafka-run-class.sh kafka.docker.KafkaDockerWrapper setup --default-configs-dir "
                        f"/etc/kafka/docker --mounted-configs-dir /mnt/shared/config --final-configs-dir {home}/config")
    assert calls[1].startswith("kafka-metadata-quorum.sh --bootstrap-controller kafka-0.kafka-headless")
    assert calls[1].endswith("describe --status")
    assert calls[2] == (f"kafka-storage.sh format --cluster-id MkU3OEVBNTcwNTJENDM2Qk --config "
                        f"{home}/config/server.properties --initial-controllers {voters}")


@pytest.mark.parametrize("replicas", [1, 3])
def test_a_broker_that_lost_its_volume_joins_a_running_quorum_as_a_new_member(tmp_path: Path, replicas: int) -> None:
    calls, _ = format_storage(tmp_path, quorum_answers=True, replicas=replicas)
    assert calls[-1].endswith("--no-initial-controllers") and "--initial-controllers" not in calls[-1]


def test_a_formatted_volume_is_left_alone(tmp_path: Path) -> None:
    calls, _ = format_storage(tmp_path, quorum_answers=False, formatted=True)
    assert calls == []


@pytest.mark.parametrize(("replicas", "milestone"), [(1, 7), (3, 7), (3, 8)])
def test_the_quorum_script_asks_the_brokers_controllers_with_a_heap_of_its_own(tmp_path: Path, replicas: int,
                                                                              milestone: int) -> None:
    """What the drill and operators run inside a broker (`bash quorum.sh describe --replication`): the bootstrap
    controllers, TLS settings from milestone 8, and a heap that does not double the broker container's memory."""
    statefulset, scripts = kafka(replicas, milestone=milestone)
    folder, variables = install(tmp_path, scripts, quorum_answers=True)
    main = env(pod(statefulset)["containers"][0])
    variables |= {k: v for k, v in main.items() if k.startswith(("KAFKA_", "CA3_"))}
    ran = subprocess.run(["bash", str(folder / "quorum.sh"), "describe", "--replication"], env=variables,
                         capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode == 0, ran.stderr
    [call] = (tmp_path / "calls").read_text().splitlines()
    servers = main["KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS"]
    tls = " --command-config /etc/kafka/client/client-tls.properties" if milestone == 8 else ""
    assert call == f"kafka-metadata-quorum.sh --bootstrap-controller {servers}{tls} describe --replication"
    assert (tmp_path / "calls.heap").read_text().strip() == "-Xms32m -Xmx128m" != main["KAFKA_HEAP_OPTS"]
