"""The runner (parallel, per-check timeouts, failures never stop the run) and the report's JSON and JUnit forms."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from ca3cli.core.errors import KubectlError
from ca3cli.core.settings import Settings
from ca3cli.edges.kube import Kubectl
from ca3cli.operations.validate import report, runner
from ca3cli.operations.validate.model import Check, CheckResult, Status, passed
from ca3cli.operations.validate.probe import Probe


class ClosingProbe(Probe):
    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


@pytest.fixture
def probe() -> ClosingProbe:
    return ClosingProbe(Kubectl(namespace="conveyor-pipeline"), Settings(), 9)


def fixed(value: Any) -> Any:
    return lambda probe: value


def test_checks_run_in_parallel_and_results_keep_catalogue_order(probe: ClosingProbe) -> None:
    both_started = threading.Barrier(2, timeout=10)  # breaks (and the checks crash) unless both run at once

    def meet(probe: Probe) -> str:
        both_started.wait()
        return "met"

    checks = [Check("m1.topic", meet, passed), Check("m1.namespace", meet, passed)]
    results = runner.run(checks, probe)
    assert [(r.id, r.status, r.evidence) for r in results] == [("m1.topic", Status.PASS, "met"),
                                                                ("m1.namespace", Status.PASS, "met")]
    assert results[0].criterion.startswith("Topic conveyor-speed exists") and results[0].milestone == 1
    assert probe.closed


def test_a_check_past_its_timeout_names_itself_and_the_others_finish(probe: ClosingProbe) -> None:
    release = threading.Event()

    def hang(probe: Probe) -> str:
        release.wait(30)
        return "late"

    checks = [Check("m5.loki-apps", hang, passed, timeout_s=0.3), Check("m1.secrets", fixed("ok"), passed)]
    try:
        results = runner.run(checks, probe)
    finally:
        release.set()
    assert (results[0].status, results[0].evidence) == (Status.FAIL, "check m5.loki-apps timed out after 0.3s")
    assert results[1].status is Status.PASS


def test_errors_become_fail_with_their_first_lines_and_never_stop_the_run(probe: ClosingProbe) -> None:
    def kubectl_fails(probe: Probe) -> None:
        raise KubectlError(["kubectl", "get", "pods"], 1, "", "Error from server (Forbidden): pods is forbidden\n")

    def crashes(probe: Probe) -> None:
        raise KeyError("items")

    checks = [Check("m1.pods-running", kubectl_fails, passed), Check("m1.topic", crashes, passed),
              Check("m1.secrets", fixed("fine"), passed)]
    results = runner.run(checks, probe)
    assert [r.status for r in results] == [Status.FAIL, Status.FAIL, Status.PASS]
    assert "failed with exit code 1: Error from server (Forbidden)" in results[0].evidence
    assert results[1].evidence.startswith("check crashed (KeyError") and "bug in ca3" in results[1].evidence


def test_skip_reason_is_reported_without_gathering(probe: ClosingProbe) -> None:
    def must_not_run(probe: Probe) -> None:
        raise AssertionError("gathered although skipped")

    [result] = runner.run([Check("m8.no-plaintext-9092", must_not_run, passed, skip=fixed("TLS is off"))], probe)
    assert (result.status, result.evidence) == (Status.SKIP, "TLS is off")


RESULTS = (
    CheckResult("m1.namespace", 1, "The namespace is Active", Status.PASS, "conveyor-pipeline Active", 0.12),
    CheckResult("m1.topic", 1, "Topic exists", Status.FAIL, "topic conveyor-speed not described: <none>", 1.5),
    CheckResult("m9.no-crashloops", 9, "No crash loops", Status.WARN, "recent restarts: producer-1", 0.1),
    CheckResult("m8.clients-tls", 8, "Clients use TLS", Status.SKIP, "TLS is off", 0.0),
)


def test_json_report_parses_back_with_counts_and_labels() -> None:
    parsed = json.loads(json.dumps(report.to_json(report.Report(9, "requested", RESULTS))))
    assert parsed["summary"] == {"PASS": 1, "FAIL": 1, "WARN": 1, "SKIP": 1}
    assert parsed["passed"] is False and parsed["milestone"] == 9
    assert parsed["results"][1] == {"id": "m1.topic", "milestone": "M1", "criterion": "Topic exists", "status": "FAIL",
                                    "evidence": "topic conveyor-speed not described: <none>", "seconds": 1.5}


def test_junit_parses_as_xml_with_failures_skips_and_warnings() -> None:
    root = ET.fromstring(report.to_junit(report.Report(9, "requested", RESULTS)))
    suite = root.find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    failure = cases["m1.topic"].find("failure")
    assert failure is not None and failure.get("message") == "topic conveyor-speed not described: <none>"
    assert cases["m8.clients-tls"].find("skipped") is not None
    assert cases["m9.no-crashloops"].findtext("system-out") == "WARN: recent restarts: producer-1"
    assert cases["m1.namespace"].get("classname") == "M1" and cases["m1.namespace"].find("failure") is None


def test_summary_line_counts_every_status() -> None:
    line = report.summary_line(report.Report(8, "requested", RESULTS))
    assert line == "4 checks for milestones 1-8: 1 PASS, 1 FAIL, 1 WARN, 1 SKIP"
