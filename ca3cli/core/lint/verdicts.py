"""A key per rendered object and Kubernetes version for "passed the strict schema": the same content at the same
version passes or fails the same schemas, so a verdict kept by key (ca3cli/edges/lint_verdicts.py, one set per
version of the validators) stands for a validation of exactly that object. Pure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def _typed(value: Any) -> Any:
    """`value` with every scalar tagged by its type, so content that prints alike but validates differently (the
    string "1" and the number 1, a date and its text) never shares a key."""
    if isinstance(value, Mapping):
        return ["map", sorted([_typed(name), _typed(item)] for name, item in value.items())]
    if isinstance(value, list | tuple):
        return ["list", [_typed(item) for item in value]]
    return [type(value).__name__, repr(value)]


def keys(doc: Mapping[str, Any], versions: tuple[str, ...]) -> list[str]:
    """For each Kubernetes version, the SHA-256 of that version and the object's typed content."""
    content = hashlib.sha256(json.dumps(_typed(doc), separators=(",", ":")).encode()).hexdigest()
    return [hashlib.sha256(f"{version}\0{content}".encode()).hexdigest() for version in versions]
