"""Processor settings, read once from environment variables so a bad value stops the app before it starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL")


class SettingsError(ValueError):
    """A missing or invalid setting; the message is one sentence that names the variable and the fix."""


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap_servers: list[str]
    topic: str
    security_protocol: str
    ssl_cafile: str | None
    ssl_certfile: str | None
    ssl_keyfile: str | None

    def client_options(self) -> dict[str, object]:
        """kafka-python options for this connection; SSL always verifies the CA and the broker's hostname."""
        options: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
            # Short bootstrap and reconnect ceilings (defaults 30 s): SIGTERM while connecting is honoured within
            # the grace period, and a restarted broker is found again within seconds.
            "bootstrap_timeout_ms": 5000,
            "reconnect_backoff_max_ms": 5000,
        }
        if self.security_protocol == "SSL":
            options.update(ssl_check_hostname=True, ssl_cafile=self.ssl_cafile,
                           ssl_certfile=self.ssl_certfile, ssl_keyfile=self.ssl_keyfile)
        return options


@dataclass(frozen=True)
class InfluxSettings:
    url: str
    token: str
    org: str
    bucket: str
    ca_file: str | None
    timeout_ms: int


@dataclass(frozen=True)
class ConsumerSettings:
    """Group membership timings are settings so tests can shorten the first join (see DESIGN.md section 5)."""

    group_id: str
    dlq_topic: str
    session_timeout_ms: int
    heartbeat_interval_ms: int
    max_poll_interval_ms: int
    max_poll_records: int


@dataclass(frozen=True)
class Settings:
    kafka: KafkaSettings
    consumer: ConsumerSettings
    influx: InfluxSettings
    http_port: int
    window_s: float
    retry_initial_s: float
    retry_max_s: float


def _get(env: Mapping[str, str], name: str, default: str | None = None) -> str:
    value = env.get(name, "").strip() or default
    if value is None:
        raise SettingsError(f"{name} is not set; set it in the container's environment.")
    return value


def _number(env: Mapping[str, str], name: str, default: str, kind: type, low: float, high: float) -> int | float:
    raw = _get(env, name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a {kind.__name__}; set a number from {low} to {high}.") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw} is out of range; set a number from {low} to {high}.")
    return value


def _optional_file(env: Mapping[str, str], name: str) -> str | None:
    path = env.get(name, "").strip()
    if path and not os.path.isfile(path):
        raise SettingsError(f"{name}={path} does not exist; mount the file or unset {name}.")
    return path or None


def load_kafka(env: Mapping[str, str]) -> KafkaSettings:
    """Kafka connection settings; SSL requires a CA file because verification cannot be switched off."""
    protocol = _get(env, "KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise SettingsError(f"KAFKA_SECURITY_PROTOCOL={protocol} is not supported; set PLAINTEXT or SSL.")
    kafka = KafkaSettings(
        bootstrap_servers=[s.strip() for s in _get(env, "KAFKA_BOOTSTRAP_SERVERS").split(",") if s.strip()],
        topic=_get(env, "KAFKA_TOPIC", "conveyor-speed"),
        security_protocol=protocol,
        ssl_cafile=_optional_file(env, "KAFKA_SSL_CAFILE"),
        ssl_certfile=_optional_file(env, "KAFKA_SSL_CERTFILE"),
        ssl_keyfile=_optional_file(env, "KAFKA_SSL_KEYFILE"),
    )
    if protocol == "SSL" and kafka.ssl_cafile is None:
        raise SettingsError("KAFKA_SECURITY_PROTOCOL=SSL needs KAFKA_SSL_CAFILE; set it to the CA that signed the broker.")
    if bool(kafka.ssl_certfile) != bool(kafka.ssl_keyfile):
        raise SettingsError("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together; set both or neither.")
    return kafka


def _token(env: Mapping[str, str]) -> str:
    """INFLUXDB_TOKEN, or the contents of INFLUXDB_TOKEN_FILE (a mounted Secret key)."""
    path = _optional_file(env, "INFLUXDB_TOKEN_FILE")
    token = open(path, encoding="utf-8").read().strip() if path else env.get("INFLUXDB_TOKEN", "").strip()
    if not token:
        raise SettingsError("No InfluxDB token; set INFLUXDB_TOKEN or INFLUXDB_TOKEN_FILE to a non-empty token.")
    return token


def load_influx(env: Mapping[str, str]) -> InfluxSettings:
    """InfluxDB settings; an https URL is verified against INFLUXDB_CA_FILE (or the system CAs)."""
    url = _get(env, "INFLUXDB_URL")
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"INFLUXDB_URL={url} is not an http(s) URL; set e.g. http://influxdb-service:8086.")
    return InfluxSettings(
        url=url, token=_token(env), org=_get(env, "INFLUXDB_ORG"), bucket=_get(env, "INFLUXDB_BUCKET"),
        ca_file=_optional_file(env, "INFLUXDB_CA_FILE"),
        timeout_ms=int(_number(env, "INFLUXDB_TIMEOUT_MS", "10000", int, 100, 600_000)))


def load_consumer(env: Mapping[str, str]) -> ConsumerSettings:
    consumer = ConsumerSettings(
        group_id=_get(env, "KAFKA_GROUP_ID", "processor"),
        dlq_topic=_get(env, "KAFKA_DLQ_TOPIC", "conveyor-speed-dlq"),
        session_timeout_ms=int(_number(env, "KAFKA_SESSION_TIMEOUT_MS", "10000", int, 1000, 3_600_000)),
        heartbeat_interval_ms=int(_number(env, "KAFKA_HEARTBEAT_INTERVAL_MS", "3000", int, 100, 3_600_000)),
        max_poll_interval_ms=int(_number(env, "KAFKA_MAX_POLL_INTERVAL_MS", "300000", int, 1000, 3_600_000)),
        max_poll_records=int(_number(env, "KAFKA_MAX_POLL_RECORDS", "500", int, 1, 100_000)),
    )
    if consumer.heartbeat_interval_ms >= consumer.session_timeout_ms:
        raise SettingsError("KAFKA_HEARTBEAT_INTERVAL_MS must be below KAFKA_SESSION_TIMEOUT_MS; lower it.")
    return consumer


def load(env: Mapping[str, str] = os.environ) -> Settings:
    """Every processor setting, validated; raises SettingsError on the first bad one."""
    retry_initial = float(_number(env, "INFLUXDB_RETRY_INITIAL_S", "0.5", float, 0.01, 60))
    return Settings(
        kafka=load_kafka(env), consumer=load_consumer(env), influx=load_influx(env),
        http_port=int(_number(env, "HTTP_PORT", "8000", int, 1, 65535)),
        window_s=float(_number(env, "ANALYTICS_WINDOW_S", "60", float, 1, 86_400)),
        retry_initial_s=retry_initial,
        retry_max_s=float(_number(env, "INFLUXDB_RETRY_MAX_S", "10", float, retry_initial, 600)),
    )
