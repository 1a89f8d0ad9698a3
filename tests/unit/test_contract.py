"""The contract is declared once: schema, columns and checks all come from the models."""

import json
from pathlib import Path

import pyarrow as pa
import pytest

from chanrong.model import EVENT_KINDS, EVENT_MODELS, RECORD_MODELS
from chanrong.model.events import EnergyReading, Telemetry
from chanrong.model.spec import arrow_schema, fields_of
from chanrong.store.db import Store
from chanrong.store.schema import expected_columns

DOCS = Path(__file__).parents[2] / "docs" / "schema"


def test_every_event_has_identity_time_channel_and_org() -> None:
    for model in EVENT_MODELS:
        names = [f.name for f in fields_of(model)]
        assert names[:5] == ["id", "source", "org", "event_time", "channel"], model.kind


def test_event_kinds_cover_the_domain() -> None:
    assert set(EVENT_KINDS) == {
        "telemetry", "sales_order", "purchase_order", "work_order", "production_report",
        "quality_inspection", "inventory_movement", "shipment", "invoice", "payment", "energy",
        "credit_record", "price_index", "loan", "repayment", "loan_outcome", "pledge",
        "green_power",
    }  # fmt: skip


def test_field_specs_read_constraints() -> None:
    spec = {f.name: f for f in fields_of(Telemetry)}
    assert spec["device"].ref == "device" and spec["device"].required
    assert spec["counter"].base == "integer" and spec["counter"].ge == 0
    assert spec["run_state"].choices == ("running", "idle", "stopped", "fault", "offline")
    assert spec["org"].uscc
    assert arrow_schema(Telemetry).field("event_time").type == pa.timestamp("us", tz="UTC")
    assert EnergyReading.pair_rules[0].allowed["electricity"] == ("kWh", "MWh")


@pytest.mark.parametrize("model", RECORD_MODELS, ids=lambda m: m.kind)
def test_migrations_match_the_model(model) -> None:
    store = Store(":memory:")
    rows = (
        store.cursor()
        .execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [model.table],
        )
        .fetchall()
    )
    actual = [(n, t.replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")) for n, t, _ in rows]
    expected = [(n, sql.replace(" NOT NULL", "")) for n, sql in expected_columns(model)]
    # Later migrations append columns (ALTER TABLE ... ADD COLUMN); every statement names its
    # columns, so the same columns in another order are the same table.
    assert sorted(actual) == sorted(expected)
    required = {n for n, sql in expected_columns(model) if "NOT NULL" in sql}
    nullable_in_db = {n for n, _, nullable in rows if nullable == "YES"}
    assert not required & nullable_in_db


@pytest.mark.parametrize("model", RECORD_MODELS, ids=lambda m: m.kind)
def test_published_json_schema_is_current(model) -> None:
    published = json.loads((DOCS / f"{model.kind}.schema.json").read_text(encoding="utf-8"))
    assert published == model.model_json_schema(), (
        "run `python -m chanrong.model.publish` to refresh docs/"
    )


def test_published_contract_document_is_current() -> None:
    from chanrong.model.publish import contract_markdown

    assert (DOCS.parent / "data-contract.md").read_text(encoding="utf-8") == contract_markdown()
