"""Vouchers: the value issued to an enterprise, its balance guarded in the database."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, Index
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

ACTIVE, EXPIRED, VOID = "active", "expired", "void"


class Voucher(SQLModel, table=True):
    """A voucher; redemptions draw its balance down with a conditional update, never below 0."""

    __tablename__ = "vouchers"
    __table_args__ = (
        CheckConstraint(
            "balance_fen >= 0 AND balance_fen <= face_value_fen", name="ck_vouchers_balance"
        ),
        Index("ix_vouchers_uscc_programme", "uscc", "programme_id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    # ≥ 80 random bits in Crockford base32 with a check character (typos caught before lookup).
    code: str = Field(max_length=40, unique=True)
    programme_id: str = Field(max_length=40, foreign_key="voucher_programmes.id")
    application_id: str | None = Field(default=None, max_length=40)
    uscc: str = Field(max_length=18, foreign_key="voucher_enterprises.uscc")
    face_value_fen: int = Field(sa_type=BigInteger)
    balance_fen: int = Field(sa_type=BigInteger)
    issued_on: date = Field(sa_type=Date)
    expires_on: date = Field(sa_type=Date, index=True)
    status: str = Field(default=ACTIVE, max_length=16)
    version: int = 1
    issued_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    expired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    released_fen: int = Field(default=0, sa_type=BigInteger)


class EnterpriseYearUsage(SQLModel, table=True):
    """How much voucher value an enterprise got in one programme year (the per-enterprise cap)."""

    __tablename__ = "voucher_enterprise_usage"
    __table_args__ = (
        CheckConstraint(
            "issued_fen >= 0 AND issued_fen <= cap_fen", name="ck_voucher_enterprise_usage_cap"
        ),
    )

    uscc: str = Field(primary_key=True, max_length=18)
    programme_id: str = Field(primary_key=True, max_length=40)
    issued_fen: int = Field(default=0, sa_type=BigInteger)
    redeemed_fen: int = Field(default=0, sa_type=BigInteger)
    cap_fen: int = Field(sa_type=BigInteger)
