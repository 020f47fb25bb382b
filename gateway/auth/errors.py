"""Problems of the gateway's own authentication."""

from services.common.errors import TooManyRequests, Unauthorized


class MissingCredentials(Unauthorized):
    """The call carries no API key or access token."""

    code = "missing_credentials"


class TooManyAuthFailures(TooManyRequests):
    """This credential (or address) failed to authenticate too often; retry later."""

    code = "too_many_auth_failures"


class RateLimited(TooManyRequests):
    """The caller went over its rate limit."""

    code = "rate_limited"
