"""Spreadsheet reporting: Excel and CSV templates with Chinese headers, and their uploads.

This is how an entry-level SME reports by hand. A template has one column per field of the kind,
headed by its Chinese label (required ones marked *), with drop-down lists for fixed values. An
upload is read as text columns and goes through the same checks as every other channel; problems
come back by spreadsheet row and column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

import pyarrow as pa
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from chanrong.i18n import VALUE_LABELS, field_label, t
from chanrong.model import EVENT_KINDS
from chanrong.model.spec import FieldSpec, fields_of
from chanrong.store.events import BadPayload, TableBatch

REQUIRED_MARK = "*"
HEADER_ROW = 1
_FORMAT_HINTS = {
    "timestamp": "2026-01-05 08:30 (北京时间) 或 2026-01-05T08:30:00+08:00",
    "date": "2026-01-05",
    "decimal": "元，最多两位小数",
    "boolean": "是 / 否",
}


def template_fields(kind: str) -> tuple[FieldSpec, ...]:
    """The fields a clerk fills in: everything but the channel, which the upload sets to manual."""
    return tuple(f for f in fields_of(EVENT_KINDS[kind]) if f.name != "channel")


def header(f: FieldSpec, lang: str = "zh") -> str:
    return field_label(f.name, lang) + (REQUIRED_MARK if f.required else "")


def _hint(f: FieldSpec) -> str:
    parts = [f"{field_label(f.name, 'zh')} / {field_label(f.name, 'en')} ({f.name})"]
    if f.required:
        parts.append("必填 required")
    if f.choices:
        parts.append("可选值: " + ", ".join(f.choices))
    if f.base in _FORMAT_HINTS:
        parts.append(_FORMAT_HINTS[f.base])
    if f.ref:
        parts.append(f"须为已登记的{t('kind.' + f.ref)}编码")
    if f.description:
        parts.append(f.description)
    return "\n".join(parts)


def xlsx_template(kind: str) -> bytes:
    fields = template_fields(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = t(f"kind.{kind}")[:31]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for col, f in enumerate(fields, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header(f))
        cell.font = bold
        if f.required:
            cell.fill = fill
        cell.comment = Comment(_hint(f), "chanrong", width=320, height=160)
        ws.column_dimensions[get_column_letter(col)].width = max(14, len(header(f)) * 2 + 2)
        if f.choices:
            letter = get_column_letter(col)
            dv = DataValidation(
                type="list", formula1='"' + ",".join(f.choices) + '"', allow_blank=True
            )
            dv.add(f"{letter}{HEADER_ROW + 1}:{letter}5000")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("说明 Guide")
    guide.append(["字段 field", "中文 zh", "English", "必填 required", "类型 type", "说明 notes"])
    for cell in guide[1]:
        cell.font = bold
    for f in fields:
        guide.append(
            [f.name, field_label(f.name, "zh"), field_label(f.name, "en"), "是" if f.required else "",
             f.base, _hint(f).split("\n", 1)[-1]]
        )  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_template(kind: str) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow([header(f) for f in template_fields(kind)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


@dataclass
class Upload:
    batch: TableBatch
    columns: dict[str, tuple[str, str]]  # field -> (column letter, header as written)

    def locate(self, index: int, field: str) -> tuple[int, str, str]:
        """(spreadsheet row, column letter, header) of a record's field."""
        letter, head = self.columns.get(field, ("", field_label(field)))
        return index + HEADER_ROW + 1, letter, head


def _header_lookup(kind: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for f in template_fields(kind):
        for name in (f.name, field_label(f.name, "zh"), field_label(f.name, "en")):
            lookup[name.strip().lower()] = f.name
    return lookup


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _value_lookup() -> dict[str, str]:
    """Chinese and English labels people type for fixed values and yes/no."""
    lookup = {"是": "true", "否": "false", "yes": "true", "no": "false"}
    for code, (zh, en) in VALUE_LABELS.items():
        lookup[zh] = code
        lookup[en.lower()] = code
    return lookup


def _rows(data: bytes, filename: str) -> list[list[str | None]]:
    if filename.lower().endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise BadPayload(f"{filename} is not a readable .xlsx workbook: {exc}") from exc
        ws = wb.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadPayload(f"{filename}: CSV must be UTF-8 or GB18030 text")
    return [[c.strip() or None for c in row] for row in csv.reader(io.StringIO(text))]


def parse_upload(data: bytes, filename: str, kind: str) -> Upload:
    if kind not in EVENT_KINDS:
        raise BadPayload(f"unknown kind {kind}")
    rows = [r for r in _rows(data, filename) if any(c is not None for c in r)]
    if not rows:
        raise BadPayload(f"{filename} is empty: the first row must hold the template's headers")
    lookup = _header_lookup(kind)
    columns: dict[str, tuple[str, str]] = {}
    positions: dict[str, int] = {}
    unknown = []
    for pos, head in enumerate(rows[0]):
        if head is None:
            continue
        name = lookup.get(head.rstrip(REQUIRED_MARK).strip().lower())
        if name is None:
            unknown.append(f"{get_column_letter(pos + 1)} {head}")
        elif name in positions:
            raise BadPayload(f"column {head} appears twice")
        else:
            positions[name] = pos
            columns[name] = (get_column_letter(pos + 1), head)
    if unknown:
        raise BadPayload(
            f"{filename}: columns not in the {t('kind.' + kind)} ({kind}) template: "
            + "; ".join(unknown)
        )
    values = _value_lookup()
    by_name = {f.name: f for f in template_fields(kind)}
    arrays = {}
    for name, pos in positions.items():
        cells = [r[pos] if pos < len(r) else None for r in rows[1:]]
        if by_name[name].choices or by_name[name].base == "boolean":
            cells = [values.get(c.lower(), values.get(c, c)) if c else c for c in cells]
        arrays[name] = pa.array(cells, pa.string())
    if not arrays:
        raise BadPayload(f"{filename}: no template columns found in the first row")
    return Upload(TableBatch(pa.table(arrays), textual=True), columns)
