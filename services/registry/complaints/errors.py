"""Problems of complaints."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class ComplaintNotFound(NotFound):
    """No complaint with this id that the caller may see."""

    code = "complaint_not_found"


class TicketNotFound(NotFound):
    """No complaint matches the ticket and access code."""

    code = "ticket_not_found"


class ConcurrentUpdate(Conflict):
    """The complaint changed while the caller acted on it."""

    code = "concurrent_update"


class IllegalTransition(Conflict):
    """The action is not allowed in the complaint's state."""

    code = "illegal_transition"


class NoEnterprise(Forbidden):
    """The caller's token names no enterprise to complain for."""

    code = "no_enterprise"


class NotAllowedToAct(Forbidden):
    """The caller's role may not take this action on the complaint."""

    code = "not_allowed_to_act"


class DepartmentNotApplicable(Unprocessable):
    """The action or class takes no department."""

    code = "department_not_applicable"
