"""Problem codes of the bridge fund: one per refusal rule."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class BridgeLoanNotFound(NotFound):
    """No bridge loan with this id that the caller may see."""

    code = "bridge_loan_not_found"


class BridgeApplicantNotEnterprise(Forbidden):
    """Only an enterprise, or a portal on its behalf, applies for a bridge loan."""

    code = "bridge_applicant_not_enterprise"


class BridgeNotZhubaodaiBorrower(Unprocessable):
    """The applicant is not the borrower of a registered 助保贷 loan with this id."""

    code = "bridge_not_zhubaodai_borrower"


class BridgeGuaranteedLoanNotActive(Conflict):
    """The registered loan is repaid or defaulted: nothing falls due to bridge."""

    code = "bridge_guaranteed_loan_not_active"


class BridgeBorrowerDishonest(Conflict):
    """失信联合惩戒: the borrower is on the serious-dishonesty list today."""

    code = "bridge_borrower_on_dishonesty_list"


class BridgeNotDueYet(Conflict):
    """The registered loan matures later than the application window."""

    code = "bridge_not_due_yet"


class BridgeLoanPastMaturity(Conflict):
    """The registered loan matured before today: a bridge is applied for before it falls due."""

    code = "bridge_loan_past_maturity"


class BridgeOverPrincipal(Unprocessable):
    """The amount is above what the fund lends on this loan (the maturing principal)."""

    code = "bridge_over_principal"


class BridgeOverDays(Unprocessable):
    """The term is longer than the fund's longest."""

    code = "bridge_over_max_days"


class BridgeFundShort(Conflict):
    """The fund does not hold the amount (available = capital − outstanding)."""

    code = "bridge_fund_short"


class BridgeAlreadyBridged(Conflict):
    """This registered loan has had its bridge loan already (one per loan)."""

    code = "bridge_already_bridged"


class BridgeRulesInvalid(Conflict):
    """The parameters in force computed a negative fee or amount: fix the rule set."""

    code = "bridge_rules_invalid"


class BridgeNotRenewable(Conflict):
    """The renewal is confirmed once, on a bridge loan not repaid yet."""

    code = "bridge_not_renewable"


class BridgeRenewalBeforeLending(Unprocessable):
    """The renewal's date is before the bridge loan was lent."""

    code = "bridge_renewal_before_lending"


class BridgeAlreadyRepaid(Conflict):
    """The bridge loan is repaid already."""

    code = "bridge_already_repaid"


class BridgeRepaymentNotOwed(Unprocessable):
    """A repayment is the principal and the fee, exactly."""

    code = "bridge_repayment_not_owed"


class BridgeRepaymentDate(Unprocessable):
    """A repayment is dated between the lending day and today."""

    code = "bridge_repayment_date_invalid"


class BridgeCapitalSourceMissing(Unprocessable):
    """The account the capital comes from is not open in the ledger."""

    code = "bridge_capital_source_missing"
