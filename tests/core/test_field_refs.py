"""Every downward-API `fieldRef` is rendered with its `apiVersion: v1`: the API server fills it in when it is left out,
so a manifest without it never equals the live object and some server versions rewrite the workload on every
unchanged redeploy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ca3cli.core import registry, render, template_values
from ca3cli.core.settings import parse


def field_refs(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "fieldRef" in node:
            yield node["fieldRef"]
        for value in node.values():
            yield from field_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from field_refs(value)


@pytest.mark.parametrize("agent", ["promtail", "alloy"])
def test_every_rendered_field_ref_names_api_version_v1(agent: str) -> None:
    settings = parse({"observability": {"log_agent": agent}})
    docs = [d for m in render.render(settings, template_values.placeholders(), registry.HIGHEST) for d in m.documents]
    refs = [ref for doc in docs for ref in field_refs(doc)]
    assert len(refs) >= 4  # the producer's and Kafka's pod name, Kafka's ordinal, the agent's node name
    assert {ref.get("apiVersion") for ref in refs} == {"v1"}, refs
