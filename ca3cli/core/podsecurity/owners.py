"""Who set the namespace's Pod Security labels, read from its managedFields.

Server-side apply refuses to change a field that another field manager set to another value (a conflict), and
kubectl's text for it suggests a `--force-conflicts` that ca3 does not offer. So preflight reads the live namespace's
managedFields first and names, per label, who set it and what ca3 needs instead; `--take-over-labels` makes ca3
their owner. Labels another manager set to the value ca3 wants are shared, not a conflict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ca3cli.core.kubeobjects import ManagedFieldsEntry, Namespace
from ca3cli.core.podsecurity.namespace import LABEL_PREFIX


@dataclass(frozen=True)
class ForeignLabel:
    """A Pod Security label another field manager set to a value other than the one ca3 applies."""

    key: str
    value: str  # live ("" when the label is gone but still owned)
    wanted: str
    managers: tuple[str, ...]  # e.g. `kubectl-label` (Update)

    def __str__(self) -> str:
        mode = self.key.removeprefix(LABEL_PREFIX)
        return f"{mode}={self.value or '(unset)'} set by {', '.join(self.managers)} (ca3 needs {mode}={self.wanted})"


def _manager(entry: ManagedFieldsEntry) -> str:
    return f"`{entry.get('manager') or '(unnamed)'}` ({entry.get('operation') or '?'})"


def foreign_labels(namespace: Namespace | None, wanted: Mapping[str, str], manager: str) -> list[ForeignLabel]:
    """The Pod Security labels of a live namespace (`kubectl get --show-managed-fields -o json`) that a manager other
    than `manager` owns with a value other than `wanted`'s; empty when the namespace does not exist yet."""
    if not namespace:
        return []
    meta = namespace["metadata"]
    live = meta.get("labels") or {}
    owners: dict[str, list[str]] = {}
    for entry in meta.get("managedFields") or []:
        if entry.get("manager") == manager:
            continue
        labels = ((entry.get("fieldsV1") or {}).get("f:metadata") or {}).get("f:labels") or {}
        for field in labels:
            key = field.removeprefix("f:")
            if field.startswith("f:" + LABEL_PREFIX) and key in wanted:
                owners.setdefault(key, []).append(_manager(entry))
    return [ForeignLabel(key, live.get(key, ""), wanted[key], tuple(found)) for key, found in sorted(owners.items())
            if live.get(key) != wanted[key]]


# kubectl's first line for a server-side apply conflict, and the fields it lists (one per line, or after the colon).
CONFLICT = re.compile(r"Apply failed with \d+ conflicts?: (.*?)(?:\nPlease review the fields above|\Z)", re.S)


def conflict_fields(stderr: str) -> list[str]:
    """The `conflict with "manager" ...: .field` lines of kubectl's server-side apply conflict, without its advice
    (which names a `--force-conflicts` ca3 does not have); empty when `stderr` is not a conflict."""
    found = CONFLICT.search(stderr)
    if not found:
        return []
    return [line.strip().removeprefix("- ") for line in found.group(1).splitlines() if line.strip()]
