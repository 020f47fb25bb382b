"""Problems of credit records."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.credit.enterprises.errors import UnknownEnterprise  # noqa: F401 (one code, one class)


class RecordNotFound(NotFound):
    """No credit record with this id that the caller may see."""

    code = "record_not_found"


class OccurredInFuture(Unprocessable):
    """A record's `occurred_on` is after today (Asia/Shanghai)."""

    code = "occurred_in_future"


class EndedBeforeOccurred(Unprocessable):
    """A record's `ended_on` is before its `occurred_on`."""

    code = "ended_before_occurred"


class LoanStatusRequired(Unprocessable):
    """A loan record needs its `loan_status`."""

    code = "loan_status_required"


class LoanStatusNotAllowed(Unprocessable):
    """Only loan records carry a `loan_status`."""

    code = "loan_status_not_allowed"


class EvidenceRequired(Unprocessable):
    """A department's record needs its `evidence_url`."""

    code = "evidence_required"


class DuplicateReference(Unprocessable):
    """Two records of one batch carry the same `reference`."""

    code = "duplicate_reference"


class RecordReferenceTaken(Conflict):
    """The source already filed a different record under this reference: correct that one."""

    code = "record_reference_taken"


class RecordFiledConcurrently(Conflict):
    """Another request filed the same reference at the same moment; retry to see the outcome."""

    code = "record_filed_concurrently"


class BankFilesLoansOnly(Forbidden):
    """A bank files loan records only."""

    code = "bank_files_loans_only"


class LoansFiledByBanks(Forbidden):
    """Loan records are filed by the lending bank, not by departments."""

    code = "loans_filed_by_banks"


class SourceOrgMissing(Forbidden):
    """The caller's token names no organisation to file records as."""

    code = "source_org_missing"


class NotRecordSource(Forbidden):
    """Only the department or bank that filed a record may correct, withdraw or repair it."""

    code = "not_record_source"


class RecordWithdrawn(Conflict):
    """The record was withdrawn and takes no more changes."""

    code = "record_withdrawn"


class RecordNotRepairable(Conflict):
    """Only negative records still counting or listed can be repaired, and only once."""

    code = "record_not_repairable"


class NothingToCorrect(Unprocessable):
    """A correction must change at least one field."""

    code = "nothing_to_correct"
