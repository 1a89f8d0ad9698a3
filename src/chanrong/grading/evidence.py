"""The evidence measures the grading criteria read, in SQL over the canonical views, per firm and
as of a day. Each query gives (org, measure, value, detail): `detail` names what stands behind a
value a firm can act on (the machines not yet connected, say).

Windows: the last 90 days ending on the day (`{start}`..`{end}`); device connection looks at the
last 30 (`{start30}`), so a gateway fitted last week counts.
"""

from __future__ import annotations

from datetime import date, timedelta

from chanrong.model.base import EVENT_DAY

# The firm's own business documents (records third parties send about it are counted where a
# measure says so): what "recorded by systems" and "third-party attested" are shares of.
DOCUMENT_KINDS = ("sales_order", "purchase_order", "work_order", "production_report",
                  "quality_inspection", "inventory_movement", "shipment", "invoice", "payment")  # fmt: skip
OWN_KINDS = (*DOCUMENT_KINDS, "telemetry", "energy")
# Events whose time to the platform says whether data flow in real time.
OPERATIONAL_KINDS = ("production_report", "quality_inspection", "inventory_movement", "shipment")
WINDOW_DAYS = 90
DEVICE_DAYS = 30


def _docs(select: str, kinds: tuple[str, ...] = DOCUMENT_KINDS) -> str:
    return " UNION ALL ".join(
        f"SELECT org, '{k}' AS kind, {select} FROM v_{k} WHERE day BETWEEN {{start}} AND {{end}}"
        for k in kinds
    )


def _machines(where: str) -> str:
    """Share of the firm's registered machines (`where`) that sent device telemetry lately."""
    return (
        "SELECT d.org, avg(CASE WHEN t.device IS NULL THEN 0.0 ELSE 1.0 END) AS value, "
        "string_agg(CASE WHEN t.device IS NULL THEN d.code END, ', ' ORDER BY d.code) AS detail "
        "FROM devices d LEFT JOIN (SELECT DISTINCT org, device FROM v_telemetry "
        "WHERE channel = 'device' AND day BETWEEN {start30} AND {end}) t "
        "ON t.org = d.org AND t.device = d.code "
        f"WHERE d.device_type = 'machine' AND ({where}) GROUP BY d.org"
    )


