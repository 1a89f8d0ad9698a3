"""Supply-interruption warning (断供预警), pure SQL: a supplier's trouble weighed against each
core-enterprise customer's open orders with it and the stock that still covers them.

Signals (each with the share of the open orders it puts at risk, the strongest one counts):
- the supplier's active stoppage, output-drop, equipment-fault or adverse-record alert (the
  post-loan rules, read from the alerts table: one detection for banks and buyers);
- quality falling: the pass rate of its final and in-process inspections over the last
  QUALITY_DAYS days at least QUALITY_DROP points below the 30 days before.
Exposure = what remains to be made of the customer's open orders (amount x remaining / qty),
less the part the supplier's finished stock of those items covers. Impact (元) = exposure x
the signal's weight: the ranking a buyer reads first.
"""

from __future__ import annotations

from chanrong.indicators.catalog.production import SIGNED_QTY
from chanrong.supply.progress import PROGRESS_SQL

SIGNAL_WEIGHTS = {"stoppage": 1.0, "output_drop": 0.6, "quality_drop": 0.5,
                  "adverse_record": 0.4, "equipment_fault": 0.3}  # fmt: skip
QUALITY_DAYS = 7
QUALITY_DROP = 5.0  # percentage points
_ALERT_SIGNALS = ", ".join(f"'{s}'" for s in SIGNAL_WEIGHTS if s != "quality_drop")
_WEIGHTS = " ".join(f"WHEN '{s}' THEN {w}" for s, w in SIGNAL_WEIGHTS.items())

INTERRUPTION_SQL = f"""
WITH p AS ({PROGRESS_SQL}),
buyers AS (SELECT uscc FROM organisations WHERE org_kind = 'core_enterprise'),
orders AS (
    SELECT org, customer AS buyer, count(*) AS n, sum(amount * remaining / qty) AS open_amount,
           sum(remaining) AS remaining, min(due) AS first_due, list(DISTINCT item) AS items
    FROM p SEMI JOIN buyers b ON b.uscc = p.customer
    WHERE remaining > 0 GROUP BY ALL
), stock AS (
    SELECT m.org, sum({SIGNED_QTY}) AS qty, m.item
    FROM ev_inventory_movement m JOIN items i ON i.org = m.org AND i.code = m.item
    WHERE i.item_type = 'product' AND m.received_at <= {{now}} AND m.event_time <= {{now}}
    GROUP BY ALL
), cover AS (
    SELECT o.org, o.buyer, least(1.0, greatest(0.0, coalesce(sum(s.qty), 0)) / o.remaining)
        AS cover
    FROM orders o LEFT JOIN stock s ON s.org = o.org AND list_contains(o.items, s.item)
    GROUP BY o.org, o.buyer, o.remaining
), quality AS (
    SELECT org, 100 * sum(passed_qty) FILTER (WHERE recent) / sum(inspected_qty)
               FILTER (WHERE recent) AS recent,
           100 * sum(passed_qty) FILTER (WHERE NOT recent) / sum(inspected_qty)
               FILTER (WHERE NOT recent) AS before
    FROM (SELECT *, event_time > {{now}} - INTERVAL {QUALITY_DAYS} DAY AS recent
          FROM ev_quality_inspection
          WHERE stage IN ('final', 'in_process') AND received_at <= {{now}}
            AND event_time > {{now}} - INTERVAL {QUALITY_DAYS + 30} DAY)
    GROUP BY org
), signals AS (
    SELECT org, rule AS signal, printf('%s: %s', rule, coalesce(detail, '')) AS why FROM alerts
    WHERE status = 'active' AND rule IN ({_ALERT_SIGNALS})
    UNION ALL
    SELECT org, 'quality_drop', printf('quality_drop: pass rate %.1f %% in %d days against '
                                       '%.1f %% the 30 days before', recent, {QUALITY_DAYS},
                                       before)
    FROM quality WHERE recent <= before - {QUALITY_DROP}
), weighed AS (
    SELECT org, max(CASE signal {_WEIGHTS} END) AS weight,
           string_agg(why, '; ' ORDER BY signal) AS why
    FROM signals GROUP BY org
)
SELECT o.org, o.buyer AS subject, 'on' AS state,
       round(o.open_amount * (1 - c.cover) * w.weight, 2)::DOUBLE AS value,
       printf('%d open order(s), %.2f 元 still to make, first due %s; stock covers %.0f %%; %s',
              o.n, o.open_amount, o.first_due, 100 * c.cover, w.why) AS detail
FROM orders o JOIN weighed w ON w.org = o.org
JOIN cover c ON c.org = o.org AND c.buyer = o.buyer
"""
