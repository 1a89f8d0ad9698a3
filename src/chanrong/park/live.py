"""What the park's live screen (大屏) reads, pure SQL over its member firms at an instant: no
firm is named, so no consent is needed (aggregates always).

- machines: every member machine that sent a reading in the last LIVE_MINUTES minutes, its last
  run state and power; running rate = running / reporting; the registered machines beside it
  say how much of the park is connected;
- open alerts by rule over the members, of the rules meant for parks.
$park: the park's USCC; $now: the instant (only what had arrived by then counts).
"""

from __future__ import annotations

LIVE_MINUTES = 10

MEMBERS = "SELECT uscc FROM organisations WHERE park = $park AND org_kind = 'sme'"

MACHINES_SQL = f"""
WITH t AS (
    SELECT org, device, arg_max(run_state, event_time) AS state,
           arg_max(power_kw, event_time) AS kw
    FROM ev_telemetry
    WHERE event_time > $now - INTERVAL {LIVE_MINUTES} MINUTE AND event_time <= $now
      AND received_at <= $now AND org IN ({MEMBERS})
    GROUP BY ALL
)
SELECT (SELECT count(*) FROM devices WHERE device_type = 'machine' AND org IN ({MEMBERS}))
           AS registered,
       count(*) AS reporting, count(*) FILTER (WHERE state = 'running') AS running,
       count(*) FILTER (WHERE state = 'fault') AS faults, coalesce(sum(kw), 0) AS power_kw,
       count(DISTINCT org) AS firms_online
FROM t
"""

# $rules: the rules meant for parks (a lender's repayment and pledge alerts and a buyer's supply
# warnings are theirs, not counted here)
ALERTS_SQL = f"""
SELECT rule, count(*) AS open, count(DISTINCT org) AS firms FROM alerts
WHERE status = 'active' AND org IN ({MEMBERS}) AND list_contains($rules, rule)
GROUP BY rule ORDER BY open DESC, rule
"""
