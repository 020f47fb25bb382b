"""Guarantee institutions, the SME loan guarantees they register, and the payouts (代偿) the fund
compensates a share of."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column


class GuaranteeInstitution(SQLModel, table=True):
    """A financing guarantee institution (融资性担保机构) the office admits to the scheme.

    Its `code` is the `org` of its gateway client (kind `bank`: a financial institution holding
    `funding:loans`); compensation is paid to its `uscc`.
    """

    __tablename__ = "funding_guarantee_institutions"

    code: str = Field(primary_key=True, max_length=20)
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=18, unique=True)
    registered_by: str = Field(max_length=80)
    created_at: datetime = utc_column()


class Guarantee(SQLModel, table=True):
    """A guarantee of an SME loan; what has been paid out under it never exceeds what it
    guarantees (a CHECK the payout's conditional UPDATE runs into)."""

    __tablename__ = "funding_guarantees"
    __table_args__ = (
        UniqueConstraint("institution_code", "loan_ref"),
        CheckConstraint("principal_fen > 0", name="positive_principal"),
        CheckConstraint(
            "guaranteed_fen > 0 AND guaranteed_fen <= principal_fen", name="guaranteed_in_principal"
        ),
        CheckConstraint(
            "paid_out_fen >= 0 AND paid_out_fen <= guaranteed_fen", name="paid_out_in_guarantee"
        ),
        CheckConstraint("ends_on > starts_on", name="ends_after_start"),
    )

    id: str = Field(primary_key=True, max_length=40)
    institution_code: str = Field(max_length=20, index=True)
    enterprise_uscc: str = Field(max_length=18, index=True)
    enterprise_name: str = Field(max_length=200)
    lender: str = Field(max_length=200)
    loan_ref: str = Field(max_length=64)
    principal_fen: int = Field(sa_type=BigInteger)
    guaranteed_fen: int = Field(sa_type=BigInteger)
    starts_on: date = Field(sa_type=Date)
    ends_on: date = Field(sa_type=Date)
    paid_out_fen: int = Field(default=0, sa_type=BigInteger)
    compensated_fen: int = Field(default=0, sa_type=BigInteger)
    registered_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class GuaranteePayout(SQLModel, table=True):
    """A payout (代偿) the institution made to the lender, and the fund's compensation of it."""

    __tablename__ = "funding_guarantee_payouts"
    __table_args__ = (
        UniqueConstraint("institution_code", "reference"),
        CheckConstraint("payout_fen > 0", name="positive_payout"),
        CheckConstraint("share_bp BETWEEN 0 AND 10000", name="share_in_range"),
        CheckConstraint("compensation_fen >= 0", name="compensation_not_negative"),
    )

    id: str = Field(primary_key=True, max_length=40)
    guarantee_id: str = Field(max_length=40, foreign_key="funding_guarantees.id", index=True)
    institution_code: str = Field(max_length=20)
    reference: str = Field(max_length=64)
    paid_on: date = Field(sa_type=Date)
    payout_fen: int = Field(sa_type=BigInteger)
    share_bp: int
    compensation_fen: int = Field(sa_type=BigInteger)
    rule_set_id: str = Field(max_length=40)
    rule_set_version: str = Field(max_length=80)
    account: str = Field(max_length=120)
    disbursement_id: str | None = Field(default=None, max_length=40)
    reported_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
