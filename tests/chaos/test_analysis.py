"""Recovery and loss analysis on recorded timelines: clean, slow, lossy, duplicated, never steady again."""

from __future__ import annotations

from dataclasses import replace

from ca3cli.operations.chaos import recovery
from ca3cli.operations.chaos.loss import Gap, count, process_start_ms
from ca3cli.operations.chaos.model import Reading
from tests.chaos.timelines import NEW, OLD, WALL0_NS, delete_run, readings, sample


def clean_readings() -> list[Reading]:
    return readings(OLD, range(100, 120)) + readings(NEW, range(0, 30), start_s=16)


def test_clean_recovery_measures_ready_and_flow_times_and_passes() -> None:
    result = recovery.analyse(delete_run(ready_after=6, flowing_after=8, end=40, stored=clean_readings()))
    assert (result.ready_s, result.flowing_s, result.peak_lag) == (6.0, 8.0, 40)
    assert (result.seqs.lost, result.seqs.duplicated, result.seqs.processes) == (0, 0, 2)
    assert result.steady_before and result.steady_after
    assert result.passed, result.problems


def test_slow_recovery_over_30_s_fails_naming_the_time() -> None:
    result = recovery.analyse(delete_run(ready_after=36, flowing_after=38, end=60, stored=clean_readings()))
    assert result.ready_s == 36.0
    assert not result.passed
    assert result.problems == ("producer took 36 s to be Ready again, over the 30 s target",)


def test_loss_is_counted_from_gaps_and_fails_the_verdict() -> None:
    stored = readings(OLD, [*range(100, 110), *range(115, 120)]) + readings(NEW, range(3, 30), start_s=16)
    result = recovery.analyse(delete_run(ready_after=6, flowing_after=8, end=40, stored=stored))
    assert result.seqs.lost == 5 + 3  # 110-114 between stored ones, 0-2 of the new pod that started in the window
    assert result.seqs.gaps == (Gap(OLD, 109, 115), Gap(NEW, -1, 3))
    assert not result.passed
    assert "8 readings lost (gaps in the producers' sequence numbers)" in result.problems


def test_duplicates_are_counted_and_noted_without_failing() -> None:
    stored = clean_readings()
    stored += stored[5:9]  # a replay wrote four readings again, with their original event times
    result = recovery.analyse(delete_run(ready_after=6, flowing_after=8, end=40, stored=stored))
    assert (result.seqs.stored, result.seqs.distinct, result.seqs.duplicated, result.seqs.lost) == (54, 50, 4, 0)
    assert result.passed
    assert result.notes == ("4 readings stored more than once (the same reading written again after the fault)",)


def test_steady_state_that_never_returns_fails_with_what_is_wrong() -> None:
    run = delete_run(ready_after=6, flowing_after=8, end=40, stored=clean_readings())
    last = run.samples[-1]
    stale = replace(last, newest_s=last.t - 45, lag=5000)
    result = recovery.analyse(replace(run, samples=(*run.samples[:-1], stale)))
    assert not result.steady_after
    assert result.problems == ("steady state did not return: the newest stored reading is 45 s old; consumer lag "
                               "is 5000 messages",)


def test_a_pod_never_ready_again_has_no_recovery_time() -> None:
    result = recovery.analyse(delete_run(ready_after=99, flowing_after=99, end=30, stored=clean_readings()))
    assert result.ready_s is None and result.flowing_s is None
    assert result.problems[:2] == ("producer was not Ready again when measuring stopped",
                                   "no reading produced after the fault reached InfluxDB while measuring")


def test_a_restart_in_place_is_a_new_producer_so_numbering_from_0_is_neither_loss_nor_duplicates() -> None:
    before, after = f"{OLD}@1796112000000", f"{OLD}@1796112020000"  # the ids the producer gives itself
    stored = readings(before, range(40, 60)) + readings(after, range(0, 10), start_s=20)
    seqs = count(stored, fresh=[after])
    assert (seqs.producers, seqs.processes, seqs.duplicated, seqs.lost) == (2, 2, 0, 0)
    assert count(readings(before, range(40, 60)) + readings(after, range(2, 10), start_s=20), [after]).lost == 2
    assert (process_start_ms(after), process_start_ms(OLD)) == (1796112020000, None)


def test_the_same_producer_numbering_from_0_again_is_counted_as_what_it_is() -> None:
    """Without a process in its id, a producer's numbers falling back are readings stored twice, not a restart."""
    seqs = count(readings(OLD, range(0, 10)) + readings(OLD, range(0, 5), start_s=20))
    assert (seqs.distinct, seqs.duplicated, seqs.lost, seqs.processes) == (10, 5, 0, 1)


def test_a_restamped_reading_counts_as_a_duplicate() -> None:
    first = readings(OLD, range(0, 5))
    again = Reading(OLD, 4, first[-1].time_ns + 1_000_000)
    assert (count([*first, again]).duplicated, count([*first, again]).distinct) == (1, 5)


def test_a_run_not_steady_before_is_refused_with_its_reason() -> None:
    run = delete_run(ready_after=6, flowing_after=8, end=20, stored=[])
    not_steady = replace(run, outcome="not-steady", reason="the pipeline was not steady: no reading is stored",
                         fault=replace(run.fault, injected_at=None), samples=(sample(0, [], None),))
    result = recovery.analyse(not_steady)
    assert not result.passed and not result.steady_before
    assert result.problems == ("the pipeline was not steady: no reading is stored",)


def test_wall_clock_fixture_is_the_drill_start() -> None:
    assert readings(OLD, [0])[0].time_ns == WALL0_NS
