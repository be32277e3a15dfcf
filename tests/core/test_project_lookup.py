"""Commands find their project as git finds .git: a ca3.yaml in this folder or one above (said on screen); outside
any project the commands that write into one refuse, and bad input stops before a cluster is asked anything."""

from __future__ import annotations

from pathlib import Path

from ca3cli.operations.certs import store
from tests.core.test_cli import ca3


def test_a_command_in_a_subfolder_works_on_the_project_above_and_says_which(project: Path) -> None:
    assert ca3(project, "init").returncode == 0
    below = project / "apps" / "notes"
    below.mkdir(parents=True)
    result = ca3(below, "certs")
    assert result.returncode == 0, result.stderr
    assert f"Using the project in {project}" in " ".join(result.stderr.split())
    assert store.cert_path(project / ".ca3" / "certs", store.CA).is_file()
    assert not (below / ".ca3").exists()


def test_certs_and_handin_outside_any_project_refuse_and_write_nothing(project: Path) -> None:
    for command in ("certs", "handin"):
        refused = ca3(project, command)
        said = " ".join(refused.stderr.split())
        assert refused.returncode == 2, said
        assert f"No ca3.yaml in {project} or any folder above it" in said and "`ca3 init`" in said
    assert list(project.iterdir()) == []


def test_an_explicit_config_is_used_as_given_even_when_a_parent_holds_another(project: Path) -> None:
    assert ca3(project, "init").returncode == 0
    below = project / "other"
    below.mkdir()
    missing = ca3(below, "--config", "ca3.yaml", "certs")
    assert missing.returncode == 2 and "Using the project" not in missing.stderr


def test_validate_refuses_an_unknown_milestone_or_check_before_reaching_for_the_cluster(project: Path) -> None:
    for args, said in ((("-m", "12"), "Unknown milestone 12"), (("--only", "nope"), "Unknown check id nope")):
        refused = ca3(project, "validate", *args)
        assert refused.returncode == 2 and said in refused.stderr, refused.stderr
        assert "kubectl" not in refused.stderr


def test_from_a_subfolder_manifests_and_outputs_land_beside_ca3_yaml_and_a_given_out_is_taken_as_given(
        project: Path) -> None:
    """The hand-in reads k8s/ and outputs/ beside ca3.yaml, so a command run lower down writes there too."""
    assert ca3(project, "init").returncode == 0
    below = project / "notes"
    below.mkdir()
    for args in (("render", "-m", "1"), ("chaos", "--export", "chaostoolkit", "-m", "1")):
        done = ca3(below, *args)
        assert done.returncode == 0, done.stderr
    assert sorted((project / "k8s").rglob("*.yaml")) and sorted((project / "outputs" / "chaostoolkit").glob("*.json"))
    assert list(below.iterdir()) == []
    given = ca3(below, "render", "-m", "1", "--out", "mine")
    assert given.returncode == 0, given.stderr
    assert sorted((below / "mine").rglob("*.yaml"))
