"""Problem codes of the ledger."""

from services.common.errors import Conflict, NotFound, Unprocessable


class AccountNotFound(NotFound):
    """No ledger account with this code."""

    code = "ledger_account_not_found"


class TransferNotFound(NotFound):
    """No ledger transfer with this id."""

    code = "ledger_transfer_not_found"


class AccountConflict(Conflict):
    """The account exists with other terms (kind, non-negative flag, year or district)."""

    code = "ledger_account_conflict"


class UnknownAccount(Unprocessable):
    """A leg names an account that has not been opened."""

    code = "ledger_unknown_account"


class UnbalancedTransfer(Unprocessable):
    """A transfer's legs must sum to zero, be non-zero and name each account once."""

    code = "ledger_unbalanced_transfer"


class TransferKeyReused(Conflict):
    """The transfer key was used for a transfer with other legs."""

    code = "ledger_transfer_key_reused"


class InsufficientFunds(Conflict):
    """The transfer would take an account that must stay non-negative below zero."""

    code = "ledger_insufficient_funds"


class TransferAlreadyReversed(Conflict):
    """The transfer has been reversed already (or is itself a reversal)."""

    code = "ledger_transfer_already_reversed"


class InvalidAccountCode(Unprocessable):
    """An account code is `kind` then `:`-separated parts of letters, digits, `_`, `-`, `.`."""

    code = "ledger_invalid_account_code"


class AccountReserved(Unprocessable):
    """`payable` and `payee:` accounts move only through disbursements (proposed, approved by a
    second admin, paid and published), never by a hand-made transfer or reversal."""

    code = "ledger_account_reserved"


class ReversalReserved(Conflict):
    """The transfer moved money into or out of `payable` or a payee: a disbursement's cancel
    (or a correction of its payment) undoes it, never a hand-made reversal."""

    code = "ledger_reversal_reserved"


class InvalidAccountTerms(Unprocessable):
    """Only a source or a party (a bridge borrower) may go negative, and an account's kind is
    its code's prefix."""

    code = "ledger_invalid_account_terms"


class TransferNotByHand(Conflict):
    """A transfer a domain recorded (budget load, allocation, matching payment, disbursement)
    is corrected through that domain, never reversed by hand."""

    code = "ledger_transfer_not_by_hand"
