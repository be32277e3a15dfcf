"""kubectl's watch stream as data: `kubectl get <kind> --watch --output-watch-events -o json` prints one indented
JSON document per event, `{"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR, "object": ...}` (the watch API's
WatchEvent); splitting that stream into events and applying them to a state keyed by UID are pure, so recorded
streams test them."""

from __future__ import annotations

import json
from typing import Any

Objects = dict[str, dict[str, Any]]  # uid (or name) -> the object as the latest event carried it


def split_documents(buffer: str) -> tuple[list[Any], str]:
    """The complete JSON documents at the start of `buffer` and the rest, a document still being written."""
    decoder, at = json.JSONDecoder(), 0
    found: list[Any] = []
    while True:
        while at < len(buffer) and buffer[at].isspace():
            at += 1
        if at == len(buffer):
            return found, ""
        try:
            document, at = decoder.raw_decode(buffer, at)
        except json.JSONDecodeError:
            return found, buffer[at:]
        found.append(document)


def key(obj: dict[str, Any]) -> str:
    """An object's identity: its UID (a replacement of the same name is another object), else its name."""
    meta = obj.get("metadata") or {}
    return str(meta.get("uid") or meta.get("name", ""))


def apply(objects: Objects, event: Any) -> bool:
    """Apply one watch event to `objects`; whether they changed. BOOKMARK events (only a resourceVersion) and ERROR
    events (an expired watch says 410 Gone, its object a Status) change nothing: the watch ends after an ERROR and
    the reader's next one lists again."""
    if not isinstance(event, dict):
        return False
    kind, obj = event.get("type"), event.get("object") or {}
    if kind == "DELETED":
        return objects.pop(key(obj), None) is not None
    if kind in ("ADDED", "MODIFIED") and obj.get("kind") != "Status":
        objects[key(obj)] = obj
        return True
    return False


def ordered(objects: Objects) -> tuple[dict[str, Any], ...]:
    """The objects by name, as a listing orders them."""
    return tuple(sorted(objects.values(), key=lambda o: str((o.get("metadata") or {}).get("name", ""))))
