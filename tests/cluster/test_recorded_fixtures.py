"""The recorded fixtures are still what the real cluster returned: listed, shaped as their command's answer, and
equal to the recordings beside the repository when those are there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.kubectl import FIXTURES_DIR

RECORDED = FIXTURES_DIR / "recorded"
SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "kubectl-recordings"
KINDS = {"all": "", "deployment": "Deployment", "deployments": "Deployment", "events": "Event", "job": "Job",
         "pods": "Pod", "pvc": "PersistentVolumeClaim", "statefulset": "StatefulSet", "daemonset": "DaemonSet",
         "namespace": "Namespace", "svc": "Service", "hpa": "HorizontalPodAutoscaler", "nodes": "Node",
         "storageclass": "StorageClass", "secret": "Secret"}  # pragma: allowlist secret (kinds, no value)
STATUSLESS = ("Secret",)  # kinds the API reference gives no status


def index() -> dict[str, tuple[str, str]]:
    """file -> (exit code, command) from the copied index."""
    rows = [line.split("\t") for line in (RECORDED / "index.tsv").read_text().splitlines() if line]
    return {name: (code, command) for name, code, command in rows}


FILES = sorted(path.name for path in RECORDED.glob("*.json"))


def test_every_recorded_fixture_is_indexed_and_every_indexed_file_is_there() -> None:
    assert sorted(index()) == FILES


@pytest.mark.parametrize("name", FILES)
def test_each_recorded_fixture_parses_as_the_answer_of_its_command(name: str) -> None:
    code, command = index()[name]
    words = command.split()
    if words[1] == "version":
        assert code == "0" and "serverVersion" in json.loads((RECORDED / name).read_text())
        return
    resource = words[words.index("get") + 1]
    named = words[words.index("get") + 2] != "-o"
    document = json.loads((RECORDED / name).read_text())
    assert code == "0"
    if named:
        assert document["kind"] == KINDS[resource] and document["metadata"]["name"] == words[words.index("get") + 2]
        assert document["metadata"]["uid"] and ("status" in document) == (document["kind"] not in STATUSLESS)
    else:
        assert document["kind"] == "List" and document["items"]
        assert not KINDS[resource] or {item["kind"] for item in document["items"]} == {KINDS[resource]}


@pytest.mark.skipif(not SOURCE.is_dir(), reason="the recordings are not beside this repository")
@pytest.mark.parametrize("name", FILES)
def test_each_recorded_fixture_still_equals_its_recording(name: str) -> None:
    assert (RECORDED / name).read_bytes() == (SOURCE / name).read_bytes()
    source_index = {line.split("\t")[0]: line for line in (SOURCE / "index.tsv").read_text().splitlines()}
    code, command = index()[name]
    assert source_index[name] == f"{name}\t{code}\t{command}"
