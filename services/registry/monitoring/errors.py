"""Problems of monitoring and targets."""

from services.common.errors import NotFound, Unprocessable


class TargetNotFound(NotFound):
    """No targets for this unit and year."""

    code = "target_not_found"


class UnknownDistrict(Unprocessable):
    """The unit is neither the city nor a district code."""

    code = "unknown_district"
