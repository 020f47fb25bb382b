"""Request and response bodies of the working-day calendar."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DaySource(StrEnum):
    """Where a day's status comes from."""

    OFFICIAL = "official"
    RECORDED = "recorded"


class CalendarDayUpdate(BaseModel):
    """Mark a day as a holiday (not working) or a make-up working day."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"working": False, "name": "National Day 国庆节"}]},
    )

    working: bool
    name: str = Field(min_length=1, max_length=100)


class CalendarDayCreate(CalendarDayUpdate):
    """One day of a year's notice."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"day": "2027-10-01", "working": False, "name": "National Day 国庆节"}]
        },
    )

    day: date


class CalendarDayPublic(BaseModel):
    """A day that breaks the Monday–Friday rule."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "day": "2016-10-01",
                    "working": False,
                    "name": "National Day 国庆节",
                    "source": "official",
                }
            ]
        },
    )

    day: date
    working: bool
    name: str
    source: DaySource = Field(
        description="`official`: the State Council's notice as the platform ships it; "
        "`recorded`: recorded by an administrator (it wins over the official status)."
    )


class CalendarYearCreate(BaseModel):
    """A year's State Council notice: every holiday and make-up working day of the year."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "国务院办公厅关于2027年部分节假日安排的通知",
                    "days": [
                        {"day": "2027-01-01", "working": False, "name": "New Year's Day 元旦"}
                    ],
                }
            ]
        },
    )

    source: str = Field(min_length=1, max_length=200, description="The notice recorded.")
    days: list[CalendarDayCreate] = Field(max_length=366)


class CalendarYearPublic(BaseModel):
    """One year of the working-day calendar, and whether its holidays are known."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2027,
                    "known": False,
                    "source": None,
                    "days": [],
                }
            ]
        }
    )

    year: int
    known: bool = Field(
        description="True when the year's holidays are known (the official schedule has the "
        "year, or an administrator recorded its notice). When false, `days` holds only days "
        "recorded one by one, and working days in this year are not counted: a deadline that "
        "reaches it is answered 503 `calendar_year_unknown`."
    )
    source: str | None = Field(description="Where the year's schedule comes from; null if unknown.")
    days: list[CalendarDayPublic] = Field(
        description="Days off on weekdays or at the weekend within a holiday, and make-up "
        "working days, by date. Any other Monday–Friday is a working day."
    )
