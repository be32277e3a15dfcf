"""Settings from environment variables, shared by both apps: typed getters whose errors are one sentence naming
the variable and the fix, the Kafka connection settings (SSL always verifies the CA and the hostname), and the
bounds of the HTTP server."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conveyor_common.addresses import AddressError, host_port_list, http_url, shown

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL")
# Kafka's own rule for topic names (and the one ca3 holds group ids to): 1-249 of these, not "." or "..".
KAFKA_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")
# Numbers in ASCII digits only: int() and float() would also take "+5", "1_000", " 5", "nan", "inf", "1e3" and
# other scripts' digits, none of which a person setting a variable means.
INTEGER = re.compile(r"[0-9]+")
DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?|\.[0-9]+")


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

    def client_options(self) -> dict[str, Any]:
        """kafka-python options for this connection (keyword arguments of KafkaProducer and KafkaConsumer, values of
        several types); SSL always verifies the CA and the broker's hostname."""
        options: dict[str, Any] = {
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


def text(env: Mapping[str, str], name: str, default: str | None = None) -> str:
    """The trimmed value, `default` when unset or empty; SettingsError when there is neither, or when it holds a
    control character (a newline in a value would split a log line)."""
    value = env.get(name, "").strip() or default
    if value is None:
        raise SettingsError(f"{name} is not set; set it in the container's environment.")
    if not value.isprintable():
        raise SettingsError(f"{name}={shown(value)} holds a control character; set printable text.")
    return value


def kafka_name(env: Mapping[str, str], name: str, default: str) -> str:
    """A topic or group name by Kafka's rule for topics: 1-249 letters, digits, '.', '_', '-'; not '.' or '..'."""
    value = text(env, name, default)
    if not KAFKA_NAME.fullmatch(value) or value in (".", ".."):
        raise SettingsError(f"{name}={shown(value)} is not a Kafka name; use 1-249 letters, digits, '.', '_' "
                            "or '-' (not '.' or '..' alone).")
    return value


def url(env: Mapping[str, str], name: str, example: str) -> str:
    """An http(s) URL (conveyor_common.addresses.http_url)."""
    value = text(env, name)
    try:
        return http_url(value)
    except AddressError as error:
        redacted = re.sub(r"//[^/@]*@", "//<user:password>@", value)  # a password is not echoed to the log
        raise SettingsError(f"{name}={shown(redacted)} {error}; set e.g. {example}.") from None


def bootstrap_servers(env: Mapping[str, str], name: str = "KAFKA_BOOTSTRAP_SERVERS") -> list[str]:
    """A comma list of host:port (conveyor_common.addresses.host_port_list)."""
    value = text(env, name)
    try:
        return host_port_list(value)
    except AddressError as error:
        raise SettingsError(f"{name}={shown(value)}: {error}; set a comma list of host:port, "
                            "e.g. kafka-service:9092.") from None


def _number(env: Mapping[str, str], name: str, default: str, kind: type[int | float],
            low: float, high: float) -> int | float:
    raw = text(env, name, default)
    if not (INTEGER if kind is int else DECIMAL).fullmatch(raw):
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name}={shown(raw)} is not {what} in digits; set a number from {low} to {high}.")
    value = kind(raw)
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw} is out of range; set a number from {low} to {high}.")
    return value


def integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole number from `low` to `high`, `default` when unset."""
    return int(_number(env, name, str(default), int, low, high))


def real(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """A number from `low` to `high`, `default` when unset."""
    return float(_number(env, name, str(default), float, low, high))


def optional_file(env: Mapping[str, str], name: str) -> str | None:
    path = text(env, name, "")
    if path and not os.path.isfile(path):
        raise SettingsError(f"{name}={shown(path)} does not exist; mount the file or unset {name}.")
    return path or None


def load_kafka(env: Mapping[str, str]) -> KafkaSettings:
    """Kafka connection settings; SSL requires a CA file because verification cannot be switched off."""
    protocol = text(env, "KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper()
    if protocol not in SECURITY_PROTOCOLS:
        raise SettingsError(f"KAFKA_SECURITY_PROTOCOL={shown(protocol)} is not supported; set PLAINTEXT or SSL.")
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap_servers(env),
        topic=kafka_name(env, "KAFKA_TOPIC", "conveyor-speed"),
        security_protocol=protocol,
        ssl_cafile=optional_file(env, "KAFKA_SSL_CAFILE"),
        ssl_certfile=optional_file(env, "KAFKA_SSL_CERTFILE"),
        ssl_keyfile=optional_file(env, "KAFKA_SSL_KEYFILE"),
    )
    if protocol == "SSL" and kafka.ssl_cafile is None:
        raise SettingsError("KAFKA_SECURITY_PROTOCOL=SSL needs KAFKA_SSL_CAFILE; "
                            "set it to the CA that signed the broker.")
    if bool(kafka.ssl_certfile) != bool(kafka.ssl_keyfile):
        raise SettingsError("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together; set both or neither.")
    return kafka


@dataclass(frozen=True)
class HttpSettings:
    """Bounds of the HTTP server (conveyor_common.http): every resource a client can hold is capped."""

    port: int
    probe_port: int  # /healthz and /readyz on a listener of their own, for the kubelet (conveyor_common.http)
    threads: int  # handler threads; slow or idle clients hold none
    max_connections: int  # open sockets; at it the least recently active idle one is closed to make room
    max_connections_per_client: int  # open sockets of one client address; beyond it its idle ones are closed
    max_queued: int  # complete requests waiting for a thread; beyond it the answer is 503 with Retry-After
    backlog: int
    idle_timeout_s: int  # a connection with nothing arriving for this long is closed
    request_timeout_s: float  # a request still arriving after this long is answered 408 and closed
    max_body_bytes: int
    drain_s: float  # at stop, how long requests already taken may take to be answered


def load_http(env: Mapping[str, str], threads: int, max_body_bytes: int = 64 * 1024) -> HttpSettings:
    """HTTP_* settings; `threads` and `max_body_bytes` are the app's defaults."""
    port = integer(env, "HTTP_PORT", 8000, 1, 65535)
    probe_port = integer(env, "HTTP_PROBE_PORT", 8001, 1, 65535)
    if probe_port == port:
        raise SettingsError(f"HTTP_PROBE_PORT={probe_port} is HTTP_PORT too; give the probes a port of their own.")
    max_connections = integer(env, "HTTP_MAX_CONNECTIONS", 2000, 10, 100_000)
    return HttpSettings(
        port=port,
        probe_port=probe_port,
        threads=integer(env, "HTTP_THREADS", threads, 1, 256),
        max_connections=max_connections,
        max_connections_per_client=integer(env, "HTTP_MAX_CONNECTIONS_PER_CLIENT", min(64, max_connections), 1,
                                           max_connections),
        max_queued=integer(env, "HTTP_MAX_QUEUED", 64, 1, 100_000),
        backlog=integer(env, "HTTP_BACKLOG", 1024, 128, 65535),
        idle_timeout_s=integer(env, "HTTP_IDLE_TIMEOUT_S", 30, 1, 3600),
        request_timeout_s=real(env, "HTTP_REQUEST_TIMEOUT_S", 10, 0.5, 600),
        max_body_bytes=integer(env, "HTTP_MAX_BODY_BYTES", max_body_bytes, 1024, 64 * 1024 * 1024),
        drain_s=real(env, "HTTP_DRAIN_S", 3, 0, 60),
    )
