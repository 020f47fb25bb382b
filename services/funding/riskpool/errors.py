"""Problem codes of the 助保贷 risk pool: one per refusal rule."""

from services.common.errors import Conflict, NotFound, Unprocessable


class LoanNotFound(NotFound):
    """No guaranteed loan with this id that the caller may see (a bank sees its own)."""

    code = "risk_loan_not_found"


class LoanEnterpriseNotFiled(Unprocessable):
    """The borrower has not filed with the registry (funding's replica does not know it)."""

    code = "loan_enterprise_not_filed"


class LoanEnterpriseNotSmallOrMicro(Unprocessable):
    """The scheme is for filed, active small and micro enterprises only."""

    code = "loan_enterprise_not_small_or_micro"


class LoanEnterpriseDishonest(Conflict):
    """失信联合惩戒: the borrower is on the serious-dishonesty list today."""

    code = "loan_enterprise_on_dishonesty_list"


class LoanRateOverCap(Unprocessable):
    """The loan's interest rate is above the bank's agreed cap."""

    code = "loan_rate_over_cap"


class LoanOverPerLoanCap(Unprocessable):
    """The principal is above the bank's agreed per-loan cap."""

    code = "loan_over_per_loan_cap"


class LoanOverEnterpriseCap(Conflict):
    """The bank's outstanding guaranteed principal for the enterprise would pass its cap."""

    code = "loan_over_enterprise_cap"


class LoanOverLeverage(Conflict):
    """The outstanding guaranteed principal would pass the bank's leverage × the pool balance."""

    code = "loan_over_leverage_headroom"


class LoanAlreadyRegistered(Conflict):
    """The bank registered a loan with this contract number already."""

    code = "loan_already_registered"


class LoanNotActive(Conflict):
    """Only an active loan is repaid or defaults (this one is repaid or defaulted)."""

    code = "loan_not_active"


class RepaymentOverOutstanding(Conflict):
    """A repayment is at most the outstanding principal."""

    code = "repayment_over_outstanding"


class LossOverOutstanding(Conflict):
    """A default's loss is at most the outstanding principal."""

    code = "loss_over_outstanding"


class LoanNotDefaulted(Conflict):
    """Recoveries are recorded on a defaulted loan only."""

    code = "loan_not_defaulted"


class CompensationNotPaid(Conflict):
    """The pool's compensation has not been paid yet: recoveries flow back once it has."""

    code = "compensation_not_paid"


class RecoveryOverLoss(Conflict):
    """Recoveries add up to at most the loss."""

    code = "recovery_over_loss"


class DepositSourceMissing(Unprocessable):
    """The account a deposit comes from is not open in the ledger."""

    code = "risk_pool_deposit_source_missing"
