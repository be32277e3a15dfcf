"""Generated secrets: strong random values kept in a git-ignored folder, one 0600 file each.

InfluxDB 2.9 cannot create an API token with a value chosen by the caller (only the setup token can be chosen;
`POST /api/v2/authorizations` has no token field, influxdata/influxdb#21385). So ca3 generates the admin password
and the setup (admin) token here, and the processor's write token and Grafana's read token are created by InfluxDB
itself at first start (templates/influxdb/influxdb-init-configmap.yaml.j2) and stored into the `influxdb-auth`
Secret from inside the pod (and again by deploy when that Secret lost them, ca3cli/operations/influxdb_tokens.py).
"""

from __future__ import annotations

import base64
import re
import secrets as random
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ca3cli.core import template_values as names
from ca3cli.core.errors import SecretsError
from ca3cli.edges import files

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


URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Spec:
    """One generated value: its file name, how it is made, its shortest whole length (what ca3 generates, so a file
    cut short by a crash is seen), its exact length when it has one, and whether `--rotate` replaces it."""

    name: str
    generate: Callable[[], str]
    min_length: int
    exact: bool = False
    rotates: bool = True


# The KRaft cluster id names the cluster's on-disk data; changing it makes existing volumes unusable, so it never
# rotates. Lengths: token_urlsafe(32) is 43 characters, token_urlsafe(64) 86, a KRaft id 22.
SPECS: tuple[Spec, ...] = (
    Spec(names.INFLUXDB_ADMIN_PASSWORD, _password, 43),
    Spec(names.INFLUXDB_ADMIN_TOKEN, _token, 86),
    Spec(names.GRAFANA_ADMIN_PASSWORD, _password, 43),
    Spec(names.GRAFANA_RENDERER_TOKEN, _token, 86),
    Spec(names.KAFKA_CLUSTER_ID, kraft_cluster_id, 22, exact=True, rotates=False),
)


def damage(spec: Spec, data: bytes) -> str | None:
    """Why `data` is not a whole value of `spec` (completing "the file is ..."), or None when it is one."""
    try:
        value = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return "not UTF-8 text"
    if not value:
        return "empty"
    if not URL_SAFE.fullmatch(value):
        return "not made of the URL-safe characters ca3 generates"
    if len(value) < spec.min_length or (spec.exact and len(value) != spec.min_length):
        return f"{len(value)} characters long instead of {spec.min_length}"
    return None


@dataclass
class Ensured:
    """What `ensure` did, by file name; `repaired` maps a damaged file that was generated again to what was wrong."""

    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    repaired: dict[str, str] = field(default_factory=dict)


def ensure(folder: Path, rotate: bool = False) -> Ensured:
    """Create missing or damaged secrets (and with `rotate`, replace the rotatable ones); each file is replaced
    whole (a temporary file, fsync, rename) with mode 0600 in a 0700 folder, so a crash leaves the old value or the
    new one, never an empty one."""
    files.private_folder(folder)
    ensured = Ensured()
    for spec in SPECS:
        data = files.read(folder, spec.name)
        broken = damage(spec, data) if data is not None else None
        if data is not None and broken is None and not (rotate and spec.rotates):
            files.set_mode(folder, spec.name, files.PRIVATE_FILE)
            ensured.kept.append(spec.name)
            continue
        files.write(folder, spec.name, spec.generate(), mode=files.PRIVATE_FILE)
        if broken is not None:
            ensured.repaired[spec.name] = broken
        ensured.created.append(spec.name)
    return ensured


def load(folder: Path) -> dict[str, str]:
    """Read every generated secret; a missing, loose or damaged one is an error that says how to fix it."""
    if not folder.is_dir():
        raise SecretsError(f"No generated secrets in {folder}. Run `ca3 init` first.")
    values = {}
    for spec in SPECS:
        path = folder / spec.name
        data = files.read(folder, spec.name)
        if data is None:
            raise SecretsError(f"Secret {path} is missing. Run `ca3 init` to generate it (existing ones are kept).")
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise SecretsError(f"Secret {path} is readable by other users. Run `chmod 600 {path}`.")
        broken = damage(spec, data)
        if broken is not None:
            raise SecretsError(f"Secret {path} is {broken}, as a crash or a full disk can leave it: run `ca3 init`, "
                               "which generates it again, then deploy again.")
        values[spec.name] = data.decode("utf-8").strip()
    return values
