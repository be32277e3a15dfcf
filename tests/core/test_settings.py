"""Settings: defaults round-trip through the generated ca3.yaml, overrides from the environment, the shipped JSON
Schema, and clear errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from ca3cli.core import settings
from ca3cli.core.errors import ConfigError
from ca3cli.core.settings import Settings
from ca3cli.edges import config_file

REPO = Path(__file__).resolve().parents[2]


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
    chosen = settings.parse({"namespace": "demo", "kafka": {"partitions": 12}, "images": {"tag": "1.10"},
                             "cluster": {"storage_class": "true", "context": "kubernetes-admin@kubernetes"}})
    path = tmp_path / "ca3.yaml"
    path.write_text(config_file.render(chosen))
    assert settings.load(path, environ={}) == chosen


def test_generated_ca3_yaml_starts_with_the_schema_line_editors_read() -> None:
    first = config_file.render().splitlines()[0]
    assert first == "# yaml-language-server: $schema=./ca3.schema.json"


def test_shipped_json_schema_is_exactly_what_the_model_generates() -> None:
    assert config_file.shipped_schema() == config_file.schema(), (
        "ca3cli/schema/ca3.schema.json is stale; regenerate it with `python -m ca3cli.edges.config_file`")


def _schema_properties(schema: dict[str, Any], node: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every leaf property of the schema by dotted key, following $ref into $defs."""
    found = {}
    for name, prop in node.get("properties", {}).items():
        ref = prop.get("$ref") or next((p["$ref"] for p in prop.get("allOf", []) if "$ref" in p), None)
        if ref:
            found |= _schema_properties(schema, schema["$defs"][ref.rsplit("/", 1)[1]], f"{prefix}{name}.")
        else:
            found[f"{prefix}{name}"] = prop
    return found


def test_schema_describes_every_setting_and_its_patterns_match_the_defaults_in_full() -> None:
    schema = json.loads(config_file.shipped_schema())
    props = _schema_properties(schema, schema)
    assert len(props) > 60 and all(p.get("description") for p in props.values())
    defaults = Settings().model_dump()
    patterned = {key: prop for key, prop in props.items() if "pattern" in prop}
    assert {"namespace", "images.registry", "images.kafka", "kafka.heap", "influxdb.org"} <= set(patterned)
    for key, prop in patterned.items():
        value: Any = defaults
        for part in key.split("."):
            value = value[part]
        assert re.search(prop["pattern"], value), f"default of {key} does not match its schema pattern"
        assert not re.search(prop["pattern"], value + " x"), f"schema pattern of {key} is not anchored"


def test_schema_takes_the_image_tag_as_an_anchored_pattern_or_null_for_the_content_tag() -> None:
    schema = json.loads(config_file.shipped_schema())
    branches = {branch["type"]: branch for branch in _schema_properties(schema, schema)["images.tag"]["anyOf"]}
    assert set(branches) == {"string", "null"}
    pattern = branches["string"]["pattern"]
    assert re.search(pattern, "0.1.0-0123456789ab") and not re.search(pattern, "0.1.0 x")


def test_settings_are_frozen_so_no_caller_can_change_them_unvalidated() -> None:
    with pytest.raises(pydantic.ValidationError):
        Settings().kafka.replicas = 0  # type: ignore[misc]


def test_environment_overrides_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text(yaml.safe_dump({"images": {"tag": "0.1.0"}}))
    loaded = settings.load(path, environ={"CA3_IMAGES_TAG": "0.2.0", "CA3_NAMESPACE": "demo"})
    assert (loaded.images.tag, loaded.namespace) == ("0.2.0", "demo")


def test_context_option_wins_over_the_environment_and_is_validated_like_them() -> None:
    loaded = settings.load(None, environ={"CA3_CLUSTER_CONTEXT": "kind-a"}, context="kind-b")
    assert loaded.cluster.context == "kind-b"
    with pytest.raises(ConfigError, match=re.escape("`cluster.context` from option --context is 'kind b'")):
        settings.load(None, environ={}, context="kind b")


def test_nested_resource_override_keeps_the_sections_other_defaults() -> None:
    loaded = settings.load(None, environ={"CA3_KAFKA_RESOURCES_CPU_LIMIT": "2"})
    assert loaded.kafka.resources.cpu_limit == "2"
    assert loaded.kafka.resources.memory_limit == Settings().kafka.resources.memory_limit == "1Gi"


def test_partial_section_in_the_file_keeps_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text(yaml.safe_dump({"producer": {"resources": {"cpu_request": "80m"}}, "kafka": {"resources": {}}}))
    loaded = settings.load(path, environ={})
    assert loaded.producer.resources.cpu_request == "80m"
    assert loaded.producer.resources.cpu_limit == Settings().producer.resources.cpu_limit
    assert loaded.kafka.resources == Settings().kafka.resources


