"""Render the Jinja2 templates of milestones 1..N into manifests, as data; writing them out is the caller's job."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

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


def render(settings: Settings, secrets: Mapping[str, str], milestone: int,
           only: frozenset[str] | None = None) -> list[Manifest]:
    """Render every template of the enabled components of milestones 1..`milestone` (of those named in `only`, when
    given: each renders exactly as in the whole milestone)."""
    env = environment()
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
                documents = tuple(doc for doc in yaml.load_all(text, Loader=SAFE_LOADER) if doc)
            except jinja2.TemplateError as exc:
                raise RenderError(f"Template templates/{source} failed to render: {exc}. "
                                  "This is a bug in ca3.") from exc
            except yaml.YAMLError as exc:
                raise RenderError(f"templates/{source} rendered invalid YAML: {exc}. This is a bug in ca3.") from exc
            if documents:  # a template may render nothing before its feature's milestone (templates/tls)
                manifests.append(Manifest(component.name, PurePosixPath(component.folder, name), text, documents))
    return manifests
