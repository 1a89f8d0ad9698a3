"""Publish the contract: JSON Schema per record kind and docs/data-contract.md.

`python -m chanrong.model.publish` rewrites both from the models; a test fails when they are stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chanrong.i18n import field_label, t
from chanrong.model import EVENT_MODELS, MASTER_MODELS, RECORD_MODELS
from chanrong.model.spec import FieldSpec, fields_of

_TYPES = {
    "string": "text", "enum": "one of", "integer": "integer", "number": "number",
    "decimal": "amount, 2 decimals", "boolean": "true/false", "timestamp": "date-time",
    "date": "date",
}  # fmt: skip


def _constraints(f: FieldSpec) -> str:
    parts = []
    if f.choices:
        parts.append(" / ".join(f"`{c}`" for c in f.choices))
    for word, value in (("≥", f.ge), (">", f.gt), ("≤", f.le)):
        if value is not None:
            parts.append(f"{word} {value:g}")
    if f.max_length:
        parts.append(f"≤ {f.max_length} chars")
    if f.uscc:
        parts.append("USCC, GB 32100 check")
    if f.ref:
        parts.append(f"registered {f.ref} of `org`")
    if not f.required and f.default is not None:
        parts.append(
            f"default `{str(f.default).lower() if isinstance(f.default, bool) else f.default}`"
        )
    return "; ".join(parts)


def contract_markdown() -> str:
    lines = [
        "# Data contract (数据契约)",
        "",
        "Generated from `chanrong.model` by `python -m chanrong.model.publish`; do not edit by hand.",
        "JSON Schema of each kind: [`docs/schema/`](schema/); live: `GET /api/v1/schema/{kind}` and "
        "the OpenAPI document at `/docs`. How records are checked and stored: [ingest.md](ingest.md).",
        "",
        "Every event carries `id` (unique within its `source`), `source`, `org` (the enterprise the "
        "fact is about), `event_time` and `channel`. Its identity is (submitting organisation, "
        "source, id), plus event_time for the time series telemetry and energy: sending it again "
        "stores nothing new.",
        "",
    ]
    for title, models in (("Events (事件)", EVENT_MODELS), ("Master data (主数据)", MASTER_MODELS)):
        lines += [f"## {title}", ""]
        for model in models:
            doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
            lines += [f"### {t('kind.' + model.kind, 'zh')} `{model.kind}`", ""]
            if doc:
                lines += [doc, ""]
            lines += [
                "| field | 中文 | type | required | constraints | notes |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for f in fields_of(model):
                lines.append(
                    f"| `{f.name}` | {field_label(f.name, 'zh')} | {_TYPES[f.base]} | "
                    f"{'yes' if f.required else ''} | {_constraints(f)} | {f.description or ''} |"
                )
            for rule in getattr(model, "pair_rules", ()):
                allowed = "; ".join(f"{a}: {', '.join(bs)}" for a, bs in rule.allowed.items())
                lines += ["", f"`{rule.second}` must fit `{rule.first}`: {allowed}."]
            for earlier, later in model.order_rules:
                lines += ["", f"`{later}` may not be before `{earlier}`."]
            lines.append("")
    return "\n".join(lines)


def publish(docs: Path) -> list[Path]:
    schema_dir = docs / "schema"
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for model in RECORD_MODELS:
        path = schema_dir / f"{model.kind}.schema.json"
        path.write_text(
            json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        written.append(path)
    contract = docs / "data-contract.md"
    contract.write_text(contract_markdown(), encoding="utf-8")
    written.append(contract)
    return written


if __name__ == "__main__":
    for p in publish(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")):
        print(p)
