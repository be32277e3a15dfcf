"""Certificates that fitted before are trusted from the user's cache only inside the window they fit in
(ca3cli/operations/certs/verdicts.py): checking them again loads no cryptography, and a certificate near its end,
changed, or asked for other names is looked at afresh."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ca3cli.operations.certs import inspect, store, verdicts
from ca3cli.operations.certs.names import wanted
from tests.tls.helpers import issued, settings_with

START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "ca3" / verdicts.FOLDER


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every certificate inspect looks at from now on, by its common name."""
    looked: list[str] = []
    real = inspect.describe
    monkeypatch.setattr(inspect, "describe", lambda cert: looked.append(str(cert.subject)) or real(cert))
    return looked


def test_a_second_check_of_fitting_certificates_parses_none(cache: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_with(cert_days=10)
    store.ensure(tmp_path / "certs", settings, now=START)
    looked = _counting(monkeypatch)
    assert store.missing_or_stale(tmp_path / "certs", wanted(settings), now=START) == []
    assert len(looked) == 2  # influxdb and kafka (the CA is checked without describe)
    kept = next(cache.iterdir())
    assert oct(kept.stat().st_mode & 0o777) == "0o600" and len(kept.read_text().splitlines()) == 3
    assert store.missing_or_stale(tmp_path / "certs", wanted(settings), now=START + dt.timedelta(days=2)) == []
    assert len(looked) == 2


def test_a_certificate_near_its_end_is_looked_at_again_and_reported(cache: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_with(cert_days=10)
    store.ensure(tmp_path / "certs", settings, now=START)
    assert store.missing_or_stale(tmp_path / "certs", wanted(settings), now=START) == []
    looked = _counting(monkeypatch)
    late = START + dt.timedelta(days=4)  # 6 days left, within RENEW_WITHIN
    assert store.missing_or_stale(tmp_path / "certs", wanted(settings), now=late) == ["influxdb", "kafka"]
    assert len(looked) == 2
    assert store.missing_or_stale(tmp_path / "certs", wanted(settings), now=late) == ["influxdb", "kafka"]
    assert len(looked) == 4  # a problem is never kept


def test_other_names_or_another_certificate_are_checked_afresh(cache: Path, tmp_path: Path) -> None:
    folder = issued(tmp_path / "certs", settings_with(replicas=1))
    one = wanted(settings_with(replicas=1))
    assert store.missing_or_stale(folder, one) == []
    three = [spec for spec in wanted(settings_with(replicas=3)) if spec.name == "kafka"]
    assert store.missing_or_stale(folder, three) == ["kafka"]
    other = issued(tmp_path / "other", settings_with(replicas=1))  # the same names, from another CA
    store.cert_path(folder, "kafka").write_bytes(store.cert_path(other, "kafka").read_bytes())
    assert store.missing_or_stale(folder, one) == ["kafka"]


def test_a_verdict_file_others_can_write_is_not_trusted(cache: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = issued(tmp_path / "certs", settings_with())
    assert store.missing_or_stale(folder, wanted(settings_with())) == []
    next(cache.iterdir()).chmod(0o666)
    looked = _counting(monkeypatch)
    assert store.missing_or_stale(folder, wanted(settings_with())) == []
    assert len(looked) == 2


def test_checking_what_fitted_before_loads_no_cryptography(cache: Path, tmp_path: Path) -> None:
    folder = issued(tmp_path / "certs", settings_with())
    probe = ("import sys\nfrom pathlib import Path\nfrom ca3cli.operations.certs import store\n"
             "from ca3cli.operations.certs.names import wanted\nfrom tests.tls.helpers import settings_with\n"
             f"print(store.missing_or_stale(Path({str(folder)!r}), wanted(settings_with())), "
             "'cryptography' in sys.modules)\n")
    environ = {**os.environ, "XDG_CACHE_HOME": str(cache.parents[1])}
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                           env=environ).stdout.strip() for _ in range(2)]
    assert runs == ["[] True", "[] False"]
