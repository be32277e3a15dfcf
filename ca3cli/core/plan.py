"""The deploy plan, as pure data: phases in dependency order, each with its objects to apply and its waits.

Components whose dependencies are all in earlier phases share a phase, so independent parts (Kafka and InfluxDB)
are applied together and waited on together; the order comes from the registry's `depends_on`, never from code.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from ca3cli.core import registry
from ca3cli.core.errors import Ca3Error
from ca3cli.core.objects import KubeObject
from ca3cli.core.registry import Component, Wait
from ca3cli.core.render import Manifest

WAITED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


@dataclass(frozen=True)
class Phase:
    """Components applied together, then waited on together before the next phase starts."""

    number: int
    components: tuple[str, ...]
    manifests: tuple[Manifest, ...]
    waits: tuple[Wait, ...]

    @property
    def paths(self) -> tuple[PurePosixPath, ...]:
        return tuple(manifest.path for manifest in self.manifests)

    @property
    def objects(self) -> tuple[KubeObject, ...]:
        return tuple(ref for manifest in self.manifests for ref in object_refs(manifest))


@dataclass(frozen=True)
class Plan:
    milestone: int
    phases: tuple[Phase, ...]

    @property
    def objects(self) -> tuple[KubeObject, ...]:
        return tuple(ref for phase in self.phases for ref in phase.objects)

    @property
    def manifests(self) -> tuple[Manifest, ...]:
        return tuple(manifest for phase in self.phases for manifest in phase.manifests)


def object_refs(manifest: Manifest) -> list[KubeObject]:
    """The objects a rendered manifest holds."""
    return [KubeObject.of(doc, str(manifest.path)) for doc in manifest.documents]


def layers(components: Sequence[Component], known: Collection[str] | None = None) -> list[list[Component]]:
    """Group components into layers: each depends only on earlier layers; registry order is kept within a layer.

    Dependencies on known components that are not selected (disabled by settings, later milestone) are ignored;
    an unknown dependency or a cycle is a bug in the registry and says so.
    """
    known = registry.COMPONENTS if known is None else known
    selected = {c.name for c in components}
    for component in components:
        unknown = [dep for dep in component.depends_on if dep not in known and dep not in selected]
        if unknown:
            raise Ca3Error(f"Component {component.name!r} depends on unknown {', '.join(unknown)}. "
                           "This is a bug in ca3's milestone registry; please report it.")
    done: set[str] = set()
    remaining = list(components)
    result: list[list[Component]] = []
    while remaining:
        ready = [c for c in remaining if all(dep in done or dep not in selected for dep in c.depends_on)]
        if not ready:
            cycle = ", ".join(sorted(c.name for c in remaining))
            raise Ca3Error(f"The milestone registry has a dependency cycle among: {cycle}. "
                           "This is a bug in ca3; please report it.")
        result.append(ready)
        done.update(c.name for c in ready)
        remaining = [c for c in remaining if c.name not in done]
    return result


def build(milestone: int, components: Sequence[Component], manifests: Sequence[Manifest]) -> Plan:
    """The phases for the rendered manifests of `components`; layers with nothing to apply or wait on are dropped."""
    by_component: dict[str, list[Manifest]] = {}
    for manifest in manifests:
        by_component.setdefault(manifest.component, []).append(manifest)
    phases: list[Phase] = []
    for layer in layers(components):
        files = tuple(m for c in layer for m in by_component.get(c.name, ()))
        waits = tuple(wait for c in layer for wait in waits_of(c, by_component.get(c.name, ())))
        if files or waits:
            phases.append(Phase(len(phases) + 1, tuple(c.name for c in layer), files, waits))
    return Plan(milestone, tuple(phases))


def waits_of(component: Component, manifests: Iterable[Manifest]) -> list[Wait]:
    """A wait for every workload and Job the component renders, under its rendered name (the topic Job's carries a
    hash of its spec), each for the component's `wait_s`."""
    if not component.wait_s:
        return []
    return [Wait(f"{doc['kind'].lower()}/{doc['metadata']['name']}", component.wait_s)
            for manifest in manifests for doc in manifest.documents if doc.get("kind") in WAITED_KINDS]


def describe(plan: Plan) -> list[str]:
    """The plan as plain lines, for `deploy --dry-run` and the run log."""
    lines = [f"Milestone {plan.milestone}: {len(plan.phases)} phases, {len(plan.objects)} objects"]
    for phase in plan.phases:
        lines.append(f"Phase {phase.number}: {', '.join(phase.components)}")
        for manifest in phase.manifests:
            objects = ", ".join(str(ref) for ref in object_refs(manifest))
            lines.append(f"  apply {manifest.path}: {objects}")
        for wait in phase.waits:
            lines.append(f"  wait  {wait.resource} until Current, at most {wait.timeout_s}s")
    return lines
