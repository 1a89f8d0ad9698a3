"""The canonical views every indicator query reads, defined once for DuckDB and Spark SQL.

Both engines register the event tables under their own names (`ev_<kind>`, in DuckDB the stored
tables, in Spark the Parquet export) and the master tables, run in Beijing time, then create
these views from the same text; only the Beijing day of an event is spelled per engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from chanrong.access.consent import PUBLIC_KINDS
from chanrong.model import EVENT_KINDS, Event
from chanrong.model.base import beijing_day
from chanrong.model.spec import fields_of


@dataclass(frozen=True)
class EnergyFactor:
    """Standard-coal equivalent of one unit of an energy carrier (GB/T 2589), and the unit in
    its energy type's base unit (kWh, m3, t, GJ: what emission factors are stated per)."""

    energy_type: str
    unit: str
    kgce: float
    basis: str
    per_base: float = 1.0


# GB/T 2589-2020 综合能耗计算通则 (1 kgce = 29,307.6 kJ = 7,000 kcal); electricity at its
# calorific equivalent (当量值, 3,600 kJ/kWh); natural gas at 38,931 kJ/m3, the NCV the carbon
# facts use; low-pressure steam at 3,763 MJ/t; fresh water as an energy-consuming medium (耗能工质);
# raw coal at 20,908 kJ/kg and diesel at 42,652 kJ/kg, the NCVs of GB/T 32150's fuel factors.
ENERGY_FACTORS: tuple[EnergyFactor, ...] = (
    EnergyFactor("electricity", "kWh", 0.1229, "GB/T 2589-2020 电力(当量值) 0.1229 kgce/kWh"),
    EnergyFactor("electricity", "MWh", 122.9, "GB/T 2589-2020 电力(当量值) 0.1229 kgce/kWh",
                 1000),
    EnergyFactor("gas", "m3", 1.3300, "GB/T 2589-2020 天然气 38,931 kJ/m3 = 1.3300 kgce/m3"),
    EnergyFactor("steam", "t", 128.6, "GB/T 2589-2020 蒸汽(低压) 3,763 MJ/t = 0.1286 kgce/kg",
                 3.763),
    EnergyFactor("steam", "GJ", 34.12, "GB/T 2589-2020 热力 0.03412 kgce/MJ"),
    EnergyFactor("water", "t", 0.0857, "GB/T 2589-2020 新水 2.51 MJ/t = 0.0857 kgce/t"),
    EnergyFactor("water", "m3", 0.0857, "GB/T 2589-2020 新水 2.51 MJ/t = 0.0857 kgce/t"),
    EnergyFactor("coal", "t", 714.3, "GB/T 2589-2020 原煤 20,908 kJ/kg = 0.7143 kgce/kg"),
    EnergyFactor("coal", "kg", 0.7143, "GB/T 2589-2020 原煤 20,908 kJ/kg = 0.7143 kgce/kg",
                 0.001),
    EnergyFactor("diesel", "t", 1457.1, "GB/T 2589-2020 柴油 42,652 kJ/kg = 1.4571 kgce/kg"),
    EnergyFactor("diesel", "kg", 1.4571, "GB/T 2589-2020 柴油 42,652 kJ/kg = 1.4571 kgce/kg",
                 0.001),
)  # fmt: skip
# The unit each energy type's quantities are summed in (and emission factors are stated per).
BASE_UNITS = {"electricity": "kWh", "gas": "m3", "steam": "GJ", "water": "t", "coal": "t",
              "diesel": "t"}  # fmt: skip


def energy_case(attr: str) -> str:
    """SQL: a reading's `value` times the factor's `attr` (kgce, per_base) for its type and unit."""
    whens = " ".join(
        f"WHEN energy_type = '{f.energy_type}' AND unit = '{f.unit}' "
        f"THEN value * {getattr(f, attr)}"
        for f in ENERGY_FACTORS
    )
    return f"CASE {whens} END"


def _columns(model: type[Event]) -> str:
    """A kind's contract columns; money as DOUBLE, so both engines divide it alike (Spark
    keeps decimal quotients to 6 places, DuckDB gives doubles)."""
    return ", ".join(
        f"CAST({f.name} AS DOUBLE) AS {f.name}" if f.sql_type.startswith("DECIMAL") else f.name
        for f in fields_of(model)
    )


