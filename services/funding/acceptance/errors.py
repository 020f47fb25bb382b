"""Problems of year-end acceptance."""

from services.common.errors import Conflict, NotFound, Unprocessable


class AcceptanceNotFound(NotFound):
    """The base has no acceptance result for that year."""

    code = "acceptance_not_found"


class AcceptanceExists(Conflict):
    """A base has one acceptance result per year; it is never edited."""

    code = "acceptance_exists"


class AcceptanceYearInvalid(Unprocessable):
    """Acceptance is for a year from the base's opening to the current one."""

    code = "acceptance_year_invalid"


class KpiReportMissing(Conflict):
    """A base passes only on its reported figures: its district reports that year's KPIs first."""

    code = "kpi_report_missing"
