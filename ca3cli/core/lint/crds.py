"""Strict schemas for the custom resources ca3 can render, which kubernetes-validate does not know.

Only KEDA's ScaledObject (keda.sh/v1alpha1, checked against KEDA 2.20's CRD): the fields ca3 sets and their
neighbours, every level closed (`additionalProperties: false`) like the strict built-in schemas.
"""

from __future__ import annotations

from typing import Any


def _closed(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


INT = {"type": "integer"}
STRING = {"type": "string"}
_RULES = _closed({
    "stabilizationWindowSeconds": {"type": "integer", "minimum": 0, "maximum": 3600},
    "selectPolicy": {"enum": ["Max", "Min", "Disabled"]},
    "policies": {"type": "array", "items": _closed(
        {"type": {"enum": ["Pods", "Percent"]}, "value": INT, "periodSeconds": INT},
        ("type", "value", "periodSeconds"))},
    "tolerance": {"type": ["string", "number"]},
})
_SPEC = _closed({
    "scaleTargetRef": _closed({"apiVersion": STRING, "kind": STRING, "name": {"type": "string", "minLength": 1},
                               "envSourceContainerName": STRING}, ("name",)),
    "minReplicaCount": {"type": "integer", "minimum": 0},
    "maxReplicaCount": {"type": "integer", "minimum": 1},
    "pollingInterval": {"type": "integer", "minimum": 1},
    "cooldownPeriod": INT,
    "idleReplicaCount": INT,
    "initialCooldownPeriod": INT,
    "advanced": _closed({
        "restoreToOriginalReplicaCount": {"type": "boolean"},
        "horizontalPodAutoscalerConfig": _closed({"name": STRING, "behavior": _closed(
            {"scaleUp": _RULES, "scaleDown": _RULES})}),
    }),
    "triggers": {"type": "array", "minItems": 1, "items": _closed({
        "type": {"type": "string", "minLength": 1}, "name": STRING, "metricType": STRING,
        "useCachedMetrics": {"type": "boolean"},
        "metadata": {"type": "object", "additionalProperties": STRING},
        "authenticationRef": _closed({"name": STRING, "kind": STRING}, ("name",)),
    }, ("type", "metadata"))},
}, ("scaleTargetRef", "triggers"))

SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("keda.sh/v1alpha1", "ScaledObject"): _closed(
        {"apiVersion": STRING, "kind": STRING, "metadata": {"type": "object"}, "spec": _SPEC},
        ("apiVersion", "kind", "metadata", "spec")),
}
