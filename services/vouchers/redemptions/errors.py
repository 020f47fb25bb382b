"""Problems of redemptions: one code per check a redemption or a reversal can fail."""

from services.common.errors import Conflict, Forbidden, NotFound

# One class per code per service: a malformed code and an unknown voucher are the vouchers
# domain's, a category the programme does not cover is the applications domain's.
from services.vouchers.applications.errors import CategoryNotCovered
from services.vouchers.vouchers.errors import VoucherCodeInvalid, VoucherNotFound

__all__ = ["CategoryNotCovered", "VoucherCodeInvalid", "VoucherNotFound"]


class VoucherNotActive(Conflict):
    """The voucher is expired or void and cannot be redeemed."""

    code = "voucher_not_active"


class VoucherExpired(Conflict):
    """The voucher's validity ended (the expiry job may not have run yet)."""

    code = "voucher_expired"


class HolderNotEligible(Conflict):
    """The holder no longer meets the programme's eligibility rules (or left the register)."""

    code = "holder_not_eligible"


class HolderOnDishonestyList(Conflict):
    """The holder is on the dishonesty list: it can neither get nor spend a voucher."""

    code = "holder_on_dishonesty_list"


class ProviderNotApproved(Forbidden):
    """The calling provider is not (or no longer) approved."""

    code = "provider_not_approved"


class ProviderCategoryNotApproved(Forbidden):
    """The provider is not approved for the contract's service category."""

    code = "provider_category_not_approved"


class ProviderIsHolder(Conflict):
    """The provider is the holder itself (same USCC): a related-party deal."""

    code = "provider_is_holder"


class SharedLegalRepresentative(Conflict):
    """The provider and the holder share their legal representative: a related-party deal."""

    code = "shared_legal_representative"


class InsufficientBalance(Conflict):
    """The amount is more than the voucher's balance."""

    code = "insufficient_balance"


class ExceedsCoveredShare(Conflict):
    """The amount (with this contract's earlier redemptions) is more than the covered share."""

    code = "exceeds_covered_share"


class ContractMismatch(Conflict):
    """The contract reference was used before with another amount, category or holder."""

    code = "contract_mismatch"


class YearlyCapExceeded(Conflict):
    """The holder's redemptions in the programme year would exceed its yearly cap."""

    code = "yearly_cap_exceeded"


class RedemptionNotFound(NotFound):
    """No redemption with this id that the caller may see."""

    code = "redemption_not_found"


class RedemptionAlreadyReversed(Conflict):
    """The redemption was reversed already."""

    code = "redemption_already_reversed"


class ReversalWindowPassed(Conflict):
    """A redemption is reversed within 30 days of it, not later."""

    code = "reversal_window_passed"
