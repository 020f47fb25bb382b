"""Pure rules of credit records: the record types (as data), how long a record counts, lists.

No database and no HTTP here: the rating, reports and vouchers domains use these through
`services.credit.records.service` (`counts_on`, `records_of`, `list_status`).
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol


class Polarity(StrEnum):
    """Whether a record speaks against an enterprise, for it, or is a bank's loan record."""

    NEGATIVE = "negative"
    POSITIVE = "positive"
    LOAN = "loan"


class RecordType(StrEnum):
    """The kinds of credit record; their data is in `RECORD_TYPES`."""

    ADMINISTRATIVE_PENALTY = "administrative_penalty"
    ABNORMAL_OPERATION = "abnormal_operation"
    SERIOUS_DISHONESTY = "serious_dishonesty"
    TAX_ARREARS = "tax_arrears"
    TAX_A_RATING = "tax_a_rating"
    COURT_ENFORCEMENT = "court_enforcement"
    SOCIAL_INSURANCE_ARREARS = "social_insurance_arrears"
    AWARD = "award"
    PATENT_GRANTED = "patent_granted"
    TECHNOLOGY_CONTRACT = "technology_contract"
    LOAN = "loan"
    BRIDGE_LOAN_OVERDUE = "bridge_loan_overdue"


class LoanStatus(StrEnum):
    """Where a bank's loan stands."""

    ON_TIME = "on_time"
    OVERDUE = "overdue"
    SETTLED = "settled"


class PublicList(StrEnum):
    """The public lists a record type puts an enterprise on."""

    DISHONESTY = "dishonesty"  # 严重违法失信名单
    ABNORMAL_OPERATIONS = "abnormal_operations"  # 经营异常名录


@dataclass(frozen=True, slots=True)
class RecordTypeInfo:
    """One record type: its polarity, names and who files it."""

    code: RecordType
    polarity: Polarity
    name_en: str
    name_zh: str
    public_list: PublicList | None = None

    @property
    def filed_by_banks(self) -> bool:
        """Loan records are filed by banks, every other type by departments."""
        return self.polarity is Polarity.LOAN


_T, _P = RecordType, Polarity
RECORD_TYPES: dict[RecordType, RecordTypeInfo] = {
    info.code: info
    for info in (
        RecordTypeInfo(
            _T.ADMINISTRATIVE_PENALTY, _P.NEGATIVE, "Administrative penalty", "行政处罚"
        ),
        RecordTypeInfo(
            _T.ABNORMAL_OPERATION,
            _P.NEGATIVE,
            "Listed for abnormal operation",
            "列入经营异常名录",
            PublicList.ABNORMAL_OPERATIONS,
        ),
        RecordTypeInfo(
            _T.SERIOUS_DISHONESTY,
            _P.NEGATIVE,
            "Serious violation and dishonesty",
            "严重违法失信",
            PublicList.DISHONESTY,
        ),
        RecordTypeInfo(_T.TAX_ARREARS, _P.NEGATIVE, "Tax arrears", "欠税"),
        RecordTypeInfo(_T.TAX_A_RATING, _P.POSITIVE, "Grade A tax credit", "纳税信用A级"),
        RecordTypeInfo(
            _T.COURT_ENFORCEMENT, _P.NEGATIVE, "Subject of court enforcement", "法院强制执行"
        ),
        RecordTypeInfo(
            _T.SOCIAL_INSURANCE_ARREARS,
            _P.NEGATIVE,
            "Social insurance contributions in arrears",
            "欠缴社会保险费",
        ),
        RecordTypeInfo(_T.AWARD, _P.POSITIVE, "Award or commendation", "表彰奖励"),
        RecordTypeInfo(_T.PATENT_GRANTED, _P.POSITIVE, "Patent granted", "专利授权"),
        RecordTypeInfo(
            _T.TECHNOLOGY_CONTRACT, _P.POSITIVE, "Registered technology contract", "技术合同登记"
        ),
        RecordTypeInfo(_T.LOAN, _P.LOAN, "Bank loan", "银行贷款"),
        # Filed from the funding service's feed (`bridge_loan.overdue`), source `bridge_fund`.
        RecordTypeInfo(
            _T.BRIDGE_LOAN_OVERDUE,
            _P.NEGATIVE,
            "Emergency bridge loan overdue",
            "应急周转资金逾期未还",
        ),
    )
}
LISTED_TYPES: dict[PublicList, RecordType] = {
    info.public_list: info.code for info in RECORD_TYPES.values() if info.public_list is not None
}

