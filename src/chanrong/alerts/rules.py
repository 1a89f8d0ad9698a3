"""Post-loan warning rules (贷后预警): each one query that says, at an instant, for every subject
it watches, whether its condition holds now ('on'), does not ('off'), or cannot be told
('nodata': the gateway is silent, or the time is outside the firm's shifts; the rule's state is
then frozen, neither advanced nor cleared).

Every query sees only what had arrived by the instant (`received_at <= now`), so a replay gives
exactly what the live engine would have said. Columns: org, subject, state, value, detail.

Stoppage follows the alarm practice of industrial platforms: no output counted and power near
idle for the rule's window, in a half hour the firm normally works (learnt from its own last
four weeks: on at least half of the days of the same type, its machines were powered then,
running or idle), while its gateway
is alive (readings keep arriving); a silent gateway is a data gap, not a stoppage. Holidays of
the official calendar are their own day type: a firm off on the Spring Festival is not stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chanrong.carbon.quota import QUOTA_RULE_SQL, RATE_DAYS
from chanrong.indicators.catalog.production import SIGNED_QTY
from chanrong.model.base import EVENT_DAY
from chanrong.supply.interruption import INTERRUPTION_SQL, QUALITY_DAYS, QUALITY_DROP
from chanrong.supply.progress import LATE_DAYS, PACE_DAYS, PROGRESS_SQL, RISKY


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    name_zh: str
    name_en: str
    severity: Severity
    kinds: tuple[str, ...]  # the data kinds it reads: a bank sees it under a consent to them
    sql: str  # over an instant's placeholders (`workdays.fill`: {now}, {day}, {calendar}...)
    for_minutes: int  # the condition must hold this long before the alert opens
    clear_minutes: int  # and be off this long before it clears (no flapping)
    explain: str
    value_unit: str = ""
    inhibited_by: tuple[str, ...] = ()  # rules whose active alert on the firm silences this one
    default_min_value: float | None = None  # a bank's threshold on the value, unless it sets one
    every_minutes: int = 1  # how often it is evaluated (slow-moving data: less often)
    reads_alerts: bool = False  # built on other rules' alerts: evaluated after them
    # who reads it about other firms (under their consent): the kinds of organisation
    audience: frozenset[str] = frozenset({"bank", "core_enterprise", "park"})


LENDERS = frozenset({"bank"})
BUYERS = frozenset({"core_enterprise"})
PARKS = frozenset({"park"})


# Working time learnt per firm, day type (workday, saturday, sunday, holiday: the official
# calendar) and half hour (shifts and breaks start on the hour or the half hour), Asia/Shanghai
# (the store's zone). {days}: (day, day_type) of the period.
BASELINE_DAYS = 28
BASELINE_SQL = """
WITH d AS (SELECT * FROM (VALUES {days}) AS t(day, day_type)), h AS (
    SELECT org, device, time_bucket(INTERVAL 30 MINUTE, event_time) AS hr, avg(power_kw) AS p,
           bool_or(run_state IN ('running', 'idle')) AS ran  -- powered: in a shift
    FROM ev_telemetry
    WHERE event_time >= $first AND event_time < $day::DATE
    GROUP BY ALL
), f AS (
    SELECT org, hr, hr::DATE AS day, sum(p) AS p, bool_or(ran) AS ran FROM h GROUP BY ALL
), seen AS (  -- days of each type on which the firm's gateway sent anything
    SELECT org, d.day_type, count(DISTINCT f.day) AS days FROM f JOIN d ON d.day = f.day
    GROUP BY ALL
)
SELECT f.org, d.day_type, hour(f.hr) * 2 + minute(f.hr) // 30 AS slot,
       count(*) FILTER (WHERE f.ran) / max(seen.days)::DOUBLE AS working_share,
       avg(f.p) FILTER (WHERE f.ran) AS power
FROM f JOIN d ON d.day = f.day JOIN seen ON seen.org = f.org AND seen.day_type = d.day_type
GROUP BY ALL
"""

STOPPAGE_WINDOW = 10  # minutes of readings the condition looks at
# Power at or below this share of the machines' rated power (their working power when no rating
# is registered) is "near idle": machines switched off, not waiting in standby (~20-30 %).
NEAR_IDLE = 0.10

_WINDOW = f"""
SELECT org, device, max(counter) - min(counter) AS made, avg(power_kw) AS p, count(*) AS n,
       count(*) FILTER (WHERE run_state = 'fault') AS faults
