"""Ctrl-C ends any command with "Interrupted." on the console and exit code 130 (the shell's code for SIGINT)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests.cluster.conftest import Project
from tests.fixtures.kubectl import KubectlStub

HANG_GUARD_S = 120  # only there so a broken test cannot hang the suite; never reached when it passes


def test_ctrl_c_while_a_command_waits_on_kubectl_prints_interrupted_and_exits_130(
        project: Project, kubectl_stub: KubectlStub) -> None:
    kubectl_stub.on("version", delay=HANG_GUARD_S)  # the cluster does not answer yet
    kubectl_stub.allow_unmatched = True
    with subprocess.Popen([sys.executable, "-m", "ca3cli", "status"], cwd=project.path, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as child:
        deadline = time.monotonic() + HANG_GUARD_S
        while not kubectl_stub.calls and time.monotonic() < deadline:
            time.sleep(0.1)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=HANG_GUARD_S)
    assert kubectl_stub.calls, "ca3 status never reached kubectl"
    assert child.returncode == 130
    assert "Interrupted." in err
    assert "Traceback" not in out + err
