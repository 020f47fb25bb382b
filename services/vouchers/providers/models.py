"""Service providers: universities, institutes, labs and firms that redeem vouchers."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

APPLIED, APPROVED, SUSPENDED, REMOVED, REFUSED = (
    "applied",
    "approved",
    "suspended",
    "removed",
    "refused",
)


class Provider(SQLModel, table=True):
    """A provider; its gateway client carries `id` as its org, so redemptions are its own."""

    __tablename__ = "voucher_providers"

    id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)  # university / institute / lab / firm
    district: str | None = Field(default=None, max_length=40)
    categories: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # The keyed hash of its legal representative's ID number, for the related-party check.
    legal_rep_id_hash: str | None = Field(default=None, max_length=64, index=True)
    status: str = Field(default=APPLIED, max_length=16)
    status_reason: str | None = Field(default=None, max_length=1000)
    version: int = 1
    applied_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class ProviderService(SQLModel, table=True):
    """One entry of a provider's catalogue."""

    __tablename__ = "voucher_provider_services"

    id: str = Field(primary_key=True, max_length=40)
    provider_id: str = Field(max_length=40, foreign_key="voucher_providers.id", index=True)
    category: str = Field(max_length=40)
    title: str = Field(max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    price_fen: int | None = Field(default=None, sa_type=BigInteger)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
