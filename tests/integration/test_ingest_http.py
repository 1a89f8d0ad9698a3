"""POST /api/v1/ingest/{kind}: acceptance, every rejection path, idempotency."""

from __future__ import annotations

import io
import json

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from chanrong.platform import Platform
from tests.conftest import OTHER_SME, SME, telemetry


def post(client: TestClient, kind: str, records: object, media: str = "application/json") -> dict:
    body = records if isinstance(records, bytes) else json.dumps(records).encode()
    response = client.post(f"/api/v1/ingest/{kind}", content=body, headers={"content-type": media})
    assert response.status_code == 200, response.text
    return response.json()


def reasons(answer: dict) -> dict[int, list[tuple[str, str]]]:
    return {
        r["index"]: [(e["field"], e["code"]) for e in r["errors"]] for r in answer["rejections"]
    }


def test_good_batch_is_stored_once(client: TestClient, platform: Platform) -> None:
    batch = [telemetry(i) for i in range(50)]
    first = post(client, "telemetry", batch)
    assert (first["records"], first["accepted"], first["duplicates"], first["rejected"]) == (
        50,
        50,
        0,
        0,
    )
    again = post(client, "telemetry", batch)
    assert (again["accepted"], again["duplicates"]) == (0, 50)
    assert platform.events.count("telemetry") == 50


def test_gateway_records_are_tagged_device_channel(client: TestClient, platform: Platform) -> None:
    post(client, "telemetry", [telemetry(1), telemetry(2, channel="manual")])
    rows = (
        platform.store.cursor()
        .execute("SELECT id, channel, submitter FROM ev_telemetry ORDER BY id")
        .fetchall()
    )
    assert rows == [("t-1", "device", SME), ("t-2", "manual", SME)]


def test_each_rejection_names_record_field_and_reason(
    client: TestClient, platform: Platform
) -> None:
    batch = [
        telemetry(0),
        telemetry(1, power_kw="fast"),  # wrong type
        telemetry(2, device="CNC-99"),  # unknown device
        telemetry(3, event_time="2027-01-01T00:00:00+08:00"),  # far future
        telemetry(4, counter=-5),  # negative
        telemetry(5, run_state="dancing"),  # unknown value
        telemetry(6, event_time="yesterday"),  # not a timestamp
        telemetry(7, org=OTHER_SME),  # not the key's enterprise
        telemetry(8, colour="red"),  # unknown field
        telemetry(9, id=...),  # missing id
        telemetry(10, org="91350100M000100Y44"),  # bad check character
        telemetry(11, channel="third_party"),  # self-attested third party
        [1, 2],  # not an object
    ]
    answer = post(client, "telemetry", batch)
    assert (answer["accepted"], answer["rejected"]) == (1, 12)
    assert reasons(answer) == {
        1: [("power_kw", "type")],
        2: [("device", "unknown_ref")],
        3: [("event_time", "future")],
        4: [("counter", "range")],
        5: [("run_state", "choice")],
        6: [("event_time", "type")],
        7: [("org", "scope")],
        8: [("colour", "unknown_field")],
        9: [("id", "required")],
        10: [("org", "uscc")],
        11: [("channel", "scope")],
        12: [("", "not_object")],
    }
    by_index = {r["index"]: r for r in answer["rejections"]}
    assert by_index[2]["errors"][0]["reason"] == f"unknown device CNC-99 of {SME}"
    assert "more than 5 minutes ahead" in by_index[3]["errors"][0]["reason"]
    assert platform.events.count("telemetry") == 1
    assert len(platform.events.quarantine(SME, viewer=SME)) == 12


def test_units_must_exist_and_fit(client: TestClient) -> None:
    base = {
        "source": "erp",
        "org": SME,
        "event_time": "2026-03-02 10:00",
        "meter": "EM-1",
        "value": 5,
    }
    answer = post(client, "energy", [
        {**base, "id": "e1", "energy_type": "electricity", "unit": "kWh"},
        {**base, "id": "e2", "energy_type": "electricity", "unit": "joules"},
        {**base, "id": "e3", "energy_type": "gas", "unit": "kWh"},
        {**base, "id": "e4", "energy_type": "water", "unit": "t", "value": -1},
    ])  # fmt: skip
    assert answer["accepted"] == 1
    assert reasons(answer) == {
        1: [("unit", "choice")],
        2: [("unit", "pair")],
        3: [("value", "range")],
    }


