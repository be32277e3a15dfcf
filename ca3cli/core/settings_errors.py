"""Turn the model's validation errors into sentences naming the key, the value, where it came from and the fix.

A value's origin is a ca3.yaml line, an environment variable or a command-line option, so the sentence tells the
user what to change (never "fix ca3.yaml" for a value the environment set). Values are shown shortened with repr,
so a newline or a control character is visible and nothing the user typed is printed raw.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ca3cli.core.errors import ConfigError
from ca3cli.core.grammar import Refused

Key = tuple[str, ...]
SHOWN_LENGTH = 40
# A broken cross-field rule: (key below the model, its value, what is allowed, the other keys of the rule).
Problem = tuple[str, Any, str, tuple[str, ...]]


class BrokenRules(ValueError):
    """Every rule between settings a model breaks, each reported as its own sentence."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{key} must be {allowed}" for key, _, allowed, _ in problems))
        self.problems = problems


@dataclass(frozen=True)
class Origin:
    """Where a value came from (`in ca3.yaml line 12`) and how the user changes it."""

    where: str
    fix: str

    @classmethod
    def file(cls, path: Path, line: int) -> Origin:
        return cls(f"in {path} line {line}", f"fix it in {path}")

    @classmethod
    def variable(cls, name: str) -> Origin:
        return cls(f"from environment variable {name}", f"change {name} or unset it")

    @classmethod
    def option(cls, flag: str) -> Origin:
        return cls(f"from option {flag}", f"pass another {flag}")


@dataclass(frozen=True)
class Origins:
    """The origin of every key a user set; a key without one took its default."""

    by_key: Mapping[Key, Origin] = field(default_factory=dict)

    def updated(self, more: Mapping[Key, Origin]) -> Origins:
        """These origins with `more` winning (a later source overrides an earlier one)."""
        return Origins({**self.by_key, **more})

    def set_by(self, key: Key) -> Origin | None:
        """The origin of `key`, else of its nearest section the user set, else None (it took its default)."""
        for depth in range(len(key), 0, -1):
            if key[:depth] in self.by_key:
                return self.by_key[key[:depth]]
        return None

    def of(self, key: Key) -> Origin:
        """Where `key` came from: the user's source, else its default (set in ca3.yaml or CA3_...)."""
        origin = self.set_by(key)
        if origin is not None:
            return origin
        variable = "CA3_" + "_".join(key).upper()
        return Origin("(its default)", f"set it in ca3.yaml or with {variable}")


def shown(value: Any) -> str:
    """The value as the sentence shows it: shortened, repr-quoted, structure described rather than dumped."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str) and len(value) > SHOWN_LENGTH:
        return repr(value[: SHOWN_LENGTH - 3]) + "..."
    text = repr(value)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 3] + "..."


def _field(model: type[BaseModel], key: Key) -> FieldInfo | None:
    """The model field at `key`, to read its bounds and its siblings' names."""
    info = None
    for name in key:
        info = model.model_fields.get(name)
        if info is None:
            return None
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            model = info.annotation
    return info


def _number(info: FieldInfo | None, kind: str) -> str:
    bounds = {type(m).__name__: m for m in (info.metadata if info else [])}
    low, high = getattr(bounds.get("Ge"), "ge", None), getattr(bounds.get("Le"), "le", None)
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    return kind


def _allowed(error: Mapping[str, Any], info: FieldInfo | None) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if isinstance(refused := ctx.get("error"), Refused):
        return refused.allowed
    if kind.startswith("int_") or (kind in ("greater_than_equal", "less_than_equal")
                                   and info is not None and info.annotation is int):
        return _number(info, "a whole number")
    if kind.startswith("float_") or kind in ("finite_number", "greater_than_equal", "less_than_equal"):
        return _number(info, "a finite number")
    if kind == "literal_error":
        return "one of " + str(ctx["expected"]).replace("'", "")
    if kind.startswith("bool_"):
        return "true or false"
    if kind == "string_type":
        return "text: put it in quotes, or YAML reads it as a number, a date or a boolean (e.g. tag: '1.10')"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "a mapping of settings, one `key: value` per line indented under it"
    return str(error["msg"]).removeprefix("Input should be ").removeprefix("Value error, ")


def _unknown(model: type[BaseModel], key: Key, origin: Origin | None) -> str:
    """An unknown key: the closest known names instead of its value (a misplaced password must not be echoed)."""
    parent = _field(model, key[:-1]) if len(key) > 1 else None
    section = parent.annotation if parent is not None else model
    known = list(section.model_fields) if isinstance(section, type) and issubclass(section, BaseModel) else []
    close = difflib.get_close_matches(key[-1], known, n=3, cutoff=0.5)
    prefix = ".".join(key[:-1])
    names = [f"`{prefix}.{name}`" if prefix else f"`{name}`" for name in (close or known)]
    hint = f"did you mean {' or '.join(names)}?" if close else f"the known keys here are {', '.join(names)}."
    where, fix = (f" {origin.where}", f" {origin.fix[0].upper()}{origin.fix[1:]}.") if origin else ("", "")
    return f"`{'.'.join(key)}`{where} is not a setting; {hint}{fix}"


def _sentence(key: Key, value: Any, allowed: str, related: list[Key], origins: Origins) -> str:
    """`key` ORIGIN is VALUE but must be ALLOWED; FIX. A default broken by a related key names that key's origin."""
    name = "`" + (".".join(key) or "the top level") + "`"
    cause = next(((other, origins.by_key[other]) for other in related if other in origins.by_key), None)
    if origins.set_by(key) is None and cause is not None:
        other, origin = cause
        return (f"{name} (its default) is {shown(value)} but must be {allowed}, which `{'.'.join(other)}` "
                f"{origin.where} breaks; {origin.fix}, or set {name} too.")
    origin = origins.of(key)
    return f"{name} {origin.where} is {shown(value)} but must be {allowed}; {origin.fix}."


def sentences(exc: ValidationError, origins: Origins, model: type[BaseModel]) -> list[str]:
    """One sentence per problem in `exc`, each naming key, value, origin, what is allowed and the fix."""
    found = []
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            found.append(_unknown(model, loc, origins.set_by(loc)))
            continue
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, BrokenRules):
            problems = [((*loc, *name.split(".")), value, allowed, [(*loc, *r.split(".")) for r in related])
                        for name, value, allowed, related in cause.problems]
        else:
            problems = [(loc, error["input"], _allowed(error, _field(model, loc)), [])]
        for key, value, allowed, related in problems:
            found.append(_sentence(key, value, allowed, related, origins))
    return found


def describe(exc: ValidationError, origins: Origins, model: type[BaseModel]) -> ConfigError:
    """A ConfigError holding every problem: one sentence, or a count and one sentence per line."""
    found = sentences(exc, origins, model)
    if len(found) == 1:
        return ConfigError(found[0])
    return ConfigError(f"{len(found)} settings are invalid:\n" + "\n".join(f"  - {s}" for s in found))
