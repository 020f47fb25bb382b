"""Problems of the department remits (a change outside a remit is the kernel's `outside_remit`)."""

from services.common.errors import NotFound


class RemitNotFound(NotFound):
    """No remit is recorded for this department."""

    code = "remit_not_found"
