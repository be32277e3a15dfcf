"""The load test's texts: `kubectl get hpa`-style lines over time with the rescale events, and the Markdown report.

Pure: they format a Timeline and its Analysis; `outputs.save` writes them.
"""

from __future__ import annotations

from ca3cli.operations.loadtest.analysis import Analysis
from ca3cli.operations.loadtest.model import HpaReading, Sample, Timeline

HPA_HEADER = f"{'TIME':<21} {'NAME':<10} {'TARGETS':<16} {'MINPODS':>7} {'MAXPODS':>7} {'REPLICAS':>8} {'DESIRED':>7}"


def _pct(value: int | None) -> str:
    return "<unknown>" if value is None else f"{value}%"


def hpa_line(sample: Sample, r: HpaReading) -> str:
    """One row as `kubectl get hpa --watch` prints it, stamped with the sample's time."""
    targets = f"cpu: {_pct(r.cpu)}/{_pct(r.target_cpu)}"
    return f"{sample.at:<21} {r.name:<10} {targets:<16} {r.minimum:>7} {r.maximum:>7} {r.current:>8} {r.desired:>7}"


def events_text(timeline: Timeline) -> str:
    """outputs/hpa-scaling-events.txt: every sample's HPA rows, then the rescale events."""
    lines = [f"# ca3 load-test in namespace {timeline.namespace}, started {timeline.started_at}", HPA_HEADER]
    lines += [hpa_line(s, r) for s in timeline.samples for r in s.hpas]
    lines += ["", "# SuccessfulRescale events (kubectl get events)", f"{'TIME':<21} {'HPA':<10} MESSAGE"]
    lines += [f"{e.at:<21} {e.hpa:<10} {e.message}" for e in timeline.rescales] or ["(none)"]
    return "\n".join(lines) + "\n"


def _num(value: float | None, unit: str = "/s") -> str:
    return "no data" if value is None else f"{value:,.1f}{unit}"


def _request_lines(timeline: Timeline, analysis: Analysis) -> list[str]:
    r, load = timeline.request, timeline.load
    requested = (f"{r.rate:g} readings/s for {r.duration_s:g} s after a {r.ramp_s:g} s ramp, "
                 "through the producer Service")
    outcome = (f"{load.outcome}; sent {load.sent}, accepted {load.accepted}, refused {load.refused}, "
               f"failed requests {load.failed_requests}" + (f" ({load.reason})" if load.reason else ""))
    return ["## Load", "", f"- requested: {requested}", f"- load generator: {outcome}",
            f"- achieved: {_num(analysis.achieved_rate)} accepted over the load window", ""]


def _throughput_table(analysis: Analysis) -> list[str]:
    rows = ["| | produced | consumed | written to InfluxDB | consumer lag |", "| --- | --- | --- | --- | --- |"]
    for title, values in (("baseline (mean)", analysis.baseline), ("during load (peak)", analysis.load_peak)):
        rows.append(f"| {title} | {_num(values['produced'])} | {_num(values['consumed'])} | "
                    f"{_num(values['written'])} | {_num(values['lag'], '')} |")
    return ["## Throughput (Prometheus)", "", *rows, ""]


def _scaling_lines(timeline: Timeline, analysis: Analysis) -> list[str]:
    lines = ["## Autoscalers", "", "| HPA | min | start | peak | first scale-up | back at minimum |",
             "| --- | --- | --- | --- | --- | --- |"]
    for c in analysis.cycles:
        lines.append(f"| {c.hpa} | {c.minimum} | {c.start} | {c.peak} | {_at(c.up_at)} | {_at(c.down_at)} |")
    lines += ["", "Replica changes seen by sampling:", ""]
    lines += [f"- {ch.at} ({_at(ch.t)}): {ch.hpa} {ch.before} -> {ch.after}" for ch in analysis.changes] or ["- none"]
    lines += ["", "Rescale events:", ""]
    lines += [f"- {e.at} {e.hpa}: {e.message}" for e in timeline.rescales] or ["- none"]
    lines += ["", "## Throughput per replica level", "", "| HPA | replicas | samples | rate | per replica |",
              "| --- | --- | --- | --- | --- |"]
    lines += [f"| {lv.hpa} | {lv.replicas} | {lv.samples} | {_num(lv.rate)} | {_num(lv.per_replica)} |"
              for lv in analysis.levels]
    return [*lines, ""]


def _at(t: float | None) -> str:
    return "not observed" if t is None else f"+{t:.0f} s"


def results_markdown(timeline: Timeline, analysis: Analysis) -> str:
    """outputs/scaling-test-results.md: settings, baseline, each rescale, throughput per level, load, verdict."""
    verdict = "PASSED: every autoscaler scaled up and came back" if analysis.ok else "FAILED"
    settings = [f"- `{key}`: {value}" for key, value in sorted(timeline.settings.items())]
    lines = [f"# Load test results ({timeline.started_at}, namespace `{timeline.namespace}`)", "",
             f"**{verdict}**", "", *[f"- {p}" for p in analysis.problems], *[f"- note: {n}" for n in analysis.notes],
             "", "## Settings", "", *settings, ""]
    if not timeline.refusals:
        lines += _request_lines(timeline, analysis) + _throughput_table(analysis) + _scaling_lines(timeline, analysis)
    # outputs.save draws the picture only from samples: without any, naming it would send the reader nowhere.
    lines += ["The picture is outputs/hpa-scaling.png; every sample is in outputs/hpa-scaling-samples.json."
              if timeline.samples else "No sample was taken, so no picture was drawn.", ""]
    return "\n".join(lines)
