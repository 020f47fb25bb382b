"""Problems of the gateway's own authentication."""

from services.common.errors import Unauthorized


class MissingCredentials(Unauthorized):
    """The call carries no API key or access token."""

    code = "missing_credentials"
