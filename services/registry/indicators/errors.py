"""Problems of indicator reports."""

from services.common.errors import Forbidden, Unprocessable


class SourceNotAllowed(Forbidden):
    """The caller may not report figures as this source."""

    code = "source_not_allowed"


class NoFigures(Unprocessable):
    """A report carries no indicator figure."""

    code = "no_figures"