def test_money_keeps_cents_and_refuses_fractions_of_a_fen(
    client: TestClient, platform: Platform
) -> None:
    base = {"source": "erp", "org": SME, "event_time": "2026-03-02", "direction": "sales",
            "counterparty": "91350100M000100Y43", "tax_amount": 0, "issue_date": "2026-03-02"}  # fmt: skip
    answer = post(client, "invoice", [
        {**base, "id": "i1", "invoice_no": "1", "amount": "1234567.89"},
        {**base, "id": "i2", "invoice_no": "2", "amount": 10.005},
        {**base, "id": "i3", "invoice_no": "3", "amount": 99999999999999999999},
    ])  # fmt: skip
    assert reasons(answer) == {1: [("amount", "decimals")], 2: [("amount", "type")]}
    row = (
        platform.store.cursor().execute("SELECT CAST(amount AS VARCHAR) FROM ev_invoice").fetchone()
    )
    assert row == ("1234567.89",)


def test_late_and_out_of_order_events_are_accepted(client: TestClient, platform: Platform) -> None:
    answer = post(client, "telemetry", [
        telemetry(1, event_time="2026-03-02T13:00:00+08:00"),
        telemetry(2, event_time="2025-06-01T08:00:00+08:00"),
        telemetry(3, event_time="2026-03-01T09:00:00"),
    ])  # fmt: skip
    assert answer["accepted"] == 3


def test_ndjson_rejects_only_the_bad_line(client: TestClient) -> None:
    lines = [orjson.dumps(telemetry(1)), b'{"id": "t-2", oops', orjson.dumps(telemetry(3))]
    answer = post(client, "telemetry", b"\n".join(lines), "application/x-ndjson")
    assert (answer["accepted"], answer["rejected"]) == (2, 1)
    assert reasons(answer) == {1: [("", "malformed")]}


