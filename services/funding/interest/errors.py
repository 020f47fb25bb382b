"""Problem codes of the graduate interest subsidy."""

from services.common.errors import Conflict, NotFound, Unprocessable


class InterestClaimNotFound(NotFound):
    """No interest claim with this id that the caller may see."""

    code = "interest_claim_not_found"


class InterestClaimExists(Conflict):
    """This loan (lender and contract number) has a claim for this quarter already."""

    code = "interest_claim_exists"


class InterestLoanOtherEnterprise(Conflict):
    """This loan (lender and contract number) was claimed by another enterprise."""

    code = "interest_loan_other_enterprise"


class FounderGraduationUnknown(Unprocessable):
    """The registry has no graduation day for the enterprise's founder (file it there first)."""

    code = "founder_graduation_unknown"


class FounderNotRecentGraduate(Unprocessable):
    """The loan was not granted within three years after the founder graduated."""

    code = "founder_not_recent_graduate"


class InterestQuarterNotOver(Unprocessable):
    """A quarter is claimed once it has ended."""

    code = "interest_quarter_not_over"


class InterestNoDays(Unprocessable):
    """The loan was not outstanding on any day of the quarter (or accrues nothing)."""

    code = "interest_no_days"


class InterestEnterpriseInactive(Unprocessable):
    """The enterprise is deregistered."""

    code = "interest_enterprise_inactive"


class InterestBudgetLineMissing(Conflict):
    """The year's graduate-interest line has not been loaded into the ledger."""

    code = "interest_budget_line_missing"
