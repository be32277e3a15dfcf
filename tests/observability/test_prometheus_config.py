"""The rendered Prometheus configuration passes `promtool check config` and scrapes each target once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.observability.helpers import config, config_text, rendered

# Debian builds promtool without Kubernetes discovery; that build rejects exactly this field and nothing else.
NO_K8S_SD = "field kubernetes_sd_configs not found"


def promtool_check(path: Path) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is not installed; scripts/test.sh installs Debian's `prometheus` package.")
    return subprocess.run([promtool, "check", "config", str(path)], capture_output=True, text=True, timeout=60)


def without_kubernetes_sd(text: str, tmp_path: Path) -> str:
    """The same configuration with pod discovery swapped for file discovery, everything else untouched."""
    document = yaml.safe_load(text)
    for job in document["scrape_configs"]:
        if job.pop("kubernetes_sd_configs", None) is not None:
            job["file_sd_configs"] = [{"files": [str(tmp_path / "targets.json")]}]
    return yaml.safe_dump(document)


@pytest.mark.parametrize("milestone", [2, 3, 5, 8])
def test_promtool_accepts_the_rendered_configuration(milestone, tmp_path):
    data = rendered(milestone)["prometheus-configmap.yaml"].documents[0]["data"]
    text = data["prometheus.yml"]
    for key, content in data.items():  # the rule file sits beside prometheus.yml, as in the mounted ConfigMap
        (tmp_path / key).write_text(content)
    path = tmp_path / "prometheus.yml"
    path.write_text(text)
    result = promtool_check(path)
    if result.returncode != 0 and NO_K8S_SD in result.stdout + result.stderr:
        # This promtool cannot parse kubernetes_sd_configs at all; check every other line of the file with it.
        path.write_text(without_kubernetes_sd(text, tmp_path))
        result = promtool_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    # From milestone 3 promtool also loads and checks the alert rule file that rule_files names.
    assert ("SUCCESS: 1 rule files found" in result.stdout) == (milestone >= 3), result.stdout


def test_promtool_check_fails_on_a_broken_relabel_rule(tmp_path):
    text = config_text(rendered(2), "prometheus-configmap.yaml", "prometheus.yml")
    path = tmp_path / "prometheus.yml"
    path.write_text(without_kubernetes_sd(text.replace("action: keep", "action: kepp"), tmp_path))
    assert promtool_check(path).returncode != 0


def test_pod_discovery_is_limited_to_the_namespace_and_prometheus_is_scraped_once():
    manifests = rendered(3)
    jobs = config(manifests, "prometheus-configmap.yaml", "prometheus.yml")["scrape_configs"]
    assert [job["job_name"] for job in jobs] == ["prometheus", "kubernetes-pods"]
    pods = jobs[1]
    assert pods["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["conveyor-pipeline"]}}]
    keep = pods["relabel_configs"][0]
    assert keep["source_labels"] == ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]
    assert keep["action"] == "keep"
    prometheus_pod = manifests["prometheus-deployment.yaml"].documents[0]["spec"]["template"]["metadata"]
    assert "prometheus.io/scrape" not in prometheus_pod["annotations"], "Prometheus must not be scraped twice"


def test_kafka_exporter_lag_gets_the_group_label_the_course_queries():
    pods = config(rendered(3), "prometheus-configmap.yaml", "prometheus.yml")["scrape_configs"][1]
    assert {"source_labels": ["consumergroup"], "regex": "(.+)", "target_label": "group"} in pods[
        "metric_relabel_configs"]
