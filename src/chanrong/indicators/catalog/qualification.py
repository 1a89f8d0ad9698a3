"""供应商资质 supplier qualification (order table): registration facts. Judicial dishonesty,
lending disputes, serious violations and abnormal operation are the credit-standing indicators
shared with this table."""

from __future__ import annotations

from chanrong.indicators.catalog._sql import NO_LABEL
from chanrong.indicators.spec import STATE, Dimension, Direction, Indicator

D = Dimension.QUALIFICATION

INDICATORS = [
    Indicator(
        "registered_capital", "注册资本", "Registered capital", D, "CNY", Direction.HIGHER,
        "Registered capital from the business registration (master data).",
        (),
        "SELECT uscc AS org, CAST(registered_capital AS DOUBLE) AS value, industry_code AS label,"
        " CAST(NULL AS STRING) AS reason, 1 AS covered_days, 1 AS n_inputs, 0 AS n_third, "
        "0 AS n_device FROM organisations WHERE registered_capital IS NOT NULL",
        windows=(STATE,),
    ),
    Indicator(
        "years_established", "成立年限", "Years established", D, "years", Direction.HIGHER,
        "Whole and fractional years from the registration date to the day (days / 365.25).",
        (),
        "SELECT uscc AS org, @days(CAST(established AS DATE), {end}) / CAST(365.25 AS DOUBLE) AS value, "
        + NO_LABEL + ", 1 AS covered_days, 1 AS n_inputs, 0 AS n_third, 0 AS n_device "
        "FROM organisations WHERE established IS NOT NULL",
        windows=(STATE,),
    ),
]  # fmt: skip