MEASURES: dict[str, str] = {
    "streams": (
        "SELECT org, count(DISTINCT kind) AS value, string_agg(DISTINCT kind, ', ') AS detail "
        "FROM (" + _docs("1 AS x", OWN_KINDS) + ") GROUP BY org"
    ),
    "core_auto_share": _machines("d.is_core"),
    "device_auto_share": _machines("TRUE"),
    "median_delay_min": (
        "SELECT org, median(epoch(received_at - event_time) / 60) AS value, NULL AS detail FROM ("
        + " UNION ALL ".join(
            f"SELECT org, event_time, received_at FROM ev_{k} WHERE channel <> 'third_party' "
            f"AND {EVENT_DAY} BETWEEN {{start}} AND {{end}} AND org IN {{only}}"
            for k in OPERATIONAL_KINDS
        )
        + ") GROUP BY org"
    ),
    # over the window's days since the firm's first electricity reading (a firm that joined
    # 60 days ago is judged on 60 days)
    "energy_days_share": (
        f"SELECT org, count(DISTINCT CASE WHEN day >= {{start}} THEN day END) / least("
        f"{WINDOW_DAYS}, date_diff('day', min(day), {{end}}) + 1) AS value, NULL AS detail "
        "FROM v_energy WHERE energy_type = 'electricity' AND day <= {end} GROUP BY org"
    ),
    "tracked_share": (
        "SELECT org, avg(tracked) AS value, NULL AS detail FROM (SELECT org, shipment_no, "
        "max(CASE WHEN channel = 'third_party' AND status IN ('in_transit', 'delivered') "
        "THEN 1.0 ELSE 0.0 END) AS tracked, min(CASE WHEN status = 'shipped' THEN day END) AS "
        "shipped FROM v_shipment GROUP BY org, shipment_no) s "
        "WHERE shipped BETWEEN {start} AND {end} GROUP BY org"
    ),
    # the whole line order -> production -> shipment -> invoice: each sales invoice of the
    # window names an order that a work order with production reports and a shipment name too
    "chain_share": (
        "SELECT i.org, avg(CASE WHEN s.o IS NOT NULL AND w.o IS NOT NULL THEN 1.0 ELSE 0.0 END) "
        "AS value, NULL AS detail FROM v_invoice_issued i LEFT JOIN (SELECT DISTINCT org, "
        "sales_order_no AS o FROM v_delivery WHERE shipped_day <= {end}) s ON s.org = i.org "
        "AND s.o = i.sales_order_no LEFT JOIN (SELECT DISTINCT w.org, w.sales_order_no AS o "
        "FROM v_work_order w JOIN v_production_report p ON p.org = w.org "
        "AND p.work_order_no = w.work_order_no WHERE p.day <= {end}) w ON w.org = i.org "
        "AND w.o = i.sales_order_no WHERE i.direction = 'sales' AND i.day BETWEEN {start} AND "
        "{end} GROUP BY i.org"
    ),
    "energy_interval_min": (
        "SELECT org, median(gap) AS value, NULL AS detail FROM (SELECT org, "
        "epoch(event_time - lag(event_time) OVER (PARTITION BY org, meter ORDER BY event_time))"
        " / 60 AS gap FROM v_energy WHERE energy_type = 'electricity' "
        "AND day BETWEEN {start} AND {end}) g WHERE gap IS NOT NULL GROUP BY org"
    ),
    "station_days_share": (
        "SELECT p.org, count(DISTINCT q.day) / count(DISTINCT p.day) AS value, NULL AS detail "
        "FROM v_production_report p LEFT JOIN v_quality_inspection q ON q.org = p.org "
        "AND q.day = p.day AND q.stage = 'in_process' AND q.channel = 'device' "
        "WHERE p.day BETWEEN {start} AND {end} GROUP BY p.org"
    ),
    "orders": (
        "SELECT org, count(DISTINCT order_no) AS value, NULL AS detail FROM v_sales_order "
        "WHERE day BETWEEN {start} AND {end} GROUP BY org"
    ),
    "system_share": (
        "SELECT org, avg(CASE WHEN channel = 'manual' THEN 0.0 ELSE 1.0 END) AS value, "
        "string_agg(DISTINCT CASE WHEN channel = 'manual' THEN kind END, ', ') AS detail "
        "FROM (" + _docs("channel") + ") GROUP BY org"
    ),
    "incoming_share": (
        "SELECT r.org, least(coalesce(max(q.n), 0) / count(*), 1.0) AS value, NULL AS detail "
        "FROM v_inventory_movement r LEFT JOIN (SELECT org, count(*) AS n FROM "
        "v_quality_inspection WHERE stage = 'incoming' AND day BETWEEN {start} AND {end} "
        "GROUP BY org) q ON q.org = r.org WHERE r.movement_type = 'receipt' "
        "AND r.channel <> 'third_party' AND r.day BETWEEN {start} AND {end} GROUP BY r.org"
    ),
    "certified_share": (
        "SELECT org, avg(CASE WHEN certificate_no IS NULL THEN 0.0 ELSE 1.0 END) AS value, "
        "NULL AS detail FROM v_quality_inspection WHERE stage = 'final' "
        "AND day BETWEEN {start} AND {end} GROUP BY org"
    ),
    "quality_stages": (
        "SELECT org, count(DISTINCT stage) AS value, string_agg(DISTINCT stage, ', ') AS detail "
        "FROM v_quality_inspection WHERE day BETWEEN {start} AND {end} GROUP BY org"
    ),
    "registered": (
        "SELECT uscc AS org, CASE WHEN industry_code IS NULL THEN 0.0 ELSE 1.0 END AS value, "
        "industry_code AS detail FROM organisations WHERE uscc IN {only}"
    ),
    "shared_parties": (
        "SELECT c.grantor AS org, count(DISTINCT c.grantee) AS value, "
        "string_agg(DISTINCT o.name, ', ') AS detail FROM consents c "
        "JOIN organisations o ON o.uscc = c.grantee WHERE {consent_live} GROUP BY c.grantor"
    ),
    "party_kinds": (
        "SELECT c.grantor AS org, count(DISTINCT o.org_kind) AS value, "
        "string_agg(DISTINCT o.org_kind, ', ') AS detail FROM consents c "
        "JOIN organisations o ON o.uscc = c.grantee WHERE {consent_live} GROUP BY c.grantor"
    ),
    "einvoice_share": (
        "SELECT org, avg(CASE WHEN e_invoice THEN 1.0 ELSE 0.0 END) AS value, NULL AS detail "
        "FROM v_invoice WHERE issue_date BETWEEN {start} AND {end} GROUP BY org"
    ),
    "third_party_share": (
        "SELECT org, avg(third) AS value, NULL AS detail FROM (" + _docs(
            "CASE WHEN channel = 'third_party' THEN 1.0 ELSE 0.0 END AS third",
            tuple(k for k in DOCUMENT_KINDS if k != "invoice"),
        ) + " UNION ALL SELECT org, 'invoice', CASE WHEN e_invoice OR channel = 'third_party' "
        "THEN 1.0 ELSE 0.0 END FROM v_invoice WHERE day BETWEEN {start} AND {end}) GROUP BY org"
    ),
    # for the MIIT view
    "digitised_share": (
        "SELECT d.org, avg(CASE WHEN t.device IS NULL THEN 0.0 ELSE 1.0 END) AS value, "
        "NULL AS detail FROM devices d LEFT JOIN (SELECT DISTINCT org, device FROM v_telemetry "
        "WHERE day BETWEEN {start} AND {end}) t ON t.org = d.org AND t.device = d.code "
        "WHERE d.device_type = 'machine' GROUP BY d.org"
    ),
    "auto_links": (
        "SELECT org, count(*) AS value, string_agg(link, ', ' ORDER BY link) AS detail FROM ("
        "SELECT org, link FROM (" + " UNION ALL ".join(
            f"SELECT org, {link} AS link, channel <> 'manual' AS auto FROM v_{kind} "
            f"WHERE day BETWEEN {{start}} AND {{end}} AND {where}"
            for kind, link, where in (
                ("sales_order", "'sales_order'", "TRUE"),
                ("purchase_order", "'purchase_order'", "TRUE"),
                ("work_order", "'work_order'", "TRUE"),
                ("production_report", "'production_report'", "TRUE"),
                ("quality_inspection", "'inspection_' || stage", "TRUE"),
                ("inventory_movement", "'stock_' || CASE WHEN movement_type IN ('receipt', "
                 "'production_in', 'adjustment_in') THEN 'in' ELSE 'out' END", "TRUE"),
                ("shipment", "'shipment'", "status = 'shipped'"),
                ("shipment", "'delivery'", "status <> 'shipped'"),
                ("invoice", "'invoice'", "TRUE"),
                ("payment", "'payment'", "TRUE"),
                ("energy", "'energy'", "TRUE"),
            )
        ) + ") l GROUP BY org, link HAVING avg(CASE WHEN auto THEN 1.0 ELSE 0.0 END) >= 0.9) a "
        "GROUP BY org"
    ),
    "energy_per_revenue_change": (
        "SELECT e.org, (e.now / NULLIF(s.now, 0)) / NULLIF(e.before / NULLIF(s.before, 0), 0) - 1"
        " AS value, NULL AS detail FROM (SELECT org, sum(CASE WHEN day >= {start} THEN kgce END)"
        " AS now, sum(CASE WHEN day < {start} THEN kgce END) AS before FROM v_energy_ce "
        "WHERE day BETWEEN {pstart} AND {end} GROUP BY org) e JOIN (SELECT org, "
        "sum(CASE WHEN day >= {start} THEN amount END) AS now, sum(CASE WHEN day < {start} "
        "THEN amount END) AS before FROM v_invoice_issued WHERE direction = 'sales' "
        "AND day BETWEEN {pstart} AND {end} GROUP BY org) s ON s.org = e.org"
    ),
    "pass_rate_change": (
        "SELECT org, (sum(CASE WHEN day >= {start} THEN passed_qty END) / NULLIF(sum(CASE WHEN "
        "day >= {start} THEN inspected_qty END), 0)) / NULLIF(sum(CASE WHEN day < {start} THEN "
        "passed_qty END) / NULLIF(sum(CASE WHEN day < {start} THEN inspected_qty END), 0), 0) - 1"
        " AS value, NULL AS detail FROM v_quality_inspection WHERE stage = 'final' "
        "AND day BETWEEN {pstart} AND {end} GROUP BY org"
    ),
}  # fmt: skip