# 征信业管理条例 art. 16: adverse information is kept for 5 years from the end of the conduct.
NEGATIVE_YEARS = 5

WITHDRAWN = "withdrawn"  # the record's status once its source withdrew it (models.WITHDRAWN)


class CountedRecord(Protocol):
    """What the counting rules read of a record (a `CreditRecord` row)."""

    type: str
    polarity: str
    status: str
    occurred_on: date
    ended_on: date | None
    loan_status: str | None
    repaired_on: date | None


def add_years(day: date, years: int) -> date:
    """The same day `years` later; a 29 February with no counterpart is the month's last day.

    The Civil Code's rule for periods in years (民法典 art. 202): the corresponding day, or the
    last day of that month when it has none.
    """
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def is_adverse(record: CountedRecord) -> bool:
    """Negative records, and overdue loans, fall under the five-year rule."""
    return record.polarity == Polarity.NEGATIVE or (
        record.polarity == Polarity.LOAN and record.loan_status == LoanStatus.OVERDUE
    )


def counts_until(record: CountedRecord) -> date | None:
    """The last day an adverse record counts (`ended_on` + 5 years, inclusive), or None.

    None: it counts without a date limit — an adverse record that has not ended (it counts
    until it ends, then 5 years more), and positive and loan records, which count from the
    day they occurred (a positive one only while it lasts, up to the day before `ended_on`).
    """
    if is_adverse(record) and record.ended_on is not None:
        return add_years(record.ended_on, NEGATIVE_YEARS)
    return None


def counts_on(record: CountedRecord, day: date) -> bool:
    """Whether the record counts for the enterprise's credit on `day`.

    A withdrawn record never counts; nothing counts before it occurred; a repaired record stops
    counting on its repair date; an adverse record counts up to and including `counts_until`;
    a positive record counts while it lasts (before `ended_on`).
    """
    if record.status == WITHDRAWN or day < record.occurred_on:
        return False
    if record.repaired_on is not None and day >= record.repaired_on:
        return False
    if is_adverse(record):
        until = counts_until(record)
        return until is None or day <= until
    if record.polarity == Polarity.POSITIVE and record.ended_on is not None:
        return day < record.ended_on
    return True


def earliest_counting_end(day: date) -> date:
    """The earliest `ended_on` whose adverse record still counts on `day` (for SQL filters)."""
    candidate = add_years(day, -NEGATIVE_YEARS)
    while add_years(candidate, NEGATIVE_YEARS) < day:
        candidate += timedelta(days=1)
    return candidate


def listed_on(record: CountedRecord, day: date) -> PublicList | None:
    """The public list the record keeps its enterprise on on `day`, if any.

    Listed from `occurred_on`; removed on `ended_on` or on the repair date; a withdrawn record
    was never right and lists nobody.
    """
    info = RECORD_TYPES.get(RecordType(record.type)) if record.type in RECORD_TYPES else None
    if info is None or info.public_list is None or record.status == WITHDRAWN:
        return None
    if day < record.occurred_on:
        return None
    if record.ended_on is not None and day >= record.ended_on:
        return None
    if record.repaired_on is not None and day >= record.repaired_on:
        return None
    return info.public_list


def removed_on(record: CountedRecord) -> date | None:
    """The day a listing ends: its `ended_on` or its repair date, whichever comes first."""
    days = [d for d in (record.ended_on, record.repaired_on) if d is not None]
    return min(days) if days else None
