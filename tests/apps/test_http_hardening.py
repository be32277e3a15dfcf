"""The producer's HTTP side under hostile clients, against a real broker: every malformed request gets a 4xx
with a reason, bursts and slow clients are absorbed with bounded threads, a flood of idle and slow connections
neither starves the probes (on their own listener) nor lets one client hold more than its share, and SIGTERM is
not held up by any of them. Loopback only (distinct clients are distinct 127.x.y.z source addresses), with bounded
loops; outcomes are asserted, never how fast a loaded machine gives them."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.fixtures.patience import CALL_GUARD_S, HANG_GUARD_S
from tests.fixtures.pipeline import AppLauncher, AppProcess, Stream
from tests.fixtures.servers import Kafka

pytestmark = pytest.mark.integration

GOOD = json.dumps([{"line": "load-1", "speed_ms": 0.2, "state": "running"}]).encode()
SLOW_HEAD = b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n["  # and no more


def producer_with(kafka: Kafka, launcher: AppLauncher, **settings: str) -> AppProcess:
    app = launcher.start("producer", Stream.create(kafka).producer_env(kafka, lines=1, rate_hz=1) | settings)
    app.wait_ready()
    return app


@pytest.fixture
def producer(tansu: Kafka, launch_apps: AppLauncher) -> AppProcess:
    return producer_with(tansu, launch_apps, HTTP_REQUEST_TIMEOUT_S="2")


def exchange(app: AppProcess, raw: bytes, timeout_s: float = CALL_GUARD_S, port: int | None = None,
             source: str = "127.0.0.1") -> bytes:
    """Send raw bytes on a new connection from `source` and read the whole answer (until the server closes or the
    hang guard runs out)."""
    with socket.create_connection(("127.0.0.1", port or app.port), timeout=timeout_s,
                                  source_address=(source, 0)) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b"Connection: close" not in b"".join(chunks):
                break
        return b"".join(chunks)


def post_events(body: bytes, extra: str = "") -> bytes:
    return (f"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def threads_of(app: AppProcess) -> int:
    status = Path(f"/proc/{app.proc.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))


def test_a_lone_surrogate_in_a_line_id_is_a_rejected_reading_with_a_reason(producer: AppProcess) -> None:
    answer = exchange(producer, post_events(b'[{"line": "\\ud800", "speed_ms": 0.1, "state": "running"}]'))
    assert answer.startswith(b"HTTP/1.1 200")
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["rejected"] == 1 and "printable" in body["errors"][0]["reason"]


def test_a_chunked_body_is_taken_like_one_with_a_content_length(producer: AppProcess) -> None:
    raw = (b"POST /events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           + b"%x\r\n%s\r\n0\r\n\r\n" % (len(GOOD), GOOD))
    answer = exchange(producer, raw)
    assert answer.startswith(b"HTTP/1.1 200") and json.loads(answer.split(b"\r\n\r\n", 1)[1])["accepted"] == 1


@pytest.mark.parametrize("length", ["\u0661\u0662", "+5", "-1", "5 5", "0x10", "99999999999999999999999"])
def test_a_malformed_content_length_is_answered_400_with_a_reason(producer: AppProcess, length: str) -> None:
    raw = (f"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n").encode() + GOOD
    answer = exchange(producer, raw)
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 413")) and b"Content-Length" in answer, answer[:300]
    assert producer.get("/healthz") == 200


@pytest.mark.parametrize("raw, status", [
    (b"GARBAGE\r\n\r\n", b"400"),
    (b"POST /events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b"400"),
    (b"POST /events HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 262_150 + b"\r\n\r\n", b"431"),
    (b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 4194305\r\n\r\n", b"413"),  # over 4 MiB, announced
    (post_events(b"\xff\xfe"), b"400"),
    (post_events(b"[" * 100_000 + b"]" * 100_000), b"400"),
    (post_events(b"[" + b"9" * 5000 + b"]"), b"400"),
])
def test_malformed_requests_are_answered_with_a_4xx_and_a_reason(producer: AppProcess, raw: bytes,
                                                                  status: bytes) -> None:
    answer = exchange(producer, raw)
    assert answer.split(b" ", 2)[1] == status, answer[:300]
    assert len(answer.split(b"\r\n\r\n", 1)[1]) > 10  # a reason, not an empty answer
    assert producer.get("/healthz") == 200


def test_a_request_still_arriving_after_the_request_timeout_is_answered_408(producer: AppProcess) -> None:
    with socket.create_connection(("127.0.0.1", producer.port), timeout=CALL_GUARD_S) as sock:
        sock.sendall(b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[")
        answer, hang_guard = b"", time.monotonic() + HANG_GUARD_S
        while not answer and time.monotonic() < hang_guard:  # trickle a byte every 0.1 s: no idle timeout fires
            try:
                sock.sendall(b" ")
                sock.settimeout(0.1)
                answer += sock.recv(4096)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                pass
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_two_hundred_simultaneous_clients_are_all_answered_without_a_connection_reset(
        tansu: Kafka, launch_apps: AppLauncher) -> None:
    """From one address, so its cap is raised above 200: this is about the queue, not the per-client cap."""
    producer = producer_with(tansu, launch_apps, HTTP_MAX_CONNECTIONS_PER_CLIENT="400")
    start, answers, errors = threading.Barrier(200), [], []

    def client() -> None:
        start.wait()
        try:
            answers.append(exchange(producer, post_events(GOOD))[:12])
        except OSError as error:
            errors.append(repr(error))

    workers = [threading.Thread(target=client) for _ in range(200)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(HANG_GUARD_S)
    assert errors == [] and len(answers) == 200
    assert {answer for answer in answers} <= {b"HTTP/1.1 200", b"HTTP/1.1 503"}, set(answers)
    assert answers.count(b"HTTP/1.1 200") > 0


def test_requests_beyond_the_queue_bound_are_answered_503_with_retry_after(
        tansu: Kafka, launch_apps: AppLauncher) -> None:
    app = producer_with(tansu, launch_apps, HTTP_THREADS="1", HTTP_MAX_QUEUED="1")
    big = json.dumps([{"line": "load-1", "speed_ms": 0.2, "state": "running"}] * 5000).encode()
    start, answers = threading.Barrier(40), []

    def client() -> None:
        start.wait()
        answers.append(exchange(app, post_events(big), timeout_s=HANG_GUARD_S))

    workers = [threading.Thread(target=client) for _ in range(40)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(HANG_GUARD_S + CALL_GUARD_S)
    assert len(answers) == 40 and all(answer.startswith((b"HTTP/1.1 200", b"HTTP/1.1 503")) for answer in answers)
    refused = [answer for answer in answers if answer.startswith(b"HTTP/1.1 503")]
    assert refused and all(b"Retry-After: 1" in answer for answer in refused)


def test_a_thousand_slow_clients_hold_no_threads_and_normal_requests_are_still_answered(
        tansu: Kafka, launch_apps: AppLauncher) -> None:
    """A thousand half-sent requests from a thousand client addresses (each within its own cap): no thread is
    taken for any of them, and a probe and a whole request are still answered."""
    producer = producer_with(tansu, launch_apps, HTTP_REQUEST_TIMEOUT_S="600")  # no 408 cuts the test short
    before = threads_of(producer)
    slow = []
    try:
        for n in range(1000):
            sock = socket.create_connection(("127.0.0.1", producer.port), timeout=HANG_GUARD_S,
                                            source_address=(client_address(n), 0))
            sock.sendall(SLOW_HEAD)
            slow.append(sock)
        assert status_of(exchange(producer, get("/healthz"), port=producer.probe_port)) == b"200"
        assert status_of(exchange(producer, get("/healthz"))) == b"200"
        assert status_of(exchange(producer, post_events(GOOD))) == b"200"
        assert threads_of(producer) <= before + 2
    finally:
        for sock in slow:
            sock.close()


def client_address(n: int) -> str:
    """The n-th of many loopback client addresses (Linux routes all of 127.0.0.0/8 to lo), never 127.0.0.1."""
    return f"127.1.{n // 250}.{1 + n % 250}"


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()


def status_of(answer: bytes) -> bytes:
    """The status code of a raw HTTP answer (b"" for none)."""
    parts = answer.split(b" ", 2)
    return parts[1] if len(parts) > 1 else b""


def closed_by_server(sockets: list[socket.socket]) -> int:
    """How many of `sockets` the server has closed (readable with nothing to read, or reset)."""
    closed = 0
    for chunk in range(0, len(sockets), 500):
        readable, _, _ = select.select(sockets[chunk:chunk + 500], [], [], 0)
        for sock in readable:
            try:
                closed += sock.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                closed += 1
    return closed


def test_a_flood_of_idle_and_slow_connections_starves_no_probe_and_no_client_holds_more_than_its_cap(
        tansu: Kafka, launch_apps: AppLauncher) -> None:
    """One address opening 300 connections against a per-client cap of 20 (fewer than the listener's cap of 400,
    so only the per-client cap can close them) is cut down to 20; then three thousand idle or half-sent connections
    from 1,500 addresses, and 300 more from one address at the probe port: every liveness and readiness probe from
    the kubelet's address is answered 200, and every POST /events is answered (200, or 503 shedding load).
    Idle and request timeouts are out of reach, so only the caps close anything."""
    producer = producer_with(tansu, launch_apps, HTTP_MAX_CONNECTIONS="400", HTTP_MAX_CONNECTIONS_PER_CLIENT="20",
                             HTTP_REQUEST_TIMEOUT_S="600", HTTP_IDLE_TIMEOUT_S="3600")
    flood: list[socket.socket] = []
    probes: list[bytes] = []
    posts: list[bytes] = []
    try:
        greedy = [socket.create_connection(("127.0.0.1", producer.port), timeout=HANG_GUARD_S,
                                           source_address=("127.0.0.2", 0)) for _ in range(300)]
        flood += greedy
        cut, hang_guard = 0, time.monotonic() + HANG_GUARD_S
        while (cut := closed_by_server(greedy)) < len(greedy) - 20 and time.monotonic() < hang_guard:
            time.sleep(0.2)
        assert cut == len(greedy) - 20
        for n in range(3000):
            sock = socket.create_connection(("127.0.0.1", producer.port), timeout=HANG_GUARD_S,
                                            source_address=(client_address(n // 2), 0))
            if n % 2:
                sock.sendall(SLOW_HEAD)
            flood.append(sock)
            if n < 300:
                flood.append(socket.create_connection(("127.0.0.1", producer.probe_port), timeout=HANG_GUARD_S,
                                                      source_address=("127.0.0.3", 0)))
            if n % 100 == 0:
                probes += [status_of(exchange(producer, get(path), port=producer.probe_port))
                           for path in ("/healthz", "/readyz")]
                posts.append(status_of(exchange(producer, post_events(GOOD))))
        assert probes == [b"200"] * 60
        assert set(posts) <= {b"200", b"503"} and len(posts) == 30, posts
    finally:
        for sock in flood:
            sock.close()
    assert producer.proc.poll() is None, producer.log_tail()


def test_a_held_half_body_does_not_hold_up_sigterm(tansu: Kafka, launch_apps: AppLauncher) -> None:
    """With the idle timeout at an hour and the request timeout at ten minutes, only the drain at stop can end the
    held request before the hang guard."""
    producer = producer_with(tansu, launch_apps, HTTP_IDLE_TIMEOUT_S="3600", HTTP_REQUEST_TIMEOUT_S="600")
    with socket.create_connection(("127.0.0.1", producer.port), timeout=CALL_GUARD_S) as sock:
        sock.sendall(b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[{\"line\": ")
        assert producer.terminate() == 0
