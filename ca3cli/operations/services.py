"""The in-cluster HTTP services ca3 reaches through `kubectl port-forward`: whose Service, named by its component.

The Service's name and port are read from the rendered manifests (ca3cli/core/topology.py) of the milestone deployed in
the namespace, so they are the ones the templates give.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ca3cli.core import registry, topology
from ca3cli.operations import deployed as deployment

if TYPE_CHECKING:
    from ca3cli.core.settings import Settings
    from ca3cli.edges.kube import Kubectl

# Registry components whose Service is forwarded.
GRAFANA, PROMETHEUS, LOKI, INFLUXDB = "grafana", "prometheus", "logging", "influxdb"


def target(found: topology.Topology, component: str) -> tuple[str, int]:
    """(`svc/<name>`, port) of the component's Service, as `portforward.forward` takes them."""
    service = found.service(component)
    return service.target, service.port


def deployed(kubectl: Kubectl, settings: Settings) -> topology.Topology:
    """The topology of the milestone `ca3 deploy` recorded on the namespace; the highest when none is recorded."""
    found = deployment.namespace(kubectl, settings.namespace)
    return topology.of_milestone(settings, deployment.recorded(found) or registry.HIGHEST)
