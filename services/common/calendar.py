"""China's working-day calendar: weekends off, the State Council's holidays and make-up days.

The State Council General Office publishes each year's holidays and make-up working days
(调休) in a notice, usually in the autumn before. The official schedule comes from the
pinned `chinesecalendar` package, which carries those notices as data; a service may record
days on top of it (a correction, or a year the package does not have yet). A year that
neither knows is *unknown*: counting working days into it raises `CalendarYearUnknown`
rather than treating it as a year without holidays.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

import chinese_calendar
from chinese_calendar.constants import Holiday

from services.common.errors import DomainError

_HOLIDAYS: Final[Mapping[date, str]] = chinese_calendar.holidays
_WORKDAYS: Final[Mapping[date, str]] = chinese_calendar.workdays
OFFICIAL_SOURCE: Final = (
    f"State Council holiday notices, from chinesecalendar {chinese_calendar.__version__}"
)
OFFICIAL_YEARS: Final = frozenset(range(min(_HOLIDAYS).year, max(_HOLIDAYS).year + 1))
_CHINESE: Final = {h.value: h.chinese for h in Holiday}


class CalendarYearUnknown(DomainError):
    """A working-day count reached a year whose holidays nobody has recorded."""

    status = 503
    code = "calendar_year_unknown"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"The holidays and make-up working days of {year} are not known yet, so working "
            f"days in {year} cannot be counted until the State Council's notice for {year} "
            "is recorded."
        )
        self.year = year


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A day that breaks the Monday–Friday rule."""

    day: date
    working: bool
    name: str


def official_days(year: int) -> list[CalendarDay]:
    """The official holidays (days off) and make-up working days of `year`, by date."""
    days = [
        CalendarDay(d, False, f"{name} {_CHINESE.get(name, '')}".strip())
        for d, name in _HOLIDAYS.items()
        if d.year == year
    ] + [
        CalendarDay(d, True, f"make-up working day 调休 ({name})")
        for d, name in _WORKDAYS.items()
        if d.year == year
    ]
    return sorted(days, key=lambda c: c.day)


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """The official schedule with a service's recorded days on top, and the years known."""

    recorded: Mapping[date, bool] = field(default_factory=dict)
    recorded_years: frozenset[int] = frozenset()

    @property
    def known_years(self) -> frozenset[int]:
        """Years whose holidays are known (officially or recorded as complete)."""
        return OFFICIAL_YEARS | self.recorded_years

    def is_known(self, year: int) -> bool:
        """Whether `year`'s holidays are known."""
        return year in self.known_years

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day; raises `CalendarYearUnknown` for an unknown year."""
        if not self.is_known(day.year):
            raise CalendarYearUnknown(day.year)
        if day in self.recorded:
            return self.recorded[day]
        if day in _WORKDAYS:
            return True
        if day in _HOLIDAYS:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (`start` itself is not counted)."""
        day = start
        remaining = count
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def unknown_years(self, years: Iterable[int]) -> list[int]:
        """Those of `years` whose holidays are not known."""
        return sorted(y for y in set(years) if not self.is_known(y))
