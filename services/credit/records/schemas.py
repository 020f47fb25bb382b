"""What the credit record routes take and return; table models never leave the service."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.dates import IsoDate
from services.credit.records.rules import LoanStatus, Polarity, PublicList, RecordType

EXAMPLE_USCC = "91140105MA0GRX0Y7C"
EXAMPLE_ID = "rec_01JDX3Z8Q6T8V4N2M5K1H0G9F8"
MAX_BATCH = 500
# An https URL with a host; nothing else is evidence a reader can follow.
HTTPS_URL = r"^https://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:[/?#]\S*)?$"

EXAMPLE_RECORD: dict[str, Any] = {
    "id": EXAMPLE_ID,
    "uscc": EXAMPLE_USCC,
    "type": "administrative_penalty",
    "polarity": "negative",
    "source": "tax_bureau",
    "source_kind": "department",
    "reference": "并税罚〔2026〕118号",
    "occurred_on": "2026-03-02",
    "ended_on": "2026-04-15",
    "counts_until": "2031-04-15",
    "title": "逾期未申报增值税，罚款2000元",
    "evidence_url": "https://shanxi.chinatax.gov.cn/penalties/2026-118",
    "loan_status": None,
    "status": "active",
    "repaired_on": None,
    "disputed": False,
    "version": 1,
    "filed_by": "cli_tax_bureau",
    "filed_at": "2026-03-03T01:00:00Z",
    "updated_at": "2026-03-03T01:00:00Z",
}

RecordStatus = Literal["active", "withdrawn", "repaired"]
VersionChange = Literal["filed", "corrected", "withdrawn", "repaired"]
FilingOutcome = Literal["created", "unchanged"]


class CreditRecordTypePublic(BaseModel):
    """One kind of credit record, with its polarity and names."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "serious_dishonesty",
                    "polarity": "negative",
                    "name_en": "Serious violation and dishonesty",
                    "name_zh": "严重违法失信",
                    "filed_by": "department",
                    "public_list": "dishonesty",
                }
            ]
        }
    )

    code: RecordType
    polarity: Polarity
    name_en: str
    name_zh: str
    filed_by: Literal["department", "bank"]
    public_list: PublicList | None = Field(
        description="The public list a record of this type puts the enterprise on, if any."
    )


class CreditRecordCreate(BaseModel):
    """One record a department (or, for `loan`, a bank) files; the source is the caller's org."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "administrative_penalty",
                    "uscc": EXAMPLE_USCC,
                    "reference": "并税罚〔2026〕118号",
                    "occurred_on": "2026-03-02",
                    "ended_on": "2026-04-15",
                    "title": "逾期未申报增值税，罚款2000元",
                    "evidence_url": "https://shanxi.chinatax.gov.cn/penalties/2026-118",
                }
            ]
        },
    )

    type: RecordType
    uscc: str = Field(min_length=18, max_length=18, description="The enterprise's USCC.")
    reference: str = Field(
        min_length=1,
        max_length=120,
        description="The source's own reference (e.g. a decision number); filing the same "
        "reference again with the same content is a no-op.",
    )
    occurred_on: date = Field(description="Not after today (Asia/Shanghai).")
    ended_on: date | None = Field(
        default=None,
        description="When the conduct or measure ended (a fine paid, a listing's end); not "
        "before `occurred_on`. A negative record counts until 5 years after it.",
    )
    title: str = Field(min_length=1, max_length=300)
    evidence_url: str | None = Field(
        default=None,
        max_length=2000,
        pattern=HTTPS_URL,
        description="An https link to the decision; required except on loan records.",
    )
    loan_status: LoanStatus | None = Field(
        default=None, description="Loan records only (and required there)."
    )


class CreditRecordBatchCreate(BaseModel):
    """A batch of records filed together: all are stored, or none."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "records": [
                        {
                            "type": "tax_a_rating",
                            "uscc": EXAMPLE_USCC,
                            "reference": "并税信〔2026〕A-0042",
                            "occurred_on": "2026-04-01",
                            "title": "2025年度纳税信用A级",
                            "evidence_url": "https://shanxi.chinatax.gov.cn/credit/a/2025",
                        }
                    ]
                }
            ]
        },
    )

    records: list[CreditRecordCreate] = Field(min_length=1, max_length=MAX_BATCH)


