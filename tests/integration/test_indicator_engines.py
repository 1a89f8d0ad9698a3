"""One definition, two engines: DuckDB over the platform's file and Spark (local mode, a real
JVM) over its Parquet export give the same value, reason, coverage and credibility for every
indicator, window and enterprise of a simulated park."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chanrong.indicators.catalog import CATALOG
from chanrong.indicators.engine import DuckDBEngine
from chanrong.indicators.spark import SparkEngine, session
from chanrong.store.db import Store
from tests.conftest import SimulatedPark

AS_OF = date(2026, 3, 15)


@pytest.fixture(scope="module")
def park(simulated_park: SimulatedPark) -> tuple[Store, Path]:
    return simulated_park.platform.store, simulated_park.export


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    s = session("chanrong-tests")
    yield s
    s.stop()


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_duckdb_and_spark_agree_on_every_indicator(park: tuple[Store, Path], spark: Any) -> None:
    store, export = park
    ours = DuckDBEngine(store).compute(AS_OF)
    spark_side = SparkEngine(spark, export).compute(AS_OF)
    mine, theirs = ours.values.to_pylist(), spark_side.values.to_pylist()
    assert len(mine) == len(theirs) == 16 * sum(len(i.windows) for i in CATALOG)
    by_key = {(r["org"], r["indicator"], r["window_days"]): r for r in theirs}
    differ = []
    for r in mine:
        s = by_key[(r["org"], r["indicator"], r["window_days"])]
        if not (same(r["value"], s["value"]) and r["reason"] == s["reason"]
                and same(r["coverage"], s["coverage"]) and r["credibility"] == s["credibility"]
                and r["label"] == s["label"]):  # fmt: skip
            differ.append((r, s))
    assert not differ, [
        (r["indicator"], r["window_days"], r["value"], s["value"], r["reason"], s["reason"])
        for r, s in differ[:6]
    ]
    # the corroboration checks agree too, verdict by verdict
    checks = {(r["org"], r["check_id"], r["window_days"]): r for r in spark_side.checks.to_pylist()}
    for r in ours.checks.to_pylist():
        s = checks[(r["org"], r["check_id"], r["window_days"])]
        assert r["status"] == s["status"] and same(r["value"], s["value"]), (r, s)
    assert {r["status"] for r in ours.checks.to_pylist()} >= {"pass", "fail"}
    # the comparison is not vacuous: almost every indicator has values on the simulated park
    with_values = {r["indicator"] for r in mine if r["value"] is not None}
    assert len(with_values) >= len(CATALOG) - 3, sorted({i.id for i in CATALOG} - with_values)


def test_a_region_rolls_up_several_parks_exports_with_spark(
    park: tuple[Store, Path], spark: Any, tmp_path: Path
) -> None:
    """The simulated park's export and a second park's, read as one: per park the same sums
    DuckDB gives for its own firms, and the region their total."""
    from datetime import UTC, datetime

    from chanrong.clock import FixedClock
    from chanrong.model.identifiers import complete_uscc
    from chanrong.model.master import Device, DeviceType, Organisation, OrgKind
    from chanrong.park.region import rollup, workbook
    from chanrong.platform import Platform
    from chanrong.store.parquet import export_all
    from tests.integration.test_bank_screening import send

    store, export = park
    other_park, firm = complete_uscc("11330212MA2P20001"), complete_uscc("91330212MA2K20002")
    small = Platform(
        Store(tmp_path / "other.duckdb"), FixedClock(datetime(2026, 3, 15, 4, tzinfo=UTC))
    )
    small.master.upsert([
        Organisation(uscc=other_park, name="镇海园区", org_kind=OrgKind.PARK),
        Organisation(uscc=firm, name="镇海五金", org_kind=OrgKind.SME, industry_code="C3311",
                     park=other_park),
        Device(org=firm, code="EM-1", name="总电表", device_type=DeviceType.ENERGY_METER),
    ], small.clock.now())  # fmt: skip
    send(small, "energy", [{"id": "e1", "source": "meter", "org": firm, "meter": "EM-1",
                            "event_time": "2026-03-10T12:00:00+08:00", "energy_type": "electricity",
                            "value": 1000, "unit": "kWh"}])  # fmt: skip
    export_all(small.store, tmp_path / "other")
    small.close()
    result = rollup(spark, [export, tmp_path / "other"], AS_OF)
    parks = {r["key"]: r for r in result["parks"]}
    sim_park = store.cursor().execute(
        "SELECT uscc FROM organisations WHERE org_kind = 'park'").fetchone()[0]  # fmt: skip
    ours = DuckDBEngine(store).compute(AS_OF).values.to_pylist()
    energy = sum(
        r["value"] or 0 for r in ours if r["indicator"] == "energy_tce" and r["window_days"] == 90
    )
    assert parks[sim_park]["firms"] == 16
    assert parks[sim_park]["energy_tce_90"] == pytest.approx(energy)
    assert parks[other_park]["firms"] == 1 and parks[other_park]["park_name"] == "镇海园区"
    assert parks[other_park]["energy_tce_90"] == pytest.approx(1000 * 0.1229 / 1000)
    assert result["region"]["firms"] == 17
    assert result["region"]["energy_tce_90"] == pytest.approx(energy + 0.1229)
    assert "C33" in {r["key"] for r in result["industries"]}
    assert workbook(result)[:2] == b"PK"  # an Excel file
