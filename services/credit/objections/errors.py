"""Problems of objections and statements."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class ObjectionNotFound(NotFound):
    """No objection with this id that the caller may see."""

    code = "objection_not_found"


class ObjectionRecordNotFound(NotFound):
    """No credit record with this id about the caller's enterprise."""

    code = "objection_record_not_found"


class RecordAlreadyDisputed(Conflict):
    """The record already has an open objection."""

    code = "record_already_disputed"


class RecordNotDisputable(Conflict):
    """The record is withdrawn or repaired: there is nothing left to dispute."""

    code = "record_not_disputable"


class ObjectionAlreadyResolved(Conflict):
    """The objection has already been answered."""

    code = "objection_already_resolved"


class NotTheRecordSource(Forbidden):
    """Only the department or bank that filed the record answers an objection to it."""

    code = "not_the_record_source"


class CorrectionsRequired(Unprocessable):
    """A `corrected` answer names the corrected fields."""

    code = "corrections_required"


class CorrectionsNotAllowed(Unprocessable):
    """Only a `corrected` answer carries corrected fields."""

    code = "corrections_not_allowed"
