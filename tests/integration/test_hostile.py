"""Hostile input through HTTP: never a 5xx, and every record reported accepted is stored."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanrong.model import EVENT_KINDS
from chanrong.platform import Platform
from tests.conftest import telemetry

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(["id", "source", "org", "event_time", "device", "counter", "power_kw", "run_state",
                               "channel", "energy_kwh", "x", ""])  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> dict:
    rec = telemetry(draw(st.integers(0, 50)))
    for name in draw(st.lists(field_names, max_size=3)):
        rec[name] = draw(json_values)
    return rec


bodies = st.one_of(
    st.binary(max_size=200).map(lambda b: (b, "application/json")),
    st.binary(max_size=200).map(lambda b: (b, "application/vnd.apache.arrow.stream")),
    st.binary(max_size=200).map(lambda b: (b, "application/vnd.apache.parquet")),
    json_values.map(lambda v: (json.dumps(v).encode(), "application/json")),
    st.lists(mutated(), max_size=6).map(lambda rs: (json.dumps(rs).encode(), "application/json")),
    st.lists(mutated(), max_size=6).map(
        lambda rs: ("\n".join(json.dumps(r) for r in rs).encode(), "application/x-ndjson")
    ),
    st.text(max_size=100).map(
        lambda s: (s.encode("utf-8", "surrogatepass"), "application/x-ndjson")
    ),
)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies, kind=st.sampled_from(["telemetry", "telemetry", "energy", "invoice"]))
def test_no_5xx_and_nothing_accepted_is_lost(
    client: TestClient, platform: Platform, body: tuple, kind: str
) -> None:
    content, media = body
    before = platform.events.count(kind)
    response = client.post(
        f"/api/v1/ingest/{kind}", content=content, headers={"content-type": media}
    )
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        answer = response.json()
        assert answer["records"] == answer["accepted"] + answer["duplicates"] + answer["rejected"]
        assert platform.events.count(kind) == before + answer["accepted"]
        assert len(answer["rejections"]) == answer["rejected"]
    else:
        assert 400 <= response.status_code < 500 and response.json()["detail"]
        assert platform.events.count(kind) == before
    assert kind in EVENT_KINDS
