"""The demo bank's loan book: past loans to small manufacturers, each with the firm's features at
origination and whether it defaulted within a year.

A bank brings its own book; the demo needs one, and the park simulator's 90 days hold too few
loans to learn from. So this draws one, and says how: every firm has a latent health h ~ N(0, 1);
each feature is a noisy reading of h with the correlation in `RHO`, put on the scale the
platform's indicator uses; the year's default probability is 1 / (1 + exp(3.3 + 1.4 h)) (about
7 % on average). Real-time production features are assumed closer to h than traditional ones:
the guide's premise. The uplift a card finds on this book shows the pipeline can find such a
signal; it is not evidence that real books hold it. The real-data check of the pipeline is on
the public credit data sets (`finance.datasets`).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

# correlation of each feature's reading with the firm's health
RHO = {
    "years_established": 0.15, "registered_capital": 0.10, "tax_credit_rating": 0.30,
    "sales_amount_365": 0.20, "device_running_rate_90": 0.55,
    "energy_output_correlation_90": 0.45, "on_time_delivery_qty_90": 0.50,
    "collection_rate_90": 0.50, "top_customer_share_90": 0.30, "final_pass_rate_90": 0.35,
    "sales_monthly_cv_90": 0.40,
}  # fmt: skip
START = date(2023, 1, 1)
SPAN_DAYS = 3 * 365


def loan_book(seed: int, loans: int) -> tuple[pd.DataFrame, str]:
    rng = np.random.default_rng(seed)
    n = loans
    h = rng.standard_normal(n)

    def reading(name: str) -> np.ndarray:
        r = RHO[name]
        return r * h + np.sqrt(1 - r * r) * rng.standard_normal(n)

    z = {k: reading(k) for k in RHO}
    # entry-level firms send no device telemetry or inspections: missing, not zero
    no_devices = rng.random(n) < 0.35
    no_inspections = no_devices | (rng.random(n) < 0.1)
    tax = np.select([z["tax_credit_rating"] < -2.0, z["tax_credit_rating"] < -1.3,
                     z["tax_credit_rating"] < -0.5, z["tax_credit_rating"] < 0.6], [1, 2, 3, 4], 5)  # fmt: skip
    frame = pd.DataFrame({
        "loan_no": [f"HIST-{seed}-{i:05d}" for i in range(n)],
        "when": [START + timedelta(days=int(d)) for d in np.sort(rng.integers(0, SPAN_DAYS, n))],
        "years_established": np.round(1 + 24 * ndtr(z["years_established"]), 2),
        "registered_capital": np.round(np.exp(np.log(5e6) + z["registered_capital"]), -4),
        "tax_credit_rating": tax.astype(float),
        "litigation_cases": rng.poisson(0.25 * np.exp(-0.7 * h)).astype(float),
        "lending_disputes": rng.poisson(0.08 * np.exp(-0.9 * h)).astype(float),
        "sales_amount_365": np.round(np.exp(np.log(2e7) + z["sales_amount_365"]), -2),
        "device_running_rate_90": np.where(
            no_devices, np.nan, np.clip(60 + 15 * z["device_running_rate_90"], 2, 99)),
        "energy_output_correlation_90": np.tanh(0.9 + 0.5 * z["energy_output_correlation_90"]),
        "on_time_delivery_qty_90": 100 * expit(1.6 + z["on_time_delivery_qty_90"]),
        "collection_rate_90": np.clip(100 * expit(1.8 + 0.8 * z["collection_rate_90"]), 0, 100),
        "top_customer_share_90": 100 * expit(-0.2 - 0.7 * z["top_customer_share_90"]),
        "final_pass_rate_90": np.where(
            no_inspections, np.nan, 100 - np.exp(0.5 - 0.6 * z["final_pass_rate_90"])),
        "sales_monthly_cv_90": np.exp(-1.6 - 0.4 * z["sales_monthly_cv_90"]),
    })  # fmt: skip
    frame["bad"] = (rng.random(n) < expit(-3.3 - 1.4 * h)).astype(int)
    assumptions = (
        "latent health h~N(0,1); feature correlations with h "
        + ", ".join(f"{k} {v}" for k, v in RHO.items())
        + "; P(default within a year) = 1/(1+exp(3.3+1.4h))"
    )
    return frame.reset_index(drop=True), assumptions
