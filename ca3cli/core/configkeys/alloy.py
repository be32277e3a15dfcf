"""A small reader of Alloy's configuration syntax, enough to list component, block and attribute names by nesting.

Alloy is not YAML: `component "label" { attribute = expr  block { ... } }`. Names are checked against the
Arguments and Blocks tables of each component's reference page; object literals (`{a = "b"}` after `=`) are values,
not blocks, and their keys are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

TOKEN = re.compile(
    r'(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<string>"(?:\\.|[^"\\])*"|`[^`]*`)|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)'
    r"|(?P<newline>\n)|(?P<punct>[{}\[\]()=,+])|(?P<other>\S)",
    re.S,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "", m.group()) for m in TOKEN.finditer(text) if m.lastgroup != "comment"]


def _skip_value(tokens: Sequence[tuple[str, str]], i: int) -> int:
    """Index after an attribute's expression: it ends at a newline outside brackets, or at the enclosing `}`."""
    depth = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if value in "{[(" and kind == "punct":
            depth += 1
        elif value in "}])" and kind == "punct":
            if depth == 0:
                return i
            depth -= 1
        elif kind == "newline" and depth == 0:
            return i
        i += 1
    return i


def _body(tokens: Sequence[tuple[str, str]], i: int, where: str, docs: Mapping[str, Sequence[str]] | None,
          problems: list[str], components: Mapping[str, Mapping[str, Sequence[str]]]) -> int:
    """Walk one `{ ... }` body from index i, recording names not in `docs[""]`; returns the index after `}`."""
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "newline" or value == ",":
            i += 1
        elif value == "}":
            return i + 1
        elif kind == "name":
            i = _statement(tokens, i, where, docs, problems, components)
        else:
            problems.append(f"{where}: unexpected {value!r}")
            i += 1
    return i


def _statement(tokens: Sequence[tuple[str, str]], i: int, where: str, docs: Mapping[str, Sequence[str]] | None,
               problems: list[str], components: Mapping[str, Mapping[str, Sequence[str]]]) -> int:
    name = tokens[i][1]
    following = [v for k, v in tokens[i + 1 : i + 3]]
    if following[:1] == ["="]:
        if docs is not None and name not in docs.get("", ()):
            problems.append(f"{where}.{name}")
        return _skip_value(tokens, i + 2)
    if docs is None and where == "" and tokens[i + 1][0] == "string" and following[1:] == ["{"]:
        component = components.get(name)
        if component is None:
            problems.append(name)
        return _body(tokens, i + 3, name, component, problems, components)
    if following[:1] == ["{"]:
        if docs is not None and name not in docs.get("", ()):
            problems.append(f"{where}.{name}")
        child = {"": docs[name]} if docs is not None and docs.get(name) else None
        return _body(tokens, i + 2, f"{where}.{name}", child, problems, components)
    problems.append(f"{where or 'top level'}: cannot read the statement starting at {name!r}")
    return _skip_value(tokens, i + 1)


def unknown_alloy_names(text: str, components: Mapping[str, Mapping[str, Sequence[str]]]) -> list[str]:
    """Component, block and attribute names in an Alloy configuration that the component references do not define."""
    problems: list[str] = []
    _body([*_tokens(text), ("punct", "}")], 0, "", None, problems, components)
    return sorted(set(problems))
