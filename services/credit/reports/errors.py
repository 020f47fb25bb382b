"""Problems of credit reports."""

from services.common.errors import Forbidden


class ConsentRequired(Forbidden):
    """The bank holds no active consent of the enterprise for this purpose."""

    code = "consent_required"
