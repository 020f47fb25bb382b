"""Problems of demonstration bases."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class BaseNotFound(NotFound):
    """No such demonstration base."""

    code = "base_not_found"


class BaseKindNotFound(NotFound):
    """No such kind of base (the five are maker_space, startup_base, tech_incubator,
    commerce_cluster, micro_incubation_park)."""

    code = "base_kind_not_found"


class NotADistrict(Forbidden):
    """Bases are filed by a district: a department client whose org is a district code."""

    code = "not_a_district"


class NotYourDistrict(Forbidden):
    """A district files and reports only for bases in its own district."""

    code = "not_your_district"


class NotResponsibleDepartment(Forbidden):
    """Only the department responsible for the base's kind decides on it."""

    code = "not_responsible_department"


class BaseAlreadyFiled(Conflict):
    """The operator already has a base of this kind filed or admitted."""

    code = "base_already_filed"


class BaseStatusConflict(Conflict):
    """The base's status does not allow this (e.g. deciding twice, exiting a base not admitted)."""

    code = "base_status_conflict"


class OpeningInFuture(Unprocessable):
    """A base is filed once it has opened: its opening date is not after today (Asia/Shanghai)."""

    code = "opening_in_future"


class CriterionUnknown(Unprocessable):
    """An assessment names a criterion that is not among the kind's standards."""

    code = "criterion_unknown"


class CriteriaIncomplete(Unprocessable):
    """Admitting a base needs an assessment of every criterion of its kind's standards."""

    code = "criteria_incomplete"


class StandardsNotMet(Unprocessable):
    """A base is admitted only when it meets every criterion and the minimum area; refuse it."""

    code = "standards_not_met"


class RefusalReasonRequired(Unprocessable):
    """A refusal states its reasons: an unmet criterion or a reason in words."""

    code = "refusal_reason_required"


class KpiYearInvalid(Unprocessable):
    """KPIs are reported for a year from the base's opening to its exit."""

    code = "kpi_year_invalid"


class KpiNotFound(NotFound):
    """The base has no KPI report for that year."""

    code = "kpi_not_found"


class KpiExists(Conflict):
    """The base's KPI report for that year exists: correct it with its ETag in If-Match."""

    code = "kpi_exists"


class KpiAccepted(Conflict):
    """The year's acceptance is recorded: its KPI figures no longer change."""

    code = "kpi_accepted"
