"""Problem codes of settlements."""

from services.common.errors import Conflict, NotFound, Unprocessable


class SettlementNotFound(NotFound):
    """No settlement with this id that the caller may see."""

    code = "settlement_not_found"


class SettlementRunExists(Conflict):
    """This month has been settled already (one run per month)."""

    code = "settlement_run_exists"


class SettlementMonthNotOver(Unprocessable):
    """A month is settled once it is over (Asia/Shanghai)."""

    code = "settlement_month_not_over"
