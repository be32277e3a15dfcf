"""The alert rules Prometheus loads from milestone 3: promtool accepts them, promtool's own unit tests show the main
alerts fire after their `for:` and not on a brief spike, every metric they read is one the apps or kafka-exporter
expose, the Deployment mounts the file, and the operator procedures list the alerts under the failures they signal."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from processor import metrics as processor_metrics
from producer import metrics as producer_metrics

from ca3cli.core import render, template_values
from ca3cli.core.dashboards import catalogue
from ca3cli.core.render import Manifest
from ca3cli.core.settings import Settings
from ca3cli.operations.procedures import render_operator_procedures

# Settings overrides as nested tuples (hashable, so each rendering is made once): ((section, ((key, value), ...)), ...)
Overrides = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]
RULES_KEY = "alert-rules.yml"
THREE_BROKERS: Overrides = (("kafka", (("replicas", 3),)),)
# kafka-exporter v1.9.0 (the pinned danielqsj/kafka-exporter image): every metric its kafka_exporter.go declares with
# prometheus.NewDesc, plus process_start_time_seconds from client_golang's process collector, which is in the default
# registry that its promhttp.Handler() serves.
KAFKA_EXPORTER_METRICS = frozenset({
    "kafka_brokers", "kafka_broker_info", "kafka_topic_partitions", "kafka_topic_partition_current_offset",
    "kafka_topic_partition_oldest_offset", "kafka_topic_partition_leader", "kafka_topic_partition_replicas",
    "kafka_topic_partition_in_sync_replica", "kafka_topic_partition_leader_is_preferred",
    "kafka_topic_partition_under_replicated_partition", "kafka_consumergroup_current_offset",
    "kafka_consumergroup_current_offset_sum", "kafka_consumergroup_lag", "kafka_consumergroupzookeeper_lag_zookeeper",
    "kafka_consumergroup_lag_sum", "kafka_consumergroup_members", "process_start_time_seconds",
})
# Prometheus adds `up` to every target it scrapes.
PROMETHEUS_METRICS = frozenset({"up"})
# The sample names prometheus_client exposes for each metric family type.
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}
PROMQL_WORDS = frozenset({"and", "or", "unless", "bool", "offset"})


def app_metric_names() -> frozenset[str]:
    """Every sample name the producer's and processor's registries expose (apps/*/metrics.py)."""
    return frozenset(family.name + suffix
                     for registry in (producer_metrics.REGISTRY, processor_metrics.REGISTRY)
                     for family in registry.collect() for suffix in SUFFIXES[family.type])


EXPOSED = app_metric_names() | KAFKA_EXPORTER_METRICS | PROMETHEUS_METRICS


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers left once label matchers, ranges, grouping label
    lists, function calls and keywords are taken out."""
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    return {name for name in re.findall(r"\b([A-Za-z_:][\w:]*)\b(?!\s*\()", text) if name not in PROMQL_WORDS}


@cache
def manifests(milestone: int, overrides: Overrides = ()) -> dict[str, Manifest]:
    settings = Settings.model_validate({section: dict(values) for section, values in overrides})
    return {m.path.name: m for m in render.render(settings, template_values.placeholders(), milestone)}


def config_data(milestone: int, overrides: Overrides = ()) -> dict[str, str]:
    return manifests(milestone, overrides)["prometheus-configmap.yaml"].documents[0]["data"]


def rules(milestone: int = 3, overrides: Overrides = THREE_BROKERS) -> dict[str, dict[str, Any]]:
    """Every alerting rule rendered at `milestone`, by name."""
    groups = yaml.safe_load(config_data(milestone, overrides)[RULES_KEY])["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool is not installed; scripts/test.sh installs Debian's `prometheus` package.")
    return subprocess.run([path, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.mark.parametrize(("milestone", "overrides"), [(3, ()), (3, THREE_BROKERS), (9, ())])
def test_promtool_accepts_the_rendered_rules(milestone, overrides, tmp_path):
    (tmp_path / RULES_KEY).write_text(config_data(milestone, overrides)[RULES_KEY])
    result = promtool("check", "rules", RULES_KEY, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules(milestone, overrides))} rules found" in result.stdout


def test_promtool_check_rules_fails_on_a_broken_expression(tmp_path):
    text = config_data(3)[RULES_KEY].replace("> 0", "> > 0", 1)
    (tmp_path / RULES_KEY).write_text(text)
    assert promtool("check", "rules", RULES_KEY, cwd=tmp_path).returncode != 0


def test_no_rules_before_the_apps_are_scraped():
    data = config_data(2)
    assert RULES_KEY not in data
    assert "rule_files" not in yaml.safe_load(data["prometheus.yml"])


def test_every_rule_waits_has_a_severity_and_says_what_to_check():
    found = rules()
    assert len(found) == 16
    for name, rule in found.items():
        assert re.fullmatch(r"\d+m", rule["for"]), name
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"] and "Check" in rule["annotations"]["description"], name


def test_the_lag_threshold_is_the_autoscaling_setting():
    lag = rules(3, (("autoscaling", (("processor_lag_threshold", 1234),)),))["ConsumerLagHighAndGrowing"]
    assert "> 1234 and" in lag["expr"]
    assert "> 500 and" in rules()["ConsumerLagHighAndGrowing"]["expr"]


def test_broker_alerts_only_with_more_than_one_broker():
    one = rules(3, ())
    assert "KafkaBrokersMissing" not in one and "KafkaUnderReplicatedPartitions" not in one
    assert rules()["KafkaBrokersMissing"]["expr"] == "kafka_brokers < 3"


def test_the_metric_name_check_catches_a_made_up_name():
    expr = ('sum by (pod) (rate(producer_mesages_sent_total{job="kubernetes-pods"}[5m])) == 0 '
            'and on (pod) up{app="producer"} == 1')
    assert metric_names(expr) == {"producer_mesages_sent_total", "up"}
    assert "producer_mesages_sent_total" not in EXPOSED


def test_every_metric_a_rule_reads_is_exposed_by_the_apps_or_kafka_exporter():
    read = {name: metric_names(rule["expr"]) for name, rule in rules(9, THREE_BROKERS).items()}
    assert all(read.values())
    assert {name: names - EXPOSED for name, names in read.items() if names - EXPOSED} == {}


def test_the_known_metric_list_covers_what_the_dashboards_read():
    read = {name for panel in catalogue.PIPELINE_PANELS for query in panel.queries
            for name in metric_names(query.expr.replace(catalogue.RATE, "1m"))}
    assert read and read <= EXPOSED


def test_the_deployment_mounts_the_rule_file_where_rule_files_points():
    rendered = manifests(3)
    config = yaml.safe_load(config_data(3)["prometheus.yml"])
    assert config["rule_files"] == [RULES_KEY]
    pod = rendered["prometheus-deployment.yaml"].documents[0]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    [config_file] = [a.split("=", 1)[1] for a in container["args"] if a.startswith("--config.file=")]
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == str(Path(config_file).parent)]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    configmap = rendered["prometheus-configmap.yaml"].documents[0]
    assert volume["configMap"]["name"] == configmap["metadata"]["name"]
    assert "items" not in volume["configMap"], "every key, the rule file too, must be mounted"
    assert RULES_KEY in configmap["data"]


def test_changing_a_rule_rolls_the_prometheus_pod():
    def checksum(overrides: Overrides) -> str:
        pod = manifests(3, overrides)["prometheus-deployment.yaml"].documents[0]["spec"]["template"]
        return pod["metadata"]["annotations"]["checksum/rules"]

    assert checksum(()) != checksum((("autoscaling", (("processor_lag_threshold", 1234),)),))


# promtool test rules ---------------------------------------------------------------------------------------------

POD = {"job": "kubernetes-pods", "namespace": "conveyor-pipeline"}
LAG = 'kafka_consumergroup_lag{consumergroup="processor", group="processor", topic="conveyor-speed", partition="0"}'


def series(metric: str, labels: dict[str, str], values: str) -> dict[str, str]:
    selector = ", ".join(f'{key}="{value}"' for key, value in labels.items())
    return {"series": f"{metric}{{{selector}}}", "values": values}


def pod_labels(app: str, pod: str) -> dict[str, str]:
    return {**POD, "app": app, "pod": pod}


def firing(name: str, labels: dict[str, str], value: str = "") -> dict[str, Any]:
    """What promtool must report for alert `name` firing on a series with `labels`: the rule's labels added and its
    annotation templates expanded, as Prometheus does."""
    rule = rules()[name]

    def expand(text: str) -> str:
        return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m[1]], text).replace("{{ $value }}", value)

    return {"exp_labels": {**labels, **rule["labels"]},
            "exp_annotations": {key: expand(text) for key, text in rule["annotations"].items()}}


def check(name: str, at: str, *alerts: dict[str, Any]) -> dict[str, Any]:
    return {"eval_time": at, "alertname": name, "exp_alerts": list(alerts)}


def run_unit_tests(tmp_path: Path, tests: list[dict[str, Any]]) -> None:
    (tmp_path / RULES_KEY).write_text(config_data(3, THREE_BROKERS)[RULES_KEY])
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(
        {"rule_files": [RULES_KEY], "evaluation_interval": "1m", "tests": tests}, sort_keys=False))
    result = promtool("test", "rules", "tests.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_target_down_fires_once_its_for_has_passed(tmp_path):
    producer = pod_labels("producer", "producer-7c9d-x2")
    run_unit_tests(tmp_path, [{"interval": "1m", "input_series": [
        series("up", producer, "1 0x10"),
        series("up", pod_labels("processor", "processor-5f6a-k1"), "1x10"),
    ], "alert_rule_test": [
        check("ProducerScrapeFailing", "2m"),  # down since 1m, for: 2m
        check("ProducerScrapeFailing", "3m", firing("ProducerScrapeFailing", producer)),
        check("ProcessorScrapeFailing", "5m"),
        check("ProducerAbsent", "3m", firing("ProducerAbsent", {})),
        check("ProcessorAbsent", "5m"),
    ]}])


def test_lag_alert_fires_on_growing_lag_not_on_a_brief_spike_nor_a_draining_backlog(tmp_path):
    topic = {"topic": "conveyor-speed"}
    lag_rule = rules()["ConsumerLagHighAndGrowing"]["expr"]
    run_unit_tests(tmp_path, [
        {"interval": "1m", "input_series": [{"series": LAG, "values": "0+100x30"}], "alert_rule_test": [
            check("ConsumerLagHighAndGrowing", "10m"),  # above 500 from 6m, for: 5m
            check("ConsumerLagHighAndGrowing", "11m", firing("ConsumerLagHighAndGrowing", topic, "1100")),
        ]},
        {"interval": "1m", "input_series": [{"series": LAG, "values": "0 0 0 2000 2000 0x20"}],
         "promql_expr_test": [{"expr": lag_rule, "eval_time": "4m", "exp_samples": [
             {"labels": '{topic="conveyor-speed"}', "value": 2000}]}],  # the condition held during the spike
         "alert_rule_test": [check("ConsumerLagHighAndGrowing", at) for at in ("5m", "8m", "12m")]},
        {"interval": "1m", "input_series": [{"series": LAG, "values": "5000-100x30"}],
         "alert_rule_test": [check("ConsumerLagHighAndGrowing", "15m")]},
    ])


def test_dlq_alert_fires_while_messages_keep_arriving(tmp_path):
    processor = pod_labels("processor", "processor-5f6a-k1")
    run_unit_tests(tmp_path, [
        {"interval": "1m", "input_series": [
            series("processor_invalid_messages_total", processor, "0+6x20"),  # 0.1 a second
            series("processor_refused_points_total", processor, "0x20"),
        ], "alert_rule_test": [
            check("ProcessorDLQRising", "5m"),  # rising from 1m, for: 5m
            check("ProcessorDLQRising", "10m", firing("ProcessorDLQRising", {}, "0.1")),
        ]},
        {"interval": "1m", "input_series": [
            series("processor_invalid_messages_total", processor, "3x20"),
            series("processor_refused_points_total", processor, "0x20"),
        ], "alert_rule_test": [check("ProcessorDLQRising", "10m")]},
    ])


def test_producer_not_publishing_fires_only_while_it_is_up(tmp_path):
    producer = pod_labels("producer", "producer-7c9d-x2")
    sent = "0+180x4 720x20"  # 3 readings a second, then none from 4m
    run_unit_tests(tmp_path, [
        {"interval": "1m", "input_series": [series("producer_messages_sent_total", producer, sent),
                                            series("up", producer, "1x25")],
         "alert_rule_test": [
             check("ProducerNotPublishing", "8m"),  # the 2 m rate is 0 from 6m, for: 3m
             check("ProducerNotPublishing", "9m", firing("ProducerNotPublishing", {"pod": producer["pod"]})),
         ]},
        {"interval": "1m", "input_series": [series("producer_messages_sent_total", producer, sent),
                                            series("up", producer, "1x4 0x20")],
         "alert_rule_test": [check("ProducerNotPublishing", "12m")]},
    ])


def test_a_container_restart_fires_pod_restarting(tmp_path):
    producer = pod_labels("producer", "producer-7c9d-x2")
    run_unit_tests(tmp_path, [{"interval": "1m", "input_series": [
        series("producer_messages_sent_total", producer, "0+100x5 0+100x10"),  # back to 0 at 6m
        series("producer_messages_sent_total", pod_labels("producer", "producer-7c9d-q8"), "0+100x15"),
    ], "alert_rule_test": [
        check("PodRestarting", "5m"),
        check("PodRestarting", "7m", firing("PodRestarting", {"app": "producer", "pod": producer["pod"]})),
    ]}])


# operator procedures ---------------------------------------------------------------------------------------------

# Which alerts each procedure (by anchor) must list, from the needles ca3cli/procedures matches rules with.
COVERS = {
    "pod-lost-producer": {"ProducerScrapeFailing", "ProducerAbsent", "ProducerNotPublishing", "ProducerLosingReadings"},
    "pod-lost-processor": {"ProcessorScrapeFailing", "ProcessorAbsent", "ProcessorDLQSendErrors"},
    "pod-lost-influxdb": {"ProcessorInfluxDBWriteErrors", "ProcessorNotWritingToInfluxDB"},
    "network-cut": {"ProducerScrapeFailing", "ProcessorScrapeFailing", "KafkaExporterScrapeFailing",
                    "ProducerNotPublishing"},
    "kafka-broker-loss": {"KafkaBrokersMissing", "KafkaUnderReplicatedPartitions", "ConsumerLagHighAndGrowing"},
    "database-outage": {"ProcessorInfluxDBWriteErrors", "ProcessorNotWritingToInfluxDB"},
    "consumer-lag": {"ConsumerLagHighAndGrowing"},
}


def listed_alerts(text: str) -> dict[str, set[str]]:
    """The alert names in the **Alerts:** block of each procedure, by the procedure's anchor."""
    found = {}
    for key, body in re.findall(r'<a id="([\w-]+)"></a>(.*?)(?=<a id=|^## Alert rules|\Z)', text, flags=re.S | re.M):
        block = body.split("**Alerts:**", 1)[1].split("\n**", 1)[0].split("\n###", 1)[0]
        found[key] = set(re.findall(r"^- `(\w+)`", block, flags=re.M))
    return found


def test_the_procedures_list_each_alert_under_the_failures_it_signals():
    settings = Settings.model_validate({"kafka": {"replicas": 3}})
    listed = listed_alerts(render_operator_procedures(settings, milestone=3))
    assert {key: names - listed[key] for key, names in COVERS.items() if names - listed[key]} == {}
    assert listed["crash-loop"] == {"PodRestarting"}
    assert "PodRestarting" not in listed["consumer-lag"]


def test_no_rule_lands_by_accident_where_no_metric_exists():
    # The procedures match rules by substrings of their name and expression: "ProducerTargetDown" would hold "cert".
    settings = Settings.model_validate({"kafka": {"replicas": 3}})
    listed = listed_alerts(render_operator_procedures(settings, milestone=9))
    assert listed["certificate-expiry"] == set()
    assert listed["node-lost"] == set()


def test_before_milestone_3_the_procedures_say_no_rule_exists():
    text = render_operator_procedures(Settings(), milestone=2)
    assert "defines no alert rules" in text
    assert all(names == set() for names in listed_alerts(text).values())
