"""The in-cluster objects of a load test, from the templates: the load Job and its NetworkPolicy, the autoscalers.

Every name the load test uses (Job, policy, producer Service and port, HPAs) is read from rendered manifests, so it
cannot drift from what `ca3 deploy` creates.
"""

from __future__ import annotations

from typing import Any

import yaml

from ca3cli.core import registry, render, template_values
from ca3cli.core.settings import Settings
from ca3cli.operations.loadtest.model import Request

LOAD_TEMPLATES = ("loadtest/load-generator-job.yaml.j2", "loadtest/load-generator-networkpolicy.yaml.j2")
PRODUCER_SERVICE = "producer/producer-service.yaml.j2"
AUTOSCALED = 6  # the milestone whose manifests hold both autoscalers


def _render(template: str, settings: Settings, **values: Any) -> dict[str, Any]:
    text = render.environment().get_template(template).render(
        settings=settings, milestone=AUTOSCALED, features=registry.features(settings, AUTOSCALED), **values)
    return next(doc for doc in yaml.safe_load_all(text) if doc)


def producer_ingest(settings: Settings) -> tuple[str, int, str]:
    """(Service name, Service port, pod port) of the producer's HTTP ingest, from its rendered Service."""
    service = _render(PRODUCER_SERVICE, settings)
    port = service["spec"]["ports"][0]
    return service["metadata"]["name"], int(port["port"]), port["targetPort"]


def load_objects(settings: Settings, request: Request) -> list[dict[str, Any]]:
    """The load generator's Job and NetworkPolicy for this request, as objects ready to apply."""
    name, port, pod_port = producer_ingest(settings)
    load = {"target": f"http://{name}:{port}", "port": pod_port, "rate": f"{request.rate:g}",
            "duration_s": int(request.duration_s), "ramp_s": int(request.ramp_s)}
    return [_render(template, settings, load=load) for template in LOAD_TEMPLATES]


def hpa_name(obj: dict[str, Any]) -> str | None:
    """The HPA an object is or makes: an HPA's own name, a KEDA ScaledObject's HPA (`keda-hpa-<name>` by default)."""
    if obj["kind"] == "HorizontalPodAutoscaler":
        return str(obj["metadata"]["name"])
    if obj["kind"] == "ScaledObject":
        config = obj["spec"].get("advanced", {}).get("horizontalPodAutoscalerConfig", {})
        return str(config.get("name") or f"keda-hpa-{obj['metadata']['name']}")
    return None


def hpa_names(settings: Settings) -> tuple[str, ...]:
    """The HorizontalPodAutoscalers milestone 6 deploys: the producer's and the processor's (CPU or KEDA)."""
    manifests = render.render(settings, template_values.placeholders(), AUTOSCALED)
    return tuple(name for m in manifests for doc in m.documents if (name := hpa_name(doc)) is not None)


def ref(obj: dict[str, Any]) -> str:
    """`kind/name` as kubectl takes it (`job/load-generator`)."""
    return f"{obj['kind'].lower()}/{obj['metadata']['name']}"
