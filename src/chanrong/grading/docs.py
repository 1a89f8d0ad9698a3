"""docs/grading.md, generated from the criteria and the toolbox (`chanrong grade docs`)."""

from __future__ import annotations

from chanrong.grading import rules
from chanrong.grading.criteria import CRITERIA, DIMENSION_NAMES, LEVEL_NAMES, GradeDimension
from chanrong.grading.miit import UNVERIFIED
from chanrong.grading.toolbox import TOOLBOX, unlocks

INTRO = """# Digital-capability grading (基础数字化能力分类分级)

Generated from `chanrong.grading` by `chanrong grade docs`; do not edit by hand.

The guide grades a firm's digital capability in three dimensions (要素 element: can its people,
machines and materials be seen; 管理 management: does data run the firm; 关系 relationship: is
the data shared and can outsiders verify it) and three levels (入门 entry, 规范 standardized,
优化 optimized). Questionnaires and on-site audits are how such grades are usually made; here
every criterion the data can show is read from the records the firm sends (what streams exist,
how automatic, how fresh, how complete, who it is shared with), and only what data cannot show
(data staff, a plan, training) is a yes/no question the firm answers. The grade marks which is
which, and stays provisional until the questions are answered.

## How the levels are decided
{rules}
Every grade is kept per day (`grades`, `grade_criteria`) with the evidence value of each
criterion, so a firm's path from entry to standardized shows as a history. The server regrades
today the firms that received records in each indicator refresh round (every five minutes,
`chanrong serve --refresh-indicators`); a day not graded yet is graded when first asked for. Peers: the firm's
percentile (share of firms scoring at or below it) in its park and in its industry's GB/T 4754
major group, among the firms graded that day.

Where to see it: the 数字化水平 page (a firm's own grade, radar, criteria with evidence,
roadmap, history, peers, MIIT view, questionnaire, Excel report), `GET /api/v1/grade`,
`GET /api/v1/orgs/{{uscc}}/grade?purpose=` for a bank, buyer or park with a consent of scope
`digital_grade`, the park's distribution at `GET /api/v1/park/grades` and on the park page, and
`chanrong grade assess|show|report|criteria`.

```sh
chanrong grade assess --history 28                 # every firm: today and weekly back 4 weeks
chanrong grade show 91350100M000100Y43             # levels, criteria and evidence, roadmap
chanrong grade report 91350100M000100Y43 -o grade.xlsx
```
"""


def grading_markdown() -> str:
    doc = rules.__doc__ or ""
    bullets = doc[doc.index("- A dimension") : doc.index("\n- Scores")].strip()
    scores = doc[doc.index("- Scores") :].strip()
    out = [INTRO.format(rules="\n" + bullets + "\n" + scores + "\n")]
    out.append("## Criteria\n")
    for dim in GradeDimension:
        zh, en = DIMENSION_NAMES[dim]
        out.append(f"\n### {zh} {en}\n")
        out.append("| level | criterion | 准则 | measure | passes when | source |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        for c in (c for c in CRITERIA if c.dimension is dim):
            out.append(f"| {LEVEL_NAMES[c.level][0]} | `{c.id}` {c.name_en} | {c.name_zh} | "
                       f"`{c.measure}` | {c.rule} | {c.source.value} |")  # fmt: skip
        out.append("")
        for c in (c for c in CRITERIA if c.dimension is dim):
            out.append(f"**`{c.id}`** {c.name_zh} / {c.name_en}. {c.why}\n")
    out.append("\n## Toolbox (小快轻准) and roadmap\n")
    out.append(
        "For each dimension below optimized, the roadmap takes the criteria between the firm and "
        "its next level and picks the fewest, cheapest tools that meet them (the tool meeting "
        "most of what is left first, the cheaper on a tie), written for the firm: its machines "
        "not yet connected, its main meter, its main buyer, its park. Each step lists the "
        "financing and order indicators it feeds and which of them the firm has no value for "
        "today.\n"
    )
    out.append("| tool | 工具 | typical cost (元) | weeks | adds | meets | feeds indicators |")
    out.append("| --- | --- | ---: | ---: | --- | --- | ---: |")
    for t in TOOLBOX:
        out.append(f"| `{t.id}` {t.name_en} | {t.name_zh} | {t.cost_cny:,} | {t.weeks} | "
                   f"{', '.join(t.adds) or 'a consent / an answer'} | "
                   f"{', '.join(f'`{c}`' for c in t.meets)} | {len(unlocks(t))} |")  # fmt: skip
    out.append("\n## MIIT view (中小企业数字化水平评测)\n")
    out.append(
        "The firm's position on the MIIT SME digital-level scheme (工信厅企业〔2022〕32号, "
        "〔2024〕56号): foundation (50 points), management (30), results (20) and 16 operation "
        "scenes at levels 1-4. Items the data show are filled (equipment digitised and "
        "networked rates, automatic capture over 14 business links, system coverage, energy per "
        "100 CNY of revenue and pass-rate trends, and the scenes equipment, energy, quality, "
        "production, planning, warehousing, finance, marketing, purchasing, decision support); "
        "the rest are marked self-declared and count 0 until declared. Levels: 一级 >= 20 "
        "points, 二级 >= 40, 三级 >= 60, 四级 >= 80, each with enough scenes at that level "
        f"(6, 6, 8, 10). {UNVERIFIED}.\n"
    )
    return "\n".join(out) + "\n"
