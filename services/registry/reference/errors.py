"""Problems of reference data."""

from services.common.errors import NotFound


class DistrictNotFound(NotFound):
    """No district with this code."""

    code = "district_not_found"
