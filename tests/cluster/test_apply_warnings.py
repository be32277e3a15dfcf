"""The API server's warnings on a successful apply (admission, deprecations) reach the screen and the run log: each
distinct warning once, after the phase whose apply drew it."""

from __future__ import annotations

from collections.abc import Callable

from ca3cli.edges import kube
from tests.cluster.conftest import Project, Run
from tests.fixtures.kubectl import KubectlStub, fixture

Ca3 = Callable[..., Run]
RECORDED = fixture("podsecurity-warn-restricted-apply-promtail.txt")  # kubectl 1.28 applying Promtail, warn=restricted
STDOUT = RECORDED.split("stdout:\n", 1)[1].split("stderr:\n", 1)[0]
STDERR = RECORDED.split("stderr:\n", 1)[1]
WARNING = STDERR.strip().removeprefix("Warning: ")
DEPRECATION = ("policy/v1beta1 PodDisruptionBudget is deprecated in v1.21+, unavailable in v1.25+; use policy/v1 "
               "PodDisruptionBudget")


def test_the_recorded_warning_is_read_from_kubectls_stderr() -> None:
    assert kube.warnings(STDERR) == [WARNING]
    assert kube.warnings(f"Warning: {DEPRECATION}\n{STDERR}error: something else\n") == [DEPRECATION, WARNING]
    assert kube.warnings("") == []


def test_each_distinct_warning_is_shown_once_after_the_phase_that_drew_it_and_logged(
        project: Project, cluster: KubectlStub, ca3: Ca3) -> None:
    cluster.on("apply", stdout=STDOUT, stderr=STDERR, times=1)  # phase 1
    cluster.on("apply", stdout=STDOUT, stderr=f"Warning: {DEPRECATION}\n{STDERR}", times=1)  # phase 2: one new
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    shown = [line for line in result.out.splitlines() if "warning from the API server" in line]
    assert len(shown) == 2, result.out
    text = result.text
    assert text.count('would violate PodSecurity "restricted:latest": restricted volume types') == 1
    assert text.index("Phase 1/") < text.index("would violate PodSecurity") < text.index("Phase 2/") \
        < text.index("PodDisruptionBudget is deprecated")
    log = project.run_logs()[0].read_text()
    assert f"warning from the API server: {WARNING}" in log and f"warning from the API server: {DEPRECATION}" in log
