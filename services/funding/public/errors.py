"""Problem codes of the public ledger."""

from services.common.errors import Conflict, NotFound, Unprocessable


class PublicRecordNotFound(NotFound):
    """No public ledger record with this sequence number."""

    code = "public_record_not_found"


class CorrectedRecordNotFound(Unprocessable):
    """A correction must point at a record already in the public ledger."""

    code = "corrected_record_not_found"


class RecordAlreadyCorrected(Conflict):
    """That record has been corrected already: correct its latest correction instead."""

    code = "record_already_corrected"


class DisbursementAlreadyPublished(Conflict):
    """This disbursement is in the public ledger with other figures (a change is a correction)."""

    code = "disbursement_already_published"
