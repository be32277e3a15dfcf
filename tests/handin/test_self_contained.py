"""`ca3 handin --out DIR` is a folder a grader can read on its own: every relative link of every document resolves
in it (pictures shown inline included), the apps' code and Dockerfiles are there, its scripts send the reader to
nothing that is missing, and its README shows the pipeline, the rubric and the seed's paths."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.handin.conftest import Run
from tests.handin.test_planted_evidence import _plant

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def relative_links(folder: Path) -> list[tuple[Path, str]]:
    """(document, target) for every Markdown link that is not a URL or an anchor."""
    return [(doc, target) for doc in sorted(folder.rglob("*.md")) for target in LINK.findall(doc.read_text())
            if not re.match(r"[a-z]+:|#", target)]


def submission(scratch: Path, ca3: Run) -> Path:
    _plant(scratch)
    done = ca3("handin", "--out", "submission", "--allow-missing", "-m", "9")
    assert done.returncode == 0, done.stderr
    return scratch / "submission"


def test_every_relative_link_of_every_document_resolves_in_the_submission(scratch: Path, ca3: Run) -> None:
    folder = submission(scratch, ca3)
    links = relative_links(folder)
    assert len(links) > 60, "the README and the checklist link many files"
    broken = [f"{doc.relative_to(folder)} -> {target}" for doc, target in links
              if not (doc.parent / target.split("#")[0]).exists()]
    assert broken == []
    readme = (folder / "README.md").read_text()
    assert "![Screenshot of Grafana dashboard with all three panels showing data](outputs/grafana-dashboard.png)" \
        in readme, "pictures are shown inline"


def test_the_apps_code_and_both_dockerfiles_are_in_the_submission(scratch: Path, ca3: Run) -> None:
    folder = submission(scratch, ca3)
    for path in ("apps/producer/Dockerfile", "apps/processor/Dockerfile", "apps/producer/producer/metrics.py",
                 "apps/processor/processor/metrics.py"):
        assert (folder / path).is_file(), path
    assert not list(folder.rglob("__pycache__")) and not list(folder.rglob("*.pyc"))
    checklist = (folder / "outputs/CHECKLIST.md").read_text()
    row = next(line for line in checklist.splitlines() if "apps/processor/Dockerfile" in line)
    assert "| PRESENT |" in row


def test_the_scripts_send_the_reader_to_nothing_that_is_missing(scratch: Path, ca3: Run) -> None:
    folder = submission(scratch, ca3)
    assert not (folder / "scripts/up.sh").exists()
    done = subprocess.run(["bash", "scripts/validate.sh"], cwd=folder, env={"PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "up.sh" not in done.stderr and "python -m pip install /path/to/ca3" in done.stderr


def test_the_readme_a_grader_reads_first(scratch: Path, ca3: Run) -> None:
    readme = (submission(scratch, ca3) / "README.md").read_text()
    assert "```mermaid\nflowchart LR\n" in readme and "kafka[(Kafka)]" in readme and "loki[(Loki)]" in readme
    for area, points in (("Observability", 25), ("Autoscaling", 20), ("Security", 20), ("Resilience", 25),
                         ("Documentation", 10)):
        assert re.search(rf"^\| {area} \([^|]*\) \| {points} \| \d+ of \d+ rows proven", readme, re.M), area
    assert "| `docker/producer/conveyor_producer.py` | [`apps/producer/producer/metrics.py`]" in readme
    assert "| `k8s/influxdb/influxdb-configmap.yaml` | [`k8s/influxdb/influxdb-init-configmap.yaml`]" in readme
    assert re.search(r"\*\*Checklist:\*\* \d+ rows PRESENT, \d+ MISSING, \d+ BY HAND", readme)
    assert "Switches on: autoscaling." in readme and "keda" not in readme.split("### Milestone 6")[1].split("###")[0]
