"""What the guarantee compensation routes take and return."""

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
CODE_PATTERN = r"^[A-Za-z0-9_-]{2,20}$"
REF_PATTERN = r"^\S{1,64}$"


class GuaranteeInstitutionCreate(BaseModel):
    """Admit a financing guarantee institution to the compensation scheme (admin)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"code": "TYGUAR", "name": "太原市中小企业融资担保有限公司",
                 "uscc": "91140100MA0K00002X"}
            ]
        },
    )  # fmt: skip

    code: str = Field(
        pattern=CODE_PATTERN, description="The `org` of the institution's gateway client."
    )
    name: str = Field(min_length=1, max_length=200)
    uscc: str = Field(pattern=USCC_PATTERN, description="Compensation is paid to this USCC.")


class GuaranteeInstitutionPublic(BaseModel):
    """A guarantee institution of the scheme."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {"code": "TYGUAR", "name": "太原市中小企业融资担保有限公司",
                 "uscc": "91140100MA0K00002X", "registered_by": "cli_finance",
                 "created_at": "2015-03-01T02:00:00Z"}
            ]
        },
    )  # fmt: skip

    code: str
    name: str
    uscc: str
    registered_by: str
    created_at: datetime


class GuaranteeCreate(BaseModel):
    """A guarantee the calling institution gave for an SME loan."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"enterprise_uscc": "91140105MA0KDE119Q", "lender": "晋商银行太原分行",
                 "loan_ref": "JSB-TY-2015-000456", "principal_fen": 100_000_000,
                 "guaranteed_fen": 80_000_000, "starts_on": "2015-04-01",
                 "ends_on": "2016-03-31"}
            ]
        },
    )  # fmt: skip

    enterprise_uscc: str = Field(pattern=USCC_PATTERN, description="The borrower.")
    lender: str = Field(min_length=1, max_length=200, description="The lending bank.")
    loan_ref: str = Field(pattern=REF_PATTERN, description="The loan contract's number.")
    principal_fen: int = Field(gt=0, le=100_000_000_000)
    guaranteed_fen: int = Field(gt=0, le=100_000_000_000, description="The amount guaranteed.")
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.guaranteed_fen > self.principal_fen:
            raise ValueError("guaranteed_fen cannot exceed principal_fen")
        if self.ends_on <= self.starts_on:
            raise ValueError("ends_on must be after starts_on")
        return self


class GuaranteePublic(BaseModel):
    """A registered guarantee, with what has been paid out and compensated under it."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {"id": "gtr_01JD3Z8Q6T8V4N2M5K1H0G9F8E", "institution_code": "TYGUAR",
                 "enterprise_uscc": "91140105MA0KDE119Q", "enterprise_name": "太原矩阵科技有限公司",
                 "lender": "晋商银行太原分行", "loan_ref": "JSB-TY-2015-000456",
                 "principal_fen": 100_000_000, "guaranteed_fen": 80_000_000,
                 "starts_on": "2015-04-01", "ends_on": "2016-03-31",
                 "paid_out_fen": 30_000_000, "compensated_fen": 9_000_000,
                 "registered_by": "cli_tyguar", "created_at": "2015-04-02T02:00:00Z",
                 "updated_at": "2015-11-20T02:00:00Z"}
            ]
        },
    )  # fmt: skip

    id: str
    institution_code: str
    enterprise_uscc: str
    enterprise_name: str
    lender: str
    loan_ref: str
    principal_fen: int
    guaranteed_fen: int
    starts_on: date
    ends_on: date
    paid_out_fen: int = Field(description="Payouts reported so far.")
    compensated_fen: int = Field(description="The fund's compensation of them so far.")
    registered_by: str
    created_at: datetime
    updated_at: datetime


class GuaranteePayoutCreate(BaseModel):
    """A payout (代偿) the institution made to the lender under a guarantee."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reference": "TYGUAR-DC-2015-017", "paid_on": "2015-11-18",
                 "payout_fen": 30_000_000}
            ]
        },
    )  # fmt: skip

    reference: str = Field(pattern=REF_PATTERN, description="The institution's payout number.")
    paid_on: date = Field(description="The day the institution paid the lender.")
    payout_fen: int = Field(gt=0, le=100_000_000_000)


class GuaranteePayoutPublic(BaseModel):
    """A payout and the fund's compensation of it (a proposed disbursement)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {"id": "gpo_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                 "guarantee_id": "gtr_01JD3Z8Q6T8V4N2M5K1H0G9F8E", "institution_code": "TYGUAR",
                 "reference": "TYGUAR-DC-2015-017", "paid_on": "2015-11-18",
                 "payout_fen": 30_000_000, "share_bp": 3000, "compensation_fen": 9_000_000,
                 "rule_set_id": "rls_funding_guarantee_compensation_2015",
                 "rule_set_version": "funding.guarantee.compensation@1",
                 "account": "line:2015:financing:guarantee-risk",
                 "disbursement_id": "dsb_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                 "reported_by": "cli_tyguar", "created_at": "2015-11-20T02:00:00Z"}
            ]
        },
    )  # fmt: skip

    id: str
    guarantee_id: str
    institution_code: str
    reference: str
    paid_on: date
    payout_fen: int
    share_bp: int = Field(description="The share in force on the payout day, basis points.")
    compensation_fen: int = Field(description="payout × share / 10000, rounded down to the fen.")
    rule_set_id: str
    rule_set_version: str
    account: str
    disbursement_id: str | None
    reported_by: str
    created_at: datetime


class GuaranteeFilters(BaseModel):
    """Filters of the guarantee list."""

    model_config = ConfigDict(extra="forbid")

    institution: str | None = Field(default=None, max_length=20)
    enterprise: str | None = Field(default=None, max_length=18)
