"""Renaming a Service in a template: the checks follow the manifests, and a cluster with other names fails them.

The shipped templates are copied and `grafana-service` is renamed everywhere in the copy (its Service and the URL
Grafana is told it lives at). Both the healthy cluster the stand-in answers with and the names the checks use are
then derived from either the shipped or the renamed manifests:

- both renamed: every milestone-1 check passes, and Grafana is reached under the new name;
- checks renamed, cluster shipped (the cluster still holds the old name): exactly the checks that reach Grafana's
  Service fail, naming the Service they looked for;
- checks shipped, cluster renamed (checks that kept the old name, as literal names did): the same checks fail.
So a rename in a template changes what the checks look for, and the validate tests see a cluster that does not
match the templates.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from ca3cli.core import registry, render
from ca3cli.core.dashboards.catalogue import pipeline_dashboard
from ca3cli.core.dashboards.model import to_json
from ca3cli.core.render import Manifest
from ca3cli.core.settings import Settings
from ca3cli.core.topology import Topology
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.validate import catalogue, pipeline, runner
from ca3cli.operations.validate.model import Status
from ca3cli.operations.validate.probe import Probe
from tests.fixtures.kubectl import KubectlStub
from tests.fixtures.templates import templates_from
from tests.validate import api_shapes as api
from tests.validate.healthy_cluster import VALUES, GrowingCount, answer_healthy_m1, manifests
from tests.validate.kube_objects import NS
from tests.validate.recorded_api import serve
from tests.validate.rendered_cluster import rendered

OLD, NEW = "grafana-service", "dashboards-web"
TEMPLATES = Path(render.__file__).parents[1] / "templates"
M1 = [c.id for c in registry.CRITERIA if c.milestone == 1]
REACH_GRAFANA_SERVICE = {"m1.service-endpoints", "m1.grafana-nodeport", "m1.grafana-health",
                         "m1.grafana-influxdb-datasource"}
# What a real API server answers when port-forward names a Service it does not have (recorded/port-forward-svc-nope)
NOT_FOUND = 'Error from server (NotFound): services "{name}" not found\n'


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Manifest, ...]:
    """Milestone 1 rendered from a copy of the templates in which `grafana-service` is called `dashboards-web`."""
    folder = Path(shutil.copytree(TEMPLATES, tmp_path_factory.mktemp("renamed") / "templates"))
    edited = [path for path in folder.rglob("*.j2") if OLD in path.read_text()]
    for path in edited:
        path.write_text(path.read_text().replace(OLD, NEW))
    assert "grafana-service.yaml.j2" in {p.name for p in edited}
    with templates_from(folder):
        return tuple(rendered(1, values=VALUES))


def validate(stub: KubectlStub, cluster_from: tuple[Manifest, ...], names_from: tuple[Manifest, ...],
             monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[Status, str]]:
    """Every milestone-1 check, with names from `names_from`, against the healthy cluster `cluster_from` makes."""
    monkeypatch.setattr(pipeline, "FLOW_POLL_S", 0.05)
    looked_for = Topology.of_manifests(names_from).service("grafana").name
    stub.on("port-forward", f"svc/{looked_for}", returncode=1, stderr=NOT_FOUND.format(name=looked_for))
    with serve(api.grafana_routes(to_json(pipeline_dashboard()))) as grafana, \
            serve({"/api/v2/query": GrowingCount()}) as influx:
        answer_healthy_m1(stub, grafana.port, influx.port, applied=cluster_from)
        probe = Probe(Kubectl(namespace=NS), Settings(), 1, names=Topology.of_manifests(names_from))
        results = runner.run([catalogue.CHECKS[i] for i in M1], probe)
    return {r.id: (r.status, r.evidence) for r in results}


def failing(seen: dict[str, tuple[Status, str]]) -> set[str]:
    return {check_id for check_id, (status, _) in seen.items() if status is not Status.PASS}


def test_the_copy_renames_only_that_service(renamed: tuple[Manifest, ...]) -> None:
    shipped, copy = Topology.of_manifests(manifests(1)), Topology.of_manifests(renamed)
    assert (shipped.service("grafana").name, copy.service("grafana").name) == (OLD, NEW)
    assert [s.name for s in copy.services("kafka")] == [s.name for s in shipped.services("kafka")]
    assert copy.workload("grafana") == shipped.workload("grafana")


def test_checks_pass_when_cluster_and_checks_both_use_the_renamed_service(
        kubectl_stub: KubectlStub, renamed: tuple[Manifest, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = validate(kubectl_stub, renamed, renamed, monkeypatch)
    assert failing(seen) == set(), seen
    assert f"port-forward svc/{NEW} :3000" in kubectl_stub.commands()
    assert NEW in seen["m1.service-endpoints"][1] and OLD not in seen["m1.service-endpoints"][1]


def test_checks_fail_when_the_cluster_still_holds_the_old_name(
        kubectl_stub: KubectlStub, renamed: tuple[Manifest, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = validate(kubectl_stub, manifests(1), renamed, monkeypatch)
    assert failing(seen) == REACH_GRAFANA_SERVICE, seen
    assert seen["m1.grafana-nodeport"][1] == f"Service {NEW} does not exist"
    assert seen["m1.service-endpoints"][1] == f"Service missing: {NEW}"
    assert f'services "{NEW}" not found' in seen["m1.grafana-health"][1]


def test_checks_that_kept_the_old_name_fail_against_a_cluster_from_the_renamed_template(
        kubectl_stub: KubectlStub, renamed: tuple[Manifest, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = validate(kubectl_stub, renamed, manifests(1), monkeypatch)
    assert failing(seen) == REACH_GRAFANA_SERVICE, seen
    assert seen["m1.grafana-nodeport"][1] == f"Service {OLD} does not exist"


# Modules that reach in-cluster objects by name. (The registry's template file names and criterion texts are not
# object names.)
NAMING_MODULES = [*sorted(p for folder in ("validate", "certs", "chaos", "chaos/actions", "procedures")
                          for p in (TEMPLATES.parent / "operations" / folder).glob("*.py")),
                  *(TEMPLATES.parent / name for name in ("operations/status.py", "operations/services.py",
                                                         "operations/evidence.py", "commands/open.py",
                                                         "operations/loadtest/run.py"))]


def string_constants(path: Path) -> list[str]:
    """The string literals of a module (f-string parts included), docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


@pytest.mark.parametrize("path", NAMING_MODULES, ids=lambda p: str(p.relative_to(TEMPLATES.parent)))
def test_no_module_writes_the_name_of_a_rendered_service_or_secret(path: Path) -> None:
    """Check ids such as `m2.prometheus-service` are not names: a name is bounded by neither `.` nor `-`."""
    names = Topology.of_manifests(rendered(9))
    objects = {o["metadata"]["name"] for kind in ("Service", "Secret") for o in names.objects(kind=kind)}
    assert {"grafana-service", "kafka-headless", "influxdb-auth"} <= objects
    word = re.compile(rf"(?<![\w.-])({'|'.join(map(re.escape, sorted(objects)))})(?![\w.-])")
    written = sorted({m.group(1) for text in string_constants(path) for m in word.finditer(text)})
    assert written == [], f"{path.name} writes {written}; ask ca3cli/core/topology.py instead"
