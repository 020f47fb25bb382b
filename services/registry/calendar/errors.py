"""Problems of the working-day calendar."""

from services.common.errors import Unprocessable


class DayOutsideYear(Unprocessable):
    """A listed day does not belong to the year being recorded."""

    code = "outside_year"


class DuplicateDay(Unprocessable):
    """A day is listed twice."""

    code = "duplicate_day"
