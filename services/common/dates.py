"""Asia/Shanghai calendar dates of UTC moments."""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any, Final

from pydantic import BeforeValidator

# China has kept UTC+8 without daylight saving since 1991.
SHANGHAI: Final = timezone(timedelta(hours=8), "Asia/Shanghai")


def shanghai_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a moment (naive moments are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).date()


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: Any) -> Any:
    # Lax pydantic reads `20150101` or `1` as Unix time; a date in a URL is YYYY-MM-DD only.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("a date is written YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("a date is written YYYY-MM-DD, not as a number")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
"""A date in a path or query: `YYYY-MM-DD` only, never a number."""


_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]")


def _iso_date_or_moment(value: Any) -> Any:
    # One rule for the field (not one error per member of the union): a date or a timestamp.
    if isinstance(value, str):
        try:
            if _ISO_DATE.match(value):
                return date.fromisoformat(value)
            if _ISO_MOMENT.match(value):
                return datetime.fromisoformat(value)
        except ValueError:
            pass
        raise ValueError("a date is written YYYY-MM-DD, a timestamp YYYY-MM-DDTHH:MM:SS±HH:MM")
    if isinstance(value, int | float):
        raise ValueError("a date is written YYYY-MM-DD, not as a number")
    return value


IsoDateOrMoment = Annotated[date | datetime, BeforeValidator(_iso_date_or_moment)]
"""A date (`YYYY-MM-DD`) or an ISO 8601 timestamp in a query; an error names the field alone."""
