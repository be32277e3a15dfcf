"""Reading kubectl's answers: Ready pods per app, a Job's state, the load generator's summary line."""

from __future__ import annotations

import json

from ca3cli.operations.loadtest import cluster, job
from tests.fixtures.kubectl import fixture_json


def test_ready_pods_are_counted_per_app_label_and_a_finished_job_pod_is_not_ready() -> None:
    counts = cluster.ready_pods(fixture_json("recorded/get-pods.json"))
    assert counts["producer"] == counts["processor"] == 1
    assert counts["kafka-topic-create"] == 0


def test_a_job_is_running_until_a_complete_or_failed_condition_is_true() -> None:
    done = fixture_json("recorded/get-job-kafka-topic-create.json")
    assert job.state(done) == ("complete", "")
    assert job.state({"status": {"active": 1}}) == ("running", "")
    failed = {"status": {"conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
                                         "message": "Job was active longer than specified deadline"}]}}
    assert job.state(failed) == ("failed", "Job was active longer than specified deadline")


def test_the_summary_is_the_last_json_line_with_sent_and_a_missing_one_is_a_failed_run() -> None:
    logs = "\n".join(["Traceback? no", json.dumps({"sent": 1}), json.dumps(
        {"sent": 500, "accepted": 450, "refused": 50, "failed_requests": 1})])
    report = job.summary(logs, "complete", "")
    assert (report.outcome, report.sent, report.accepted, report.refused, report.failed_requests) == (
        "complete", 500, 450, 50, 1)
    missing = job.summary("Error: connection refused\n", "complete", "")
    assert (missing.outcome, missing.reason) == ("failed", "the load generator printed no summary")
    assert job.summary(logs, "failed", "BackoffLimitExceeded").outcome == "failed"
