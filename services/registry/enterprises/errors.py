"""Problems of the enterprise register."""

from services.common.errors import Conflict, Forbidden, NotFound


class EnterpriseNotFound(NotFound):
    """No enterprise with this code that the caller may see."""

    code = "enterprise_not_found"


class EnterpriseAlreadyFiled(Conflict):
    """The enterprise has already filed."""

    code = "enterprise_already_filed"


class EnterpriseDeregistered(Conflict):
    """The enterprise is deregistered and takes no more changes."""

    code = "enterprise_deregistered"


class NotYourEnterprise(Forbidden):
    """An enterprise or portal acts only for the enterprise its token names."""

    code = "not_your_enterprise"
