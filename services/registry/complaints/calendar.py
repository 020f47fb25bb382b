"""Asia/Shanghai working days: weekends off, plus the State Council's holiday notices as data."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Final

from services.common.clock import as_utc

# China has kept UTC+8 without daylight saving since 1991.
SHANGHAI: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


def _span(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _days(*spans: tuple[str, str]) -> list[date]:
    return [day for first, last in spans for day in _span(first, last)]


# Public holidays (days off) and make-up working days (调休) of the demonstration years,
# from the State Council General Office's yearly holiday notices.
HOLIDAYS: Final[tuple[tuple[date, str], ...]] = tuple(
    [(d, "New Year 元旦") for d in _days(("2015-01-01", "2015-01-03"))]
    + [(d, "Spring Festival 春节") for d in _days(("2015-02-18", "2015-02-24"))]
    + [(d, "Qingming 清明节") for d in _days(("2015-04-04", "2015-04-06"))]
    + [(d, "Labour Day 劳动节") for d in _days(("2015-05-01", "2015-05-03"))]
    + [(d, "Dragon Boat 端午节") for d in _days(("2015-06-20", "2015-06-22"))]
    + [(d, "Victory Day 抗战胜利纪念日") for d in _days(("2015-09-03", "2015-09-05"))]
    + [(d, "Mid-Autumn 中秋节") for d in _days(("2015-09-26", "2015-09-27"))]
    + [(d, "National Day 国庆节") for d in _days(("2015-10-01", "2015-10-07"))]
    + [(d, "New Year 元旦") for d in _days(("2016-01-01", "2016-01-03"))]
    + [(d, "Spring Festival 春节") for d in _days(("2016-02-07", "2016-02-13"))]
    + [(d, "Qingming 清明节") for d in _days(("2016-04-02", "2016-04-04"))]
    + [(d, "Labour Day 劳动节") for d in _days(("2016-04-30", "2016-05-02"))]
    + [(d, "Dragon Boat 端午节") for d in _days(("2016-06-09", "2016-06-11"))]
    + [(d, "Mid-Autumn 中秋节") for d in _days(("2016-09-15", "2016-09-17"))]
    + [(d, "National Day 国庆节") for d in _days(("2016-10-01", "2016-10-07"))]
    + [(d, "New Year 元旦") for d in _days(("2016-12-31", "2017-01-02"))]
    + [(d, "Spring Festival 春节") for d in _days(("2017-01-27", "2017-02-02"))]
    + [(d, "Qingming 清明节") for d in _days(("2017-04-02", "2017-04-04"))]
    + [(d, "Labour Day 劳动节") for d in _days(("2017-04-29", "2017-05-01"))]
    + [(d, "Dragon Boat 端午节") for d in _days(("2017-05-28", "2017-05-30"))]
    + [
        (d, "National Day and Mid-Autumn 国庆节、中秋节")
        for d in _days(("2017-10-01", "2017-10-08"))
    ]
)

MAKEUP_WORKDAYS: Final[tuple[tuple[date, str], ...]] = tuple(
    (date.fromisoformat(day), f"make-up working day 调休 ({why})")
    for day, why in (
        ("2015-01-04", "New Year"),
        ("2015-02-15", "Spring Festival"),
        ("2015-02-28", "Spring Festival"),
        ("2015-09-06", "Victory Day"),
        ("2015-10-10", "National Day"),
        ("2016-02-06", "Spring Festival"),
        ("2016-02-14", "Spring Festival"),
        ("2016-06-12", "Dragon Boat"),
        ("2016-09-18", "Mid-Autumn"),
        ("2016-10-08", "National Day"),
        ("2016-10-09", "National Day"),
        ("2017-01-22", "Spring Festival"),
        ("2017-02-04", "Spring Festival"),
        ("2017-04-01", "Qingming"),
        ("2017-05-27", "Dragon Boat"),
        ("2017-09-30", "National Day"),
    )
)


def shanghai_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a moment (naive moments are taken as UTC)."""
    return as_utc(moment).astimezone(SHANGHAI).date()


def is_working_day(day: date, overrides: Mapping[date, bool]) -> bool:
    """Whether `day` is a working day: the override if one is recorded, else Monday–Friday."""
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def add_working_days(start: date, count: int, overrides: Mapping[date, bool]) -> date:
    """The `count`-th working day after `start` (`start` itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, overrides):
            remaining -= 1
    return day
