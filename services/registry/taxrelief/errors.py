"""Problems of tax relief filings."""

from services.common.errors import Conflict, Forbidden, NotFound


class TaxReliefAlreadyFiled(Conflict):
    """The department already filed this tax type for the quarter."""

    code = "already_filed"


class FilingNotFound(NotFound):
    """No tax relief filing with this id."""

    code = "filing_not_found"


class NotATaxDepartment(Forbidden):
    """Only tax departments file tax relief."""

    code = "not_a_tax_department"
