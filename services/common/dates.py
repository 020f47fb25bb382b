"""Asia/Shanghai calendar dates of UTC moments."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final

# China has kept UTC+8 without daylight saving since 1991.
SHANGHAI: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


def shanghai_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a moment (naive moments are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).date()
