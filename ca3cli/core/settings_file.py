"""Read ca3.yaml as untrusted input: bounded, UTF-8, plain YAML, with the line of every key for error sentences.

Refused before any setting is looked at, each with exit 2 and a sentence: a path that is a directory or not a
regular file (`/dev/zero`, a FIFO), a file over MAX_BYTES (checked with stat, then read at most MAX_BYTES + 1), text
that is not UTF-8 (UTF-16 is named), anchors and aliases (ca3.yaml needs none, and refusing them all is the simplest
rule that stops alias bombs), more than MAX_NODES values or nesting deeper than MAX_DEPTH (PyYAML composes slowly and
recursively), tags other than plain YAML's (`!!python/...`), duplicate keys (YAML keeps the last silently), keys
that are not plain names, and a top level that is not a mapping.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ca3cli.core.errors import ConfigError
from ca3cli.core.settings_errors import Key, Origin, Origins

MAX_BYTES = 64 * 1024  # `ca3 init` writes about 7 KiB
MAX_DEPTH = 8  # ca3.yaml nests three levels (kafka.resources.cpu_limit)
MAX_NODES = 2000  # every setting written out is about 200; PyYAML composes ~10k nodes a second, so stop early
FIX = "Fix it, or run `ca3 init --force` for a fresh one."
PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")  # scalars' tags are checked by SafeLoader itself


def _bytes(path: Path, explicit: bool) -> bytes | None:
    """The file's bytes, or None when the default ca3.yaml is simply absent (offline commands work before init)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"The settings file {path} does not exist. Check --config or CA3_CONFIG, "
                              "or run `ca3 init` to create it.") from None
        return None
    except OSError as exc:
        raise ConfigError(f"Cannot read the settings file {path} ({exc.strerror}). "
                          "Check --config or CA3_CONFIG.") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"The settings file {path} is a directory. Pass the path of a ca3.yaml file to --config.")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"The settings file {path} is not a regular file (a device, pipe or socket). "
                          "Pass the path of a ca3.yaml file to --config.")
    if info.st_size > MAX_BYTES:
        raise ConfigError(f"The settings file {path} is {info.st_size} bytes, over the {MAX_BYTES // 1024} KiB a "
                          f"ca3.yaml may hold. {FIX}")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"Cannot read the settings file {path} ({exc.strerror}). Check its permissions.") from None
    if len(data) > MAX_BYTES:  # grew since stat, or a special file that reports size 0
        raise ConfigError(f"The settings file {path} is over the {MAX_BYTES // 1024} KiB a ca3.yaml may hold. {FIX}")
    return data


def _text(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise ConfigError(f"The settings file {path} is UTF-16 or binary, not UTF-8 text. Save it as UTF-8.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"The settings file {path} is not UTF-8 text (byte {data[exc.start]:#04x} at offset "
                          f"{exc.start}). Save it as UTF-8.") from None


class _Refused(Exception):
    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem)
        self.mark, self.problem = mark, problem


class _Refusing(yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """SafeLoader's composer, constructor and resolver, refusing anchors, aliases, deep nesting and huge documents
    while composing, before anything is built; a parser below it makes the events."""

    depth = 0
    nodes = 0

    def __init__(self) -> None:
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def compose_node(self, parent: Any, index: Any) -> Any:
        peek: Callable[[], yaml.Event] = self.peek_event  # type: ignore[attr-defined]  # the parser's, below
        event = peek()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(event.start_mark, "uses a YAML anchor or alias (& or *), which ca3.yaml does not allow; "
                                             "write the values out")
        self.depth, self.nodes = self.depth + 1, self.nodes + 1
        if self.nodes > MAX_NODES:
            raise _Refused(event.start_mark, f"holds more than {MAX_NODES} values, far more than all settings")
        if self.depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"nests deeper than {MAX_DEPTH} levels, deeper than any setting")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _PythonLoader(_Refusing, yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """Over PyYAML's own parser, whose sentences for every problem in a ca3.yaml are the ones users have seen."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)  # refuses control characters right here
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _Refusing.__init__(self)


try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]  # (types-PyYAML declares it in yaml._yaml)

    class _FastLoader(_Refusing, CParser):
        """Over libyaml's parser, which PyYAML's wheels carry: scanning in Python was nine tenths of reading a
        ca3.yaml. Only a file it reads whole is read with it (parse_text)."""

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _Refusing.__init__(self)

    LOADERS: tuple[type[_Refusing], ...] = (_FastLoader, _PythonLoader)
except ImportError:  # PyYAML built without libyaml
    LOADERS = (_PythonLoader,)


def _data(path: Path, loader: _Refusing, node: Any, key: Key, lines: dict[Key, Origin]) -> Any:
    """Build plain data from a composed node, refusing duplicate and non-name keys, noting each key's line."""
    if not isinstance(node, yaml.ScalarNode) and node.tag not in PLAIN_TAGS:
        raise _Refused(node.start_mark, f"uses the YAML tag {node.tag}, which ca3.yaml does not allow")
    if isinstance(node, yaml.MappingNode):
        built: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(key_node.start_mark, "has a key that is not a plain name")
            name = str(key_node.value)
            if name in built:
                first = lines[(*key, name)].where
                raise _Refused(key_node.start_mark, f"repeats the key `{'.'.join((*key, name))}` (first {first}); "
                                                    "keep one")
            lines[(*key, name)] = Origin.file(path, line)
            built[name] = _data(path, loader, value_node, (*key, name), lines)
        return built
    if isinstance(node, yaml.SequenceNode):
        return [_data(path, loader, item, key, lines) for item in node.value]
    return loader.construct_object(node, deep=True)


def _load(loader_class: type[_Refusing], path: Path, text: str) -> tuple[Any, dict[Key, Origin]]:
    lines: dict[Key, Origin] = {}
    loader = loader_class(text)  # type: ignore[call-arg]  # each loader takes the text
    try:
        node = loader.get_single_node()
        return ({} if node is None else _data(path, loader, node, (), lines)), lines
    finally:
        loader.dispose()  # type: ignore[attr-defined]  # the parser's, below


def parse_text(path: Path, text: str) -> tuple[dict[str, Any], Origins]:
    """The mapping a ca3.yaml text holds and the line of every key in it."""
    try:
        try:
            data, lines = _load(LOADERS[0], path, text)
        except yaml.YAMLError:  # read again by PyYAML's own parser, to say what is wrong as it always has
            data, lines = _load(LOADERS[-1], path, text)
    except _Refused as exc:
        raise ConfigError(f"The settings file {path} line {exc.mark.line + 1} {exc.problem}. {FIX}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        problem = ", ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise ConfigError(f"The settings file {path}{where} is not valid YAML: {problem}. {FIX}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"The settings file {path} is not valid YAML: {exc}. {FIX}") from None
    if data is None:  # only comments, or a lone `null`
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"The settings file {path} holds a {type(data).__name__}, not a mapping of settings "
                          f"(`key: value` lines). {FIX}")
    return data, Origins(lines)


def read(path: Path, *, explicit: bool) -> tuple[dict[str, Any], Origins]:
    """The settings mapping in `path` with each key's line; empty when the default file is absent."""
    data = _bytes(path, explicit)
    return ({}, Origins()) if data is None else parse_text(path, _text(path, data))
