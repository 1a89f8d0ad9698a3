"""Working calendars of the simulated firms: the country's holidays (`chanrong.workdays`) and
shifts."""

from __future__ import annotations

from datetime import date

import numpy as np

from chanrong.workdays import MAKE_UP_WORKDAYS, is_holiday


def is_workday(day: date, *, six_day_week: bool) -> bool:
    """Factories in the cases work Monday to Saturday or Monday to Friday, never on holidays."""
    if is_holiday(day):
        return False
    if day in MAKE_UP_WORKDAYS:
        return True
    return day.weekday() < (6 if six_day_week else 5)


# Shift patterns in local minutes of the day: [start, end) pairs.
SHIFTS: dict[str, tuple[tuple[int, int], ...]] = {
    "day": ((8 * 60, 12 * 60), (13 * 60, 17 * 60 + 30)),  # one shift with a lunch break
    "two": ((8 * 60, 12 * 60), (12 * 60 + 30, 20 * 60), (20 * 60 + 30, 24 * 60)),  # 2 x 8 h
    "three": ((0, 24 * 60),),  # continuous, e.g. die-casting furnaces
}


def shift_mask(pattern: str) -> np.ndarray:
    """1440 booleans: whether each local minute of a workday is inside a shift."""
    mask = np.zeros(1440, dtype=bool)
    for start, end in SHIFTS[pattern]:
        mask[start:end] = True
    return mask


def shift_hours(pattern: str) -> float:
    return sum(end - start for start, end in SHIFTS[pattern]) / 60
