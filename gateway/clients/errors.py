"""Problems of the client administration."""

from services.common.errors import NotFound, Unprocessable


class ClientNotFound(NotFound):
    """No client with this id (or it was deleted)."""

    code = "client_not_found"


class ApiKeyNotFound(NotFound):
    """No key with this id for the client."""

    code = "api_key_not_found"


class OrgRequired(Unprocessable):
    """Clients of this kind act for an organisation; name it."""

    code = "org_required"


class OrgNotUscc(Unprocessable):
    """An enterprise client's organisation must be a valid USCC."""

    code = "invalid_uscc"


class ScopeNotAllowedForKind(Unprocessable):
    """A scope outside the defaults of the client's kind."""

    code = "scope_not_allowed_for_kind"
