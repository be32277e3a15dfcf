"""The certificates as template values: what the TLS Secrets, the CA ConfigMap and their consumers render from.

The values travel in the same mapping as the generated secrets (render's `secrets`), so the run log redacts the
keys like every other secret; a render of a TLS milestone without fitting certificates stops here with one sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ca3cli.core import registry
from ca3cli.core.errors import CertsError, ConfigError
from ca3cli.core.template_values import CA_VALUE, cert_value, key_value, tls_placeholders
from ca3cli.operations.certs import store
from ca3cli.operations.certs.names import needed, wanted

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings

def refuse_unsupported(settings: Settings, features: dict[str, bool]) -> None:
    """KEDA's Kafka scaler is configured for plaintext only; it would lose the lag once Kafka is TLS-only."""
    if features["tls_kafka"] and features["keda"]:
        raise ConfigError("autoscaling.processor: keda cannot read consumer lag from Kafka over TLS in this version "
                          "of ca3; set `autoscaling.processor: cpu` or `tls.kafka: false` in ca3.yaml.")


def values(folder: Path, settings: Settings, milestone: int, keys: bool) -> dict[str, str]:
    """Template values for milestones 1..`milestone`: real certificates where TLS is on (keys only with `keys`),
    placeholders elsewhere; CertsError ending in "run `ca3 certs` first" when files are missing or stale."""
    features = registry.features(settings, registry.check_milestone(milestone))
    specs = needed(settings, features)
    result = tls_placeholders()
    if not specs:
        return result
    refuse_unsupported(settings, features)
    stale = store.missing_or_stale(folder, specs)
    if stale:
        raise CertsError(f"{registry.span(milestone).capitalize()} need TLS certificates that {folder}/ does not "
                         f"hold or that no longer fit ca3.yaml ({', '.join(stale)}): run `ca3 certs` first.")
    for name in [store.CA] + [spec.name for spec in specs]:
        pair = store.read(folder, name)
        if pair is None:  # checked just above; a file removed in between is the same problem
            raise CertsError(f"{store.cert_path(folder, name)} disappeared: run `ca3 certs` first.")
        result[CA_VALUE if name == store.CA else cert_value(name)] = pair.cert_pem.decode()
        if keys and name != store.CA:
            result[key_value(name)] = pair.key_pem.decode()
    return result


def key_texts(folder: Path, settings: Settings) -> list[str]:
    """Every private key `ca3 certs` keeps for these settings (CA included): what logs and output must never show."""
    pairs = [store.read(folder, name) for name in [store.CA] + [spec.name for spec in wanted(settings)]]
    return [pair.key_pem.decode() for pair in pairs if pair is not None]