FROM ev_telemetry
WHERE event_time > {{now}} - INTERVAL {STOPPAGE_WINDOW} MINUTE AND event_time <= {{now}}
  AND received_at <= {{now}}
GROUP BY ALL
"""

STOPPAGE_SQL = f"""
WITH w AS ({_WINDOW}), f AS (
    SELECT w.org, sum(made) AS made, sum(p) AS p, sum(n) AS n, sum(faults) AS faults,
           sum(d.rated_power_kw) AS rated
    FROM w LEFT JOIN devices d ON d.org = w.org AND d.code = w.device GROUP BY w.org
)
SELECT b.org, 'firm' AS subject,
       CASE WHEN b.working_share < 0.5 OR b.power IS NULL OR f.org IS NULL THEN 'nodata'
            WHEN coalesce(f.made, 0) = 0 AND f.faults < f.n  -- machines in fault: equipment
             AND f.p <= {NEAR_IDLE} * coalesce(NULLIF(f.rated, 0), b.power) THEN 'on'
            ELSE 'off' END AS state,
       f.p AS value,
       printf('output %d in %d min, power %.1f kW (rated %.1f kW, working %.1f kW)',
              coalesce(f.made, 0), {STOPPAGE_WINDOW}, coalesce(f.p, 0), coalesce(f.rated, 0),
              coalesce(b.power, 0)) AS detail
FROM alert_baselines b LEFT JOIN f ON f.org = b.org
WHERE b.day_type = {{day_type}} AND b.slot = hour({{now}}) * 2 + minute({{now}}) // 30
"""

FAULT_SQL = f"""
WITH w AS ({_WINDOW})
SELECT org, device AS subject, CASE WHEN faults = n THEN 'on' ELSE 'off' END AS state,
       faults::DOUBLE AS value, printf('%d of %d readings in fault', faults, n) AS detail
FROM w
"""

GAP_MINUTES = 60
DATA_GAP_SQL = f"""
WITH seen AS (
    SELECT org, max(event_time) AS last FROM ev_telemetry
    WHERE event_time > {{now}} - INTERVAL {GAP_MINUTES} MINUTE AND event_time <= {{now}}
      AND received_at <= {{now}}
    GROUP BY org
)
SELECT b.org, 'gateway' AS subject,
       CASE WHEN b.working_share < 0.5 THEN 'nodata' WHEN s.org IS NULL THEN 'on' ELSE 'off' END
           AS state,
       NULL::DOUBLE AS value, 'no readings for {GAP_MINUTES} min in working hours' AS detail
