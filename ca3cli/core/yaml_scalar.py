"""One value as one YAML scalar, written by the YAML emitter rather than pasted, so nothing in it becomes structure."""

from __future__ import annotations

import functools

import yaml


@functools.lru_cache(maxsize=4096, typed=True)  # a render asks for the same settings many times; True is not 1
def yaml_scalar(value: str | float | bool, quoted: bool = True) -> str:
    """`value` as a one-line YAML scalar that yaml.safe_load reads back as exactly `value`.

    Strings are double-quoted by default (the manifests' filter), so a value like `no`, `1:30` or `null` stays text;
    `quoted=False` lets the emitter choose, quoting only when needed (the readable ca3.yaml that `ca3 init` writes),
    and double-quotes with escapes whatever would span lines.
    """
    if not isinstance(value, (str, int, float)):  # bool is an int
        raise TypeError(f"yaml_scalar takes a string, number or boolean, not {type(value).__name__}")
    text = _dump(value, '"' if quoted and isinstance(value, str) else None)
    return text if "\n" not in text else _dump(value, '"')  # a multi-line plain or '' form: escape instead


def _dump(value: str | float | bool, style: str | None) -> str:
    text = yaml.safe_dump(value, default_style=style, width=2**31 - 1, allow_unicode=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()
