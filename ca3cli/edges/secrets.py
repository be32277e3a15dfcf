"""Generated secrets: strong random values kept in a git-ignored folder, one 0600 file each.

InfluxDB 2.9 cannot create an API token with a value chosen by the caller (only the setup token can be chosen;
`POST /api/v2/authorizations` has no token field, influxdata/influxdb#21385). So ca3 generates the admin password
and the setup (admin) token here, and the processor's write token and Grafana's read token are created by InfluxDB
itself at first start (templates/influxdb/influxdb-init-configmap.yaml.j2) and stored into the `influxdb-auth`
Secret from inside the pod.
"""

from __future__ import annotations

import base64
import os
import secrets as random
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ca3cli.core import template_values as names
from ca3cli.core.errors import SecretsError

SECRETS_DIR = Path(".ca3") / "secrets"
RENDERED_SECRETS_DIR = Path(".ca3") / "rendered-secrets"


def folder_for(config: Path) -> Path:
    """The secrets folder that belongs to a ca3.yaml: next to it, under .ca3/secrets/."""
    return config.parent / SECRETS_DIR


def rendered_folder_for(config: Path) -> Path:
    """Where `ca3 render --include-secrets` writes Secret manifests: git-ignored, next to ca3.yaml."""
    return config.parent / RENDERED_SECRETS_DIR


def _token() -> str:
    """64 random bytes, URL-safe: the strength of a token InfluxDB generates itself."""
    return random.token_urlsafe(64)


def _password() -> str:
    """32 random bytes, URL-safe (43 characters): no shell or YAML quoting problems."""
    return random.token_urlsafe(32)


def kraft_cluster_id() -> str:
    """A KRaft cluster id as `kafka-storage random-uuid` prints it: base64url of 16 random bytes, no padding.

    Like Kafka's own Uuid.randomUuid, ids starting with '-' are avoided because command lines would read them as flags.
    """
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not value.startswith("-"):
            return value


@dataclass(frozen=True)
class Spec:
    """One generated value: its file name, how it is made, and whether `--rotate` replaces it."""

    name: str
    generate: Callable[[], str]
    rotates: bool = True


# The KRaft cluster id names the cluster's on-disk data; changing it makes existing volumes unusable, so it never
# rotates.
SPECS: tuple[Spec, ...] = (
    Spec(names.INFLUXDB_ADMIN_PASSWORD, _password),
    Spec(names.INFLUXDB_ADMIN_TOKEN, _token),
    Spec(names.GRAFANA_ADMIN_PASSWORD, _password),
    Spec(names.GRAFANA_RENDERER_TOKEN, _token),
    Spec(names.KAFKA_CLUSTER_ID, kraft_cluster_id, rotates=False),
)


def _write(path: Path, value: str) -> None:
    """Write one secret file readable by the owner only, without a window where it is wider."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    os.chmod(path, 0o600)


def ensure(folder: Path, rotate: bool = False) -> tuple[list[str], list[str]]:
    """Create missing secrets (and with `rotate`, replace the rotatable ones); return (created, kept) names."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    created, kept = [], []
    for spec in SPECS:
        path = folder / spec.name
        if path.exists() and not (rotate and spec.rotates):
            os.chmod(path, 0o600)
            kept.append(spec.name)
            continue
        _write(path, spec.generate())
        created.append(spec.name)
    return created, kept


def load(folder: Path) -> dict[str, str]:
    """Read every generated secret; a missing or loose one is an error that says how to fix it."""
    if not folder.is_dir():
        raise SecretsError(f"No generated secrets in {folder}. Run `ca3 init` first.")
    values = {}
    for spec in SPECS:
        path = folder / spec.name
        if not path.is_file():
            raise SecretsError(f"Secret {path} is missing. Run `ca3 init` to generate it (existing ones are kept).")
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise SecretsError(f"Secret {path} is readable by other users. Run `chmod 600 {path}`.")
        values[spec.name] = path.read_text().strip()
    return values

