"""Problem codes of bank agreements."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class BankAgreementNotFound(NotFound):
    """No agreement with this bank (or not one the caller may see: a bank sees its own)."""

    code = "bank_agreement_not_found"


class BankAgreementNotLater(Conflict):
    """A new version takes effect after the bank's latest version (versions are never edited)."""

    code = "bank_agreement_not_later"


class BankAgreementBackdated(Unprocessable):
    """A later version cannot take effect before today (Asia/Shanghai): terms in force stay."""

    code = "bank_agreement_backdated"


class BankAgreementNameChanged(Conflict):
    """A bank's versions carry one name; this one names the bank otherwise."""

    code = "bank_agreement_name_changed"


class NoBankAgreement(Conflict):
    """The bank has no agreement in force on that day."""

    code = "no_bank_agreement"


class NotABank(Forbidden):
    """The caller's token names no bank (`org`)."""

    code = "not_a_bank"
