"""What the TLS tests share: settings with replicas and mutual TLS chosen, certificates issued by ca3's own code,
and the rendered objects of a milestone with those certificates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ca3cli.core import render, template_values
from ca3cli.core.settings import Settings
from ca3cli.operations.certs import objects, store


def settings_with(replicas: int = 1, client_auth: str = "none", **tls: Any) -> Settings:
    return Settings.model_validate({"kafka": {"replicas": replicas},
                                    "tls": {"kafka_client_auth": client_auth, **tls}})


def issued(folder: Path, settings: Settings) -> Path:
    """`folder` holding what `ca3 certs` issues for `settings`."""
    store.ensure(folder, settings)
    return folder


def rendered(settings: Settings, milestone: int, folder: Path | None = None) -> list[render.Manifest]:
    """Milestones 1..N with real certificates from `folder` (keys included), else placeholders."""
    values = {**template_values.placeholders()}
    if folder is not None:
        values |= objects.values(folder, settings, milestone, keys=True)
    return render.render(settings, values, milestone)


def docs(manifests: list[render.Manifest], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for m in manifests for d in m.documents if d["kind"] == kind}


def container(doc: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]["containers"][index]


def env(doc: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v.get("value", "") for v in container(doc).get("env", [])}
