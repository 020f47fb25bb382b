"""The list of enterprise fees (涉企收费清单) and new small firms' claims to have listed fees they
paid reimbursed."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column


class FeeItem(SQLModel, table=True):
    """One fee on the list: the item, the department that charges it, its legal basis.

    An item taken off the list (`listed` false) stays for the claims that cite it.
    """

    __tablename__ = "funding_fee_items"

    code: str = Field(primary_key=True, max_length=60)
    item: str = Field(max_length=200)
    department: str = Field(max_length=200)
    legal_basis: str = Field(max_length=1000)
    listed: bool = True
    version: int = 1
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class FeeClaim(SQLModel, table=True):
    """A listed fee a new small firm paid, reimbursed in full as a disbursement; one claim per
    enterprise, fee and receipt."""

    __tablename__ = "funding_fee_claims"
    __table_args__ = (
        UniqueConstraint("enterprise_uscc", "fee_code", "receipt_no"),
        CheckConstraint("amount_fen > 0", name="positive_amount"),
    )

    id: str = Field(primary_key=True, max_length=40)
    enterprise_uscc: str = Field(max_length=18, index=True)
    enterprise_name: str = Field(max_length=200)
    fee_code: str = Field(max_length=60, foreign_key="funding_fee_items.code")
    fee_item: str = Field(max_length=200)
    receipt_no: str = Field(max_length=64)
    paid_on: date = Field(sa_type=Date)
    amount_fen: int = Field(sa_type=BigInteger)
    account: str = Field(max_length=120)
    disbursement_id: str = Field(max_length=40)
    claimed_by: str = Field(max_length=80)
    actor: str | None = Field(default=None, max_length=80)
    created_at: datetime = utc_column()
