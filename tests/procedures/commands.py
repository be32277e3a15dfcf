"""An independent reader of the procedures' commands: every kubectl line must name objects, labels and containers
that the rendered manifests of the same milestone hold. Written from kubectl's command-line grammar, not from
ca3cli.operations.procedures, so a name made up there is caught here."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import Any

from ca3cli.core.render import Manifest

# kubectl's names for the kinds the procedures may point at.
KINDS = {
    "deployment": "Deployment", "statefulset": "StatefulSet", "daemonset": "DaemonSet", "svc": "Service",
    "service": "Service", "endpoints": "Service", "hpa": "HorizontalPodAutoscaler", "scaledobject": "ScaledObject",
    "pdb": "PodDisruptionBudget", "networkpolicy": "NetworkPolicy", "secret": "Secret", "configmap": "ConfigMap",
}
# Listing these needs no name (nodes are the cluster's, pvc and events are made by controllers).
UNNAMED = {"pods", "nodes", "node", "events", "pvc", "networkpolicy"}
PLACEHOLDER = re.compile(r"<[a-z]+>")


def shell_blocks(markdown: str) -> list[str]:
    """Each line of every ```sh block."""
    lines, inside = [], False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            inside = stripped == "```sh"
            continue
        if inside and stripped:
            lines.append(stripped)
    return lines


def _objects(manifests: Iterable[Manifest]) -> list[dict[str, Any]]:
    return [doc for manifest in manifests for doc in manifest.documents]


def _pod_templates(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d["spec"]["template"] for d in docs if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]


def problems(line: str, namespace: str, manifests: Iterable[Manifest]) -> list[str]:
    """What in one kubectl command line the manifests do not hold (empty: every name is real)."""
    docs = _objects(manifests)
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    words = shlex.split(line.rstrip(" &"))
    if words[0] != "kubectl":
        return []
    found: list[str] = []
    if "-n" in words and words[words.index("-n") + 1] != namespace:
        found.append(f"namespace {words[words.index('-n') + 1]} is not {namespace}")
    templates = _pod_templates(docs)
    selected = templates
    if "-l" in words:
        wanted = dict(pair.split("=", 1) for pair in words[words.index("-l") + 1].split(","))
        selected = [t for t in templates if wanted.items() <= t["metadata"]["labels"].items()]
        if not selected:
            found.append(f"no pod template carries labels {wanted}")
    for word in words:
        match = re.fullmatch(r"([a-z]+)/([a-z0-9.-]+)", word)
        if not match:
            continue
        kind, name = match.groups()
        if kind == "pod":
            ordinal = re.fullmatch(r"(.+)-(\d+)", name)
            owner = ordinal and next((d for d in docs if d["kind"] == "StatefulSet"
                                      and d["metadata"]["name"] == ordinal.group(1)), None)
            if not (ordinal and owner and int(ordinal.group(2)) < owner["spec"]["replicas"]):
                found.append(f"pod {name} is no StatefulSet pod that exists")
            continue
        if (KINDS.get(kind, "?"), name) not in names:
            found.append(f"{word} is not rendered")
        elif KINDS[kind] in ("Deployment", "StatefulSet", "DaemonSet"):
            selected = [d["spec"]["template"] for d in docs if (d["kind"], d["metadata"]["name"]) == (KINDS[kind],
                                                                                                      name)]
    if "-c" in words:
        container = words[words.index("-c") + 1]
        if not any(container in [c["name"] for c in t["spec"]["containers"]] for t in selected):
            found.append(f"container {container} is in none of the selected pods")
    verb_at = 3 if words[1] == "-n" else 1
    if words[verb_at] in ("get", "describe", "delete") and len(words) > verb_at + 1:
        resource = words[verb_at + 1]
        listed = [w for w in words[verb_at + 2:] if not w.startswith("-") and "/" not in w
                  and not PLACEHOLDER.search(w)]
        if resource in KINDS:
            flags_with_values = {words[i + 1] for i, w in enumerate(words[:-1]) if w.startswith("-")}
            found += [f"{resource} {name} is not rendered" for name in listed
                      if name not in flags_with_values and (KINDS[resource], name) not in names]
        elif resource not in UNNAMED and "/" not in resource:
            found.append(f"kubectl {words[verb_at]} {resource}: not a kind the procedures may name")
    return found