FROM alert_baselines b LEFT JOIN seen s ON s.org = b.org
WHERE b.day_type = {{day_type}} AND b.slot = hour({{now}}) * 2 + minute({{now}}) // 30
"""

OUTPUT_DROP = -30.0  # % change of output per workday, last 30 days against the 30 before
OUTPUT_DROP_Z = 3.0  # and beyond the day-to-day noise: the difference of means over its error
# {calendar}: (day, day_type) of the 60 days before the instant's day (the official calendar),
# so the Spring Festival's idle week is not read as a decline. Output is per day the firm works:
# the day types (workday, Saturday, Sunday) on which it reported output on half the days of
# the earlier period; never holidays, nor the week after a long one (the restart, 节后复工).
RESTART_DAYS = 7  # after a holiday of 5 days or more, the days a factory takes to restart
OUTPUT_DROP_SQL = f"""
WITH cal0 AS (SELECT * FROM (VALUES {{calendar}}) AS t(day, day_type)), cal AS (
    SELECT c.day, CASE WHEN c.day_type <> 'holiday' AND (
        SELECT count(*) FROM cal0 h WHERE h.day_type = 'holiday'
          AND h.day BETWEEN c.day - {RESTART_DAYS} - 5 AND c.day - 1) >= 5
        AND EXISTS (SELECT 1 FROM cal0 h WHERE h.day_type = 'holiday'
          AND h.day BETWEEN c.day - {RESTART_DAYS} AND c.day - 1)
        THEN 'restart' ELSE c.day_type END AS day_type
    FROM cal0 c
), daily AS (
    SELECT org, {EVENT_DAY} AS day, sum(good_qty) AS q FROM ev_production_report
    WHERE {EVENT_DAY} >= {{day}} - 60 AND {EVENT_DAY} < {{day}} AND received_at <= {{now}}
    GROUP BY ALL
), types AS (  -- the day types a firm works: output reported on half of them, earlier period
    SELECT f.org, c.day_type
    FROM (SELECT DISTINCT org FROM daily) f CROSS JOIN cal c
    LEFT JOIN daily d ON d.org = f.org AND d.day = c.day
    WHERE c.day < {{day}} - 30 AND c.day_type NOT IN ('holiday', 'restart')
    GROUP BY ALL HAVING count(d.day) >= 0.5 * count(*)
), days AS (
    SELECT t.org, c.day, c.day >= {{day}} - 30 AS recent
    FROM types t JOIN cal c ON c.day_type = t.day_type
), c AS (  -- per working day of each period (a day without a report counts as nothing made)
    SELECT ds.org, sum(d.q) FILTER (WHERE ds.recent) AS recent,
           sum(d.q) FILTER (WHERE NOT ds.recent) AS prior,
           count(d.day) FILTER (WHERE NOT ds.recent) AS days,
           avg(coalesce(d.q, 0)) FILTER (WHERE ds.recent) AS m_r,
           avg(coalesce(d.q, 0)) FILTER (WHERE NOT ds.recent) AS m_p,
           var_samp(coalesce(d.q, 0)) FILTER (WHERE ds.recent)
               / count(*) FILTER (WHERE ds.recent)
           + var_samp(coalesce(d.q, 0)) FILTER (WHERE NOT ds.recent)
               / count(*) FILTER (WHERE NOT ds.recent) AS se2
    FROM days ds LEFT JOIN daily d ON d.org = ds.org AND d.day = ds.day
    GROUP BY ds.org
    HAVING sum(d.q) FILTER (WHERE NOT ds.recent) > 0 AND count(*) FILTER (WHERE ds.recent) > 1
       AND count(*) FILTER (WHERE NOT ds.recent) > 1
), z AS (
    SELECT *, 100 * (m_r / m_p - 1) AS change,
           CASE WHEN se2 > 0 THEN (m_r - m_p) / sqrt(se2) END AS z FROM c
)
SELECT org, 'firm' AS subject,
       CASE WHEN days < 10 THEN 'nodata'
            WHEN change <= {OUTPUT_DROP} AND coalesce(z, -1e9) <= -{OUTPUT_DROP_Z} THEN 'on'
            ELSE 'off' END AS state,
       change AS value,
       printf('output per working day %.0f %% against the 30 days before (%.0f vs %.0f in '
              'total, z = %.1f)', change, coalesce(recent, 0), prior, coalesce(z, 0)) AS detail
FROM z
"""

# Each open order judged by its progress and the firm's pace (`supply.progress`): at risk when
# predicted to be finished after the day before it is due, stalled, or past due and not shipped.
DELIVERY_SQL = f"""
WITH p AS ({PROGRESS_SQL})
SELECT org, order_no AS subject,
       CASE WHEN status IN ({", ".join(f"'{s}'" for s in RISKY)}) THEN 'on' ELSE 'off' END
           AS state,
       amount::DOUBLE AS value,
       printf('%s for %s: %s; %.0f of %.0f %s made, %.0f shipped; due %s, predicted %s',
              order_no, coalesce(customer_name, customer), status, made, qty, unit, shipped, due,
              coalesce(predicted::VARCHAR, '-')) AS detail
FROM p
"""

REPAYMENT_SQL = """
SELECT org, loan_no AS subject, CASE WHEN paid_date IS NULL THEN 'on' ELSE 'off' END AS state,
       ({day} - due_date)::DOUBLE AS value,
       printf('instalment due %s not paid', due_date) AS detail
FROM ev_repayment
WHERE due_date < {day} AND received_at <= {now}
QUALIFY due_date = max(due_date) OVER (PARTITION BY org, loan_no)
"""

ADVERSE = ("dishonest_debtor", "consumption_restriction", "lending_dispute", "litigation",
           "abnormal_operation", "serious_violation")  # fmt: skip
ADVERSE_SQL = f"""
SELECT org, record_type || ':' || reference_no AS subject, 'on' AS state, NULL::DOUBLE AS value,
       printf('%s %s (%s, %s)', record_type, reference_no, coalesce(authority, ''),
              start_date) AS detail
FROM ev_credit_record
WHERE record_type IN ({", ".join(f"'{a}'" for a in ADVERSE)})
  AND coalesce(start_date, {EVENT_DAY}) > {{day}} - 30 AND received_at <= {{now}}
