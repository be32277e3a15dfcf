"""Producer settings, read once from environment variables so a bad value stops the app before it starts."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass

from conveyor_common.env import (
    HttpSettings,
    KafkaSettings,
    SettingsError,
    integer,
    load_http,
    load_kafka,
    real,
    text,
)
from conveyor_common.reading import MAX_ID_CHARS, check_id

from producer.publisher import DeliverySettings

__all__ = ["Settings", "SettingsError", "load"]

MAX_BODY_BYTES = 4 * 1024 * 1024  # a POST /events of MAX_BATCH readings fits with room to spare


@dataclass(frozen=True)
class Settings:
    kafka: KafkaSettings
    http: HttpSettings
    delivery: DeliverySettings
    producer_id: str
    lines: int
    rate_hz: float
    flush_timeout_s: float


def _producer_id(env: Mapping[str, str], started_ms: int) -> str:
    """PRODUCER_ID as given; otherwise the pod's name (or the host's) and the process start, `<pod>@<Unix ms>`.
    Each process numbers its readings from 0, so a container restarted in place must be a new producer for
    (producer, seq) to stay unique (conveyor_common.reading)."""
    if env.get("PRODUCER_ID", "").strip():
        value = text(env, "PRODUCER_ID")
    else:
        suffix = f"@{started_ms}"
        value = (env.get("POD_NAME") or socket.gethostname())[:MAX_ID_CHARS - len(suffix)] + suffix
    try:
        return check_id("PRODUCER_ID", value)
    except ValueError as error:
        raise SettingsError(f"{error}; set PRODUCER_ID (or POD_NAME) to a shorter printable name.") from None


def load(env: Mapping[str, str] = os.environ, started_ms: int | None = None) -> Settings:
    """Every producer setting, validated; raises SettingsError on the first bad one. `started_ms`: when this process
    started (Unix milliseconds; now by default), part of its producer id."""
    return Settings(
        kafka=load_kafka(env),
        http=load_http(env, threads=8, max_body_bytes=MAX_BODY_BYTES),
        delivery=DeliverySettings(wedged_after_s=real(env, "PRODUCER_WEDGED_AFTER_S", 120, 5, 3600),
                                  max_unacked=integer(env, "PRODUCER_MAX_UNACKED", 50_000, 100, 1_000_000)),
        producer_id=_producer_id(env, time.time_ns() // 1_000_000 if started_ms is None else started_ms),
        lines=integer(env, "PRODUCER_LINES", 3, 1, 1000),
        rate_hz=real(env, "PRODUCER_RATE_HZ", 1.0, 0.01, 1000),
        flush_timeout_s=real(env, "PRODUCER_FLUSH_TIMEOUT_S", 20.0, 1, 600),
    )
