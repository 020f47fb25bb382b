"""Problems of delegations."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class DelegationNotFound(NotFound):
    """No delegation with this id that the caller may see."""

    code = "delegation_not_found"


class PortalNotFound(Unprocessable):
    """The named client is not an active portal."""

    code = "portal_not_found"


class ScopeNotDelegable(Unprocessable):
    """A scope a portal may not use for an enterprise."""

    code = "scope_not_delegable"


class EnterpriseRequired(Unprocessable):
    """An admin recording a paper authorization names the enterprise that signed it."""

    code = "enterprise_required"


class ReferenceRequired(Unprocessable):
    """An admin recording a paper authorization gives the paper's reference."""

    code = "reference_required"


class ExpiryNotInFuture(Unprocessable):
    """A delegation must expire in the future (and within the longest allowed term)."""

    code = "invalid_expiry"


class DelegationRevoked(Conflict):
    """The delegation was revoked; grant a new one."""

    code = "delegation_revoked"


class NotYourDelegation(Forbidden):
    """Only the enterprise (or an admin) may change this delegation."""

    code = "not_your_delegation"
