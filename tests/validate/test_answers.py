"""`ca3cli.edges.answers`: Prometheus's, Loki's and Grafana's JSON checked where it enters, over real HTTP."""

from __future__ import annotations

import pytest

from ca3cli.edges import answers
from ca3cli.edges.portforward import HttpError
from tests.validate.api_shapes import (
    loki_answer,
    loki_matrix,
    loki_streams,
    prometheus_target,
    sample,
    targets_answer,
    vector_answer,
)
from tests.validate.recorded_api import serve


def test_an_instant_vector_and_the_active_targets_come_back_as_their_samples_and_targets() -> None:
    routes = {"/api/v1/query": (200, vector_answer(sample(2.5, app="producer"), sample(1.5, app="processor"))),
              "/api/v1/targets": (200, targets_answer(prometheus_target("producer")))}
    with serve(routes) as api:
        found = answers.vector(f"http://127.0.0.1:{api.port}/api/v1/query?query=up")
        scraped = answers.targets(f"http://127.0.0.1:{api.port}/api/v1/targets")
    assert [(s["metric"]["app"], float(s["value"][1])) for s in found] == [("producer", 2.5), ("processor", 1.5)]
    assert [t["labels"].get("app") for t in scraped] == ["producer"]


@pytest.mark.parametrize(("body", "why"), [
    ({"status": "error", "errorType": "bad_data", "error": "parse error"}, "did not answer with a successful"),
    ({"status": "success", "data": {"resultType": "matrix", "result": []}}, "not an instant vector"),
    ({"status": "success", "data": {"resultType": "vector", "result": "nope"}}, "without a list of samples"),
    ([1, 2], "did not answer with a successful"),
])
def test_a_prometheus_answer_outside_the_documented_envelope_is_one_http_error_sentence(body: object, why: str
                                                                                       ) -> None:
    with serve({"/api/v1/query": (200, body)}) as api, pytest.raises(HttpError, match=why):
        answers.vector(f"http://127.0.0.1:{api.port}/api/v1/query?query=up")


def test_loki_answers_streams_or_a_matrix_and_nothing_else() -> None:
    routes = {"/streams": (200, loki_answer(loki_streams(({"app": "producer"}, "Speed: 1.2")))),
              "/matrix": (200, loki_answer(loki_matrix({"producer": 3}))),
              "/vector": (200, loki_answer({"resultType": "vector", "result": []}))}
    with serve(routes) as api:
        streams = answers.query_range(f"http://127.0.0.1:{api.port}/streams")
        matrix = answers.query_range(f"http://127.0.0.1:{api.port}/matrix")
        with pytest.raises(HttpError, match="not log streams or a matrix"):
            answers.query_range(f"http://127.0.0.1:{api.port}/vector")
    assert [v[1] for s in streams["result"] for v in s["values"]] == ["Speed: 1.2"]
    assert matrix["resultType"] == "matrix"


def test_grafana_objects_and_lists_are_told_apart() -> None:
    routes = {"/api/health": (200, {"database": "ok"}), "/api/datasources": (200, [{"type": "loki"}])}
    with serve(routes) as api:
        assert answers.json_object(f"http://127.0.0.1:{api.port}/api/health") == {"database": "ok"}
        assert answers.json_list(f"http://127.0.0.1:{api.port}/api/datasources") == [{"type": "loki"}]
        with pytest.raises(HttpError, match="did not answer a JSON object"):
            answers.json_object(f"http://127.0.0.1:{api.port}/api/datasources")
        with pytest.raises(HttpError, match="without a list of objects"):
            answers.json_list(f"http://127.0.0.1:{api.port}/api/health")