def test_malformed_json_is_a_400_and_stores_nothing(client: TestClient, platform: Platform) -> None:
    response = client.post(
        "/api/v1/ingest/telemetry",
        content=b'[{"id": "t-1"',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    assert platform.events.recent_batches() == []


def test_oversized_body_is_413(client: TestClient) -> None:
    big = orjson.dumps([telemetry(i) for i in range(12_000)])
    assert len(big) > 2 << 20
    response = client.post(
        "/api/v1/ingest/telemetry", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "MiB limit" in response.json()["detail"]


def test_media_type_and_kind_and_credentials(client: TestClient, app_client: TestClient) -> None:
    assert (
        client.post(
            "/api/v1/ingest/telemetry", content=b"x", headers={"content-type": "text/plain"}
        ).status_code
        == 415
    )
    assert (
        client.post(
            "/api/v1/ingest/weather", content=b"[]", headers={"content-type": "application/json"}
        ).status_code
        == 404
    )
    app_client.headers.pop("authorization", None)
    assert app_client.post("/api/v1/ingest/telemetry", json=[telemetry(1)]).status_code == 401
    app_client.headers["authorization"] = "Bearer cr_nope_nope"
    assert app_client.post("/api/v1/ingest/telemetry", json=[telemetry(1)]).status_code == 401


def test_arrow_and_parquet_bulk_paths(client: TestClient, platform: Platform) -> None:
    table = pa.Table.from_pylist([telemetry(i) for i in range(100)])
    table = table.set_column(table.schema.get_field_index("counter"), "counter",
                             pa.array([i if i != 7 else -1 for i in range(100)], pa.int64()))  # fmt: skip
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    answer = post(client, "telemetry", sink.getvalue(), "application/vnd.apache.arrow.stream")
    assert (answer["accepted"], answer["rejected"]) == (99, 1)
    assert reasons(answer) == {7: [("counter", "range")]}
    parquet = io.BytesIO()
    pq.write_table(
        table.slice(50).set_column(0, "id", pa.array([f"p-{i}" for i in range(50)])), parquet
    )
    answer = post(client, "telemetry", parquet.getvalue(), "application/vnd.apache.parquet")
    assert answer["accepted"] == 50
    assert platform.events.count("telemetry") == 149


def test_bulk_with_foreign_columns_is_a_400(client: TestClient) -> None:
    sink = io.BytesIO()
    table = pa.table({"id": ["a"], "colour": ["red"]})
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    response = client.post("/api/v1/ingest/telemetry", content=sink.getvalue(),
                           headers={"content-type": "application/vnd.apache.arrow.stream"})  # fmt: skip
    assert response.status_code == 400 and "colour" in response.json()["detail"]


def test_corrected_record_resolves_its_quarantine_entry(
    client: TestClient, platform: Platform
) -> None:
    post(client, "telemetry", [telemetry(1, counter=-1)])
    post(client, "telemetry", [telemetry(1, counter=-1)])
    [entry] = platform.events.quarantine(SME, viewer=SME)
    assert entry["times_seen"] == 2 and entry["record_id"] == "t-1"
    assert orjson.loads(entry["raw"])["counter"] == -1
    post(client, "telemetry", [telemetry(1)])
    assert platform.events.quarantine(SME, viewer=SME) == []
    assert len(platform.events.quarantine(SME, viewer=SME, include_resolved=True)) == 1


def test_quarantine_api_and_csv_export(client: TestClient) -> None:
    post(client, "telemetry", [telemetry(1, counter=-1), telemetry(2, device="X")])
    listed = client.get("/api/v1/quarantine").json()
    assert {r["record_id"] for r in listed} == {"t-1", "t-2"}
    export = client.get("/api/v1/quarantine.csv")
    assert export.status_code == 200
    text = export.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("kind,submitter,org")
    assert "unknown device X" in text and "must be >= 0" in text


def test_master_data_registration(client: TestClient, platform: Platform) -> None:
    response = client.post("/api/v1/master/device", json=[
        {"org": SME, "code": "CNC-02", "name": "二号机", "device_type": "machine", "rated_capacity": 5},
        {"org": SME, "code": "CNC-03", "name": "三号机", "device_type": "robot"},
        {"org": OTHER_SME, "code": "X-1", "name": "别人的", "device_type": "machine"},
    ])  # fmt: skip
    answer = response.json()
    assert (answer["upserted"], answer["rejected"]) == (1, 2)
    assert [r["errors"][0]["field"] for r in answer["rejections"]] == ["device_type", "org"]
    assert "CNC-02" in {d["code"] for d in platform.master.list("device", SME)}
    assert post(client, "telemetry", [telemetry(1, device="CNC-02")])["accepted"] == 1


def test_identity_of_documents_and_of_time_series(client: TestClient, platform: Platform) -> None:
    """A document is the same record by (source, id); a reading by (source, id, event time)."""
    invoice = {"id": "inv-1", "source": "erp", "org": SME, "event_time": "2026-03-01 10:00",
               "invoice_no": "F-1", "direction": "sales", "counterparty": "91350100M000100Y43",
               "amount": 100, "tax_amount": 13, "issue_date": "2026-03-01"}  # fmt: skip
    assert post(client, "invoice", [invoice])["accepted"] == 1
    resent = post(client, "invoice", [{**invoice, "event_time": "2026-03-02 09:00", "amount": 999}])
    assert (resent["accepted"], resent["duplicates"]) == (0, 1)
    assert platform.events.count("invoice") == 1
    reading = telemetry(1, event_time="2026-03-02T10:00:00+08:00")
    assert post(client, "telemetry", [reading, reading])["accepted"] == 1
    later = post(client, "telemetry", [telemetry(1, event_time="2026-03-02T10:01:00+08:00")])
    assert later["accepted"] == 1


def test_duplicates_are_found_however_much_is_stored(
    client: TestClient, platform: Platform
) -> None:
    early = [
        telemetry(i, event_time=f"2026-02-27T{8 + i // 60:02d}:{i % 60:02d}:00+08:00")
        for i in range(600)
    ]
    late = [
        telemetry(i, event_time=f"2026-02-28T{8 + i // 60:02d}:{i % 60:02d}:00+08:00")
        for i in range(600)
    ]
    assert post(client, "telemetry", early)["accepted"] == 600
    assert post(client, "telemetry", late)["accepted"] == 600
    mixed = early[::7] + late[::5] + [telemetry(5000, event_time="2026-02-27T20:00:00+08:00")]
    answer = post(client, "telemetry", mixed)
    assert (answer["accepted"], answer["duplicates"]) == (1, len(mixed) - 1)


def test_memory_exhaustion_is_a_503_to_retry(
    client: TestClient, platform: Platform, monkeypatch
) -> None:
    import duckdb

    def exhausted(*args: object, **kwargs: object) -> None:
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr(platform.ingest, "submit", exhausted)
    response = client.post("/api/v1/ingest/telemetry", json=[telemetry(1)])
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert "nothing was stored" in response.json()["detail"]
