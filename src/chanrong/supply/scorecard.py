"""Supplier scorecards (绩效考核), pure: criteria as formulas over named variables, weighted
period scores, a decayed overall score and standings.

The design follows ERPNext's supplier scorecard (a specification, not code:
facts-scorecards-and-data.md) and fixes what it gets wrong:
- a criterion's score = min(max_score, max(0, formula)); the period total = sum of score x
  weight / 100, with weights summing to 100;
- overall = 100 x sum(total_n x w_n) / sum(max_n x w_n) over periods n = 0 (newest), 1, ...
  with the decay w_n = max(0, min(1, (decay - n) / decay));
- standings cover 0-100 with no gap or overlap; each includes its lower bound and excludes its
  upper one, except the top standing, which includes 100 (ERPNext's excludes it, so a perfect
  supplier has no standing);
- formulas are checked when the card is made (unknown names and anything but arithmetic,
  min and max are refused with the criterion named), not when a period is scored.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

ALLOWED_CALLS = {"min": min, "max": max}


@dataclass(frozen=True)
class Criterion:
    id: str
    name_zh: str
    name_en: str
    formula: str  # arithmetic over variable names, min() and max()
    weight: float  # the weights of a card sum to 100
    max_score: float = 100.0


@dataclass(frozen=True)
class Standing:
    id: str
    name_zh: str
    name_en: str
    low: float  # included
    high: float  # excluded, except 100 for the top standing
    meaning: str  # what the buyer does: preferred, normal, probation, blocked


DEFAULT_STANDINGS: tuple[Standing, ...] = (
    Standing("disqualified", "不合格", "Disqualified", 0, 50, "blocked: no new orders"),
    Standing("watch", "观察", "Watch", 50, 70, "probation: orders with extra inspection"),
    Standing("qualified", "合格", "Qualified", 70, 85, "normal"),
    Standing("excellent", "优秀", "Excellent", 85, 100, "preferred: first call for new orders"),
)  # fmt: skip


class CardError(ValueError):
    pass


def _names(tree: ast.AST, criterion: str) -> set[str]:
    """The variable names of a formula; anything but arithmetic is refused."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in ALLOWED_CALLS):
                raise CardError(f"criterion {criterion}: only min() and max() may be called")
        elif isinstance(node, ast.Name):
            if node.id not in ALLOWED_CALLS:
                names.add(node.id)
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant,
                                   ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd,
                                   ast.Load)):  # fmt: skip
            raise CardError(f"criterion {criterion}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise CardError(f"criterion {criterion}: only numbers may be written")
    return names


@dataclass(frozen=True)
class Card:
    criteria: tuple[Criterion, ...]
    standings: tuple[Standing, ...] = DEFAULT_STANDINGS
    decay: int = 12  # periods until an old period no longer counts

    def check(self, variables: set[str]) -> None:
        """Refuse a card whose weights, formulas or standings do not hold, naming the part."""
        if not self.criteria:
            raise CardError("a scorecard needs at least one criterion")
        total = sum(c.weight for c in self.criteria)
        if not math.isclose(total, 100.0):
            raise CardError(f"the weights sum to {total:g}, not 100")
        for c in self.criteria:
            if c.weight < 0 or c.max_score <= 0:
                raise CardError(f"criterion {c.id}: weight and max score must be positive")
            try:
                tree = ast.parse(c.formula, mode="eval")
            except SyntaxError as exc:
                raise CardError(f"criterion {c.id}: {exc.msg} in {c.formula!r}") from exc
            unknown = _names(tree, c.id) - variables
            if unknown:
                raise CardError(
                    f"criterion {c.id}: unknown variable(s) {', '.join(sorted(unknown))}"
                )
        ordered = sorted(self.standings, key=lambda s: s.low)
        if not ordered or ordered[0].low != 0 or ordered[-1].high != 100:
            raise CardError("the standings must cover 0 to 100")
        for a, b in pairwise(ordered):
            if a.high != b.low:
                raise CardError(f"standings {a.id} and {b.id} leave a gap or overlap "
                                f"({a.high:g} vs {b.low:g})")  # fmt: skip
        if self.decay < 1:
            raise CardError("the decay is a number of periods, at least 1")

    def standing(self, score: float) -> Standing:
        ordered = sorted(self.standings, key=lambda s: s.low)
        for s in ordered:
            if s.low <= score < s.high or (s is ordered[-1] and score == s.high):
                return s
        raise CardError(f"no standing for the score {score:g}")


def criterion_score(c: Criterion, variables: Mapping[str, float | None]) -> float | None:
    """min(max score, max(0, formula)); None when a variable it reads has no value."""
    tree = ast.parse(c.formula, mode="eval")
    needed = _names(tree, c.id)
    if any(variables.get(n) is None for n in needed):
        return None
    env = {n: float(variables[n]) for n in needed}  # type: ignore[arg-type]
    try:
        value = _eval(tree.body, env)
    except ZeroDivisionError:
        return None
    return min(c.max_score, max(0.0, value))


_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}  # fmt: skip


def _eval(node: ast.AST, env: Mapping[str, float]) -> float:
    """The value of a checked formula (numbers, names, + - * /, unary -, min, max)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand, env)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return float(_BINARY[type(node.op)](_eval(node.left, env), _eval(node.right, env)))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return float(ALLOWED_CALLS[node.func.id](*(_eval(a, env) for a in node.args)))
    raise CardError(f"{type(node).__name__} is not allowed in a formula")


def period(card: Card, variables: Mapping[str, float | None]) -> dict[str, Any]:
    """A period's scores: each criterion's, the weighted total, and the maximum it could reach
    (criteria without data count neither way: the total is over those that could be scored)."""
    rows = []
    total = reach = 0.0
    for c in card.criteria:
        s = criterion_score(c, variables)
        rows.append({"criterion": c.id, "score": s, "max_score": c.max_score,
                     "weight": c.weight})  # fmt: skip
        if s is not None:
            total += s * c.weight / 100
            reach += c.max_score * c.weight / 100
    return {"criteria": rows, "total": total, "max_total": reach,
            "score": 100 * total / reach if reach else None}  # fmt: skip


def overall(card: Card, totals: list[tuple[float, float]]) -> float | None:
    """100 x sum(total x w) / sum(max x w) over (total, max_total) pairs, newest first."""
    num = den = 0.0
    for n, (total, reach) in enumerate(totals):
        w = max(0.0, min(1.0, (card.decay - n) / card.decay))
        num += total * w
        den += reach * w
    return 100 * num / den if den else None
