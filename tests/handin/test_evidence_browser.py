"""The Prometheus targets screenshot, taken by the real headless Chromium from a real local Prometheus."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from prometheus_client import CollectorRegistry, Counter, start_http_server

from ca3cli.core.errors import Ca3Error
from ca3cli.core.settings import Settings
from ca3cli.edges import browser
from ca3cli.operations import evidence
from tests.fixtures.servers import Prometheus, free_port

SEED_COUNTERS = ("producer_messages_sent", "processor_messages_consumed", "processor_influxdb_writes")


@pytest.fixture
def prometheus_with_a_target(start_prometheus: Callable[[dict[str, list[str]]], Prometheus]) -> Prometheus:
    """A Prometheus scraping one real metrics endpoint (job `producer`) that carries the counters of the dashboard's
    three seed panels, waited on until that target is up."""
    registry = CollectorRegistry()
    for name in SEED_COUNTERS:
        Counter(name, name, registry=registry).inc(3)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    prometheus = start_prometheus({"producer": [f"127.0.0.1:{port}"]})
    assert prometheus.wait_for('up{job="producer"}', lambda values: values == [1.0]) == [1.0]
    yield prometheus
    server.shutdown()
    thread.join(timeout=5)


def test_targets_screenshot_of_a_real_prometheus_is_a_real_picture(prometheus_with_a_target: Prometheus,
                                                                    tmp_path: Path) -> None:
    # Debian's Prometheus 2.42 has only the classic UI; targets_path finds its page as `ca3 evidence` does.
    url = prometheus_with_a_target.url
    page = evidence.targets_page(url, evidence.targets_path(url))
    [path] = browser.screenshots([page], tmp_path, browser.find())
    data = path.read_bytes()
    assert path.name == "prometheus-targets.png" and len(data) > 10_000
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.size == (page.width, page.height)
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20, "a rendered page has text and colours, not a blank fill"


def test_no_browser_is_one_sentence_naming_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(Ca3Error, match=r"apt-get install chromium"):
        browser.find({})


def test_a_browser_named_by_ca3_browser_must_exist() -> None:
    with pytest.raises(Ca3Error, match=r"CA3_BROWSER is '/nowhere/chrome'"):
        browser.find({"CA3_BROWSER": "/nowhere/chrome"})


def test_explore_pages_carry_the_seed_log_queries() -> None:
    pages = {page.file: page for page in evidence.explore_pages(Settings(), "http://127.0.0.1:3000")}
    assert set(pages) == {"log-explore.png", "log-search.png", "log-search-error.png"}
    assert "%7Bnamespace%3D%5C%22conveyor-pipeline%5C%22%7D" in pages["log-explore.png"].url
    assert "Writing+to+InfluxDB" in pages["log-search.png"].url, "a keyword every healthy processor logs"
    assert "error" in pages["log-search-error.png"].url and pages["log-search.png"].url.startswith(
        "http://127.0.0.1:3000/explore?schemaVersion=1&panes=")


def test_waiting_for_data_names_what_stayed_empty() -> None:
    asked: list[str] = []
    answers = {"panel A": [True], "panel B": [False, False]}

    def probe(name: str) -> evidence.Probe:
        return lambda: asked.append(name) or answers[name].pop(0)

    clock = iter([0.0, 0.0, 6.0, 12.0])
    with pytest.raises(Ca3Error, match=r"After 10 s these still showed no data: panel B\. "):
        evidence.wait_for_data({name: probe(name) for name in answers}, 10, lambda _: None, lambda _: None,
                               lambda: next(clock))
    assert asked == ["panel A", "panel B", "panel B"], "a panel that showed data is not asked again"