def test_a_whole_number_in_yaml_is_taken_as_a_cpu_quantity(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text("kafka:\n  resources:\n    cpu_limit: 2\n")
    assert settings.load(path, environ={}).kafka.resources.cpu_limit == "2"


def test_unrelated_ca3_variable_is_ignored_with_a_warning_naming_it_but_not_its_value() -> None:
    warnings: list[str] = []
    loaded = settings.load(None, environ={"CA3_FOO": "s3cret-value"}, warn=warnings.append)
    assert loaded == Settings()
    assert len(warnings) == 1 and "CA3_FOO" in warnings[0] and "s3cret-value" not in warnings[0]


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"CA3_PRODUCER_LINES": "many"}, ["producer.lines", "whole number from 1 to 1000"]),
        ({"CA3_PRODUCER_LINES": "2.5"}, ["producer.lines", "whole number"]),
        ({"CA3_CLUSTER_FLAVOUR": "eks"}, ["cluster.flavour", "kind, minikube"]),
        ({"CA3_TLS_KAFKA": "maybe"}, ["tls.kafka", "true or false"]),
        ({"CA3_KAFKA_RESOURCES_CPU_LIMIT": "two"}, ["kafka.resources.cpu_limit", "quantity"]),
        ({"CA3_GRAFANA_NODE_PORT": "80"}, ["grafana.node_port", "from 30000 to 32767"]),
        ({"CA3_KAFKA_PARTITIONS": "2"}, ["kafka.partitions", "at least producer.max_replicas (5)"]),
        ({"CA3_KAFKA_HEAP": "512MB"}, ["kafka.heap", "512m"]),
        ({"CA3_NAMESPACE": "Not_A_Label"}, ["namespace", "DNS-1123 label"]),
        ({"CA3_KAFKA_NOTHING": "1"}, ["CA3_KAFKA_NOTHING", "CA3_<SECTION>_<KEY>"]),
    ],
)
def test_bad_value_names_the_key_and_what_is_allowed(environ: dict[str, str], names: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        settings.load(None, environ=environ)
    for name in names:
        assert name in str(caught.value)


def test_every_problem_is_reported_in_one_message_each_with_its_own_origin(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text("namespace: Demo\nkafka:\n  replicas: 0\n")
    with pytest.raises(ConfigError) as caught:
        settings.load(path, environ={"CA3_IMAGES_TAG": "latest"})
    message = str(caught.value)
    assert message.startswith("3 settings are invalid:")
    assert f"`namespace` in {path} line 1 is 'Demo'" in message
    assert f"`kafka.replicas` in {path} line 3 is 0" in message
    assert "`images.tag` from environment variable CA3_IMAGES_TAG is 'latest'" in message
    assert "change CA3_IMAGES_TAG or unset it" in message


def test_unknown_key_in_the_file_is_named_with_its_line_and_the_closest_known_key(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text(yaml.safe_dump({"kafka": {"partitons": 3}}))
    with pytest.raises(ConfigError, match=f"`kafka.partitons` in {re.escape(str(path))} line 2 is not a setting; "
                                          "did you mean `kafka.partitions`"):
        settings.load(path, environ={})


def test_unknown_key_never_echoes_its_value(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text("influxdb:\n  admin_password: hunter2-secret\n")
    with pytest.raises(ConfigError) as caught:
        settings.load(path, environ={})
    assert "influxdb.admin_password" in str(caught.value) and "hunter2" not in str(caught.value)


def test_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="holds a list, not a mapping"):
        settings.load(path, environ={})


def test_file_of_only_comments_takes_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ca3.yaml"
    path.write_text("# nothing set yet\n")
    assert settings.load(path, environ={}, explicit=True) == Settings()


def test_missing_default_file_takes_the_defaults_but_a_chosen_one_is_an_error(tmp_path: Path) -> None:
    assert settings.load(tmp_path / "ca3.yaml", environ={}) == Settings()
    with pytest.raises(ConfigError, match="does not exist"):
        settings.load(tmp_path / "ca3.yaml", environ={}, explicit=True)


def _init(cwd: Path, *args: str, answers: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ca3cli", "init", *args], cwd=cwd, input=answers, capture_output=True,
                          text=True, timeout=60, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(cwd), "COLUMNS": "200"})


def test_init_writes_the_schema_beside_ca3_yaml_and_the_file_loads_back_to_the_defaults(tmp_path: Path) -> None:
    result = _init(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ca3.schema.json").read_text() == config_file.schema()
    assert settings.load(tmp_path / "ca3.yaml", environ={}, explicit=True) == Settings()


def test_init_interactive_asks_again_after_an_answer_the_model_refuses(tmp_path: Path) -> None:
    answers = "k3d\nBad_Namespace\ndemo\n\n30500\nregistry.local:5000/team\n0.2.0\n"
    result = _init(tmp_path, "--interactive", answers=answers)
    assert result.returncode == 0, result.stderr
    message = " ".join(result.stderr.split())
    assert "`namespace` in your answer to 'Namespace' is 'Bad_Namespace' but must be a DNS-1123 label" in message
    loaded = settings.load(tmp_path / "ca3.yaml", environ={}, explicit=True)
    assert (loaded.cluster.flavour, loaded.namespace, loaded.grafana.node_port) == ("k3d", "demo", 30500)
    assert loaded.image("producer") == "registry.local:5000/team/producer:0.2.0"


def test_unknown_key_given_in_code_is_named_without_claiming_a_file_or_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        settings.parse({"kafka": {"replica": 3}})
    assert str(caught.value) == "`kafka.replica` is not a setting; did you mean `kafka.replicas`?"
