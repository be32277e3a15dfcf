"""Producer settings, read once from environment variables so a bad value stops the app before it starts."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from conveyor_common.env import KafkaSettings, SettingsError, integer, load_kafka, real, text

__all__ = ["Settings", "SettingsError", "load"]


@dataclass(frozen=True)
class Settings:
    kafka: KafkaSettings
    http_port: int
    producer_id: str
    lines: int
    rate_hz: float
    flush_timeout_s: float


def load(env: Mapping[str, str] = os.environ) -> Settings:
    """Every producer setting, validated; raises SettingsError on the first bad one."""
    return Settings(
        kafka=load_kafka(env),
        http_port=integer(env, "HTTP_PORT", 8000, 1, 65535),
        producer_id=text(env, "PRODUCER_ID", env.get("POD_NAME") or socket.gethostname()),
        lines=integer(env, "PRODUCER_LINES", 3, 1, 1000),
        rate_hz=real(env, "PRODUCER_RATE_HZ", 1.0, 0.01, 1000),
        flush_timeout_s=real(env, "PRODUCER_FLUSH_TIMEOUT_S", 20.0, 1, 600),
    )
