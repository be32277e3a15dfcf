"""Write ca3.yaml from the settings model itself, so the file's keys, defaults and comments cannot drift from it."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

import yaml

from ca3cli.settings import Settings

HEADER = (
    "# ca3 settings. Every key is optional: a missing key takes the default shown here.\n"
    "# Any key can be overridden from the environment: CA3_<SECTION>_<KEY> in upper case,\n"
    "# e.g. CA3_IMAGES_TAG=0.2.0 or CA3_KAFKA_RESOURCES_CPU_LIMIT=2.\n"
    "# Secrets are not kept here: `ca3 init` generates them into .ca3/secrets/ (git-ignored).\n"
)


def _scalar(value: Any) -> str:
    """One YAML scalar exactly as yaml.safe_load reads it back."""
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def _allowed(hint: Any) -> str:
    if typing.get_origin(hint) is Literal:
        return " Allowed: " + ", ".join(typing.get_args(hint)) + "."
    return ""


def _lines(obj: Any, indent: int) -> list[str]:
    """The commented YAML lines of one settings object, nested sections indented under their key."""
    pad = " " * indent
    hints = typing.get_type_hints(type(obj))
    lines: list[str] = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        doc = f.metadata.get("doc", "") + _allowed(hints[f.name])
        if dataclasses.is_dataclass(value):
            lines += [f"{pad}# {doc}", f"{pad}{f.name}:", *_lines(value, indent + 2)]
        else:
            lines += [f"{pad}# {doc}", f"{pad}{f.name}: {_scalar(value)}"]
    return lines


def render(settings: Settings | None = None) -> str:
    """The text of a commented ca3.yaml holding `settings` (the defaults when None)."""
    return HEADER + "\n".join(_lines(settings or Settings(), 0)) + "\n"