def _latest(view: str, kind: str, key: tuple[str, ...]) -> list[tuple[str, str]]:
    """The current state of a record kept as a series of versions (the latest per key), as two
    views: `l_<kind>`, the latest version of each key sent more than once, and `view`, the rows
    of the keys sent once with those. Most keys have one version, so ranking the versions of
    those few costs one grouping, where ranking every row (and keeping them all) cost four
    times more. The keys sent more than once are found by their hash, one number to group by
    instead of the key's texts (half the time); a key sharing its hash with another is ranked
    among its own versions all the same, so it stands as its latest version either way."""
    columns = ", ".join([*(f.name for f in fields_of(EVENT_KINDS[kind])), "day"])
    on = " AND ".join(f"k.{c} = v.{c}" for c in key)
    keys = ", ".join(key)
    return [
        (
            f"l_{kind}",
            f"SELECT {columns} FROM (SELECT v.*, row_number() OVER (PARTITION BY "
            + ", ".join(f"v.{c}" for c in key)
            + f" ORDER BY v.event_time DESC, v.id DESC) AS rn FROM v_{kind} v WHERE hash({keys}) "
            f"IN (SELECT hash({keys}) AS h FROM v_{kind} GROUP BY h HAVING count(*) > 1)) t "
            "WHERE rn = 1",
        ),
        (
            view,
            f"SELECT {columns} FROM v_{kind} v WHERE NOT EXISTS (SELECT 1 FROM l_{kind} k "
            f"WHERE {on}) UNION ALL SELECT {columns} FROM l_{kind}",
        ),
    ]


# The views that compute (a ranking of versions, a grouping per shipment) rather than select:
# an engine keeps them as tables for a run when many queries read them.
COMPUTED = frozenset({"l_sales_order", "l_purchase_order", "v_delivery"})


def views(only: str | None = None, dialect: str = "duckdb") -> list[tuple[str, str]]:
    """(name, SELECT) in dependency order, for the engine `dialect`. With `only` (an SQL list of
    USCCs, "('…', '…')"), the enterprises' own records are limited to those firms at the
    source, so computing a few firms reads only their row groups (published price indices stay
    whole)."""
    day = beijing_day("event_time", dialect)
    out = [
        (
            f"v_{kind}",
            f"SELECT {_columns(model)}, {day} AS day FROM {model.table}"
            + (f" WHERE org IN {only}" if only and kind not in PUBLIC_KINDS else ""),
        )
        for kind, model in EVENT_KINDS.items()
    ]
    out += [
        # order lines as they stand now (an order line is re-sent when it changes)
        *_latest("v_sales_line", "sales_order", ("org", "order_no", "line_no")),
        *_latest("v_purchase_line", "purchase_order", ("org", "order_no", "line_no")),
        # invoices on their issue date and payments on their value date, the days that count
        (
            "v_invoice_issued",
            "SELECT org, id, channel, invoice_no, direction, counterparty, amount, tax_amount, "
            "issue_date, issue_date AS day, sales_order_no, e_invoice FROM v_invoice",
        ),
        (
            "v_payment_valued",
            "SELECT org, id, channel, payment_no, direction, counterparty, amount, invoice_no, "
            "value_date AS day FROM v_payment",
        ),
        # one row per shipment: when it left, when it arrived, and who says so
        (
            "v_delivery",
            "SELECT org, shipment_no, max(sales_order_no) AS sales_order_no, "
            "max(consignee) AS consignee, max(qty) AS qty, "
            "min(CASE WHEN status = 'shipped' THEN day END) AS shipped_day, "
            "min(CASE WHEN status IN ('delivered', 'receipt_confirmed') THEN day END) "
            "AS delivered_day, "
            "max(CASE WHEN status IN ('delivered', 'receipt_confirmed') "
            "AND channel = 'third_party' THEN 1 ELSE 0 END) AS third, "
            "sum(CASE WHEN status = 'shipped' THEN coalesce(freight, 0) ELSE 0 END) AS freight "
            "FROM v_shipment GROUP BY org, shipment_no",
        ),
        # energy in standard coal (kgce), in its type's base unit, and electricity in kWh
        (
            "v_energy_ce",
            f"SELECT v.*, {energy_case('kgce')} AS kgce, {energy_case('per_base')} AS base_qty, "
            "CASE WHEN energy_type = 'electricity' "
            "THEN value * CASE WHEN unit = 'MWh' THEN 1000 ELSE 1 END END AS kwh "
            "FROM v_energy v",
        ),
    ]
    return out
