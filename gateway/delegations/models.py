"""Tables of delegations: which portal may act for which enterprise, with which scopes."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column


class Delegation(SQLModel, table=True):
    """An enterprise's (or a recorded paper) authorization of a portal to act for it."""

    __tablename__ = "gateway_delegations"

    id: str = Field(primary_key=True, max_length=40)
    enterprise: str = Field(max_length=18, index=True)
    portal_id: str = Field(foreign_key="gateway_clients.id", index=True, max_length=40)
    scopes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # "filing": made by a portal's filing of a new enterprise, good for that filing only.
    purpose: str | None = Field(default=None, max_length=20)
    reference: str | None = Field(default=None, max_length=200)
    granted_by: str = Field(max_length=40)
    granted_by_kind: str = Field(max_length=20)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, max_length=40)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
