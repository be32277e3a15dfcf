"""No generated secret value reaches a non-Secret object, or a file git would track."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from ca3cli import registry, render, secrets
from ca3cli.certs import objects as certs
from ca3cli.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def _values(folder: Path) -> list[str]:
    return list(secrets.load(folder).values())


def test_secret_values_appear_only_in_secret_objects(tmp_path: Path) -> None:
    secrets.ensure(tmp_path)
    values = _values(tmp_path)
    manifests = render.render(Settings(), {**secrets.load(tmp_path), **certs.placeholders()}, registry.HIGHEST)
    in_secrets = "".join(yaml.safe_dump(d) for m in manifests for d in m.documents if d["kind"] == "Secret")
    assert all(v in in_secrets for v in values), "every generated value is delivered by some Secret"
    for manifest in manifests:
        for doc in (d for d in manifest.documents if d["kind"] != "Secret"):
            text = yaml.safe_dump(doc)
            assert not [v for v in values if v in text], f"{manifest.path} {doc['kind']} holds a secret value"


def _ca3(cwd: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "ca3cli", *args], cwd=cwd, check=True, capture_output=True, text=True,
                   env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(cwd)})


def test_gitignore_keeps_generated_and_rendered_secrets_untracked(tmp_path: Path) -> None:
    shutil.copy(REPO / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True)
    _ca3(tmp_path, "init")
    _ca3(tmp_path, "certs")
    _ca3(tmp_path, "render", "-m", str(registry.HIGHEST), "--include-secrets")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    tracked = subprocess.run(["git", "ls-files"], cwd=tmp_path, check=True, capture_output=True,
                             text=True).stdout.split()
    # ca3.yaml, k8s/ and .ca3/ (certificates and keys too) are per-user output; the TLS summary is a hand-in
    # deliverable and holds no key (tests/tls/test_no_key_leak.py).
    assert tracked == [".gitignore", "outputs/tls-config-summary.md"]
    assert (tmp_path / ".ca3" / "rendered-secrets" / "secrets" / "influxdb-auth-secret.yaml").exists()


def test_no_tracked_file_of_this_repository_holds_a_local_secret_value() -> None:
    folders = [p for p in (REPO / ".ca3" / "secrets", ) if p.is_dir()]
    values = [v for folder in folders for v in _values(folder)]
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, check=True, capture_output=True, text=True).stdout.split()
    assert not [p for p in tracked if p.startswith(".ca3/") or p.startswith("k8s/")]
    for path in tracked:
        file = REPO / path
        if values and file.is_file():
            text = file.read_bytes().decode(errors="ignore")
            assert not [v for v in values if v in text], f"{path} holds a generated secret"
