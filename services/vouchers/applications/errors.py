"""Problems of voucher applications."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable

# A refusal names its reason: the providers' `decision_reason_required`, one code per service.
from services.vouchers.providers.errors import DecisionReasonRequired

__all__ = ["DecisionReasonRequired"]


class ApplicationNotFound(NotFound):
    """No application with this id that the caller may see."""

    code = "application_not_found"


class UnknownProgramme(Unprocessable):
    """The programme named in the body does not exist."""

    code = "unknown_programme"


class CategoryNotCovered(Unprocessable):
    """A requested service category is not one the programme covers."""

    code = "category_not_covered"


class EnterpriseDeregistered(Conflict):
    """The enterprise is deregistered: it gets no voucher."""

    code = "enterprise_deregistered"


class EnterpriseOnDishonestyList(Conflict):
    """The enterprise is on the dishonesty list: it neither gets nor spends a voucher."""

    code = "enterprise_on_dishonesty_list"


class ApplicationIneligible(Conflict):
    """The enterprise does not meet the programme's eligibility rules (see the reasons)."""

    code = "application_ineligible"


class ApplicationAlreadyDecided(Conflict):
    """The application has been approved or refused already."""

    code = "application_already_decided"


class NotYourEnterprise(Forbidden):
    """An enterprise, or a portal on its behalf, applies only for the enterprise its token names."""

    code = "not_your_enterprise"
