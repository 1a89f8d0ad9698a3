"""The digital-upgrade loan (技改贷) sized on the guide's mould maker, by hand."""

from __future__ import annotations

import pytest

from chanrong.finance.upgrade import Equipment, UpgradePolicy, size

ROADMAP = [
    {"tool": "gateway_core", "name_zh": "瓶颈设备加装低成本采集网关", "cost_cny": 8000,
     "unlocks_missing": ["device_running_rate"]},
    {"tool": "cloud_erp", "name_zh": "轻量化云ERP", "cost_cny": 20000, "unlocks_missing": []},
    {"tool": "gateway_core", "name_zh": "瓶颈设备加装低成本采集网关", "cost_cny": 8000,
     "unlocks_missing": ["device_running_rate"]},  # the same tool on a second dimension
]  # fmt: skip
FIGURES = {"output_value_365": 12_000_000.0, "capacity_rated_daily": 40.0,
           "inventory_value": 6_000_000.0, "device_running_rate_90": 72.0}  # fmt: skip


def test_the_guides_mould_maker() -> None:
    # 5 more CNC machines at 400,000 each; the bottleneck's capacity +200 %; raw-material stock
    # from 6 to 4 million
    cnc = [Equipment("CNC 加工中心", 5, 400_000, capacity_gain=2.0)]
    got = size(cnc, ROADMAP, FIGURES, 6_000_000, 4_000_000)
    # cost 2,000,000 + 28,000 (the gateway once) = 2,028,000; x 70 % = 1,419,600
    assert got["cost"]["total"] == 2_028_000 and got["cost"]["by_cost"] == pytest.approx(1_419_600)
    # gain: 12 M x min(200 %, 50 %) x 15 % = 900,000 a year; x 3 + 2 M freed = 4.7 M
    assert got["gain"]["yearly"] == pytest.approx(900_000)
    assert got["gain"]["by_gain"] == pytest.approx(4_700_000)
    assert got["amount"] == 1_410_000 and got["binding"] == "cost"
    watch = {w["indicator"]: w for w in got["watch"]}
    assert watch["capacity_rated_daily"]["target"] == pytest.approx(120.0)  # 40 x 3
    assert watch["output_value"]["target"] == pytest.approx(18_000_000)
    assert watch["inventory_value"]["target"] == pytest.approx(4_000_000)
    assert watch["device_running_rate"]["target"] == 72.0
    assert [s["tool"] for s in got["steps"]] == ["gateway_core", "cloud_erp"]


def test_a_small_gain_or_the_cap_binds() -> None:
    machines = [Equipment("冲压机", 2, 1_000_000, capacity_gain=0.1)]
    got = size(machines, [], FIGURES)
    # gain 12 M x 10 % x 15 % = 180,000 a year x 3 = 540,000 < 2 M x 70 %
    assert got["amount"] == 540_000 and got["binding"] == "gain"
    big = size([Equipment("产线", 1, 20_000_000, 2.0)], [], FIGURES, 6_000_000, 0,
               UpgradePolicy(cap=3_000_000))  # fmt: skip
    assert big["amount"] == 3_000_000 and big["binding"] == "cap"
    none = size([], [], {"output_value_365": None})
    assert none["amount"] == 0 and none["watch"] == []
