"""Turn raw ca3.yaml or environment values into typed, frozen dataclasses, naming the key of any bad value."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal, Mapping

from ca3cli.errors import ConfigError

FIX = "Fix it in ca3.yaml or in the CA3_* environment variable that sets it."
TYPE_NAMES = {int: "a whole number", float: "a number", str: "a string"}


def _coerce(key: str, hint: Any, value: Any, default: Any) -> Any:
    """Convert one raw value (YAML or environment string) to the annotated type, or raise a ConfigError."""
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise ConfigError(f"`{key}` must be a mapping of settings, not {value!r}. {FIX}")
        return build(hint, value, key, default)
    if typing.get_origin(hint) is Literal:
        allowed = typing.get_args(hint)
        if value not in allowed:
            raise ConfigError(f"`{key}` is {value!r}; allowed: {', '.join(allowed)}. {FIX}")
        return value
    if hint is bool:
        return _to_bool(key, value)
    if hint in (int, float):
        return _to_number(key, hint, value)
    if isinstance(value, (dict, list)):
        _fail(key, hint, value)
    return "" if value is None else str(value)


def _to_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.lower() in ("true", "1", "yes")
    raise ConfigError(f"`{key}` must be true or false, not {value!r}. {FIX}")


def _to_number(key: str, hint: type, value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        _fail(key, hint, value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        _fail(key, hint, value)
    if hint is int and not number.is_integer():
        _fail(key, hint, value)
    return int(number) if hint is int else number


def _fail(key: str, hint: Any, value: Any) -> typing.NoReturn:
    raise ConfigError(f"`{key}` must be {TYPE_NAMES.get(hint, hint.__name__)}, not {value!r}. {FIX}")


def build(cls: type, raw: Mapping[str, Any], prefix: str = "", base: Any = None) -> Any:
    """Build `cls` from `raw`, starting from `base` (the field's own default) so a partial section keeps the rest."""
    base = cls() if base is None else base
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        where = f"`{prefix}`" if prefix else "the top level"
        raise ConfigError(
            f"Unknown setting {', '.join(f'`{k}`' for k in unknown)} in {where}; known: {', '.join(sorted(names))}. "
            "Fix the name in ca3.yaml."
        )
    values = {
        name: _coerce(f"{prefix}.{name}".lstrip("."), hints[name], raw[name], getattr(base, name))
        for name in names
        if name in raw
    }
    return dataclasses.replace(base, **values)
