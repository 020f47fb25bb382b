"""Problems of the credit service's copy of the register."""

from services.common.errors import Unprocessable


class UnknownEnterprise(Unprocessable):
    """No enterprise with this USCC has filed with the registry (as far as credit has read)."""

    code = "unknown_enterprise"
