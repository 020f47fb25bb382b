"""Problem codes of guarantee risk compensation."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class GuaranteeInstitutionNotFound(NotFound):
    """No guarantee institution with this code."""

    code = "guarantee_institution_not_found"


class GuaranteeInstitutionExists(Conflict):
    """A guarantee institution with this code or USCC is registered already."""

    code = "guarantee_institution_exists"


class NotAGuaranteeInstitution(Forbidden):
    """The calling client's organisation is not a registered guarantee institution."""

    code = "not_a_guarantee_institution"


class GuaranteeNotFound(NotFound):
    """No guarantee with this id that the caller may see."""

    code = "guarantee_not_found"


class GuaranteeExists(Conflict):
    """The institution registered a guarantee of this loan already."""

    code = "guarantee_exists"


class GuaranteeNotSme(Unprocessable):
    """The guaranteed enterprise is not a filed small or micro enterprise (or is deregistered)."""

    code = "guarantee_not_sme"


class GuaranteePayoutExists(Conflict):
    """The institution reported a payout with this reference already."""

    code = "guarantee_payout_exists"


class GuaranteePayoutExceedsGuarantee(Conflict):
    """Payouts under a guarantee would exceed the amount it guarantees."""

    code = "guarantee_payout_exceeds_guarantee"


class GuaranteePayoutOutsideTerm(Unprocessable):
    """A payout is made on or after the guarantee's start and not in the future."""

    code = "guarantee_payout_outside_term"


class GuaranteeNothingToCompensate(Unprocessable):
    """The share in force gives no compensation for this payout (0 fen)."""

    code = "guarantee_nothing_to_compensate"


class GuaranteeShareInvalid(Unprocessable):
    """The compensation rules gave a share outside 0–10000 basis points (a rule set to correct)."""

    code = "guarantee_share_invalid"


class GuaranteeBudgetLineMissing(Conflict):
    """The year's guarantee-risk line has not been loaded into the ledger."""

    code = "guarantee_budget_line_missing"
