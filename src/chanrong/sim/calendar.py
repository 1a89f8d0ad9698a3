"""Working calendars: Chinese public holidays with their make-up workdays (调休), and shifts.

Holiday dates follow the State Council's annual notices (国务院办公厅关于部分节假日安排的通知)
for 2025 and 2026; for other years only the fixed-date holidays and weekends are known here.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np


def _span(first: date, days: int) -> set[date]:
    return {first + timedelta(days=i) for i in range(days)}


HOLIDAYS: set[date] = (
    _span(date(2025, 1, 1), 1) | _span(date(2025, 1, 28), 8) | _span(date(2025, 4, 4), 3)
    | _span(date(2025, 5, 1), 5) | _span(date(2025, 5, 31), 3) | _span(date(2025, 10, 1), 8)
    | _span(date(2026, 1, 1), 3) | _span(date(2026, 2, 15), 9) | _span(date(2026, 4, 4), 3)
    | _span(date(2026, 5, 1), 5) | _span(date(2026, 6, 19), 3) | _span(date(2026, 9, 25), 3)
    | _span(date(2026, 10, 1), 7)
)  # fmt: skip
MAKE_UP_WORKDAYS: set[date] = {
    date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11),
    date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
    date(2026, 10, 10),
}  # fmt: skip
_KNOWN_YEARS = {2025, 2026}
_FIXED = ((1, 1), (5, 1), (5, 2), (5, 3), (10, 1), (10, 2), (10, 3), (10, 4), (10, 5))


def is_holiday(day: date) -> bool:
    if day.year in _KNOWN_YEARS:
        return day in HOLIDAYS
    return (day.month, day.day) in _FIXED


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
