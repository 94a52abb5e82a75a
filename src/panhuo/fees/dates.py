"""Calendar arithmetic for fee deadlines (pure).

Months and years are added the CNIPA way: the same day of the target month, or its last day when the
month is shorter (a patent filed on 29 February has its anniversary on 28 February in common years).
"""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the end of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years (29 February → 28 February in common years)."""
    return add_months(day, 12 * years)


def full_months_between(start: date, end: date) -> int:
    """Largest k with ``add_months(start, k) <= end`` (negative when ``end`` is earlier)."""
    k = (end.year - start.year) * 12 + (end.month - start.month)
    while add_months(start, k) > end:
        k -= 1
    while add_months(start, k + 1) <= end:
        k += 1
    return k


def full_years_between(start: date, end: date) -> int:
    """Largest k with ``add_years(start, k) <= end``."""
    k = end.year - start.year
    while add_years(start, k) > end:
        k -= 1
    while add_years(start, k + 1) <= end:
        k += 1
    return k
