"""Why an enterprise cannot be given a size class; each error carries a stable code."""


class SizingError(ValueError):
    """Base of all sizing errors."""

    code = "sizing_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownIndustryError(SizingError):
    """The industry code is not a GB/T 4754-2017 code."""

    code = "unknown_industry"


class IndustryNeedsGroupError(SizingError):
    """The division is split between rows of the standard; its group (3 digits) is needed."""

    code = "industry_needs_group"


class IndustryNotCoveredError(SizingError):
    """The standard does not classify this industry (finance, education, public bodies …)."""

    code = "industry_not_covered"


class MissingIndicatorError(SizingError):
    """The row needs an indicator that was not given."""

    code = "missing_indicator"


class InvalidIndicatorError(SizingError):
    """An indicator value is negative."""

    code = "invalid_indicator"
