"""`CA3_<SECTION>_<KEY>` environment variables (any depth) as overrides shaped like ca3.yaml, each with its origin.

A variable under a known section that names no key (`CA3_KAFKA_PARTITONS`) is a typo and an error, because
ignoring it would deploy something else than the user asked for; any other unknown `CA3_*` variable belongs to
something else and is only reported, so it never stops a command.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ca3cli.core.errors import ConfigError
from ca3cli.core.settings_errors import Key, Origin

PREFIX = "CA3_"
RESERVED = ("CA3_CONFIG", "CA3_HOME")  # options of the CLI itself, not settings


@dataclass(frozen=True)
class Overrides:
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[Key, Origin] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()  # unrelated CA3_* variables, to warn about


def _section(info: Any) -> type[BaseModel] | None:
    annotation = info.annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _path(model: type[BaseModel], rest: str) -> list[str] | None:
    """Split a lower-cased tail like `kafka_resources_cpu_limit` into field names of `model`, or None."""
    for name in sorted(model.model_fields, key=len, reverse=True):
        section = _section(model.model_fields[name])
        if rest == name and section is None:
            return [name]
        if section is not None and rest.startswith(name + "_"):
            tail = _path(section, rest[len(name) + 1:])
            if tail:
                return [name, *tail]
    return None


def _leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every settable variable name tail under `model` (`kafka_resources_cpu_limit`, ...)."""
    names = []
    for name, info in model.model_fields.items():
        section = _section(info)
        names += _leaves(section, f"{prefix}{name}_") if section else [f"{prefix}{name}"]
    return names


def _typo(name: str, model: type[BaseModel]) -> ConfigError:
    close = difflib.get_close_matches(name[len(PREFIX):].lower(), _leaves(model), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(PREFIX + c.upper() for c in close)}? " if close else ""
    return ConfigError(f"Environment variable {name} names no setting ({hint}settings are CA3_<SECTION>_<KEY> as "
                       f"in ca3.yaml, e.g. CA3_KAFKA_PARTITIONS). Rename {name} or unset it.")


def overrides(environ: Mapping[str, str], model: type[BaseModel]) -> Overrides:
    """The CA3_* variables of `environ` as a nested mapping, where each value came from, and the unrelated ones."""
    found = Overrides()
    ignored = []
    sections = [name for name, info in model.model_fields.items() if _section(info)]
    for name, value in sorted(environ.items()):
        if not name.startswith(PREFIX) or name in RESERVED:
            continue
        tail = name[len(PREFIX):].lower()
        path = _path(model, tail)
        if path is None:
            if any(tail.startswith(section + "_") for section in sections):
                raise _typo(name, model)
            ignored.append(name)
            continue
        node = found.values
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
        found.origins[tuple(path)] = Origin.variable(name)
    return Overrides(found.values, found.origins, tuple(ignored))


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `over` laid on top, section by section (a later source wins key by key)."""
    merged = dict(base)
    for key, value in over.items():
        both = isinstance(value, Mapping) and isinstance(merged.get(key), Mapping)
        merged[key] = merge(merged[key], value) if both else value
    return merged
