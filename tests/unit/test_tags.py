"""Pre-loan tags at their thresholds, with their reasons; missing inputs are not guessed."""

from __future__ import annotations

import pytest

from chanrong.finance.tags import BY_ID, TAGS, tag

HEALTHY = {
    ("sales_monthly_cv", 365): 0.35, ("customer_retention", 365): 50, ("sales_gap_days", 90): 30,
    ("sales_change", 90): 15, ("output_change", 90): 10, ("output_qty", 90): 1000,
    ("sales_amount", 90): 500_000, ("energy_kwh", 90): 20_000, ("unshipped_invoice_share", 90): 0,
    ("top_customer_share", 365): 69.9, ("on_time_delivery_qty", 90): 95,
    ("specialized_sme", 0): 1, ("tax_credit_rating", 0): 5, ("abnormal_operation", 0): 0,
    ("lending_disputes", 0): 0, ("consumption_restriction", 0): 0, ("dishonest_debtor", 0): 0,
}  # fmt: skip


def ids(values: dict) -> set[str]:
    return {g.tag.id for g in tag(values)[0]}


def test_a_healthy_firm_at_the_thresholds() -> None:
    assert ids(HEALTHY) == {"stable", "growing", "reliable", "specialized", "tax_a"}
    given, unjudged = tag(HEALTHY)
    assert unjudged == []
    stable = next(g for g in given if g.tag.id == "stable")
    assert stable.reason == "sales_monthly_cv(365 d)=0.35; customer_retention(365 d)=50; " \
        "sales_gap_days(90 d)=30"  # fmt: skip


@pytest.mark.parametrize(("key", "value", "lost"), [
    (("sales_monthly_cv", 365), 0.36, "stable"), (("customer_retention", 365), 49.9, "stable"),
    (("sales_gap_days", 90), 31, "stable"), (("sales_change", 90), 14.9, "growing"),
    (("output_change", 90), 9.9, "growing"), (("on_time_delivery_qty", 90), 94.9, "reliable"),
    (("specialized_sme", 0), 0, "specialized"), (("tax_credit_rating", 0), 4, "tax_a"),
])  # fmt: skip
def test_each_good_tag_is_lost_just_below_its_threshold(key, value, lost) -> None:  # type: ignore[no-untyped-def]
    assert lost not in ids({**HEALTHY, key: value})


@pytest.mark.parametrize(("key", "value", "won"), [
    (("top_customer_share", 365), 70, "concentrated"), (("abnormal_operation", 0), 1, "abnormal"),
    (("lending_disputes", 0), 1, "lending_dispute"),
    (("consumption_restriction", 0), 1, "restricted"), (("dishonest_debtor", 0), 1, "dishonest"),
    (("unshipped_invoice_share", 90), 80, "shell"),
])  # fmt: skip
def test_each_risk_tag_is_won_at_its_threshold(key, value, won) -> None:  # type: ignore[no-untyped-def]
    assert won in ids({**HEALTHY, key: value})
    assert BY_ID[won].nature.value in ("risk", "knockout")


def test_zombie_and_shell_judge_absence() -> None:
    idle = {**HEALTHY, ("output_qty", 90): 0, ("sales_amount", 90): None}
    assert "zombie" in ids(idle) and "shell" not in ids(idle)
    no_output = {**HEALTHY, ("output_qty", 90): None, ("unshipped_invoice_share", 90): None}
    assert "shell" in ids(no_output) and "zombie" not in ids(no_output)  # invoices, no making


def test_missing_inputs_are_not_judged_never_guessed() -> None:
    given, unjudged = tag({})
    assert {g.tag.id for g in given} == {"zombie"}  # nothing made and nothing sold that we see
    assert set(unjudged) == {t.id for t in TAGS} - {"zombie"}  # shell needs the sales seen


def test_firm_flags_beyond_capacity_and_energy_mismatch() -> None:
    from chanrong.finance.fraud import firm_flags

    # 100 units a day at 50 元 a unit: 30 days make 150,000 元; 120 % of it is 180,000
    values = {("capacity_rated_daily", 0): 100, ("output_qty", 90): 2000,
              ("output_value", 90): 100_000, ("sales_amount", 30): 180_000}  # fmt: skip
    assert firm_flags(values, None) == []
    over = firm_flags({**values, ("sales_amount", 30): 180_001}, None)
    assert [f["flag"] for f in over] == ["beyond_capacity"] and "180,000 元" in over[0]["reason"]
    check = {"status": "fail", "value": 0.41, "tolerance": "0.5 ≤ x ≤ 2"}
    assert [f["flag"] for f in firm_flags({}, check)] == ["energy_output_mismatch"]
    assert firm_flags({}, {**check, "status": "pass"}) == []


def test_the_diligence_checklist_leaves_on_site_only_what_the_data_cannot_settle() -> None:
    from chanrong.finance.diligence import ITEMS, checklist

    org = {"uscc": "X", "industry_code": "C3525", "park": "P"}
    values = {
        ("device_running_rate", 30): {"value": 82.0, "credibility": "corroborated"},
        ("output_qty", 30): {"value": 900.0, "credibility": "corroborated"},
        ("collection_rate", 90): {"value": 79.9, "credibility": "self"},
        ("top_customer_share", 365): {"value": 40.0, "credibility": "third_party"},
        ("dishonest_debtor", 0): {"value": 0.0, "credibility": "third_party"},
        ("inventory_value", 0): {"value": 120000.0, "credibility": "self"},
    }  # fmt: skip
    trades = {"invoices": [{}] * 12, "suspect": 0, "firm_flags": [],
              "energy_check": {"status": "pass", "value": 1.02}}  # fmt: skip
    items = {i["id"]: i for i in checklist(org, values, trades, "规范级")}
    assert list(items) == [i.id for i in ITEMS]
    verified = {k for k, i in items.items() if i["status"] == "verified"}
    assert verified == {"identity", "operating", "energy", "sales", "customers", "credit"}
    assert (
        items["collection"]["status"] == "on_site"
        and "79.9" not in items["collection"]["evidence"]
        and "80" in items["collection"]["evidence"]
    )  # rounded: 回款率仅 80%
    assert items["inventory"]["on_site_zh"] and "120,000" in items["inventory"]["evidence"]
    assert items["operating"]["credibility"] == "corroborated"
    # self-reported running, a suspect invoice, nothing shared for trades
    worse = checklist(org, {**values, ("device_running_rate", 30): {"value": 82.0,
                                                                    "credibility": "self"}},
                      {**trades, "suspect": 1}, None)  # fmt: skip
    status = {i["id"]: i["status"] for i in worse}
    assert status["operating"] == "on_site" and status["sales"] == "on_site"
    assert {i["id"]: i["status"] for i in checklist(org, {}, None, None)}["sales"] == "not_shared"
