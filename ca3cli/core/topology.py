"""Names of in-cluster objects, read from the rendered manifests of a milestone instead of written again.

A component is a registry component (ca3cli/core/registry.py), the identity `render` stamps on every Manifest it makes.
Commands and checks ask "the Service (port, workload, Secret, pod labels, HPA) of component X" here, so renaming
an object in a template renames it everywhere. Pure: it only reads the objects it is given.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ca3cli.core import render, template_values
from ca3cli.core.errors import Ca3Error

if TYPE_CHECKING:
    from ca3cli.core.render import Manifest
    from ca3cli.core.settings import Settings

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
COMPONENT_LABEL = "app.kubernetes.io/component"
TLS_SECRET_TYPE = "kubernetes.io/tls"
RUNTIME_KEYS = "ca3.dev/runtime-keys"  # annotation: keys a Secret gains after deploy (InfluxDB's tokens)


@dataclass(frozen=True)
class Service:
    """A Service as callers use it: its name, first port and that port's NodePort (0 when none), every named port."""

    name: str
    port: int
    node_port: int = 0
    headless: bool = False
    named_ports: tuple[tuple[str, int], ...] = field(default=(), compare=False)

    def port_named(self, name: str) -> int:
        """The number of the Service port called `name` (`client`, `http`)."""
        for port_name, number in self.named_ports:
            if port_name == name:
                return number
        raise Ca3Error(f"Service {self.name} has no port named {name}. This is a bug in ca3.")

    @property
    def target(self) -> str:
        """How kubectl names it (`svc/grafana-service`)."""
        return f"svc/{self.name}"


@dataclass(frozen=True)
class Workload:
    """A long-running workload: kind as kubectl spells it in lower case, and name."""

    kind: str  # deployment, statefulset, daemonset
    name: str

    @property
    def ref(self) -> str:
        """`statefulset/kafka`."""
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class SecretSpec:
    """A Secret's name and every key it holds once deployed (rendered keys plus those added at run time)."""

    name: str
    keys: tuple[str, ...]


