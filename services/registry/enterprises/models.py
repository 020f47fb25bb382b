"""Tables of the enterprise register: districts, industries, enterprises, their changes."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

ACTIVE, DEREGISTERED = "active", "deregistered"


class DistrictRow(SQLModel, table=True):
    """A district or zone, loaded by migration."""

    __tablename__ = "districts"

    code: str = Field(primary_key=True, max_length=40)
    name_zh: str = Field(max_length=40, unique=True)
    name_en: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    admin_code: str | None = Field(default=None, max_length=6)
    matching_city: int
    matching_district: int
    position: int


class IndustryRow(SQLModel, table=True):
    """A GB/T 4754-2017 section, division or group, loaded by migration."""

    __tablename__ = "industries"

    code: str = Field(primary_key=True, max_length=4)
    level: str = Field(max_length=10)
    section: str = Field(max_length=1)
    parent: str | None = Field(default=None, max_length=4)
    name_zh: str = Field(max_length=80)
    name_en: str = Field(max_length=200)


class Enterprise(SQLModel, table=True):
    """A filed small or micro enterprise, keyed by its unified social credit code."""

    __tablename__ = "enterprises"
    # (district, uscc): monitoring's per-district sums and district search in USCC order.
    __table_args__ = (Index("ix_enterprises_district_uscc", "district", "uscc"),)

    uscc: str = Field(primary_key=True, max_length=18)
    name: str = Field(max_length=200)
    district: str = Field(max_length=40, foreign_key="districts.code")
    industry: str = Field(max_length=4)
    industry_section: str = Field(max_length=1)
    industry_division: str = Field(max_length=2, index=True)
    founded_on: date = Field(sa_type=Date, index=True)
    registered_capital_fen: int = Field(sa_type=BigInteger)
    employees: int
    revenue_fen: int = Field(sa_type=BigInteger)
    assets_fen: int | None = Field(default=None, sa_type=BigInteger)
    size_class: str = Field(max_length=8)
    is_tech_sme: bool = False
    founder_graduated_on: date | None = Field(default=None, sa_type=Date)
    legal_rep_name: str = Field(max_length=100)
    legal_rep_id_hash: str = Field(max_length=64)
    legal_rep_id_masked: str = Field(max_length=18)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=254)
    status: str = Field(default=ACTIVE, max_length=16)
    deregistered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deregistration_reason: str | None = Field(default=None, max_length=500)
    version: int = 1
    filed_at: datetime = utc_column()
    filed_by: str = Field(max_length=80)
    updated_at: datetime = utc_column()
    import_id: str | None = Field(default=None, max_length=40)


class EnterpriseChange(SQLModel, table=True):
    """One change to an enterprise after filing: who, when, which fields."""

    __tablename__ = "enterprise_changes"
    __table_args__ = (UniqueConstraint("uscc", "version", name="uq_enterprise_changes_version"),)

    id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, foreign_key="enterprises.uscc")
    version: int
    action: str = Field(max_length=20)
    fields: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    actor: str = Field(max_length=80)
    actor_kind: str = Field(max_length=20)
    at: datetime = utc_column()
