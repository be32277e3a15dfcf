"""The pure parts of the edges: kubectl's pods and events as the drill sees them, the policies a cut-off removes,
InfluxDB's queries and CSV answers, the live view and the picture."""

from __future__ import annotations

import io

from rich.console import Console

from ca3cli.operations.chaos import influx, inject, observe, plot, podtext, view
from ca3cli.operations.chaos.model import Drill, Reading, Screen
from ca3cli.operations.chaos.recovery import analyse
from tests.chaos import answers as a
from tests.chaos.timelines import OLD, delete_run, readings


def test_a_deleted_pod_is_terminating_and_not_ready_and_its_replacement_is_creating() -> None:
    pods = observe.pod_states(a.replaced(a.recorded_pods(), a.PRODUCER, a.REPLACEMENT, ready=False, keep_old=True))
    by_name = {p.name: p for p in pods}
    assert (by_name[a.PRODUCER].phase, by_name[a.PRODUCER].ready) == ("Terminating", False)
    assert (by_name[a.REPLACEMENT].phase, by_name[a.REPLACEMENT].waiting) == ("Pending", "ContainerCreating")
    assert observe.pod_states(a.restarted(a.recorded_pods(), a.PROCESSOR, 2, True))[6].restarts == 2


def test_events_are_those_since_the_drill_started_oldest_first_and_few() -> None:
    lines = observe.event_lines(a.recorded_events(), "2026-12-01T07:33:45Z")
    assert len(lines) == observe.EVENTS_SHOWN and lines == sorted(lines)
    assert lines[-1].startswith("07:34:19 HorizontalPodAutoscaler/producer FailedGetResourceMetric: ")
    assert observe.event_lines(a.recorded_events(), "2026-12-02T00:00:00Z") == []


def test_the_victim_is_the_first_ready_pod_of_the_tier() -> None:
    pods = observe.pod_states(a.recorded_pods())
    kafka = inject.victim(pods, "kafka")
    assert kafka is not None and kafka.name == "kafka-0"
    assert inject.victim(pods, "no-such-tier") is None
    assert inject.victim(observe.pod_states(a.unready(a.recorded_pods(), a.PRODUCER)), "producer") is None


def test_a_cut_off_takes_the_policies_selecting_the_tier_but_not_default_deny_or_dns() -> None:
    policies = a.recorded_policies()["items"]
    pod = next(p for p in a.recorded_pods()["items"] if p["metadata"]["name"] == "kafka-0")
    names = [p["metadata"]["name"] for p in inject.tier_policies(policies, pod["metadata"]["labels"])]
    assert names == ["kafka", "kafka-from-exporter"]
    kept = inject.saved(next(p for p in policies if p["metadata"]["name"] == "kafka"))
    assert kept["metadata"]["name"] == "kafka" and set(kept) == {"apiVersion", "kind", "metadata", "spec"}
    assert not set(kept["metadata"]) & set(inject.SERVER_FIELDS)


def test_flux_queries_name_the_measurement_field_and_window() -> None:
    query = influx.readings_query("conveyor", 1796112000.5, 1796112060.0)
    assert 'r._measurement == "conveyor_speed" and r._field == "seq"' in query
    assert "range(start: 2026-12-01T08:00:00.500000Z, stop: 2026-12-01T08:01:00.000000Z)" in query
    assert influx.newest_query("conveyor").endswith('|> last(column: "_time")')


def test_influx_csv_answers_parse_to_readings_and_the_newest_time() -> None:
    answer = (",result,table,_time,_value,producer\r\n"
              ",_result,0,2026-12-01T08:00:00.123456789Z,41,producer-848b9d6d7-gvhjt\r\n"
              ",_result,0,2026-12-01T08:00:01Z,42,producer-848b9d6d7-gvhjt\r\n\r\n")
    assert influx.parse_readings(answer) == [Reading(OLD, 41, 1796112000123456789),
                                             Reading(OLD, 42, 1796112001 * 10**9)]
    assert influx.parse_newest(",result,table,_time\r\n,_result,0,2026-12-01T08:00:01.5Z\r\n") == 1796112001.5
    assert influx.parse_newest("\r\n") is None


def test_the_live_view_shows_pods_data_age_events_logs_and_verdicts() -> None:
    run = delete_run(ready_after=6, flowing_after=8, end=40, stored=readings(OLD, range(10)))
    watch = view.Watch("delete-pod-producer", "measure", run.samples[-1], ["08:00:11 Pod/x Killing: Stopping"],
                       ["[pod/producer-x/producer] Speed: 0.2"], [view.verdict_line(analyse(run))])
    out = Console(file=io.StringIO(), width=140, record=True)
    out.print(view.render(watch))
    text = out.export_text()
    for expected in ("delete-pod-producer  phase: measure", "producer-848b9d6d7-x7k2p", "newest reading in InfluxDB: "
                     "1 s old", "Killing: Stopping", "Speed: 0.2", "PASS delete-pod-producer: Ready 6.0 s"):
        assert expected in text


def test_the_timeline_picture_is_a_png_also_when_nothing_was_injected() -> None:
    run = delete_run(ready_after=6, flowing_after=8, end=40, stored=[])
    assert plot.png(Drill("conveyor-pipeline", "2026-12-01T08:00:00Z", 0.0, (run,)))[:4] == b"\x89PNG"
    assert plot.png(Drill("conveyor-pipeline", "2026-12-01T08:00:00Z", 0.0))[:4] == b"\x89PNG"


def test_pod_recovery_shows_the_operators_get_pods_before_during_and_after_as_kubectl_printed_them() -> None:
    run = delete_run(ready_after=6, flowing_after=8, end=40, stored=[])
    table = "NAME   READY   STATUS\nproducer-848b9d6d7-x7k2p   1/1   Running"
    screens = tuple(Screen("delete-pod-producer", moment, "2026-12-01T08:00:10Z", f"kubectl {command}", table)
                    for moment, command in (("before", "get pods"), ("describe", "describe pod x"),
                                            ("during", "get pods -w"), ("after", "get pods")))
    text = podtext.text(Drill("conveyor-pipeline", "2026-12-01T08:00:00Z", 0.0, (run,), screens=screens))
    commands = [line for line in text.splitlines() if line.startswith("$ ")]
    assert commands == ["$ kubectl get pods    # before the fault, 2026-12-01T08:00:10Z",
                        "$ kubectl get pods -w    # while it came back (stopped once recovered), 2026-12-01T08:00:10Z",
                        "$ kubectl get pods    # after recovery, 2026-12-01T08:00:10Z"]
    assert text.count(table) == 3  # kubectl's answer as it was, below each command
    assert "$ " not in podtext.text(Drill("conveyor-pipeline", "2026-12-01T08:00:00Z", 0.0, (run,)))  # no screens


def test_pod_ready_column_counts_ready_containers_as_kubectl_does() -> None:
    pods = observe.pod_states(a.replaced(a.recorded_pods(), a.PRODUCER, a.REPLACEMENT, ready=False, keep_old=False))
    producer = next(p for p in pods if p.name == a.REPLACEMENT)
    kafka = next(p for p in pods if p.name == "kafka-0")
    assert (producer.ready_containers, producer.containers, kafka.ready_containers, kafka.containers) == (0, 1, 1, 1)
