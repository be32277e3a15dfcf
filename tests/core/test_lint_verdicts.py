"""Strict-schema verdicts kept by content (ca3cli/core/lint/verdicts.py, ca3cli/edges/lint_verdicts.py): an object
that passed before with the same validators is not validated again, anything else is, a finding is never kept, and
linting what passed before loads no jsonschema."""

from __future__ import annotations

import copy
import datetime
import subprocess
import sys
from pathlib import Path

import pytest

from ca3cli.core import lint
from ca3cli.core.lint import schema, verdicts
from ca3cli.core.objects import KubeObject
from ca3cli.edges import lint_verdicts, user_cache
from tests.core.conftest import rendered


@pytest.mark.parametrize(("one", "other"), [
    ({"a": "1"}, {"a": 1}),
    ({"a": "2026-12-06"}, {"a": datetime.date(2026, 12, 6)}),
    ({"a": [1, 2]}, {"a": [2, 1]}),
    ({"a": {"b": None}}, {"a": {"b": "None"}}),
    ({1: "a"}, {"1": "a"}),
])
def test_content_that_validates_differently_never_shares_a_key(one: dict[object, object],
                                                               other: dict[object, object]) -> None:
    assert verdicts.keys(one, ("1.30",)) != verdicts.keys(other, ("1.30",))  # type: ignore[arg-type]


def test_a_key_is_the_content_and_the_version_whatever_the_order_of_fields() -> None:
    doc = {"kind": "ConfigMap", "data": {"x": "1", "y": "2"}}
    reordered = {"data": {"y": "2", "x": "1"}, "kind": "ConfigMap"}
    assert verdicts.keys(doc, ("1.30", "1.37")) == verdicts.keys(reordered, ("1.30", "1.37"))
    first, second = verdicts.keys(doc, ("1.30", "1.37"))
    assert first != second


def _broken(objs: list[KubeObject]) -> list[KubeObject]:
    """A copy of `objs` whose first Deployment carries a field no schema has."""
    changed = [KubeObject.of(copy.deepcopy(o.doc), o.path) for o in objs]
    next(o for o in changed if o.kind == "Deployment").doc["spec"]["replicaz"] = 2
    return changed


def test_only_what_did_not_pass_before_is_validated_again(monkeypatch: pytest.MonkeyPatch) -> None:
    objs = rendered(1)
    findings, passed = lint.check(objs)
    assert findings == [] and len(passed) == len({k for o in objs for k in verdicts.keys(o.doc, lint.VERSIONS)})
    validated: list[str] = []
    real = schema.validate_one
    monkeypatch.setattr(schema, "validate_one", lambda obj, version: validated.append(obj.name) or real(obj, version))
    assert lint.check(objs, passed_before=passed) == ([], passed)
    assert validated == []
    broken = _broken(objs)
    findings, now = lint.check(broken, passed_before=passed)
    assert [f.rule for f in findings] == ["schema-1.30", "schema-1.37"] and "replicaz" in findings[0].message
    assert len(validated) == 2 and now < passed  # the broken Deployment, once per version, and never kept
    assert lint.check(broken, passed_before=passed | now)[0] == findings


def test_linting_what_passed_before_loads_no_jsonschema() -> None:
    probe = ("import sys\nfrom tests.core.conftest import rendered\nfrom ca3cli.core import lint\n"
             "objs = rendered(9)\nassert 'jsonschema' not in sys.modules\n"
             "passed = frozenset(k for o in objs for k in lint.verdicts.keys(o.doc, lint.VERSIONS))\n"
             "assert lint.check(objs, passed_before=passed)[0] == []\n"
             "print(sorted({'jsonschema', 'kubernetes_validate'} & set(sys.modules)))\n")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert loaded.stdout.strip() == "[]"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "ca3" / lint_verdicts.FOLDER


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    validated: list[str] = []
    real = schema.validate_one
    monkeypatch.setattr(schema, "validate_one", lambda obj, version: validated.append(obj.name) or real(obj, version))
    return validated


def test_a_second_lint_of_the_same_objects_validates_nothing(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    objs = rendered(1)
    validated = _counting(monkeypatch)
    assert lint_verdicts.checked(objs) == []
    first = len(validated)
    assert first > 0 and [p.name for p in cache.iterdir()] == [lint_verdicts.fingerprint()]
    kept = next(cache.iterdir())
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    assert lint_verdicts.checked(objs) == [] and len(validated) == first


def test_a_finding_is_worked_out_on_every_run(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = _broken(rendered(1))
    validated = _counting(monkeypatch)
    first = lint_verdicts.checked(broken)
    count = len(validated)
    assert [f.rule for f in first if f.rule.startswith("schema")] == ["schema-1.30", "schema-1.37"]
    assert lint_verdicts.checked(broken) == first and len(validated) == count + 2


def test_other_validators_or_a_file_others_can_write_start_afresh(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    objs = rendered(1)
    validated = _counting(monkeypatch)
    lint_verdicts.checked(objs)
    first = len(validated)
    next(cache.iterdir()).chmod(0o666)
    lint_verdicts.checked(objs)
    assert len(validated) == 2 * first
    versions = {"kubernetes-validate": "0.0.1"}
    real = user_cache.importlib.metadata.version
    monkeypatch.setattr(user_cache.importlib.metadata, "version", lambda name: versions.get(name) or real(name))
    lint_verdicts.checked(objs)
    assert len(validated) == 3 * first and len(list(cache.iterdir())) == 2
