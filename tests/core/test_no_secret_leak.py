"""No generated secret value reaches a non-Secret object or a file git would track, and nothing secret-looking is
in this repository or its history."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ca3cli.core import registry, render, template_values
from ca3cli.core.settings import Settings
from ca3cli.edges import secrets
from ca3cli.operations.handin import scan
from tests.fixtures.patience import SCAN_GUARD_S

REPO = Path(__file__).resolve().parents[2]


def _values(folder: Path) -> list[str]:
    return list(secrets.load(folder).values())


def test_secret_values_appear_only_in_secret_objects(tmp_path: Path) -> None:
    secrets.ensure(tmp_path)
    values = _values(tmp_path)
    values_in = {**secrets.load(tmp_path), **template_values.tls_placeholders()}
    manifests = render.render(Settings(), values_in, registry.HIGHEST)
    in_secrets = "".join(yaml.safe_dump(d) for m in manifests for d in m.documents if d["kind"] == "Secret")
    assert all(v in in_secrets for v in values), "every generated value is delivered by some Secret"
    for manifest in manifests:
        for doc in (d for d in manifest.documents if d["kind"] != "Secret"):
            text = yaml.safe_dump(doc)
            assert not [v for v in values if v in text], f"{manifest.path} {doc['kind']} holds a secret value"


def _ca3(cwd: Path, *args: str) -> None:
    """ca3 with the project as its home; the user's cache (compiled templates) stays the session's, outside it."""
    subprocess.run([sys.executable, "-m", "ca3cli", *args], cwd=cwd, check=True, capture_output=True, text=True,
                   env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(cwd),
                        "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"]})


def test_gitignore_keeps_generated_and_rendered_secrets_untracked(tmp_path: Path) -> None:
    shutil.copy(REPO / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True)
    _ca3(tmp_path, "init")
    _ca3(tmp_path, "certs")
    _ca3(tmp_path, "render", "-m", str(registry.HIGHEST), "--include-secrets")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    tracked = subprocess.run(["git", "ls-files"], cwd=tmp_path, check=True, capture_output=True,
                             text=True).stdout.split()
    assert "outputs/tls-config-summary.md" in tracked, "a hand-in deliverable; it holds no key (tests/tls)"
    assert (tmp_path / ".ca3" / "rendered-secrets" / "secrets" / "influxdb-auth-secret.yaml").exists()
    assert "k8s/kafka/kafka-statefulset.yaml" in tracked, "k8s/ is committed: the seed names its paths"
    assert not [p for p in tracked if p.startswith(".ca3/") or p == "ca3.yaml"]
    values = _values(tmp_path / ".ca3" / "secrets")
    for path in tracked:
        text = (tmp_path / path).read_text()
        assert not [v for v in values if v in text], f"{path} holds a generated secret"
        assert "PRIVATE KEY" not in text, f"{path} holds a private key"
        if path.endswith(".yaml"):
            assert "Secret" not in [d["kind"] for d in yaml.safe_load_all(text) if d], f"{path} holds a Secret"


@pytest.mark.timeout(SCAN_GUARD_S)
def test_this_repository_and_its_history_hold_no_secret_the_baseline_has_not_accepted() -> None:
    """detect-secrets over the working tree and every blob of HEAD's history, plus the local generated values;
    this fails in a clean clone as soon as anything secret-looking is committed (accepted findings are the audited
    test doubles and prose in .secrets.baseline)."""
    folder = REPO / ".ca3" / "secrets"
    values = _values(folder) if folder.is_dir() else []
    scanned = scan.scan(REPO, values, refs=("HEAD",))
    assert scanned.blobs > 100, "the history was read"
    found = scan.unaccepted(scanned.findings, scan.accepted(REPO / scan.BASELINE))
    assert not found, [f"{f.describe()} ({f.kind})" for f in found]


def test_init_ignores_the_secrets_before_it_makes_them_and_keeps_a_gitignore_it_finds(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text("node_modules/")
    _ca3(tmp_path, "init")
    _ca3(tmp_path, "init")  # a second run adds nothing
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[0] == "node_modules/" and lines.count(".ca3/") == 1
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    tracked = subprocess.run(["git", "ls-files"], cwd=tmp_path, check=True, capture_output=True,
                             text=True).stdout.split()
    assert (tmp_path / ".ca3" / "secrets").is_dir()
    assert not [p for p in tracked if p.startswith(".ca3/")], tracked
