"""docs/bank.md, generated from the tag catalog (`chanrong bank docs`)."""

from __future__ import annotations

from chanrong.finance.service import KEY_FIGURES
from chanrong.finance.tags import TAGS

INTRO = """# Bank workbench (银行工作台)

Generated from `chanrong.finance` by `chanrong bank docs`; do not edit by hand.

This release holds the first part of the workbench: pre-loan screening (贷前获客). The credit
scorecard, anti-fraud trade checks, pledge monitoring, post-loan warnings and the
credit-enhancement report follow.

## Pre-loan screening (贷前获客)

The 银行工作台 page (`/bank`) and `GET /api/v1/bank/screening` list every firm that has
authorised the bank for a purpose (default `pre_loan`) with a live consent. Each firm is read
through the one consent door, so every row is audited and shows only what its consent covers:
its indicator values, its digital grade when the consent includes the `digital_grade` scope,
its tags with the values that earned them, and the tags that could not be judged because their
inputs are missing or not consented. Knock-outs sort last. Filters: tags a firm must have,
tags it must not have, a minimum digital grade, the day. `GET /api/v1/bank/screening.csv`
exports the list (UTF-8 with BOM, opens in Excel); `GET /api/v1/bank/tags` lists the rules.

Beside the tags the list shows: {figures}.

## Tags

A tag needs all its inputs; a missing value is never read as 0. Two exceptions, because they
are about absence: zombie (no output and no sales seen) and shell (no production seen).

| tag | 标签 | nature | rule | reads |
| --- | --- | --- | --- | --- |
"""


def bank_markdown() -> str:
    figures = ", ".join(f"`{i}` ({w} d)" for i, w in KEY_FIGURES)
    out = [INTRO.format(figures=figures).rstrip("\n")]
    for t in TAGS:
        reads = ", ".join(f"`{i}`" + (f" {w} d" if w else "") for i, w in t.inputs)
        out.append(f"| `{t.id}` {t.name_en} | {t.name_zh} | {t.nature.value} | {t.rule} | "
                   f"{reads} |")  # fmt: skip
    return "\n".join(out) + "\n"
