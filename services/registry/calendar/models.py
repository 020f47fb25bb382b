"""Days recorded on top of the official calendar, and years recorded as complete."""

from datetime import date, datetime

from sqlalchemy import Date
from sqlmodel import Field, SQLModel

from services.common.models import utc_column


class CalendarDay(SQLModel, table=True):
    """A day that breaks the Monday–Friday rule: a holiday off, or a make-up working day."""

    __tablename__ = "working_calendar"

    day: date = Field(primary_key=True, sa_type=Date)
    working: bool
    name: str = Field(max_length=100)


class CalendarYear(SQLModel, table=True):
    """A year whose State Council notice an administrator recorded in full."""

    __tablename__ = "working_calendar_years"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source: str = Field(max_length=200)
    recorded_by: str = Field(max_length=80)
    recorded_at: datetime = utc_column()
