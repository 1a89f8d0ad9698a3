"""The working calendar of China: public holidays and their make-up workdays (调休).

Dates follow the State Council's annual notices (国务院办公厅关于部分节假日安排的通知) for 2025
and 2026; for other years only the fixed-date holidays and weekends are known here. The
simulator plans its firms' days with it, and the stoppage rule tells a holiday from a stoppage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta


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


def day_type(day: date) -> str:
    """holiday, workday (Monday to Friday, or a make-up workday), saturday or sunday."""
    if is_holiday(day):
        return "holiday"
    if day in MAKE_UP_WORKDAYS or day.weekday() < 5:
        return "workday"
    return "saturday" if day.weekday() == 5 else "sunday"


def calendar(first: date, days: int) -> str:
    """(day, day_type) rows of the official calendar from `first`, as SQL VALUES."""
    return ", ".join(f"(DATE '{first + timedelta(days=i)}', '{day_type(first + timedelta(days=i))}')"
                     for i in range(days))  # fmt: skip


HORIZON_DAYS = 180  # how far ahead {cal} reaches (an order's predicted day is looked up in it)


def fill(sql: str, now: datetime, day: date) -> str:
    """A query for an instant: {now} (TIMESTAMPTZ), {day} (its local date), {day_type},
    {calendar} (the 60 days before the day) and {cal} (30 days before to HORIZON_DAYS after).
    Only the placeholders the query uses are built: the calendars are hundreds of rows."""
    values: dict[str, Callable[[], str]] = {
        "{now}": lambda: f"TIMESTAMPTZ '{now.isoformat()}'", "{day}": lambda: f"DATE '{day}'",
        "{day_type}": lambda: f"'{day_type(day)}'",
        "{calendar}": lambda: calendar(day - timedelta(days=60), 60),
        "{cal}": lambda: calendar(day - timedelta(days=30), 30 + HORIZON_DAYS),
    }  # fmt: skip
    for key, value in values.items():
        if key in sql:
            sql = sql.replace(key, value())
    return sql
