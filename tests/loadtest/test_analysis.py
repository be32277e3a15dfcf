"""The timeline analysis on recorded timelines: a clean cycle, no scale-down, no metrics-server, refused load."""

from __future__ import annotations

from dataclasses import replace

from ca3cli.operations.loadtest import analysis, cluster
from ca3cli.operations.loadtest.model import LoadReport, from_json, to_json
from tests.loadtest import recorded
from tests.loadtest.recorded import CLEAN, NO_METRICS_MESSAGE, timeline


def test_a_clean_one_to_three_to_one_cycle_of_both_autoscalers_passes_with_the_times_it_happened() -> None:
    result = analysis.analyse(timeline(CLEAN))
    assert result.ok and result.problems == ()
    producer, processor = result.cycles
    assert (producer.hpa, producer.start, producer.peak, producer.up_at, producer.down_at) == (
        "producer", 1, 3, 15.0, 35.0)
    assert (processor.start, processor.peak, processor.down_at) == (1, 3, 35.0)
    assert result.throughput_rose is True
    assert [(c.t, c.hpa, c.before, c.after) for c in result.changes][:2] == [
        (15.0, "producer", 1, 3), (15.0, "processor", 1, 2)]


def test_throughput_per_replica_level_is_the_mean_rate_at_each_replica_count_after_the_baseline() -> None:
    levels = {(lv.hpa, lv.replicas): lv for lv in analysis.analyse(timeline(CLEAN)).levels}
    assert levels[("producer", 3)].samples == 3
    assert levels[("producer", 3)].rate == (950 + 990 + 200) / 3
    assert levels[("producer", 3)].per_replica == levels[("producer", 3)].rate / 3
    assert levels[("producer", 1)].rate == (400 + 3) / 2


def test_baseline_and_achieved_load_come_from_the_baseline_samples_and_the_generator_summary() -> None:
    result = analysis.analyse(timeline(CLEAN))
    assert result.baseline["produced"] == 3.0 and result.load_peak["produced"] == 990.0
    assert result.achieved_rate == 70_000 / 15.0  # load samples at +10 and +20, window +10 .. +25


def test_when_scale_down_never_comes_the_verdict_names_the_hpa_and_what_it_reported_last() -> None:
    stuck = [*CLEAN[:5], ("cooldown", (3, 55), (1, 8), 400.0), ("cooldown", (3, 52), (1, 8), 400.0)]
    result = analysis.analyse(timeline(stuck))
    assert not result.ok
    (problem,) = result.problems
    assert problem.startswith("HPA producer scaled up to 3 but was not back at its minimum 1")
    assert "3 current / 3 desired replicas, CPU 52%" in problem and problem.endswith("in ca3.yaml.")


def test_without_metrics_server_neither_hpa_scales_and_the_verdict_quotes_the_hpa_condition() -> None:
    rows = [(phase, (1, None), (1, None), rate) for phase, _, _, rate in CLEAN]
    result = analysis.analyse(timeline(rows))
    assert [p.split(":")[0] for p in result.problems] == ["HPA producer never scaled up",
                                                          "HPA processor never scaled up"]
    assert all(NO_METRICS_MESSAGE in p and "metrics-server" in p for p in result.problems)
    assert result.cycles[0].peak == 1


def test_a_metrics_server_refusal_is_the_only_problem_and_no_cycle_is_judged() -> None:
    refusal = "metrics-server does not answer for namespace conveyor-pipeline (NotFound). Install it."
    result = analysis.analyse(timeline([], load=LoadReport("not-started"), refusals=(refusal,)))
    assert result.problems == (refusal,) and result.cycles == ()


def test_load_the_producer_refused_entirely_fails_and_says_so_besides_the_missing_scale_up() -> None:
    flat = [(phase, (1, 10), (1, 8), 3.0) for phase, *_ in CLEAN]
    refused = LoadReport("complete", sent=5000, accepted=0, refused=5000, failed_requests=100)
    result = analysis.analyse(timeline(flat, load=refused))
    assert result.problems[0].startswith("The producer accepted none of the 5000 readings sent (100 requests failed)")
    assert any(p.startswith("HPA producer never scaled up: it stayed at 1 replica(s) with CPU at most 10%")
               for p in result.problems)
    assert result.notes == (("The producer refused 5000 of 5000 readings (100 failed requests); refused readings "
                            "never reached Kafka."),)


def test_a_partly_refused_load_is_a_note_not_a_failure() -> None:
    partly = LoadReport("complete", sent=70_000, accepted=69_000, refused=1000, failed_requests=20)
    result = analysis.analyse(timeline(CLEAN, load=partly))
    assert result.ok and len(result.notes) == 1


def test_an_interrupted_or_failed_load_generator_fails_the_verdict() -> None:
    for report, start in ((LoadReport("interrupted"), "The load test was interrupted"),
                          (LoadReport("failed", reason="BackoffLimitExceeded"), "The load generator's Job failed")):
        result = analysis.analyse(timeline(CLEAN, load=report))
        assert result.problems[0].startswith(start)


def test_an_autoscaler_never_seen_is_named_with_how_to_deploy_it() -> None:
    with_extra = replace(timeline(CLEAN), hpa_names=("producer", "processor", "extra"))
    assert analysis.analyse(with_extra).problems == (
        ("HPA extra was never seen in namespace conveyor-pipeline. Deploy milestone 6 (`ca3 deploy -m 6`) and run the "
        "load test again."),)


def test_the_timeline_survives_its_json_round_trip_unchanged() -> None:
    original = timeline(CLEAN)
    assert from_json(to_json(original)) == original


def test_rescale_events_are_read_from_recorded_event_shapes_after_the_start_only() -> None:
    events = recorded.hpa_list(
        recorded.rescale_event("producer", "2026-12-01T07:59:00Z", 2, recorded.UP),
        recorded.rescale_event("producer", "2026-12-01T08:00:20Z", 3, recorded.UP),
        recorded.RECORDED_EVENT)
    found = cluster.rescales(events, "2026-12-01T08:00:00Z")
    assert [(r.hpa, r.new_size) for r in found] == [("producer", 3)]


def test_the_recorded_hpa_without_metrics_reads_as_unknown_cpu_and_inactive() -> None:
    reading = cluster.hpa_reading(recorded.RECORDED_HPA)
    assert (reading.current, reading.desired, reading.minimum, reading.maximum) == (1, 0, 1, 5)
    assert reading.cpu is None and reading.target_cpu == 50 and not reading.active
    assert "unable to get metrics for resource cpu" in reading.message


def test_an_hpa_not_on_cpu_that_never_scales_points_at_the_lag_threshold_not_at_metrics_server() -> None:
    flat = [(phase, (1, 10), (1, 8), 3.0) for phase, *_ in CLEAN]
    recorded_timeline = timeline(flat)
    on_lag = tuple(replace(s, hpas=(s.hpas[0], replace(s.hpas[1], cpu=None, target_cpu=None)))
                   for s in recorded_timeline.samples)
    problems = analysis.analyse(replace(recorded_timeline, samples=on_lag)).problems
    assert problems[1].startswith("HPA processor never scaled up: it stayed at 1 replica(s)")
    assert "processor_lag_threshold" in problems[1] and "metrics-server" not in problems[1]
