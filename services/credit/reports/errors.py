"""Problems of credit reports."""

from services.common.errors import Forbidden, NotFound


class ConsentRequired(Forbidden):
    """The bank holds no active consent of the enterprise for this purpose."""

    code = "consent_required"


class ReportEnterpriseNotFound(NotFound):
    """The enterprise of a consent is no longer in the register replica."""

    code = "report_enterprise_not_found"
