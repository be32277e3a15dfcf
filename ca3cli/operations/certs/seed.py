"""The seed's k8s/tls/ files (milestones 7 and 8): entry-point scripts to `ca3 certs` and Secret templates with
placeholders, shipped as package data and written next to the rendered manifests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ca3cli.edges.output import RECORD

FILES = {
    "tls_influxdb": ("generate-influxdb-certs.sh", "influxdb-tls-secret.yaml.template"),
    "tls_kafka": ("generate-kafka-certs.sh", "kafka-tls-secret.yaml.template"),
}
FOLDER = "tls"


def seed_files(features: dict[str, bool]) -> list[str]:
    """The seed files the switched-on TLS features call for."""
    return [name for feature, names in FILES.items() if features.get(feature) for name in names]


def write(out: Path, features: dict[str, bool]) -> list[Path]:
    """Copy them into out/tls/ (scripts executable) and add them to the render's record, so a later render of a
    lower milestone removes them like the manifests (ca3cli/edges/output.py); return the paths written."""
    written = []
    source = resources.files("ca3cli.operations.certs") / "seed"
    for name in seed_files(features):
        target = out / FOLDER / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((source / name).read_bytes())
        target.chmod(0o755 if name.endswith(".sh") else 0o644)
        written.append(target)
    if written:
        with (out / RECORD).open("a") as record:
            record.writelines(f"{path.relative_to(out)}\n" for path in written)
    return written
