"""Problems of the funding service's copy of the register."""

from services.common.errors import Unprocessable


class UnknownEnterprise(Unprocessable):
    """No enterprise with this USCC has filed with the registry (as far as funding has read)."""

    code = "unknown_enterprise"
