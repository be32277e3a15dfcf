"""Every bad input a user can hand ca3 through ca3.yaml, CA3_* variables or --config/--context, run through the real
entry point: exit code 2 (never 3, never a traceback), one sentence naming the key or the file, where the value came
from and what is allowed, answered quickly even for hostile files."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ca3cli.core import render
from tests.cluster import conftest as cluster_conftest
from tests.cluster.conftest import Run
from tests.fixtures.patience import CALL_GUARD_S

ca3 = cluster_conftest.ca3  # the cluster tests' in-process runner fixture, shared rather than copied

@dataclass(frozen=True)
class Case:
    id: str
    expected: tuple[str, ...]  # fragments of the sentence, whitespace-normalised
    config: bytes | None = None  # written to ./ca3.yaml
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # global options before the command
    prepare: Callable[[Path], None] | None = None


def in_file(id: str, text: str, key: str, line: int, allowed: str) -> Case:
    """A ca3.yaml holding one bad value: the sentence names the key, the file line and what is allowed."""
    return Case(id, (f"`{key}` in ca3.yaml line {line} is", allowed, "fix it in ca3.yaml"), config=text.encode())


def in_env(id: str, name: str, value: str, key: str, allowed: str) -> Case:
    """A CA3_* variable holding one bad value: the sentence names the variable, not ca3.yaml, as what to change."""
    return Case(id, (f"`{key}` from environment variable {name} is", allowed, f"change {name} or unset it"),
                env={name: value})


def file_problem(id: str, content: bytes, *fragments: str) -> Case:
    return Case(id, ("The settings file ca3.yaml", *fragments), config=content)


BILLION_LAUGHS = b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + b"".join(
    f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n".encode() for p, c in zip("abcdefgh", "bcdefghi", strict=True))


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.yaml")


def _sparse_file(folder: Path) -> None:
    with open(folder / "huge.yaml", "wb") as handle:
        handle.truncate(2 * 1024 * 1024)


CASES = [
    # Point 5: the file itself.
    Case("config-is-a-directory", ("The settings file . is a directory", "--config"), args=("--config", ".")),
    Case("chosen-config-missing", ("The settings file nope.yaml does not exist", "ca3 init"),
         args=("--config", "nope.yaml")),
    Case("CA3_CONFIG-missing", ("The settings file gone.yaml does not exist", "CA3_CONFIG"),
         env={"CA3_CONFIG": "gone.yaml"}),
    Case("dev-zero", ("The settings file /dev/zero is not a regular file",), args=("--config", "/dev/zero")),
    Case("fifo", ("pipe.yaml is not a regular file",), args=("--config", "pipe.yaml"), prepare=_fifo),
    Case("over-the-size-limit", ("huge.yaml is 2097152 bytes, over the 64 KiB",), args=("--config", "huge.yaml"),
         prepare=_sparse_file),
    file_problem("utf-16-with-bom", "namespace: demo\n".encode("utf-16"), "is UTF-16 or binary", "Save it as UTF-8"),
    file_problem("utf-16-without-bom", "namespace: demo\n".encode("utf-16-le"), "is UTF-16 or binary"),
    file_problem("latin-1", "influxdb:\n  org: caf\xe9\n".encode("latin-1"), "is not UTF-8 text (byte 0xe9"),
    file_problem("billion-laughs", BILLION_LAUGHS, "line 1 uses a YAML anchor or alias"),
    file_problem("merge-key-alias", b"base: &base {replicas: 3}\nkafka:\n  <<: *base\n", "anchor or alias"),
    file_problem("deep-nesting", b"namespace: " + b"[" * 20000 + b"]" * 20000 + b"\n", "nests deeper than 8 levels"),
    file_problem("sixty-thousand-values", b"namespace: [" + b"a," * 30000 + b"a]\n", "holds more than 2000 values"),
    file_problem("top-level-list", b"- just\n- a list\n", "holds a list, not a mapping of settings"),
    file_problem("top-level-text", b"just some text\n", "holds a str, not a mapping of settings"),
    file_problem("duplicate-top-key", b"namespace: a\nnamespace: b\n", "line 2 repeats the key `namespace`",
                 "first in ca3.yaml line 1"),
    file_problem("duplicate-nested-key", b"kafka:\n  replicas: 1\n  replicas: 3\n",
                 "line 3 repeats the key `kafka.replicas`"),
    file_problem("unclosed-quote", b"namespace: 'demo\n", "is not valid YAML"),
    file_problem("tab-indentation", b"kafka:\n\treplicas: 3\n", "line 2 column 1 is not valid YAML"),
    file_problem("two-documents", b"namespace: a\n---\nnamespace: b\n", "is not valid YAML",
                 "expected a single document"),
    file_problem("complex-key", b"? [a, b]\n: 1\n", "key that is not a plain name"),
    file_problem("python-object-tag", b"namespace: !!python/object/apply:os.system ['echo hi']\n",
                 "line 1 uses the YAML tag tag:yaml.org,2002:python/object/apply:os.system"),
    file_problem("control-character", b"namespace: de\x07mo\n", "is not valid YAML", "#x0007"),
    file_problem("python-name-tag-on-a-scalar", b"namespace: !!python/name:os.system\n", "is not valid YAML",
                 "could not determine a constructor"),
    # Point 4: keys and values in the file.
    Case("unknown-top-key", ("`namspace` in ca3.yaml line 1 is not a setting; did you mean `namespace`?",),
         config=b"namspace: demo\n"),
    Case("unknown-nested-key", ("`kafka.partitons` in ca3.yaml line 2 is not a setting",
                                "did you mean `kafka.partitions`"), config=b"kafka:\n  partitons: 3\n"),
    in_file("section-not-a-mapping", "kafka: 3\n", "kafka", 1, "a mapping of settings"),
    in_file("resources-a-list", "kafka:\n  resources: [1]\n", "kafka.resources", 2, "a mapping of settings"),
    in_file("no-brokers", "kafka:\n  replicas: 0\n", "kafka.replicas", 2, "a whole number from 1 to 9"),
    in_file("brokers-in-words", "kafka:\n  replicas: three\n", "kafka.replicas", 2, "a whole number from 1 to 9"),
    in_file("brokers-yes", "kafka:\n  replicas: yes\n", "kafka.replicas", 2, "a number, not true or false"),
    in_file("too-few-partitions", "kafka:\n  partitions: 2\n", "kafka.partitions", 2,
            "at least producer.max_replicas (5) and processor.replicas (1)"),
    in_file("min-above-max", "producer:\n  min_replicas: 4\n  max_replicas: 3\n", "producer.min_replicas", 2,
            "at most max_replicas (3)"),
    in_file("rate-nan", "producer:\n  rate_hz: .nan\n", "producer.rate_hz", 2, "a finite number from 0.01 to 1000"),
    in_file("rate-zero", "producer:\n  rate_hz: 0\n", "producer.rate_hz", 2, "a finite number from 0.01 to 1000"),
    in_file("batch-too-big", "processor:\n  batch_size: 1000000\n", "processor.batch_size", 2, "from 1 to 100000"),
    in_file("node-port-80", "grafana:\n  node_port: 80\n", "grafana.node_port", 2, "from 30000 to 32767"),
    in_file("cpu-target-zero", "producer:\n  cpu_target_percent: 0\n", "producer.cpu_target_percent", 2,
            "from 1 to 500"),
    in_file("namespace-upper-case", "namespace: Demo\n", "namespace", 1, "a DNS-1123 label"),
    in_file("namespace-64-chars", f"namespace: {'a' * 64}\n", "namespace", 1, "1-63 lower-case letters"),
    in_file("tag-read-as-a-number", "images:\n  tag: 1.10\n", "images.tag", 2, "put it in quotes"),
    in_file("tag-latest", "images:\n  tag: latest\n", "images.tag", 2, "an OCI image tag other than latest"),
    in_file("tag-with-space", "images:\n  tag: 0.1 0\n", "images.tag", 2, "an OCI image tag"),
    in_file("tag-129-chars", f"images:\n  tag: {'v' * 129}\n", "images.tag", 2, "1-128 letters"),
    in_file("registry-upper-case", "images:\n  registry: Team/Apps\n", "images.registry", 2, "a registry prefix"),
    in_file("image-without-tag", "images:\n  kafka: apache/kafka\n", "images.kafka", 2,
            "with a tag other than latest or a digest"),
    in_file("image-with-quote", "images:\n  kafka: 'apache/kafka:4\"'\n", "images.kafka", 2, "an image reference"),
    in_file("storage-class-underscore", "cluster:\n  storage_class: Fast_SSD\n", "cluster.storage_class", 2,
            "a StorageClass name"),
    in_file("context-with-space", "cluster:\n  context: my context\n", "cluster.context", 2, "not starting with '-'"),
    in_file("context-looks-like-an-option", "cluster:\n  context: --kubeconfig=/x\n", "cluster.context", 2,
            "not starting with '-'"),
    in_file("org-with-quote", "influxdb:\n  org: 'my\"org'\n", "influxdb.org", 2, "no spaces or quotes"),
    in_file("bucket-system-prefix", "influxdb:\n  bucket: _monitoring\n", "influxdb.bucket", 2,
            "starting with a letter or digit"),
    in_file("admin-user-newline", 'influxdb:\n  admin_user: "adm\\nin"\n', "influxdb.admin_user", 2,
            "1-64 letters, digits"),
    in_file("retention-in-words", "influxdb:\n  retention: 30 days\n", "influxdb.retention", 2,
            "an InfluxDB duration of at least 1h"),
    in_file("retention-under-an-hour", "influxdb:\n  retention: 30m\n", "influxdb.retention", 2, "at least 1h"),
    in_file("prometheus-retention-zero", "observability:\n  prometheus_retention: 0s\n",
            "observability.prometheus_retention", 2, "a Prometheus duration of at least one second"),
    in_file("loki-retention-unknown-unit", "observability:\n  loki_retention: 1x\n", "observability.loki_retention",
            2, "units y, w, d, h, m, s, ms"),
    in_file("heap-in-megabytes", "kafka:\n  heap: 512MB\n", "kafka.heap", 2, "a JVM size"),
    in_file("quantity-in-words", "kafka:\n  resources:\n    cpu_limit: two\n", "kafka.resources.cpu_limit", 3,
            "a positive Kubernetes quantity"),
    in_file("quantity-zero", "kafka:\n  storage: 0Gi\n", "kafka.storage", 2, "a positive Kubernetes quantity"),
    in_file("request-above-limit", "processor:\n  resources:\n    cpu_request: '2'\n    cpu_limit: '1'\n",
            "processor.resources.cpu_request", 3, "at most its limit cpu_limit ('1')"),
    in_file("pull-policy", "images:\n  pull_policy: Sometimes\n", "images.pull_policy", 2,
            "one of IfNotPresent, Always or Never"),
    in_file("flavour", "cluster:\n  flavour: eks\n", "cluster.flavour", 2, "one of kind, minikube, k3d"),
    in_file("log-agent", "observability:\n  log_agent: fluentd\n", "observability.log_agent", 2,
            "one of promtail or alloy"),
    in_file("boolean-in-words", "observability:\n  image_renderer: maybe\n", "observability.image_renderer", 2,
            "true or false"),
    # Point 4: values from the environment and the command line.
    in_env("empty-tag", "CA3_IMAGES_TAG", "", "images.tag", "an OCI image tag"),
    in_env("namespace-trailing-newline", "CA3_NAMESPACE", "demo\n", "namespace", "a DNS-1123 label"),
    in_env("rate-infinite", "CA3_PRODUCER_RATE_HZ", "inf", "producer.rate_hz", "a finite number"),
    in_env("boolean-maybe", "CA3_TLS_KAFKA", "maybe", "tls.kafka", "true or false"),
    in_env("partitions-in-words", "CA3_KAFKA_PARTITIONS", "six", "kafka.partitions", "a whole number from 1 to 1000"),
    Case("limit-below-the-default-request",
         ("`kafka.resources.cpu_request` (its default) is '250m' but must be at most its limit cpu_limit ('100m')",
          "which `kafka.resources.cpu_limit` from environment variable CA3_KAFKA_RESOURCES_CPU_LIMIT breaks",
          "change CA3_KAFKA_RESOURCES_CPU_LIMIT or unset it"), env={"CA3_KAFKA_RESOURCES_CPU_LIMIT": "100m"}),
    Case("misspelt-variable-of-a-known-section",
         ("Environment variable CA3_KAFKA_PARTITONS names no setting", "did you mean CA3_KAFKA_PARTITIONS"),
         env={"CA3_KAFKA_PARTITONS": "12"}),
    Case("context-option-with-newline", ("`cluster.context` from option --context is 'kind\\nevil'",
                                         "pass another --context"), args=("--context", "kind\nevil")),
]


@pytest.fixture
def folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")
    return project


def test_the_table_holds_at_least_forty_distinct_bad_inputs() -> None:
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_exits_2_with_one_sentence_naming_key_origin_and_what_is_allowed(
        case: Case, folder: Path, ca3: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    if case.config is not None:
        (folder / "ca3.yaml").write_bytes(case.config)
    if case.prepare is not None:
        case.prepare(folder)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    started = time.monotonic()
    run = ca3(*case.args, "render", "-m", "1", "-o", "out")
    assert time.monotonic() - started < CALL_GUARD_S, "no answer within the hang guard"
    assert run.code == 2, run.text
    assert run.text.startswith("error: ") and run.text.endswith("."), run.text
    for fragment in case.expected:
        assert fragment in run.text, run.text
    assert "Traceback" not in run.text and not (folder / "out").exists()


def test_several_bad_values_are_reported_together_each_with_its_own_origin(
        folder: Path, ca3: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "ca3.yaml").write_text("namespace: Demo\nkafka:\n  replicas: 0\n")
    monkeypatch.setenv("CA3_IMAGES_TAG", "")
    run = ca3("render", "-m", "1", "-o", "out")
    assert run.code == 2
    assert "3 settings are invalid:" in run.text
    assert "`namespace` in ca3.yaml line 1 is 'Demo'" in run.text
    assert "`kafka.replicas` in ca3.yaml line 3 is 0" in run.text
    assert "`images.tag` from environment variable CA3_IMAGES_TAG is ''" in run.text


def test_unrelated_ca3_variable_only_warns_and_the_command_succeeds(
        folder: Path, ca3: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CA3_FOO", "not-for-ca3")
    run = ca3("render", "-m", "1", "-o", "out")
    assert run.code == 0, run.text
    assert "warning: Ignoring environment variable CA3_FOO" in run.text and "not-for-ca3" not in run.text
    assert (folder / "out" / "kafka" / "kafka-statefulset.yaml").is_file()


def test_default_ca3_yaml_missing_still_renders_with_the_defaults(folder: Path, ca3: Callable[..., Run]) -> None:
    run = ca3("render", "-m", "1", "-o", "out")
    assert run.code == 0, run.text
    assert (folder / "out" / "namespace.yaml").is_file()


def test_unexpected_error_exits_3_with_a_crash_report_only_its_owner_can_read(
        folder: Path, ca3: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(render, "render", broken)  # the module the command imports when it runs
    run = ca3("render", "-m", "1", "-o", "out")
    assert run.code == 3 and "this is a bug in ca3" in run.text
    [report] = (folder / "run_logs").glob("ca3-crash-*.log")
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert "RuntimeError: a bug" in report.read_text()
