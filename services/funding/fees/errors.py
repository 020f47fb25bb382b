"""Problem codes of fee subsidies (涉企收费清单)."""

from services.common.errors import Conflict, NotFound, Unprocessable


class FeeItemNotFound(NotFound):
    """No fee with this code on the list (listed or taken off)."""

    code = "fee_item_not_found"


class FeeItemExists(Conflict):
    """A fee with this code is on the list already."""

    code = "fee_item_exists"


class FeeNotListed(Unprocessable):
    """The fee is not on the list of enterprise fees, so it is not reimbursed (非清单内收费一律取消:
    a new small firm is not charged it at all)."""

    code = "fee_not_listed"


class FeeFirmNotSmall(Unprocessable):
    """Fee subsidies are for small and micro enterprises (the registry's size class)."""

    code = "fee_firm_not_small"


class FeeFirmNotNew(Unprocessable):
    """Fee subsidies are for firms founded during the demonstration period."""

    code = "fee_firm_not_new"


class FeePaidOutsidePeriod(Unprocessable):
    """Only fees paid during the demonstration period (and not before the firm was founded, nor
    in the future) are reimbursed."""

    code = "fee_paid_outside_period"


class FeeClaimExists(Conflict):
    """This fee receipt has been claimed already."""

    code = "fee_claim_exists"


class FeeClaimNotFound(NotFound):
    """No fee claim with this id that the caller may see."""

    code = "fee_claim_not_found"


class FeeBudgetLineMissing(Conflict):
    """The year's line that pays fee subsidies has not been loaded into the ledger."""

    code = "fee_budget_line_missing"
