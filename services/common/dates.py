"""Asia/Shanghai calendar dates of UTC moments, and UTC moments from whatever a database returns."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Final

from pydantic import AfterValidator

# China has kept UTC+8 without daylight saving since 1991.
SHANGHAI: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


def shanghai_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a moment (naive moments are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).date()


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; naive moments (as SQLite returns them) are taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
