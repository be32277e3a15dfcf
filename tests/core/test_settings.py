"""Settings: defaults round-trip through the generated ca3.yaml, overrides from the environment, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ca3cli import config_file, settings
from ca3cli.errors import ConfigError
from ca3cli.settings import Settings


def test_generated_ca3_yaml_loads_back_to_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text(config_file.render())
    assert settings.load(path, environ={}) == Settings()


def test_generated_ca3_yaml_comments_every_setting() -> None:
    lines = config_file.render().splitlines()
    keys = [i for i, line in enumerate(lines) if not line.lstrip().startswith("#") and ":" in line]
    assert keys, "the file holds settings"
    for index in keys:
        assert lines[index - 1].lstrip().startswith("# "), f"no comment above {lines[index]!r}"


def test_generated_ca3_yaml_holds_non_default_values(tmp_path: Path) -> None:
    chosen = settings.parse({"namespace": "demo", "kafka": {"partitions": 12}})
    path = tmp_path / "ca3.yaml"
    path.write_text(config_file.render(chosen))
    assert settings.load(path, environ={}) == chosen


def test_environment_overrides_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text(yaml.safe_dump({"images": {"tag": "0.1.0"}}))
    loaded = settings.load(path, environ={"CA3_IMAGES_TAG": "0.2.0", "CA3_NAMESPACE": "demo"})
    assert (loaded.images.tag, loaded.namespace) == ("0.2.0", "demo")


def test_nested_resource_override_keeps_the_sections_other_defaults() -> None:
    loaded = settings.load(None, environ={"CA3_KAFKA_RESOURCES_CPU_LIMIT": "2"})
    assert loaded.kafka.resources.cpu_limit == "2"
    assert loaded.kafka.resources.memory_limit == Settings().kafka.resources.memory_limit


def test_partial_section_in_the_file_keeps_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text(yaml.safe_dump({"producer": {"resources": {"cpu_request": "80m"}}}))
    loaded = settings.load(path, environ={})
    assert loaded.producer.resources.cpu_request == "80m"
    assert loaded.producer.resources.cpu_limit == Settings().producer.resources.cpu_limit


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"CA3_PRODUCER_LINES": "many"}, ["producer.lines", "whole number"]),
        ({"CA3_PRODUCER_LINES": "2.5"}, ["producer.lines", "whole number"]),
        ({"CA3_CLUSTER_FLAVOUR": "eks"}, ["cluster.flavour", "kind, minikube"]),
        ({"CA3_TLS_KAFKA": "maybe"}, ["tls.kafka", "true or false"]),
        ({"CA3_KAFKA_RESOURCES_CPU_LIMIT": "two"}, ["kafka.resources.cpu_limit", "quantity"]),
        ({"CA3_GRAFANA_NODE_PORT": "80"}, ["grafana.node_port", "30000-32767"]),
        ({"CA3_KAFKA_PARTITIONS": "2"}, ["kafka.partitions", "max replicas"]),
        ({"CA3_KAFKA_HEAP": "512MB"}, ["kafka.heap", "512m"]),
        ({"CA3_NAMESPACE": "Not_A_Label"}, ["namespace", "DNS label"]),
        ({"CA3_KAFKA_NOTHING": "1"}, ["CA3_KAFKA_NOTHING", "CA3_<SECTION>_<KEY>"]),
    ],
)
def test_bad_value_names_the_key_and_what_is_allowed(environ: dict[str, str], names: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        settings.load(None, environ=environ)
    for name in names:
        assert name in str(caught.value)


def test_unknown_key_in_the_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text(yaml.safe_dump({"kafka": {"partitons": 3}}))
    with pytest.raises(ConfigError, match="`partitons` in `kafka`"):
        settings.load(path, environ={})


def test_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        settings.load(path, environ={})