# A consent counts while it is authorised, was decided by the day, and has not run out.
CONSENT_LIVE = (
    "c.status = 'authorised' AND c.grantor IN {only} AND c.decided_at < {next_day} "
    "AND c.expires_at >= {next_day}"
)


def render(sql: str, as_of: date, only: str) -> str:
    values = {
        "start": as_of - timedelta(days=WINDOW_DAYS - 1),
        "start30": as_of - timedelta(days=DEVICE_DAYS - 1),
        "pstart": as_of - timedelta(days=2 * WINDOW_DAYS - 1),
        "end": as_of,
    }
    out = {k: f"DATE '{v.isoformat()}'" for k, v in values.items()}
    out["next_day"] = f"TIMESTAMPTZ '{(as_of + timedelta(days=1)).isoformat()} 00:00:00+08'"
    out["only"] = only
    out["consent_live"] = CONSENT_LIVE.format(**out)
    return sql.format(**out)


def measures_sql(as_of: date, only: str) -> str:
    """Every measure for the firms in `only` (an SQL list or subquery), long: org, measure,
    value, detail."""
    return " UNION ALL ".join(
        f"SELECT org, '{name}' AS measure, CAST(value AS DOUBLE) AS value, "
        f"CAST(detail AS VARCHAR) AS detail FROM ({render(sql, as_of, only)}) m "
        f"WHERE org IN {only}"
        for name, sql in MEASURES.items()
    )
