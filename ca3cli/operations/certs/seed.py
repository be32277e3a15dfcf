"""The seed's k8s/tls/ files (milestones 7 and 8): entry-point scripts to `ca3 certs` and Secret templates with
placeholders, shipped as package data and written next to the rendered manifests."""

from __future__ import annotations

from importlib import resources
from pathlib import PurePosixPath

from ca3cli.edges import files
from ca3cli.edges.output import Extra

FILES = {
    "tls_influxdb": ("generate-influxdb-certs.sh", "influxdb-tls-secret.yaml.template"),
    "tls_kafka": ("generate-kafka-certs.sh", "kafka-tls-secret.yaml.template"),
}
FOLDER = "tls"


def seed_files(features: dict[str, bool]) -> list[str]:
    """The seed files the switched-on TLS features call for."""
    return [name for feature, names in FILES.items() if features.get(feature) for name in names]


def extras(features: dict[str, bool]) -> list[Extra]:
    """Those files as extras of the render (scripts executable), so they are recorded with the manifests and a
    later render of a lower milestone removes them like the manifests (ca3cli/edges/output.py)."""
    source = resources.files("ca3cli.operations.certs") / "seed"
    return [Extra(PurePosixPath(FOLDER, name), (source / name).read_bytes(),
                  files.EXECUTABLE if name.endswith(".sh") else files.PUBLIC_FILE)
            for name in seed_files(features)]
