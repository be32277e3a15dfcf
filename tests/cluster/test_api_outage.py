"""Deploy waits ride out an API server that stops answering: its polls are retried with backoff until the wait's own
deadline, the progress says so, and only an outage past the deadline fails, with a sentence naming the context.

The stand-in kubectl fails a span of calls as kubectl 1.28 does when the server is down; the waits run on a clock
that moves on when slept, so a 20 s outage takes no real time.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ca3cli.core.errors import KubectlError, KubectlTimeout
from ca3cli.edges import outage
from ca3cli.operations import deploy
from tests.cluster.conftest import CONTEXT, Project, Run
from tests.fixtures.clock import FakeClock
from tests.fixtures.kubectl import CONNECTION_REFUSED, TLS_HANDSHAKE_TIMEOUT, KubectlStub

Ca3 = Callable[..., Run]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(outage, "CLOCK", fake)
    monkeypatch.setattr(deploy, "POLL_S", 0.0)
    return fake


def kafka_waits(stub: KubectlStub) -> int:
    return len([c for c in stub.calls if c.words[:3] == ["get", "statefulset", "kafka"]])


@pytest.mark.parametrize("text", [TLS_HANDSHAKE_TIMEOUT, CONNECTION_REFUSED], ids=["tls-timeout", "refused"])
def test_a_twenty_second_outage_inside_a_wait_is_ridden_out_and_the_deploy_succeeds(
        project: Project, cluster: KubectlStub, ca3: Ca3, clock: FakeClock, text: str) -> None:
    cluster.outage("get", "statefulset", "kafka", calls=7, stderr=text)
    result = ca3("deploy", "-m", "1")
    assert result.code == 0, result.text
    assert kafka_waits(cluster) == 8  # seven unanswered polls, then the one that saw it Current
    assert sum(clock.slept) >= 20
    assert "API server not answering, retrying" in result.text
    assert "API server answering again (it did not for 22 s or more)" in result.text
    log = project.run_logs()[0].read_text()
    assert "API server not answering, retrying (0 s)" in log and "API server not answering, retrying (22 s)" in log
    assert "Milestone 1 deployed" in result.text


def test_an_outage_longer_than_the_wait_fails_with_a_sentence_naming_the_context_and_the_fix(
        project: Project, cluster: KubectlStub, ca3: Ca3, clock: FakeClock) -> None:
    cluster.outage("get", "statefulset", "kafka", calls=10_000, stderr=TLS_HANDSHAKE_TIMEOUT)
    result = ca3("deploy", "-m", "1")
    assert result.code == 1
    waited = round(sum(clock.slept))  # the outage began at the wait's first poll, so it lasted the whole wait
    assert waited >= 300
    assert (f"The API server of context `{CONTEXT}` did not answer for {waited} s, up to the end of this wait (last: "
            "Unable to connect to the server: net/http: TLS handshake timeout). Check that the cluster is up "
            "(`kubectl cluster-info`), then run `ca3 deploy` again: it carries on from what was applied."
            ) in result.text
    assert "Traceback" not in result.text
    assert kafka_waits(cluster) <= waited / outage.MAX_DELAY_S + 4  # backed off, not hammered: 1, 2, 4, then 5 s
    assert max(clock.slept) == outage.MAX_DELAY_S


def test_an_answer_from_the_server_is_not_retried(clock: FakeClock) -> None:
    calls: list[int] = []

    def forbidden() -> None:
        calls.append(1)
        raise KubectlError(["kubectl", "get", "statefulset", "kafka"], 1, "",
                           'Error from server (Forbidden): statefulsets.apps "kafka" is forbidden\n')

    with pytest.raises(KubectlError):
        outage.ride_out(forbidden, clock.now + 300, "`kind-ca3`", "`ca3 deploy`", clock=clock)
    assert calls == [1] and clock.slept == []


@pytest.mark.parametrize(("error", "expected"), [
    (KubectlError(["kubectl"], 1, "", CONNECTION_REFUSED), CONNECTION_REFUSED.strip()),
    (KubectlError(["kubectl"], 1, "", "E1201 08:00:00.123456   4711 memcache.go:265] couldn't get current server "
                  "API group list: Get \"https://127.0.0.1:6443/api\": dial tcp 127.0.0.1:6443: connect: connection "
                  "refused\n" + CONNECTION_REFUSED), CONNECTION_REFUSED.strip()),
    (KubectlError(["kubectl"], 1, "", TLS_HANDSHAKE_TIMEOUT), TLS_HANDSHAKE_TIMEOUT.strip()),
    (KubectlTimeout("`kubectl get pods` did not finish within 30s. Check that the cluster is reachable"),
     "`kubectl get pods` did not finish within 30s"),
    (KubectlError(["kubectl"], 1, "", 'Error from server (NotFound): statefulsets.apps "kafka" not found\n'), None),
    (KubectlError(["kubectl"], 1, "", "error: the server doesn't have a resource type \"nope\"\n"), None),
])
def test_only_failures_to_reach_the_server_count_as_an_outage(error: Exception, expected: str | None) -> None:
    assert outage.unreachable_reason(error) == expected
