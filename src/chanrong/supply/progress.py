"""Order progress (订单进度), pure SQL: for each open sales order, how much is made and shipped,
when it will be finished at the pace the firm actually works, and whether that is after its due
date.

The prediction reads what had arrived by the instant (`received_at <= now`), so a replay says
what the live board said then:
- made = good quantity of the production reports on the work orders naming the order;
- pace = the firm's output of the item per day over the last PACE_DAYS days that are not official
  holidays (a firm's own weekends count in, so the pace is per calendar day of its own rhythm);
- queue: the firm works its orders earliest due first, so an order is finished when everything
  of the same item due no later than it is made: eta = (what remains of those) / pace;
- put off: a firm that made a day's output of orders due later while this one waited (open two
  days at least, its own share of the output since under a quarter) is not working it earliest
  due first; then the order's own pace since it was placed tells (eta = remaining / own pace).
  That is the pattern of an order the firm cannot or will not serve, and the queue alone would
  never show it.
- counted today: what the order's machines (its work orders' devices) have counted since
  midnight, live from their gateways, before any report: shown beside the progress, not added to
  it (a machine may work on other orders too);
- the predicted day is the eta-th day after today that is not a holiday; at risk when it falls
  after the day before the due date (a day to ship), or the order is past due and not shipped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chanrong.model.base import beijing_day, local_today
from chanrong.store.db import dicts
from chanrong.workdays import fill

P_DAY = beijing_day("p.event_time")  # a report's Beijing day

PACE_DAYS = 14
LATE_DAYS = 7  # a past-due order is followed this long; after that it is a late delivery
SHIP_DAYS = 1  # made by the day before it is due, to be shipped in time
PUT_OFF_SHARE = 0.25  # own share of the item's output since placed, below which it is put off
PUT_OFF_DAYS = 2  # judged from this many days open (a report typed late is not a put-off)

# Placeholders of `workdays.fill` ({now}, {day}, {cal}: the days around). One row per open order.
PROGRESS_SQL = f"""
WITH cal AS (SELECT * FROM (VALUES {{cal}}) AS t(day, day_type)),
so AS (
    SELECT org, order_no, any_value(counterparty) AS customer,
           any_value(counterparty_name) AS customer_name, any_value(item) AS item,
           any_value(unit) AS unit, sum(qty) AS qty, sum(amount) AS amount,
           min(order_date) AS order_date, min(due_date) AS due
    FROM (
        SELECT * FROM ev_sales_order WHERE received_at <= {{now}}
        QUALIFY event_time = max(event_time) OVER (PARTITION BY org, order_no, line_no)
    ) WHERE status IN ('open', 'changed') GROUP BY org, order_no
), sh AS (  -- any step of a shipment says it left: the carrier's or the buyer's may come first
    SELECT org, order_no, sum(qty) AS shipped, max(delivered_at) AS delivered_at FROM (
        SELECT org, sales_order_no AS order_no, shipment_no, max(qty) AS qty,
               max(event_time) FILTER (WHERE status IN ('delivered', 'receipt_confirmed'))
                   AS delivered_at
        FROM ev_shipment WHERE received_at <= {{now}} AND sales_order_no IS NOT NULL
        GROUP BY ALL
    ) GROUP BY ALL
), wo AS (
    SELECT DISTINCT org, work_order_no, sales_order_no AS order_no, device FROM ev_work_order
    WHERE received_at <= {{now}} AND sales_order_no IS NOT NULL
), rep AS (  -- good output per order and day
    SELECT p.org, wo.order_no, p.item, {P_DAY} AS day, sum(p.good_qty) AS good
    FROM ev_production_report p JOIN wo ON wo.org = p.org AND wo.work_order_no = p.work_order_no
    WHERE p.received_at <= {{now}} AND p.event_time <= {{now}} GROUP BY ALL
), made AS (
    SELECT org, order_no, sum(good) AS made, max(day) AS last_made FROM rep GROUP BY ALL
), work_days AS (
    SELECT day FROM cal WHERE day_type <> 'holiday' AND day < {{day}}
    ORDER BY day DESC LIMIT {PACE_DAYS}
), pace AS (  -- output of the item per (non-holiday) day, all the firm's orders and reports
    SELECT p.org, p.item, sum(p.good_qty) / {PACE_DAYS} AS pace
    FROM ev_production_report p SEMI JOIN work_days w ON w.day = {P_DAY}
    WHERE p.received_at <= {{now}} GROUP BY ALL
), live AS (  -- what each machine has counted so far today, from its gateway
    SELECT org, device, max(counter) - min(counter) AS counted FROM ev_telemetry
    WHERE event_time >= {{day}} AND event_time <= {{now}} AND received_at <= {{now}}
    GROUP BY ALL
), open AS (
    SELECT so.*, coalesce(made.made, 0) AS made, coalesce(sh.shipped, 0) AS shipped,
           sh.delivered_at, made.last_made,
           greatest(so.qty - coalesce(made.made, 0), 0) AS remaining,
           (SELECT string_agg(DISTINCT wo.device, ',') FROM wo
            WHERE wo.org = so.org AND wo.order_no = so.order_no) AS devices,
           (SELECT sum(l.counted) FROM (SELECT DISTINCT org, device FROM wo
                WHERE wo.org = so.org AND wo.order_no = so.order_no) d
            JOIN live l ON l.org = d.org AND l.device = d.device) AS counted_today
    FROM so LEFT JOIN sh USING (org, order_no) LEFT JOIN made USING (org, order_no)
    WHERE coalesce(sh.shipped, 0) < so.qty AND so.due >= {{day}} - {LATE_DAYS}
), queued AS (
    SELECT *, sum(remaining) OVER (PARTITION BY org, item ORDER BY due, order_date, order_no
                                   ROWS UNBOUNDED PRECEDING) AS ahead
    FROM open
), since AS (  -- since each order was placed: its own output, and that of orders due later
    SELECT q.org, q.order_no,
           sum(r.good) FILTER (WHERE r.order_no = q.order_no) AS own,
           sum(r.good) FILTER (WHERE r.order_no <> q.order_no AND o2.due > q.due) AS later
    FROM queued q JOIN rep r ON r.org = q.org AND r.item = q.item AND r.day >= q.order_date
    LEFT JOIN so o2 ON o2.org = r.org AND o2.order_no = r.order_no
    GROUP BY ALL
), opened AS (
    SELECT q.*, coalesce(p.pace, 0) AS pace, coalesce(s.own, 0) AS own_since,
           coalesce(s.later, 0) AS later_since,
           (SELECT count(*) FROM cal WHERE day_type <> 'holiday' AND cal.day >= q.order_date
              AND cal.day < {{day}}) AS days_open
    FROM queued q LEFT JOIN pace p ON p.org = q.org AND p.item = q.item
    LEFT JOIN since s ON s.org = q.org AND s.order_no = q.order_no
), judged AS (
    SELECT *, later_since >= pace AND later_since > 0 AND days_open >= {PUT_OFF_DAYS}
              AND own_since < {PUT_OFF_SHARE} * (own_since + later_since) AS put_off
    FROM opened
), eta AS (
    SELECT *, CASE
        WHEN remaining = 0 THEN 0.0
        WHEN put_off THEN CASE WHEN own_since > 0 AND days_open > 0
                               THEN remaining / (own_since / days_open) END
        WHEN pace > 0 THEN ahead / pace
    END AS eta_days FROM judged
), ahead_days AS (
    SELECT day, row_number() OVER (ORDER BY day) AS n FROM cal
    WHERE day_type <> 'holiday' AND day >= {{day}}
), pred AS (
    SELECT e.*, CASE
        WHEN e.remaining = 0 THEN coalesce(e.last_made, {{day}})
        WHEN e.eta_days IS NOT NULL
            THEN coalesce(a.day, (SELECT max(day) FROM ahead_days) + 1)
    END AS predicted
    FROM eta e LEFT JOIN ahead_days a ON a.n = greatest(1, ceil(e.eta_days))::BIGINT
)
SELECT org, order_no, customer, customer_name, item, unit, qty, amount, order_date, due, made,
       shipped, delivered_at, remaining, ahead, pace, own_since, later_since, put_off, devices,
       counted_today, eta_days, predicted,
       CASE WHEN due < {{day}} THEN 'overdue'
            WHEN remaining = 0 THEN 'made'
            WHEN eta_days IS NULL THEN 'stalled'
            WHEN predicted > due - {SHIP_DAYS} THEN 'at_risk'
            ELSE 'on_track'
       END AS status
FROM pred
"""
RISKY = ("overdue", "stalled", "at_risk")


def progress_sql(now: datetime) -> str:
    """PROGRESS_SQL for an instant (its placeholders filled)."""
    return fill(PROGRESS_SQL, now, local_today(now))


def progress(
    cur: Any, now: datetime, where: str = "", params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """Every open order as of `now`, optionally filtered (`where` over the columns)."""
    sql = f"SELECT * FROM ({progress_sql(now)}) {f'WHERE {where}' if where else ''} ORDER BY due, org, order_no"
    return dicts(cur.execute(sql, params or []))
