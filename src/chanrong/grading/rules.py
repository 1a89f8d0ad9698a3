"""Grading rules: criteria results -> a level per dimension -> an overall level and scores. Pure.

- A dimension reaches a level when every data criterion of that level and of the levels below
  passes, and no question of those levels was answered "no". A question not answered yet does
  not block, but the grade is then provisional and says which answers it waits for.
- A firm whose entry criteria fail in a dimension is below entry there (no level).
- Overall: the median of the three dimension levels, i.e. the level at least two dimensions
  reach. The guide grades the dimensions separately; one weak dimension should not sink a firm
  strong in the two others, and one strong dimension should not lift a weak firm.
- Scores (0-100): a dimension's share of criteria met; the overall score is their mean. They
  rank firms between levels (peer percentiles), they are not a level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import median

from chanrong.grading.criteria import (
    CRITERIA,
    LEVELS,
    Criterion,
    GradeDimension,
    Level,
    Source,
)


@dataclass(frozen=True)
class Result:
    criterion: Criterion
    value: float | None
    passed: bool | None  # None: no data to judge, or a question not answered yet
    detail: str | None = None


@dataclass(frozen=True)
class Grade:
    levels: dict[GradeDimension, Level | None]
    overall: Level | None
    scores: dict[GradeDimension, float]
    score: float
    results: tuple[Result, ...]

    @property
    def pending(self) -> list[Criterion]:
        """Questions not answered yet: the grade is provisional until they are."""
        return [r.criterion for r in self.results
                if r.criterion.source is Source.QUESTIONNAIRE and r.passed is None]  # fmt: skip


def evaluate(
    measures: Mapping[str, float | None],
    answers: Mapping[str, bool],
    details: Mapping[str, str | None] | None = None,
    criteria: tuple[Criterion, ...] = CRITERIA,
) -> tuple[Result, ...]:
    """Each criterion against the firm's measures (data) or answers (questionnaire)."""
    details = details or {}
    out = []
    for c in criteria:
        if c.source is Source.QUESTIONNAIRE:
            answer = answers.get(c.measure)
            value = None if answer is None else float(answer)
            out.append(Result(c, value, c.passes(value)))
        else:
            value = measures.get(c.measure)
            passed = c.passes(value)
            # no data is a fail for a data criterion: the evidence is what is graded
            out.append(Result(c, value, bool(passed), details.get(c.measure)))
    return tuple(out)


def dimension_level(results: tuple[Result, ...], dim: GradeDimension) -> Level | None:
    reached: Level | None = None
    for level in LEVELS:
        mine = [r for r in results if r.criterion.dimension is dim and r.criterion.level is level]
        if any(r.passed is False for r in mine):
            break
        reached = level
    return reached


def grade(results: tuple[Result, ...]) -> Grade:
    levels = {d: dimension_level(results, d) for d in GradeDimension}
    ranks = [lv.rank if lv else 0 for lv in levels.values()]
    middle = int(median(ranks))
    scores = {}
    for d in GradeDimension:
        mine = [r for r in results if r.criterion.dimension is d]
        scores[d] = round(100 * sum(1 for r in mine if r.passed) / len(mine), 1)
    return Grade(
        levels=levels,
        overall=LEVELS[middle - 1] if middle else None,
        scores=scores,
        score=round(sum(scores.values()) / len(scores), 1),
        results=results,
    )
