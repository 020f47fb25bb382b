"""Tables of the gateway's own database: partner clients and their API keys."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column


class Client(SQLModel, table=True):
    """A partner application calling through the gateway."""

    __tablename__ = "gateway_clients"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20, index=True)
    org: str | None = Field(default=None, max_length=64)
    scopes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    rate_limits: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    status: str = Field(default="active", max_length=16, index=True)
    secret_hash: str | None = Field(default=None, max_length=255)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class ApiKey(SQLModel, table=True):
    """One API key of a client; only its SHA-256 is stored."""

    __tablename__ = "gateway_api_keys"

    id: str = Field(primary_key=True, max_length=40)
    client_id: str = Field(foreign_key="gateway_clients.id", index=True, max_length=40)
    label: str | None = Field(default=None, max_length=100)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_column()
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
