"""Problems of consents."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.credit.enterprises.errors import UnknownEnterprise  # noqa: F401 (one code, one class)


class ConsentNotFound(NotFound):
    """No consent with this id that the caller may see."""

    code = "consent_not_found"


class ConsentAlreadyRevoked(Conflict):
    """The consent has already been revoked."""

    code = "consent_already_revoked"


class NotYourEnterprise(Forbidden):
    """An enterprise or portal acts only for the enterprise its token names."""

    code = "not_your_enterprise"


class ExpiryInPast(Unprocessable):
    """A consent's last day is before today (Asia/Shanghai)."""

    code = "expires_in_past"


class ConsentTooLong(Unprocessable):
    """A consent holds at most one year (365 days) from the day it is granted."""

    code = "consent_too_long"
