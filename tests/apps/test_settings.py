"""Settings from the environment: a missing or invalid one stops the app with one clear line and exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conveyor_common import env as kafka_env
from processor import settings as processor_settings
from producer import settings as producer_settings

from tests.fixtures.pipeline import APP_PATH

PROCESSOR_BASE = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092", "INFLUXDB_URL": "http://127.0.0.1:8086",
                  "INFLUXDB_TOKEN": "token", "INFLUXDB_ORG": "conveyor", "INFLUXDB_BUCKET": "conveyor"}


def run_app(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module], env={"PATH": "/usr/bin:/bin", "PYTHONPATH": APP_PATH} | env,
                          check=False, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("module, env, names", [
    ("producer", {}, "KAFKA_BOOTSTRAP_SERVERS"),
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
