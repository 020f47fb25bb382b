"""Problems of vouchers: issuance against the budget and the cap, codes, reads."""

from services.common.errors import Conflict, NotFound, Unprocessable


class VoucherNotFound(NotFound):
    """No voucher with this id that the caller may see."""

    code = "voucher_not_found"


class VoucherCodeInvalid(Unprocessable):
    """The voucher code is malformed or its check symbol is wrong (a typo); nothing was looked up."""

    code = "voucher_code_invalid"


class ProgrammeNotOpen(Conflict):
    """The programme is not open: it takes no applications and issues no vouchers."""

    code = "programme_not_open"


class ProgrammeBudgetExhausted(Conflict):
    """What is left of the programme's budget does not cover another voucher."""

    code = "programme_budget_exhausted"


class YearlyCapReached(Conflict):
    """Another voucher would take the enterprise over the programme's per-enterprise yearly cap."""

    code = "yearly_cap_reached"
