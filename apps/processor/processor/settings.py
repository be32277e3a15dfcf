"""Processor settings, read once from environment variables so a bad value stops the app before it starts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from conveyor_common.env import (
    HttpSettings,
    KafkaSettings,
    SettingsError,
    integer,
    kafka_name,
    load_http,
    load_kafka,
    optional_file,
    real,
    text,
    url,
)

from processor.analytics import Limits

__all__ = ["Settings", "SettingsError", "load"]


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
    http: HttpSettings
    analytics: Limits
    retry_initial_s: float
    retry_max_s: float


def _token(env: Mapping[str, str]) -> str:
    """INFLUXDB_TOKEN, or the contents of INFLUXDB_TOKEN_FILE (a mounted Secret key)."""
    path = optional_file(env, "INFLUXDB_TOKEN_FILE")
    try:
        token = (Path(path).read_text(encoding="utf-8") if path else env.get("INFLUXDB_TOKEN", "")).strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"INFLUXDB_TOKEN_FILE could not be read as UTF-8 text ({type(error).__name__}); "
                            "mount the Secret key holding the token.") from None
    if not token:
        raise SettingsError("No InfluxDB token; set INFLUXDB_TOKEN or INFLUXDB_TOKEN_FILE to a non-empty token.")
    if not token.isprintable():  # it goes into an Authorization header; never shown, it is a secret
        raise SettingsError("The InfluxDB token holds a control character; set it to the token alone.")
    return token


def load_influx(env: Mapping[str, str]) -> InfluxSettings:
    """InfluxDB settings; an https URL is verified against INFLUXDB_CA_FILE (or the system CAs)."""
    return InfluxSettings(
        url=url(env, "INFLUXDB_URL", "http://influxdb-service:8086"), token=_token(env),
        org=text(env, "INFLUXDB_ORG"), bucket=text(env, "INFLUXDB_BUCKET"),
        ca_file=optional_file(env, "INFLUXDB_CA_FILE"),
        timeout_ms=integer(env, "INFLUXDB_TIMEOUT_MS", 10000, 100, 600_000))


def load_consumer(env: Mapping[str, str]) -> ConsumerSettings:
    consumer = ConsumerSettings(
        group_id=kafka_name(env, "KAFKA_GROUP_ID", "processor"),
        dlq_topic=kafka_name(env, "KAFKA_DLQ_TOPIC", "conveyor-speed-dlq"),
        session_timeout_ms=integer(env, "KAFKA_SESSION_TIMEOUT_MS", 10000, 1000, 3_600_000),
        heartbeat_interval_ms=integer(env, "KAFKA_HEARTBEAT_INTERVAL_MS", 3000, 100, 3_600_000),
        max_poll_interval_ms=integer(env, "KAFKA_MAX_POLL_INTERVAL_MS", 300000, 1000, 3_600_000),
        max_poll_records=integer(env, "KAFKA_MAX_POLL_RECORDS", 2000, 1, 100_000),
    )
    if consumer.heartbeat_interval_ms >= consumer.session_timeout_ms:
        raise SettingsError("KAFKA_HEARTBEAT_INTERVAL_MS must be below KAFKA_SESSION_TIMEOUT_MS; lower it.")
    return consumer


def load(env: Mapping[str, str] = os.environ) -> Settings:
    """Every processor setting, validated; raises SettingsError on the first bad one."""
    retry_initial = real(env, "INFLUXDB_RETRY_INITIAL_S", 0.5, 0.01, 60)
    return Settings(
        kafka=load_kafka(env), consumer=load_consumer(env), influx=load_influx(env),
        http=load_http(env, threads=2),
        analytics=Limits(window_s=real(env, "ANALYTICS_WINDOW_S", 60, 1, 86_400),
                         idle_s=real(env, "ANALYTICS_IDLE_S", 600, 1, 86_400 * 7),
                         max_lines=integer(env, "ANALYTICS_MAX_LINES", 10_000, 1, 1_000_000),
                         max_readings=integer(env, "ANALYTICS_MAX_READINGS", 200_000, 1000, 10_000_000)),
        retry_initial_s=retry_initial,
        retry_max_s=real(env, "INFLUXDB_RETRY_MAX_S", 10, retry_initial, 600),
    )