"""

# Pledges live at the instant: the newest state of each pledge is active (also read by the
# bank's pledge monitor, `finance.pledges`).
PLEDGES = """
SELECT * FROM ev_pledge WHERE received_at <= {now} AND event_time <= {now}
QUALIFY event_time = max(event_time) OVER (PARTITION BY org, pledge_no) AND status = 'active'
"""
PLEDGED_STOCK = f"""
SELECT m.org, m.item, m.warehouse, sum({SIGNED_QTY}) AS qty
FROM ev_inventory_movement m SEMI JOIN p ON p.org = m.org AND p.item = m.item
     AND p.warehouse = m.warehouse
WHERE m.received_at <= {{now}} AND m.event_time <= {{now}} GROUP BY ALL
"""
PLEDGE_FLOOR_SQL = f"""
WITH p AS ({PLEDGES}), s AS ({PLEDGED_STOCK})
SELECT p.org, p.pledge_no AS subject,
       CASE WHEN coalesce(s.qty, 0) < p.qty_floor THEN 'on' ELSE 'off' END AS state,
       coalesce(s.qty, 0) AS value,
       printf('%s in %s: %.0f %s, floor %.0f', p.item, p.warehouse, coalesce(s.qty, 0), p.unit,
              p.qty_floor) AS detail
FROM p LEFT JOIN s ON s.org = p.org AND s.item = p.item AND s.warehouse = p.warehouse
"""
PLEDGE_OUT_SQL = f"""
WITH p AS ({PLEDGES})
SELECT p.org, p.pledge_no AS subject, 'on' AS state, sum(m.qty) AS value,
       printf('%.0f %s of %s left %s without release (%s)', sum(m.qty), max(m.unit), p.item,
              p.warehouse, string_agg(DISTINCT coalesce(m.reference_no, m.id), ', ')) AS detail
FROM p JOIN ev_inventory_movement m ON m.org = p.org AND m.item = p.item
     AND m.warehouse = p.warehouse
WHERE m.movement_type IN ('shipment', 'issue', 'adjustment_out')
  AND m.event_time > {{now}} - INTERVAL 1 DAY AND m.event_time <= {{now}}
  AND m.received_at <= {{now}}
GROUP BY p.org, p.pledge_no, p.item, p.warehouse
"""
VALUE_DROP_FLOOR = 5.0  # % the platform watches from; each bank sets its own threshold above
PLEDGE_VALUE_SQL = f"""
WITH p AS ({PLEDGES}), px AS (
    SELECT item_class, event_time, price FROM ev_price_index
    WHERE received_at <= {{now}} AND event_time <= {{now}}
), v AS (
    SELECT p.org, p.pledge_no, p.item, i.item_class,
           (SELECT price FROM px WHERE px.item_class = i.item_class ORDER BY event_time DESC
            LIMIT 1) AS now_price,
           (SELECT max(price) FROM px WHERE px.item_class = i.item_class
              AND px.event_time > {{now}} - INTERVAL 30 DAY) AS high
    FROM p JOIN items i ON i.org = p.org AND i.code = p.item
)
SELECT org, pledge_no AS subject,
       CASE WHEN 100 * (1 - now_price / high) >= {VALUE_DROP_FLOOR} THEN 'on' ELSE 'off' END
           AS state,
       100 * (1 - now_price / high) AS value,
       printf('%s price %.2f, %.1f %% below its 30-day high %.2f', item_class, now_price,
              100 * (1 - now_price / high), high) AS detail
