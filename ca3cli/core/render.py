"""Render the Jinja2 templates of milestones 1..N into manifests, as data; writing them out is the caller's job."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

import jinja2
import yaml

from ca3cli.core import dashboards, kraft, registry
from ca3cli.core.errors import RenderError
from ca3cli.core.podsecurity import namespace as pod_security
from ca3cli.core.yaml_scalar import yaml_scalar

# libyaml's safe loader when PyYAML was built with it (its wheels are): parsing is most of a render's time.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings


@dataclass(frozen=True)
class Manifest:
    """One rendered file: where it lands under the output folder and the objects it holds."""

    component: str
    path: PurePosixPath
    text: str
    documents: tuple[dict[str, Any], ...]

    @property
    def is_secret(self) -> bool:
        """True when the file holds Secrets; such files are only written on request, into a git-ignored path."""
        return any(doc.get("kind") == "Secret" for doc in self.documents)


def template_loader() -> jinja2.BaseLoader:
    """The templates shipped inside the package (ca3cli/templates), found the same way in a wheel or a checkout."""
    return jinja2.PackageLoader("ca3cli", "templates")


OPTIONS: dict[str, Any] = {"undefined": jinja2.StrictUndefined, "keep_trailing_newline": True, "trim_blocks": True,
                           "lstrip_blocks": True}


@functools.cache
def environment() -> jinja2.Environment:
    """Jinja2 with StrictUndefined: a missing value is an error, never an empty string. One per process, so each
    template is compiled once however often a command renders. No compiled template is kept between runs: that would
    be a file ca3 writes outside the folders it owns (and core does no I/O)."""
    env = jinja2.Environment(loader=template_loader(), **OPTIONS)
    # For config checksum annotations: a pod template changes (and its pods roll) when its ConfigMap changes.
    env.filters["sha256"] = lambda text: hashlib.sha256(str(text).encode()).hexdigest()
    # Every setting lands in a manifest through the YAML emitter, so no value can add a key or a document.
    env.filters["yaml_scalar"] = yaml_scalar
    # Dashboards are Python data (ca3cli/dashboards); the Grafana ConfigMap template embeds their JSON.
    env.globals["dashboard_files"] = dashboards.provisioned_files
    # Kafka's first voters are formatted with directory ids fixed in advance (ca3cli/core/kraft.py).
    env.filters["kraft_directory_id"] = kraft.directory_id
    return env


class DocumentStore(Protocol):
    """Where parsed documents are kept between runs, as JSON by the sha256 of their text (ca3cli/edges/
    documents_cache.py)."""

    def get(self, key: str) -> str | None: ...

    def put(self, entries: Mapping[str, str]) -> None: ...


def _parse(text: str) -> tuple[dict[str, Any], ...]:
    return tuple(doc for doc in yaml.load_all(text, Loader=SAFE_LOADER) if doc)


def _plain(value: Any) -> bool:
    """Whether `value` comes back the same from JSON: no dates, bytes or non-string keys (YAML has all three)."""
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (str, int, float))


@dataclass
class Documents:
    """The YAML documents of rendered texts. Parsing is a render's largest step after Jinja, and the same settings
    render the same texts run after run, so with a `store` attached a text parsed before is read back from JSON
    (about a twentieth of the time) instead; every call returns new objects, which callers may change."""

    store: DocumentStore | None = None
    added: dict[str, str] = field(default_factory=dict)

    def of(self, text: str, private: Sequence[str] = ()) -> tuple[dict[str, Any], ...]:
        """The non-empty documents of `text` (yaml.YAMLError when it is not YAML). A text holding any of the
        `private` values (the secrets it was rendered with) or a Secret is parsed every time and never kept."""
        if self.store is None or any(value in text for value in private):
            return _parse(text)
        key = hashlib.sha256(text.encode()).hexdigest()
        kept = self.store.get(key)
        if kept is not None:
            try:
                return tuple(json.loads(kept))
            except ValueError:  # a torn line is parsed again
                pass
        parsed = _parse(text)
        if _plain(list(parsed)) and not any(doc.get("kind") == "Secret" for doc in parsed):
            self.added[key] = json.dumps(list(parsed), separators=(",", ":"))
        return parsed

    def keep(self) -> None:
        """Hand what was parsed since the last call to the store."""
        if self.store is not None and self.added:
            self.store.put(self.added)
        self.added = {}


@functools.cache
def documents() -> Documents:
    """One per process, like the environment: ca3cli/edges/documents_cache.py attaches its store."""
    return Documents()


def render(settings: Settings, secrets: Mapping[str, str], milestone: int,
           only: frozenset[str] | None = None) -> list[Manifest]:
    """Render every template of the enabled components of milestones 1..`milestone` (of those named in `only`, when
    given: each renders exactly as in the whole milestone)."""
    env, parsed = environment(), documents()
    private = [value for value in secrets.values() if value]
    components = registry.components_for(milestone, settings)
    base = {"settings": settings, "secrets": secrets, "milestone": milestone,
            "features": registry.features(settings, milestone),
            "pod_security": pod_security.policy(components)}
    manifests = []
    for component in components if only is None else [c for c in components if c.name in only]:
        for name in component.templates:
            source = f"{component.name}/{name}.j2"
            try:
                text = env.get_template(source).render(base, component=component)
                found = parsed.of(text, private)
            except jinja2.TemplateError as exc:
                raise RenderError(f"Template templates/{source} failed to render: {exc}. "
                                  "This is a bug in ca3.") from exc
            except yaml.YAMLError as exc:
                raise RenderError(f"templates/{source} rendered invalid YAML: {exc}. This is a bug in ca3.") from exc
            if found:  # a template may render nothing before its feature's milestone (templates/tls)
                manifests.append(Manifest(component.name, PurePosixPath(component.folder, name), text, found))
    parsed.keep()
    return manifests