class Topology:
    """The rendered objects of one milestone, grouped by component."""

    def __init__(self, objects: Mapping[str, Iterable[dict[str, Any]]]) -> None:
        self._by_component = {component: tuple(docs) for component, docs in objects.items()}

    @classmethod
    def of_manifests(cls, manifests: Iterable[Manifest]) -> Topology:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for manifest in manifests:
            grouped.setdefault(manifest.component, []).extend(manifest.documents)
        return cls(grouped)

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(self._by_component)

    def has(self, component: str) -> bool:
        return component in self._by_component

    def objects(self, component: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        """The objects of one component (every component when None), of one kind when given."""
        groups = self._by_component.values() if component is None else [self._of(component)]
        return [doc for docs in groups for doc in docs if kind is None or doc.get("kind") == kind]

    def _of(self, component: str) -> tuple[dict[str, Any], ...]:
        if component not in self._by_component:
            raise Ca3Error(f"Component {component} is not part of the milestone deployed (or asked for); deploy a "
                           "milestone that contains it, or check a lower one with -m.")
        return self._by_component[component]

    def _one(self, component: str, kinds: tuple[str, ...], what: str) -> dict[str, Any]:
        found = [doc for doc in self._of(component) if doc.get("kind") in kinds]
        if len(found) != 1:
            raise Ca3Error(f"Component {component} renders {len(found)} {what}, not one. This is a bug in ca3.")
        return found[0]

    def workload_components(self) -> tuple[str, ...]:
        """The components that render a long-running workload, in render order."""
        return tuple(c for c, docs in self._by_component.items() if any(d.get("kind") in WORKLOAD_KINDS for d in docs))

    def workload_object(self, component: str) -> dict[str, Any]:
        """The component's Deployment, StatefulSet or DaemonSet, as rendered."""
        return self._one(component, WORKLOAD_KINDS, "workloads")

    def workload(self, component: str) -> Workload:
        obj = self.workload_object(component)
        return Workload(obj["kind"].lower(), obj["metadata"]["name"])

    def pod_labels(self, component: str) -> dict[str, str]:
        """The labels of the workload's pods (what Services, policies and log selectors match)."""
        return dict(self.workload_object(component)["spec"]["template"]["metadata"]["labels"])

    def app(self, component: str) -> str:
        """The `app` label of the workload's pods (Loki's and Prometheus's `app` label)."""
        return self.pod_labels(component)["app"]

    def first_pod(self, component: str) -> str:
        """The first pod of a StatefulSet (`kafka-0`): its name is stable, so checks may exec into it."""
        workload = self.workload(component)
        if workload.kind != "statefulset":
            raise Ca3Error(f"{workload.ref} has no stable pod name. This is a bug in ca3.")
        return f"{workload.name}-0"

    def container_port(self, component: str, name: str) -> int:
        """The number of the workload's container port called `name`."""
        for container in self.workload_object(component)["spec"]["template"]["spec"]["containers"]:
            for port in container.get("ports") or []:
                if port.get("name") == name:
                    return int(port["containerPort"])
        raise Ca3Error(f"{self.workload(component).ref} has no container port {name}. This is a bug in ca3.")

    def env(self, component: str, name: str) -> str:
        """The value the workload's containers are given for environment variable `name` (the first that sets it)."""
        for container in self.workload_object(component)["spec"]["template"]["spec"]["containers"]:
            for variable in container.get("env") or []:
                if variable.get("name") == name and "value" in variable:
                    return str(variable["value"])
        raise Ca3Error(f"{self.workload(component).ref} sets no {name}. This is a bug in ca3.")

    def mounted_secrets(self, component: str) -> tuple[str, ...]:
        """The Secrets the workload's pods mount as volumes (directly or projected), in the order they appear."""
        names: list[str] = []
        for volume in self.workload_object(component)["spec"]["template"]["spec"].get("volumes") or ():
            if "secret" in volume:
                names.append(volume["secret"]["secretName"])
            names += [source["secret"]["name"] for source in (volume.get("projected") or {}).get("sources", ())
                      if "secret" in source]
        return tuple(dict.fromkeys(names))

    def tls_secrets(self) -> tuple[str, ...]:
        """Every rendered Secret of type kubernetes.io/tls (the certificates `ca3 certs` fills in)."""
        return tuple(doc["metadata"]["name"] for doc in self.objects(kind="Secret")
                     if doc.get("type") == TLS_SECRET_TYPE)

    def tls_secret(self, component: str) -> str:
        """The one kubernetes.io/tls Secret the component's workload mounts (its certificate: server or client)."""
        found = [name for name in self.mounted_secrets(component) if name in self.tls_secrets()]
        if len(found) != 1:
            raise Ca3Error(f"{self.workload(component).ref} mounts {len(found)} rendered TLS Secrets, not one. "
                           "This is a bug in ca3.")
        return found[0]

    def governing_service(self, component: str) -> str:
        """The headless Service a StatefulSet names (`serviceName`): its pods are `<pod>.<that Service>`."""
        workload = self.workload(component)
        if workload.kind != "statefulset":
            raise Ca3Error(f"{workload.ref} has no governing Service. This is a bug in ca3.")
        return str(self.workload_object(component)["spec"]["serviceName"])

    def services(self, component: str) -> tuple[Service, ...]:
        """Every Service of the component, headless ones included, in render order."""
        return tuple(_service(doc) for doc in self._of(component) if doc.get("kind") == "Service")

    def service(self, component: str) -> Service:
        """The component's one Service with a cluster IP (a StatefulSet's headless Service is not it)."""
        found = [s for s in self.services(component) if not s.headless]
        if len(found) != 1:
            raise Ca3Error(f"Component {component} renders {len(found)} Services with a cluster IP, not one. "
                           "This is a bug in ca3.")
        return found[0]

    def secrets(self) -> tuple[SecretSpec, ...]:
        """Every rendered Secret with the keys it holds once deployed."""
        return tuple(_secret(doc) for doc in self.objects(kind="Secret"))

    def secret(self, owner: str, key: str) -> SecretSpec:
        """The Secret labelled as belonging to component `owner` that holds `key` once deployed (a component may own
        several, e.g. its credentials and its TLS certificate)."""
        found = [spec for doc in self.objects(kind="Secret")
                 if (doc["metadata"].get("labels") or {}).get(COMPONENT_LABEL) == owner
                 and key in (spec := _secret(doc)).keys]
        if len(found) != 1:
            raise Ca3Error(f"{len(found)} rendered Secrets of {owner} hold {key}, not one. This is a bug in ca3.")
        return found[0]

    def autoscaler(self, component: str) -> tuple[str, Workload]:
        """The name of the HorizontalPodAutoscaler a component renders and the workload it scales."""
        hpa = self._one(component, ("HorizontalPodAutoscaler",), "HorizontalPodAutoscalers")
        ref = hpa["spec"]["scaleTargetRef"]
        return hpa["metadata"]["name"], Workload(ref["kind"].lower(), ref["name"])


def _service(doc: dict[str, Any]) -> Service:
    spec = doc["spec"]
    port = spec["ports"][0]
    named = tuple((str(p["name"]), int(p["port"])) for p in spec["ports"] if p.get("name"))
    return Service(doc["metadata"]["name"], int(port["port"]), int(port.get("nodePort") or 0),
                   spec.get("clusterIP") == "None", named)


def _secret(doc: dict[str, Any]) -> SecretSpec:
    rendered = [*(doc.get("data") or {}), *(doc.get("stringData") or {})]
    later = (doc["metadata"].get("annotations") or {}).get(RUNTIME_KEYS, "")
    return SecretSpec(doc["metadata"]["name"], tuple(dict.fromkeys([*rendered, *filter(None, later.split(","))])))


@functools.lru_cache(maxsize=32)
def of_milestone(settings: Settings, milestone: int, only: frozenset[str] | None = None) -> Topology:
    """The topology of milestones 1..`milestone` as `ca3 deploy -m` renders them (Secret values are placeholders); of
    the components named in `only` when given (the certificates' names need four of twenty, a fifth of the render).

    Rendered once per process for the same settings and milestone (settings are frozen, so they are the key): a drill,
    a validate run or a deploy asks for names from many steps. Callers read the objects, never change them.
    """
    return Topology.of_manifests(render.render(settings, template_values.placeholders(), milestone, only))
