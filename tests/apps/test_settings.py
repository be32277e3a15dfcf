"""Settings from the environment: a missing or invalid one stops the app with one clear line and exit code 2."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from conveyor_common import env as kafka_env
from processor import settings as processor_settings
from producer import settings as producer_settings

from tests.fixtures.pipeline import APP_PATH
from tests.fixtures.servers import free_port

PROCESSOR_BASE = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092", "INFLUXDB_URL": "http://127.0.0.1:8086",
                  "INFLUXDB_TOKEN": "token", "INFLUXDB_ORG": "conveyor", "INFLUXDB_BUCKET": "conveyor"}


def run_app(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module], env={"PATH": "/usr/bin:/bin", "PYTHONPATH": APP_PATH} | env,
                          check=False, capture_output=True, text=True, timeout=30)


PRODUCER_BASE = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}
URL_WITH_PASSWORD = "http://admin:secret@influxdb:8086"  # pragma: allowlist secret (a test double, never echoed)


@pytest.mark.parametrize("module, env, names", [
    ("producer", {}, "KAFKA_BOOTSTRAP_SERVERS"),
    # Bootstrap servers: a comma list of host:port, each host a DNS name, IPv4 or [IPv6], each port 1-65535.
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "host:notaport"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "-x"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "a:1,,b:2"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "a:1,"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "kafka:0"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "kafka:65536"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "-kafka:9092"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "kafka_1:9092"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "::1:9092"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "[::g]:9092"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "300.1.1.1:9092"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092\nEVIL: injected"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("processor", PROCESSOR_BASE | {"KAFKA_BOOTSTRAP_SERVERS": "kafka:+9092"}, "KAFKA_BOOTSTRAP_SERVERS"),
    ("processor", PROCESSOR_BASE | {"KAFKA_BOOTSTRAP_SERVERS": "kafka:\u0669\u0660\u0669\u0662"},
     "KAFKA_BOOTSTRAP_SERVERS"),
    # Names and numbers.
    ("producer", PRODUCER_BASE | {"KAFKA_TOPIC": "conveyor speed"}, "KAFKA_TOPIC"),
    ("producer", PRODUCER_BASE | {"HTTP_PORT": "8_000"}, "HTTP_PORT"),
    ("producer", PRODUCER_BASE | {"PRODUCER_RATE_HZ": "nan"}, "PRODUCER_RATE_HZ"),
    ("processor", PROCESSOR_BASE | {"KAFKA_DLQ_TOPIC": ".."}, "KAFKA_DLQ_TOPIC"),
    ("processor", PROCESSOR_BASE | {"KAFKA_GROUP_ID": "group/1"}, "KAFKA_GROUP_ID"),
    # The InfluxDB URL: http(s), a valid host and port, no credentials, query or fragment.
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": "ftp://influxdb:8086"}, "INFLUXDB_URL"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": "http://influxdb:notaport"}, "INFLUXDB_URL"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": "http://influxdb:70000"}, "INFLUXDB_URL"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": "http://-influxdb:8086"}, "INFLUXDB_URL"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": "http://:8086"}, "INFLUXDB_URL"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": URL_WITH_PASSWORD}, "INFLUXDB_URL"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": "http://influxdb:8086/?org=x"}, "INFLUXDB_URL"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": "http://influxdb:8086\r\nX: y"}, "INFLUXDB_URL"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "PRODUCER_RATE_HZ": "fast"}, "PRODUCER_RATE_HZ"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "HTTP_PORT": "70000"}, "HTTP_PORT"),
    ("producer", {"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "KAFKA_SECURITY_PROTOCOL": "SSL"}, "KAFKA_SSL_CAFILE"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_TOKEN": ""}, "INFLUXDB_TOKEN"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_URL": "influxdb:8086"}, "INFLUXDB_URL"),
    ("processor", PROCESSOR_BASE | {"INFLUXDB_CA_FILE": "/missing/ca.pem"}, "INFLUXDB_CA_FILE"),
    ("processor", PROCESSOR_BASE | {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "KAFKA_SECURITY_PROTOCOL"),
])
def test_bad_setting_exits_2_with_one_line_naming_it(module: str, env: dict[str, str], names: str) -> None:
    result = run_app(module, env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{module}: ") and names in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "secret" not in result.stderr


@pytest.mark.parametrize("module, base", [("producer", PRODUCER_BASE), ("processor", PROCESSOR_BASE)])
@pytest.mark.parametrize("variable", ["HTTP_PORT", "HTTP_PROBE_PORT"])
def test_a_port_already_taken_is_one_line_and_exit_2(module: str, base: dict[str, str], variable: str) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", free_port()))
        taken.listen()
        ports = {"HTTP_PORT": str(free_port()), "HTTP_PROBE_PORT": str(free_port())}
        result = run_app(module, base | ports | {variable: str(taken.getsockname()[1])})
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{module}: {variable}=") and "in use" in lines[0], result.stderr


def test_the_probe_port_must_differ_from_the_main_port() -> None:
    with pytest.raises(kafka_env.SettingsError, match="HTTP_PROBE_PORT=8000 is HTTP_PORT too"):
        kafka_env.load_http({"HTTP_PORT": "8000", "HTTP_PROBE_PORT": "8000"}, threads=1)


@pytest.mark.parametrize("value, servers", [
    ("kafka-service:9092", ["kafka-service:9092"]),
    ("a:1, b:2", ["a:1", "b:2"]),
    ("127.0.0.1:9092,[::1]:9093", ["127.0.0.1:9092", "[::1]:9093"]),
    ("kafka-0.kafka-headless.conveyor-pipeline.svc.cluster.local.:65535",
     ["kafka-0.kafka-headless.conveyor-pipeline.svc.cluster.local.:65535"]),
    ("K1:1", ["K1:1"]),
])
def test_valid_bootstrap_servers_are_taken_as_written(value: str, servers: list[str]) -> None:
    assert kafka_env.load_kafka({"KAFKA_BOOTSTRAP_SERVERS": value}).bootstrap_servers == servers


@pytest.mark.parametrize("value", [
    "", "kafka", "kafka:", ":9092", "kafka:9092:1", "kafka:09x", "kafka: 9092", "a..b:1", "a.-b:1", "b-.c:1",
    f"{'a' * 64}:1", ".".join(["a" * 63] * 4) + ":1", "1.2.3:1", "1.2.3.4.5:1", "01.2.3.4:1", "[::1:1", "[1.2.3.4]:1",
    "kafka:9092\u2028x:1",
])
def test_malformed_bootstrap_servers_are_refused_with_a_sentence(value: str) -> None:
    with pytest.raises(kafka_env.SettingsError, match=r"^KAFKA_BOOTSTRAP_SERVERS=.*; set [^;]*\.$") as error:
        kafka_env.load_kafka({"KAFKA_BOOTSTRAP_SERVERS": value or " , "})
    assert "\n" not in str(error.value) and "\u2028" not in str(error.value)


@pytest.mark.parametrize("value", [
    "http://influxdb-service:8086", "https://influxdb-service.conveyor-pipeline.svc:8086", "http://127.0.0.1:8086",
    "http://[::1]:8086", "https://influx.example.org", "http://influxdb:8086/proxy/influx",
])
def test_valid_influxdb_urls_are_taken(value: str) -> None:
    assert processor_settings.load(PROCESSOR_BASE | {"INFLUXDB_URL": value}).influx.url == value


def test_a_token_file_that_is_not_utf8_is_a_sentence_not_a_traceback(tmp_path) -> None:
    token_file = tmp_path / "token"
    token_file.write_bytes(b"\xff\xfe")
    result = run_app("processor", PROCESSOR_BASE | {"INFLUXDB_TOKEN_FILE": str(token_file)})
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "INFLUXDB_TOKEN_FILE" in result.stderr


@pytest.mark.parametrize("target", ["producer-service:8000", "http://producer service:8000", "http://p:0"])
def test_the_load_generator_refuses_a_target_that_is_not_an_http_url(target: str) -> None:
    result = subprocess.run([sys.executable, "-m", "producer.loadgen", "--target", target, "--rate", "1",
                             "--duration", "1"], env={"PATH": "/usr/bin:/bin", "PYTHONPATH": APP_PATH},
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--target" in result.stderr.splitlines()[-1], result.stderr


def test_processor_reads_the_token_from_a_file_and_the_shortened_group_timings(tmp_path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    env = PROCESSOR_BASE | {"INFLUXDB_TOKEN": "", "INFLUXDB_TOKEN_FILE": str(token_file),
                            "KAFKA_SESSION_TIMEOUT_MS": "6000", "KAFKA_HEARTBEAT_INTERVAL_MS": "2000",
                            "KAFKA_MAX_POLL_INTERVAL_MS": "10000"}
    config = processor_settings.load(env)
    assert config.influx.token == "from-file"
    assert (config.consumer.session_timeout_ms, config.consumer.heartbeat_interval_ms,
            config.consumer.max_poll_interval_ms) == (6000, 2000, 10000)
    assert config.consumer.group_id == "processor" and config.consumer.dlq_topic == "conveyor-speed-dlq"


def test_heartbeat_must_be_below_the_session_timeout() -> None:
    with pytest.raises(processor_settings.SettingsError, match="KAFKA_HEARTBEAT_INTERVAL_MS"):
        processor_settings.load(PROCESSOR_BASE | {"KAFKA_SESSION_TIMEOUT_MS": "6000",
                                                  "KAFKA_HEARTBEAT_INTERVAL_MS": "6000"})


def test_ssl_always_verifies_hostname_and_ca(tmp_path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("placeholder")
    kafka = kafka_env.load_kafka({"KAFKA_BOOTSTRAP_SERVERS": "a:1, b:2", "KAFKA_SECURITY_PROTOCOL": "ssl",
                                          "KAFKA_SSL_CAFILE": str(ca)})
    options = kafka.client_options()
    assert options["bootstrap_servers"] == ["a:1", "b:2"]
    assert options["ssl_check_hostname"] is True and options["ssl_cafile"] == str(ca)


def test_producer_defaults_match_the_contract() -> None:
    config = producer_settings.load({"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "POD_NAME": "producer-abc"},
                                    started_ms=1796112000123)
    assert (config.kafka.topic, config.http.port, config.rate_hz, config.producer_id) == (
        "conveyor-speed", 8000, 1.0, "producer-abc@1796112000123")


def test_a_producer_restarted_in_place_is_a_new_producer_and_a_long_pod_name_still_fits() -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "POD_NAME": "producer-848b9d6d7-gvhjt"}
    first, again = (producer_settings.load(env, started_ms=ms).producer_id for ms in (1796112000000, 1796112004000))
    assert first != again and first.startswith("producer-848b9d6d7-gvhjt@")
    long = producer_settings.load(env | {"POD_NAME": "p" * 63}, started_ms=1796112000000).producer_id
    assert long == "p" * 50 + "@1796112000000" and len(long) == 64
    assert producer_settings.load(env | {"PRODUCER_ID": "bench-1"}).producer_id == "bench-1"  # as given