class CreditRecordUpdate(BaseModel):
    """A correction by the source: the fields given replace the record's; a reason is required."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"ended_on": "2026-05-20", "reason": "罚款已于5月20日缴清"}]
        },
    )

    occurred_on: date | None = None
    ended_on: date | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    evidence_url: str | None = Field(default=None, max_length=2000, pattern=HTTPS_URL)
    loan_status: LoanStatus | None = None
    reason: str = Field(min_length=1, max_length=1000, description="Why the record changes.")


class CreditRecordWithdrawalCreate(BaseModel):
    """The source withdraws a record it filed in error."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "处罚决定已被复议机关撤销"}]},
    )

    reason: str = Field(min_length=1, max_length=1000)


class CreditRepairCreate(BaseModel):
    """Credit repair (信用修复): the source ends a negative record's effect early."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "已履行行政处罚并完成信用修复承诺",
                    "evidence_url": "https://www.creditchina.gov.cn/repair/2026-0007",
                }
            ]
        },
    )

    reason: str = Field(min_length=1, max_length=1000)
    evidence_url: str = Field(max_length=2000, pattern=HTTPS_URL)


class CreditRecordPublic(BaseModel):
    """A credit record as the API shows it."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_RECORD]})

    id: str
    uscc: str
    type: str
    polarity: str
    source: str = Field(description="The department or bank (its org code) that filed it.")
    source_kind: str
    reference: str
    occurred_on: date
    ended_on: date | None
    counts_until: date | None = Field(
        description="Last day a negative record counts (ended_on + 5 years, a 29 February "
        "ending on 28 February); null while it has not ended, and for positive and loan "
        "records (they count from `occurred_on`, a positive one until `ended_on`)."
    )
    title: str
    evidence_url: str | None
    loan_status: str | None
    status: RecordStatus
    repaired_on: date | None
    disputed: bool
    version: int
    filed_by: str = Field(description="Client id that filed it.")
    filed_at: datetime
    updated_at: datetime


class CreditRecordFiledPublic(BaseModel):
    """What became of one record of a batch."""

    index: int = Field(description="Position of the record in the batch.")
    outcome: FilingOutcome = Field(
        description="`created`, or `unchanged` when the reference was already filed with the "
        "same content (nothing was stored)."
    )
    record: CreditRecordPublic


class CreditRecordBatchPublic(BaseModel):
    """The outcome of a batch filing, record by record, in the batch's order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "created": 1,
                    "unchanged": 0,
                    "items": [
                        {
                            "index": 0,
                            "outcome": "created",
                            "record": EXAMPLE_RECORD,
                        }
                    ],
                }
            ]
        }
    )

    created: int
    unchanged: int
    items: list[CreditRecordFiledPublic]


class CreditRecordVersionPublic(BaseModel):
    """A record as it stood at one version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "change": "corrected",
                    "values": {"ended_on": "2026-05-20", "title": "逾期未申报增值税，罚款2000元"},
                    "reason": "罚款已于5月20日缴清",
                    "actor": "cli_tax_bureau",
                    "at": "2026-05-21T02:00:00Z",
                }
            ]
        }
    )

    version: int
    change: VersionChange
    values: dict[str, Any] = Field(description="The record's content at this version.")
    reason: str | None
    actor: str = Field(description="Client id that made the change.")
    at: datetime


class CreditRecordFilters(BaseModel):
    """Filters of the record list (all optional, combined with AND)."""

    uscc: str | None = Field(default=None, max_length=18)
    type: RecordType | None = None
    status: RecordStatus | None = None
    counting_on: IsoDate | None = Field(
        default=None, description="Only records that count for the enterprise on this date."
    )


class CreditPublicListEntry(BaseModel):
    """One entry of a public list: an enterprise, why, since when and until when."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "record_id": EXAMPLE_ID,
                    "uscc": EXAMPLE_USCC,
                    "enterprise_name": "太原市小店区晋阳软件有限公司",
                    "reason": "拒不履行法院生效判决",
                    "source": "intermediate_court",
                    "listed_on": "2026-02-10",
                    "removed_on": None,
                    "removal": None,
                }
            ]
        }
    )

    record_id: str
    uscc: str
    enterprise_name: str
    reason: str = Field(description="The record's title.")
    source: str
    listed_on: date = Field(description="The record's `occurred_on`.")
    removed_on: date | None = Field(description="Its `ended_on` or its repair date.")
    removal: Literal["ended", "repaired"] | None = Field(
        description="Why it came off the list (null while listed or until its end date comes)."
    )
