"""Problem codes of disbursements."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class DisbursementNotFound(NotFound):
    """No disbursement with this id that the caller may see."""

    code = "disbursement_not_found"


class DisbursementKeyReused(Conflict):
    """A proposal key already names a disbursement with other details (payee, amount, account…)."""

    code = "disbursement_key_reused"


class DisbursementAmountNotPositive(Unprocessable):
    """A disbursement pays a positive amount of fen."""

    code = "disbursement_amount_not_positive"


class FourEyesRequired(Forbidden):
    """Four eyes (四眼原则): an admin other than the one who proposed a disbursement approves it."""

    code = "four_eyes_required"


class PayeeOnDishonestyList(Conflict):
    """失信联合惩戒: a payee on the serious-dishonesty list cannot have a disbursement approved."""

    code = "payee_on_dishonesty_list"


class DisbursementNotProposed(Conflict):
    """Only a proposed disbursement can be approved (this one is approved, paid or cancelled)."""

    code = "disbursement_not_proposed"


class DisbursementNotApproved(Conflict):
    """Only an approved disbursement can be paid (this one is proposed or cancelled)."""

    code = "disbursement_not_approved"


class DisbursementPaidOtherwise(Conflict):
    """The disbursement was paid already, under another bank payment reference."""

    code = "disbursement_paid_otherwise"


class PaymentReferenceUsed(Conflict):
    """This bank payment reference already pays another disbursement."""

    code = "payment_reference_used"


class DisbursementNotCancellable(Conflict):
    """Only a proposed or approved disbursement can be cancelled (this one is paid or cancelled)."""

    code = "disbursement_not_cancellable"


class SettlementRequestNotFound(NotFound):
    """No voucher settlement with this id has been asked of funding."""

    code = "settlement_request_not_found"


class SettlementRequestNotPending(Conflict):
    """Only a settlement that could not be funded is proposed again (this one is proposed, or
    had nothing to pay)."""

    code = "settlement_request_not_pending"


class SettlementStillNotFunded(Conflict):
    """The settlement still cannot be proposed: its budget line is missing or short."""

    code = "settlement_still_not_funded"


class PaymentDayInFuture(Unprocessable):
    """The day the bank paid cannot be after today (Asia/Shanghai)."""

    code = "payment_day_in_future"
