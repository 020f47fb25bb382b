"""Problems of service providers."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class ProviderNotFound(NotFound):
    """No such provider (or one the caller may not see)."""

    code = "provider_not_found"


class ProviderOrgInvalid(Forbidden):
    """A provider client's org must be its provider id (`prv_…`), set when the client is made."""

    code = "provider_org_invalid"


class ProviderExists(Conflict):
    """This client's org already applied as a provider."""

    code = "provider_exists"


class ProviderUsccTaken(Conflict):
    """Another provider applied with this USCC."""

    code = "provider_uscc_taken"


class NotYourProvider(Forbidden):
    """A provider acts only on its own record and catalogue."""

    code = "not_your_provider"


class ProviderDecisionInvalid(Conflict):
    """The decision does not follow from the provider's status."""

    code = "provider_decision_invalid"


class DecisionReasonRequired(Unprocessable):
    """Refusing, suspending or removing a provider needs a reason."""

    code = "decision_reason_required"


class CategoryNotOffered(Unprocessable):
    """A catalogue entry's category is not one the provider applied for."""

    code = "category_not_offered"
