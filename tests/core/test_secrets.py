"""Generated secrets: strong, private files, kept on re-runs, replaced only with rotate."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from ca3cli.core.errors import SecretsError
from ca3cli.edges import secrets


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secrets_are_private_files_in_a_private_folder(tmp_path: Path) -> None:
    folder = tmp_path / ".ca3" / "secrets"
    secrets.ensure(folder)
    assert _mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == sorted(spec.name for spec in secrets.SPECS)
    assert {_mode(f) for f in files} == {0o600}


def test_values_are_long_and_distinct(tmp_path: Path) -> None:
    secrets.ensure(tmp_path)
    values = secrets.load(tmp_path)
    assert len(set(values.values())) == len(values)
    assert min(len(v) for k, v in values.items() if k != "kafka_cluster_id") >= 43


def test_kraft_cluster_id_is_base64url_of_16_bytes() -> None:
    for _ in range(200):
        value = secrets.kraft_cluster_id()
        assert len(value) == 22 and not value.startswith("-")
        assert len(base64.urlsafe_b64decode(value + "==")) == 16


def test_rerun_keeps_every_value(tmp_path: Path) -> None:
    secrets.ensure(tmp_path)
    before = secrets.load(tmp_path)
    ensured = secrets.ensure(tmp_path)
    assert ensured.created == [] and len(ensured.kept) == len(secrets.SPECS)
    assert secrets.load(tmp_path) == before


def test_rotate_replaces_passwords_and_tokens_but_not_the_cluster_id(tmp_path: Path) -> None:
    secrets.ensure(tmp_path)
    before = secrets.load(tmp_path)
    secrets.ensure(tmp_path, rotate=True)
    after = secrets.load(tmp_path)
    assert after["kafka_cluster_id"] == before["kafka_cluster_id"]
    changed = [k for k in before if before[k] != after[k]]
    assert sorted(changed) == sorted(s.name for s in secrets.SPECS if s.rotates)


def test_missing_folder_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(SecretsError, match="ca3 init"):
        secrets.load(tmp_path / "nothing")


def test_secret_readable_by_others_is_refused(tmp_path: Path) -> None:
    secrets.ensure(tmp_path)
    loose = tmp_path / secrets.SPECS[0].name
    loose.chmod(0o644)
    with pytest.raises(SecretsError, match="chmod 600"):
        secrets.load(tmp_path)
