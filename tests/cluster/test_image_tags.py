"""The app images' tags follow their build context's content, so changed code reaches the cluster and unchanged code
rolls nothing; `images.tag` still wins."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from ca3cli.core import imagetag
from ca3cli.core.settings import Settings
from ca3cli.edges import buildcontext
from ca3cli.operations import build
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub

REPO_APPS = Path(__file__).resolve().parents[2] / "apps"
Ca3 = Callable[..., Run]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the repository's apps/ (the real build context), without build droppings."""
    target = tmp_path / "copy" / "apps"
    shutil.copytree(REPO_APPS, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    return target


def tags(apps_dir: Path) -> dict[str, str]:
    return {app: build.with_content_tags(Settings(), apps_dir).image(app) for app in build.APPS}


def test_the_same_content_gives_the_same_tags_wherever_it_lies(copy: Path, tmp_path: Path) -> None:
    second = tmp_path / "second" / "apps"
    shutil.copytree(copy, second)
    assert tags(copy) == tags(second)
    assert all(image.startswith(f"ca3/{app}:{imagetag.APP_VERSION}-") for app, image in tags(copy).items())


@pytest.mark.parametrize(("changed", "moved"), [
    ("producer/producer/simulation.py", {"producer"}),
    ("processor/processor/analytics.py", {"processor"}),
    ("producer/Dockerfile", {"producer"}),
    ("common/conveyor_common/reading.py", {"producer", "processor"}),
    (".dockerignore", {"producer", "processor"}),
])
def test_one_changed_byte_moves_the_tag_of_exactly_the_images_built_from_it(copy: Path, changed: str,
                                                                             moved: set[str]) -> None:
    before = tags(copy)
    path = copy / changed
    path.write_bytes(path.read_bytes() + b" ")
    after = tags(copy)
    assert {app for app in build.APPS if before[app] != after[app]} == moved


def test_a_renamed_file_moves_the_tag_though_no_byte_changed(copy: Path) -> None:
    before = tags(copy)
    (copy / "producer" / "README.md").rename(copy / "producer" / "README.txt")
    assert tags(copy)["producer"] != before["producer"]


def test_build_droppings_docker_never_sees_leave_the_tags_alone(copy: Path) -> None:
    before = tags(copy)
    (copy / "producer" / "producer" / "__pycache__").mkdir()
    (copy / "producer" / "producer" / "__pycache__" / "simulation.cpython-312.pyc").write_bytes(b"\0")
    (copy / "processor" / "processor.egg-info").mkdir()
    (copy / "processor" / "processor.egg-info" / "PKG-INFO").write_text("x")
    assert tags(copy) == before


def test_what_the_tag_ignores_is_what_dockerignore_keeps_out_of_the_context() -> None:
    patterns = {line for line in (REPO_APPS / ".dockerignore").read_text().splitlines()
                if line and not line.startswith("#")}
    ignored = {f"**/{name}/" for name in imagetag.IGNORED_DIRECTORIES}
    ignored |= {f"**/*{suffix}/" if suffix == ".egg-info" else f"**/*{suffix}" for suffix in imagetag.IGNORED_SUFFIXES}
    assert patterns == ignored


def test_a_symlinked_folder_counts_as_its_link_and_is_never_followed(copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big.bin").write_bytes(b"x")
    (copy / "producer" / "vendor").symlink_to(outside, target_is_directory=True)
    listed = dict(buildcontext.files(copy, "producer"))
    assert listed["producer/vendor"] == b"symlink:" + str(outside).encode()
    assert not any(path.startswith("producer/vendor/") for path in listed)
    before = tags(copy)
    (outside / "big.bin").write_bytes(b"y")
    assert tags(copy) == before


def test_the_apps_version_is_the_version_content_tags_start_with() -> None:
    for app in build.APPS:
        meta = tomllib.loads((REPO_APPS / app / "pyproject.toml").read_text())
        assert meta["project"]["version"] == imagetag.APP_VERSION


def test_a_set_images_tag_wins_over_the_content(copy: Path) -> None:
    chosen = Settings.model_validate({"images": {"tag": "2.0.1"}})
    assert build.with_content_tags(chosen, copy).image("producer") == "ca3/producer:2.0.1"
    assert chosen.app_version == "2.0.1"


def test_without_apps_to_read_the_images_run_the_bare_version(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "CHECKOUT_APPS_DIR", tmp_path / "nowhere")  # as installed from a wheel
    monkeypatch.chdir(tmp_path)
    assert build.with_content_tags(Settings()).image("producer") == f"ca3/producer:{imagetag.APP_VERSION}"


def test_build_then_render_agree_on_the_content_tag_and_a_code_change_changes_both(
        project: Project, kubectl_stub: KubectlStub, ca3: Ca3, copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "CHECKOUT_APPS_DIR", copy)
    kubectl_stub.docker.on("build")

    def built_and_rendered() -> tuple[set[str], set[str]]:
        start = len(kubectl_stub.docker.calls)
        assert ca3("build").code == 0
        assert ca3("render", "-m", "1", "--out", "k8s").code == 0
        built = {call.argv[call.argv.index("-t") + 1] for call in kubectl_stub.docker.calls[start:]}
        rendered = {line.split(":", 1)[1].strip().strip('"')
                    for app in build.APPS
                    for line in (project.path / "k8s" / app / f"{app}-deployment.yaml").read_text().splitlines()
                    if line.strip().startswith("image:")}
        return built, rendered

    built, rendered = built_and_rendered()
    assert built == rendered == set(tags(copy).values())
    (copy / "producer" / "producer" / "simulation.py").write_text("# changed\n", encoding="utf-8")
    built_again, rendered_again = built_and_rendered()
    assert built_again == rendered_again
    assert (built_again - built) == {tags(copy)["producer"]} and tags(copy)["processor"] in built_again
