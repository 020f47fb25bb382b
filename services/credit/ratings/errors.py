"""Problems of the ratings domain."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class RatingNotFound(NotFound):
    """The enterprise had no rating at the moment asked for."""

    code = "rating_not_found"


class RatingEnterpriseNotFound(NotFound):
    """No enterprise with this code in the credit service's register replica."""

    code = "rating_enterprise_not_found"


class RatingNotYourEnterprise(Forbidden):
    """An enterprise or portal reads only the rating of the enterprise its token names."""

    code = "rating_not_your_enterprise"


class RatingRunNotFound(NotFound):
    """No rating run with this id."""

    code = "rating_run_not_found"


class RatingRunTooManyEnterprises(Unprocessable):
    """A run's list of enterprises is longer than the limit; leave it out to rate them all."""

    code = "rating_run_too_many_enterprises"


class RatingConcurrentChange(Conflict):
    """Another rating of the same enterprise was written at the same time; retry."""

    code = "rating_concurrent_change"


class RatingScorecardInvalid(Conflict):
    """The scorecard version in force gave a score outside 0–1000 or an unknown grade."""

    code = "rating_scorecard_invalid"
