"""The catalogue: one check per registry criterion, every seed criterion covered, selection by milestone and id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ca3cli import cli
from ca3cli.core import registry
from ca3cli.core.dashboards.catalogue import pipeline_dashboard
from ca3cli.core.dashboards.model import to_json
from ca3cli.core.errors import ConfigError
from ca3cli.operations.validate import catalogue
from ca3cli.operations.validate.grafana import panel_expr, pick_panel
from tests.validate.seed_coverage import NOT_CHECKABLE, SEED_COVERAGE

SEED_FILE = Path(__file__).with_name("seed_criteria.txt")


def seed_criteria() -> list[tuple[int, str]]:
    rows = [line.split("\t", 1) for line in SEED_FILE.read_text().splitlines() if line and not line.startswith("#")]
    return [(int(number), text) for number, text in rows]


def test_every_registry_criterion_has_exactly_one_check_and_no_check_is_orphaned() -> None:
    ids = [c.id for c in registry.CRITERIA]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(catalogue.CHECKS)


def test_ids_name_their_milestone_and_every_milestone_1_to_9_has_checks() -> None:
    for c in registry.CRITERIA:
        assert c.id.startswith(f"m{c.milestone}."), c.id
    assert {c.milestone for c in registry.CRITERIA} == set(range(1, 10))


def test_the_seed_copy_holds_every_milestone_1_to_9() -> None:
    criteria = seed_criteria()
    assert {number for number, _ in criteria} == set(range(1, 10))
    assert len(criteria) == 55


@pytest.mark.parametrize(("milestone", "criterion"), seed_criteria())
def test_each_seed_criterion_maps_to_checks_or_says_why_no_program_can_check_it(milestone: int, criterion: str) -> None:
    assert criterion in SEED_COVERAGE, f"milestone {milestone} criterion not mapped: {criterion}"
    covered = SEED_COVERAGE[criterion]
    if isinstance(covered, str):
        assert covered.startswith(NOT_CHECKABLE) and len(covered) > len(NOT_CHECKABLE) + 20
        return
    assert covered, criterion
    for check_id in covered:
        assert check_id in catalogue.CHECKS, f"{criterion} -> unknown check {check_id}"
        assert catalogue.criterion(check_id).milestone <= milestone, f"{check_id} runs later than milestone {milestone}"


def test_every_command_and_script_the_mapping_names_exists() -> None:
    commands = {info.name or (info.callback.__name__ if info.callback else "") for info in cli.app.registered_commands}
    texts = " ".join(v for v in SEED_COVERAGE.values() if isinstance(v, str))
    named = set(re.findall(r"`ca3 ([a-z][a-z-]*)", texts))
    scripts = set(re.findall(r"(scripts/[a-z-]+\.sh)", texts))
    assert named and named <= commands, f"commands named but not registered: {sorted(named - commands)}"
    root = Path(__file__).resolve().parents[2]
    assert all((root / script).is_file() for script in scripts), scripts


def test_the_mapping_has_no_entries_beyond_the_seed() -> None:
    assert set(SEED_COVERAGE) == {text for _, text in seed_criteria()}


def test_the_issue_extras_are_in_the_catalogue() -> None:
    extras = {"m1.data-flow", "m3.prometheus-kafka-exporter-target", "m5.log-agent-per-node", "m6.hpa-metrics",
              "m7.influxdb-tls-handshake", "m8.kafka-tls-handshake", "m8.no-plaintext-9092",
              "m1.networkpolicy-enforced", "m1.secrets", "m1.serviceaccounts", "m1.rbac", "m1.networkpolicies"}
    assert extras <= set(catalogue.CHECKS)


def test_select_takes_milestones_up_to_n_in_registry_order() -> None:
    selected = [c.id for c in catalogue.select(2)]
    assert selected == [c.id for c in registry.CRITERIA if c.milestone <= 2]
    assert "m2.prometheus-ui" in selected and not any(i.startswith("m3.") for i in selected)


def test_select_only_narrows_and_keeps_registry_order() -> None:
    assert [c.id for c in catalogue.select(9, ["m5.loki-apps", "m1.topic"])] == ["m1.topic", "m5.loki-apps"]
    assert catalogue.select(1, ["m5.loki-apps"]) == []


def test_unknown_only_id_is_a_config_error_with_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"Unknown check id m1\.topik\. Did you mean m1\.topic.*--list"):
        catalogue.select(9, ["m1.topik"])


@pytest.mark.parametrize(("role", "title"), [("producer", "Producer rate (events/s)"),
                                             ("processor", "Processor consume rate (messages/s)"),
                                             ("influxdb", "InfluxDB writes (points/s)")])
def test_the_seed_panels_are_found_in_the_generated_dashboard(role: str, title: str) -> None:
    panel = pick_panel(to_json(pipeline_dashboard()), role)
    assert panel is not None and panel["title"] == title
    assert "$" not in panel_expr(panel)
