"""Compile the contract's field declarations into vectorised DuckDB checks.

Every channel ends as a relation `raw_in(idx, ...)`: either one JSON value per record (`rec`) or
one column per field (Arrow, Parquet, CSV, Excel). `compile_checks` turns a model's FieldSpecs
into one SELECT that yields, per record, the typed value of every field and the list of what is
wrong with it. Nothing here loops over rows: DuckDB evaluates it column-wise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from chanrong.model.base import DATE_PATTERN, Event
from chanrong.model.spec import FieldSpec, fields_of

# How far ahead of the platform clock an event_time may be (gateway clocks drift).
FUTURE_TOLERANCE = "INTERVAL 5 MINUTE"

_JSON_TYPES = {
    "string": ("VARCHAR",), "enum": ("VARCHAR",), "integer": ("BIGINT", "UBIGINT"),
    "number": ("BIGINT", "UBIGINT", "DOUBLE"), "decimal": ("BIGINT", "UBIGINT", "DOUBLE", "VARCHAR"),
    "boolean": ("BOOLEAN",), "timestamp": ("VARCHAR",), "date": ("VARCHAR",),
}  # fmt: skip
_TYPE_WORDS = {
    "string": "a string", "enum": "a string", "integer": "an integer", "number": "a number",
    "decimal": "an amount", "boolean": "true or false", "timestamp": "an ISO 8601 date-time",
    "date": "a date YYYY-MM-DD",
}  # fmt: skip


def q(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _err(field: str, code: str, reason_sql: str) -> str:
    return f"{{'field': {q(field)}, 'code': {q(code)}, 'reason': {reason_sql}}}"


class Check(NamedTuple):
    """One way a record can be wrong: a SQL condition, the field, a code and a reason (SQL)."""

    cond: str
    field: str
    code: str
    reason: str


def error_list(checks: list[Check]) -> str:
    """A list of the errors that apply, built only for records that have any.

    The OR of all conditions is cheap to evaluate column-wise; the list of error structs is
    assembled only where it is true.
    """
    if not checks:
        return "[]"
    any_error = " OR ".join(f"coalesce({c.cond}, false)" for c in checks)
    items = ",\n  ".join(
        f"CASE WHEN {c.cond} THEN {_err(c.field, c.code, c.reason)} END" for c in checks
    )
    return f"CASE WHEN {any_error} THEN list_filter([{items}], lambda e: e IS NOT NULL) ELSE [] END"


@dataclass(frozen=True)
class Source:
    """What the raw relation looks like: JSON records, typed columns or text columns."""

    mode: str  # "json" | "typed" | "text"
    columns: frozenset[str] = frozenset()
    text_columns: frozenset[str] = frozenset()  # columns holding strings to be parsed

    def is_text(self, name: str) -> bool:
        return self.mode == "json" or name in self.text_columns


def _present_and_text(f: FieldSpec, src: Source) -> tuple[str, str, str | None]:
    """(is-present expr, value expr before casting, json type expr or None)."""
    if src.mode == "json":
        path = q(f'$."{f.name}"')
        jtype = f"json_type(rec, {path})"
        return f"coalesce({jtype} <> 'NULL', false)", f"(rec->>{path})", jtype
    if f.name not in src.columns:
        return "false", "NULL", None
    if src.mode == "text":
        col = f"nullif(trim(CAST(\"{f.name}\" AS VARCHAR)), '')"
        return f"({col} IS NOT NULL)", col, None
    return f'("{f.name}" IS NOT NULL)', f'"{f.name}"', None


def _typed(f: FieldSpec, text: str) -> str:
    if f.base == "decimal":
        # Round nothing silently: more than two decimals is rejected below.
        return f"TRY_CAST(TRY_CAST({text} AS DECIMAL(38,10)) AS DECIMAL(18,2))"
    return f"TRY_CAST({text} AS {f.sql_type})"


def field_columns(f: FieldSpec, src: Source) -> list[str]:
    """Per-field helper columns computed once per record: present, text, JSON type, typed value."""
    present, text, jtype = _present_and_text(f, src)
    cols = [
        f'{present} AS "p__{f.name}"',
        f'{text} AS "x__{f.name}"',
        f'{_typed(f, text)} AS "v__{f.name}"',
    ]
    if jtype is not None:
        cols.append(f'{jtype} AS "j__{f.name}"')
    return cols


def field_checks(f: FieldSpec, src: Source, default: str | None = None) -> tuple[str, list[Check]]:
    """The typed value expression of one field and its list of error expressions.

    Both read the helper columns of `field_columns`, so each cast and lookup is done once.
    """
    name = f.name
    present, text, typed = f'"p__{name}"', f'"x__{name}"', f'"v__{name}"'
    jtype = f'"j__{name}"' if src.mode == "json" else None
    errors: list[Check] = []
    if f.required:
        errors.append(Check(f"NOT {present}", name, "required", q("is required")))

    def wrong_type(cond: str) -> Check:
        return Check(cond, name, "type", q("must be " + _TYPE_WORDS[f.base]))

    # One type error per field, whichever way the value fails to be of its type.
    bad_type = [f"{typed} IS NULL"]
    if jtype is not None:
        allowed = ", ".join(q(t) for t in _JSON_TYPES[f.base])
        bad_type.insert(0, f"{jtype} NOT IN ({allowed})")
        if not f.nullable and not f.required:
            errors.append(wrong_type(f"{jtype} = 'NULL'"))
    if f.base in ("timestamp", "date") and src.is_text(f.name):
        pattern = DATE_PATTERN if f.base == "date" else str(f.pattern)
        bad_type.append(f"NOT regexp_full_match({text}, {q(pattern)})")
    if f.base == "integer" and src.mode != "json" and f.name in src.columns:
        bad_type.append(f"TRY_CAST({text} AS DOUBLE) <> {typed}")
    if f.base == "number":
        bad_type.append(f"NOT isfinite({typed})")
    errors.append(wrong_type(f"{present} AND ({' OR '.join(bad_type)})"))
    if f.base == "decimal":
        exact = f"TRY_CAST({text} AS DECIMAL(38,10))"
        as_double = f"TRY_CAST({text} AS DOUBLE)"
        errors.append(
            Check(
                f"{present} AND {typed} IS NOT NULL AND ({exact} <> {typed} "
                f"OR {as_double} <> CAST({typed} AS DOUBLE))",
                name,
                "decimals",
                q("has more than 2 decimal places"),
            )
        )
    shown = f"CAST({typed} AS VARCHAR)"
    for op, bound, word in (("<", f.ge, ">="), ("<=", f.gt, ">"), (">", f.le, "<=")):
        if bound is not None:
            reason = q(f"must be {word} {bound:g}, got ") + " || " + shown
            errors.append(Check(f"{typed} {op} {bound}", name, "range", reason))
    if f.base in ("string", "enum") and (f.min_length or f.max_length):
        if f.min_length:
            reason = q(f"must not be empty (at least {f.min_length})")
            errors.append(Check(f"length({typed}) < {f.min_length}", name, "length", reason))
        if f.max_length:
            reason = q(f"must be at most {f.max_length} characters")
            errors.append(Check(f"length({typed}) > {f.max_length}", name, "length", reason))
    if f.uscc:
        # Registered organisations were checked on registration; only others need the
        # (row-wise, costly) check-character computation.
        cond = (
            f"{typed} IS NOT NULL AND {typed} NOT IN (SELECT uscc FROM organisations) "
            f"AND NOT uscc_ok({typed})"
        )
        reason = q("is not a valid 统一社会信用代码 (GB 32100-2015): ") + " || " + typed
        errors.append(Check(cond, name, "uscc", reason))
    elif f.pattern and f.base == "string":
        cond = f"{typed} IS NOT NULL AND NOT regexp_full_match({typed}, {q(f.pattern)})"
        errors.append(Check(cond, name, "pattern", q("does not match " + f.pattern)))
    if f.choices:
        listed = ", ".join(q(c) for c in f.choices)
        reason = q("unknown value ") + f" || {typed} || " + q("; allowed: " + ", ".join(f.choices))
        errors.append(
            Check(f"{typed} IS NOT NULL AND {typed} NOT IN ({listed})", name, "choice", reason)
        )
    if default is not None:
        typed = f"coalesce({typed}, {q(default)})"
    elif f.default is not None:
        typed = f"coalesce({typed}, {_literal(f)})"
    return typed, errors


def _literal(f: FieldSpec) -> str:
    if isinstance(f.default, bool):
        return "true" if f.default else "false"
    if isinstance(f.default, int | float):
        return repr(f.default)
    return q(str(f.default))


def compile_checks(
    model: type[Event], src: Source, defaults: dict[str, str] | None = None
) -> tuple[str, str]:
    """(SELECT idx, <typed fields>, field_errors FROM raw_in, raw payload expression).

    `defaults` overrides a field's declared default, e.g. the channel a route implies. The raw
    payload expression reads `raw_in` and is evaluated only for rejected records.
    """
    helpers: list[str] = []
    selects: list[str] = []
    errs: list[Check] = []
    for f in fields_of(model):
        helpers.extend(field_columns(f, src))
        typed, errors = field_checks(f, src, (defaults or {}).get(f.name))
        selects.append(f'{typed} AS "{f.name}"')
        errs.extend(errors)
    err_list = error_list(errs)
    if src.mode == "json":
        allowed = ", ".join(q(f.name) for f in fields_of(model))
        extra = f"list_filter(json_keys(rec), lambda k: NOT list_contains([{allowed}], k))"
        err_list = (
            "CASE WHEN rec IS NULL AND raw_line IS NOT NULL AND trim(raw_line) <> 'null' "
            "THEN [{'field': '', 'code': 'malformed', 'reason': 'is not valid JSON'}] "
            "WHEN rec IS NULL OR json_type(rec) <> 'OBJECT' THEN [{'field': '', "
            "'code': 'not_object', 'reason': 'must be a JSON object, got ' || "
            "lower(coalesce(json_type(rec), 'null'))}] "
            f"ELSE list_concat({err_list}, CASE WHEN len({extra}) > 0 THEN "
            f"[{{'field': array_to_string({extra}, ','), 'code': 'unknown_field', "
            "'reason': 'is not a field of this record kind'}] ELSE [] END) END"
        )
        raw = "coalesce(CAST(raw_in.rec AS VARCHAR), raw_in.raw_line, 'null')"
    else:
        raw = "to_json({" + ", ".join(f'{q(c)}: raw_in."{c}"' for c in sorted(src.columns)) + "})"
    inner = "SELECT *,\n  " + ",\n  ".join(helpers) + "\nFROM raw_in"
    select = (
        "SELECT idx,\n  " + ",\n  ".join(selects) + f",\n  {err_list} AS field_errors\n"
        f"FROM ({inner}) raw_in"
    )
    return select, raw


def compile_context_checks(model: type[Event], extra: Sequence[Check] = ()) -> tuple[str, str]:
    """Checks that need other tables or the batch's context: references, org, scope, time, and
    the `extra` ones a particular door adds (e.g. what a customer may attest).

    Returns (joins onto the typed records `t`, list expression of errors). Parameters, by name:
    $now (TIMESTAMPTZ), $submitter (VARCHAR), $scope_org (VARCHAR or NULL).
    """
    joins = ["LEFT JOIN organisations o ON o.uscc = t.org"]
    errs = [
        Check("t.org IS NOT NULL AND o.uscc IS NULL", "org", "unknown_ref",
              "'organisation ' || t.org || ' is not registered on the platform'"),
        Check("$scope_org IS NOT NULL AND t.org <> $scope_org", "org", "scope",
              "'you may only submit records of your own enterprise ' || $scope_org"),
        Check("t.channel = 'third_party' AND t.org = $submitter", "channel", "scope",
              "'an enterprise cannot attest its own records as third_party'"),
        Check(f"t.event_time > $now + {FUTURE_TOLERANCE}", "event_time", "future",
              "'is in the future: ' || strftime(t.event_time, '%Y-%m-%dT%H:%M:%S%z') "
              "|| ' is more than 5 minutes ahead of the platform clock'"),
    ]  # fmt: skip
    tables = {"device": "devices", "item": "items", "warehouse": "warehouses"}
    for i, f in enumerate(x for x in fields_of(model) if x.ref):
        alias, col = f"r{i}", f't."{f.name}"'
        joins.append(
            f"LEFT JOIN {tables[str(f.ref)]} {alias} ON {alias}.org = t.org AND {alias}.code = {col}"
        )
        reason = q(f"unknown {f.ref} ") + f" || {col} || " + q(" of ") + " || t.org"
        cond = f"{col} IS NOT NULL AND t.org IS NOT NULL AND {alias}.code IS NULL"
        errs.append(Check(cond, f.name, "unknown_ref", reason))
    for rule in model.pair_rules:
        first, second = f't."{rule.first}"', f't."{rule.second}"'
        pairs = ", ".join(q(f"{a}|{b}") for a, bs in rule.allowed.items() for b in bs)
        reason = q(f"is not a valid {rule.second} for {rule.first} ") + f" || {first}"
        cond = (
            f"{first} IS NOT NULL AND {second} IS NOT NULL AND "
            f"NOT list_contains([{pairs}], {first} || '|' || {second})"
        )
        errs.append(Check(cond, rule.second, "pair", reason))
    for earlier, later in model.order_rules:
        cond = f't."{later}" < t."{earlier}"'
        reason = q(f"is before {earlier} ") + f' || CAST(t."{earlier}" AS VARCHAR)'
        errs.append(Check(cond, later, "order", reason))
    err_list = error_list(errs + list(extra))
    return "\n".join(joins), err_list
