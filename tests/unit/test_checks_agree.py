"""The vectorised SQL checks and the Pydantic models are two readings of one contract.

Hypothesis mutates valid records with hostile values; for every record both must agree on
whether it is acceptable and on which fields are wrong.
"""

from __future__ import annotations

import json

import duckdb
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chanrong.model import EVENT_KINDS
from chanrong.model.spec import fields_of
from chanrong.store.checks import Source, compile_checks
from chanrong.store.db import _MACROS
from tests.conftest import SME

VALID = {
    "telemetry": {"device": "CNC-01", "run_state": "running", "counter": 5, "power_kw": 3.5},
    "production_report": {"work_order_no": "WO-1", "item": "P-1", "good_qty": 10, "scrap_qty": 1, "unit": "pcs"},
    "invoice": {"invoice_no": "INV-1", "direction": "sales", "counterparty": "91350100M000100Y43",
                "amount": "1000.50", "tax_amount": 130, "issue_date": "2026-03-01", "e_invoice": True},
    "energy": {"meter": "EM-1", "energy_type": "electricity", "value": 120.5, "unit": "kWh"},
    "work_order": {"work_order_no": "WO-1", "item": "P-1", "planned_qty": 100, "unit": "pcs",
                   "planned_start": "2026-03-01 08:00", "planned_end": "2026-03-03T18:00:00Z"},
    "loan": {"loan_no": "L-1", "lender": "91350100M000100Y43", "loan_type": "tech_upgrade",
             "principal": 500000, "annual_rate": 0.0435, "start_date": "2026-01-01", "maturity_date": "2027-01-01"},
}  # fmt: skip
BASE = {"id": "r-1", "source": "erp", "org": SME, "event_time": "2026-03-02T08:00:00+08:00"}

HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", " ", "x" * 70, "12", "-1", "1.5", "1.234", "abc", "2026-13-01", "2026-03-02",
                     "2026-03-02T25:00", "2026-03-02 08:00", "2026-03-02T08:00:00Z", "91350100M000100Y44",
                     "91350100M000100Y43", "running", "kWh", "pcs", "true", "NaN", "中文"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)  # fmt: skip


@st.composite
def records(draw: st.DrawFn, kind: str) -> dict:
    rec = {**BASE, **VALID[kind]}
    names = [f.name for f in fields_of(EVENT_KINDS[kind])]
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        if draw(st.booleans()):
            rec[name] = draw(HOSTILE)
        else:
            rec.pop(name, None)
    if draw(st.integers(0, 9)) == 0:
        rec["unexpected"] = 1
    return rec


def sql_field_errors(kind: str, recs: list[dict]) -> list[set[str]]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.execute(_MACROS)
    con.execute(
        "CREATE TABLE organisations (uscc VARCHAR)"
    )  # none registered: every USCC is checked
    con.execute(
        "CREATE TEMP TABLE raw_in AS SELECT CAST(n - 1 AS BIGINT) AS idx, rec, CAST(NULL AS VARCHAR) AS raw_line "
        "FROM unnest(?::JSON::JSON[]) WITH ORDINALITY u(rec, n)",
        [json.dumps(recs)],
    )
    select, _ = compile_checks(EVENT_KINDS[kind], Source("json"))
    rows = con.execute(f"SELECT idx, to_json(field_errors) FROM ({select}) ORDER BY idx").fetchall()
    return [{f for e in orjson.loads(errs) for f in e["field"].split(",")} for _, errs in rows]


def pydantic_field_errors(kind: str, rec: dict) -> set[str]:
    try:
        EVENT_KINDS[kind].model_validate_json(json.dumps(rec))
    except ValidationError as exc:
        return {str(e["loc"][0]) if e["loc"] else "" for e in exc.errors()}
    return set()


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_examples_pass_both(kind: str) -> None:
    rec = {**BASE, **VALID[kind]}
    assert pydantic_field_errors(kind, rec) == set()
    assert sql_field_errors(kind, [rec]) == [set()]


@pytest.mark.parametrize("kind", sorted(VALID))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_sql_and_pydantic_agree(kind: str, data: st.DataObject) -> None:
    recs = data.draw(st.lists(records(kind), min_size=1, max_size=8))
    for rec, sql in zip(recs, sql_field_errors(kind, recs), strict=True):
        assert sql == pydantic_field_errors(kind, rec), rec