FROM v WHERE high > 0
"""

PRODUCTION = ("telemetry",)
RULES: tuple[Rule, ...] = (
    Rule("stoppage", "停工", "Stoppage", Severity.CRITICAL, PRODUCTION, STOPPAGE_SQL, 15, 20,
         f"No output counted and power at most {NEAR_IDLE:.0%} of the machines' rated power over "
         f"{STOPPAGE_WINDOW} minutes, in a half hour the firm works, with its gateway sending; "
         "holds 15 minutes before opening, clears after 20 minutes of work.",
         value_unit="kW", inhibited_by=("data_gap",)),
    Rule("equipment_fault", "设备故障", "Equipment failure", Severity.MAJOR, PRODUCTION,
         FAULT_SQL, 10, 10,
         f"Every reading of a machine in {STOPPAGE_WINDOW} minutes reports fault; silenced while "
         "the firm is stopped.", inhibited_by=("stoppage", "data_gap")),
    Rule("data_gap", "数据中断", "Data gap", Severity.WARNING, PRODUCTION, DATA_GAP_SQL, 0, 10,
         f"No readings for {GAP_MINUTES} minutes in a half hour the firm works: the gateway or its "
         "link is down (transport), which says nothing yet about production."),
    Rule("output_drop", "产量下滑", "Output falling", Severity.MAJOR, ("production_report",),
         OUTPUT_DROP_SQL, 0, 0,
         f"Reported output per working day (the day types the firm worked in the earlier "
         f"period; never official holidays nor the {RESTART_DAYS} days after one of 5 days or "
         f"more) of the last 30 days at least "
         f"{-OUTPUT_DROP:.0f} % below the 30 days before, and beyond the day-to-day noise (the "
         f"difference of the daily means at least {OUTPUT_DROP_Z:g} standard errors); needs "
         "reports on 10 days of the earlier period.", value_unit="%", every_minutes=15),
    Rule("delivery_risk", "交付风险", "Delivery at risk", Severity.MAJOR,
         ("sales_order", "shipment", "work_order", "production_report"), DELIVERY_SQL, 0, 0,
         "An open order predicted to be finished after the day before its due date at the pace "
         f"the firm made the item over the last {PACE_DAYS} days (earliest due first, or at the "
         "order's own pace when the firm makes later orders while it waits), stalled, or up to "
         f"{LATE_DAYS} days past due and not shipped in full; one alert per order, its value the "
         "order's amount.", value_unit="元", every_minutes=15),
    Rule("repayment_missed", "还款逾期", "Repayment missed", Severity.CRITICAL, ("repayment",),
         REPAYMENT_SQL, 0, 0, "The newest instalment due before today is not paid.",
         value_unit="days", every_minutes=15, audience=LENDERS),
    Rule("adverse_record", "新增不良记录", "New adverse record", Severity.CRITICAL,
         ("credit_record",), ADVERSE_SQL, 0, 0,
         "A court, regulator or registry record (" + ", ".join(ADVERSE) + ") dated in the last "
         "30 days.", every_minutes=15),
    Rule("pledge_below_floor", "质押物低于底线", "Pledged stock below floor", Severity.CRITICAL,
         ("pledge", "inventory_movement"), PLEDGE_FLOOR_SQL, 0, 0,
         "The stock of an active pledge's item in its warehouse is below the pledge's floor.",
         value_unit="qty", every_minutes=15, audience=LENDERS),
    Rule("pledge_outbound", "质押物未解押出库", "Pledged stock moved out", Severity.CRITICAL,
         ("pledge", "inventory_movement"), PLEDGE_OUT_SQL, 0, 0,
         "Stock of an active pledge's item left its warehouse in the last 24 hours without the "
         "pledge being released.", value_unit="qty", every_minutes=15, audience=LENDERS),
    Rule("pledge_value_drop", "质押物价值下跌", "Pledged value falling", Severity.MAJOR,
         ("pledge", "price_index"), PLEDGE_VALUE_SQL, 0, 0,
         f"The price index of an active pledge's item class is at least {VALUE_DROP_FLOOR:g} % "
         "below its 30-day high (each bank sets its own threshold, default 10 %).",
         value_unit="%", default_min_value=10.0, every_minutes=15, audience=LENDERS),
    Rule("supply_interruption", "断供预警", "Supply interruption", Severity.CRITICAL,
         ("sales_order", "shipment", "work_order", "production_report", "telemetry",
          "quality_inspection", "inventory_movement", "credit_record"), INTERRUPTION_SQL, 0, 60,
         "A supplier with an active stoppage, output-drop, equipment-fault or adverse-record "
         f"alert, or whose inspection pass rate of the last {QUALITY_DAYS} days fell "
         f"{QUALITY_DROP:g} points or more below the 30 days before, while a core enterprise "
         "has open orders with it; one alert per supplier and customer, its value the impact: "
         "what remains to be made of the open orders, less what the supplier's finished stock "
         "covers, times the strongest signal's weight (stoppage 1, output drop 0.6, quality "
         "0.5, adverse record 0.4, equipment fault 0.3).", value_unit="元", every_minutes=5,
         reads_alerts=True, audience=BUYERS),
    Rule("carbon_quota", "超排预警", "Over-emission forecast", Severity.MAJOR,
         ("energy", "green_power"), QUOTA_RULE_SQL, 0, 0,
         "The firm's emissions this year so far plus its rate of the last "
         f"{RATE_DAYS} days over the days left exceed its carbon quota (counted with the factors "
         "the quota names); its value the forecast as % of the allowance.", value_unit="%",
         every_minutes=15, audience=PARKS),
)  # fmt: skip
BY_ID = {r.id: r for r in RULES}
