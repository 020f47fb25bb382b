"""Complaints and their history of transitions."""

from datetime import date, datetime

from sqlalchemy import Column, Date, Text
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column


class Complaint(SQLModel, table=True):
    """A complaint: who filed it (unless anonymous), where it went, its state and deadline."""

    __tablename__ = "complaints"

    id: str = Field(primary_key=True, max_length=40)
    ticket: str = Field(max_length=20, unique=True)
    access_code_hash: str = Field(max_length=64)
    complainant_uscc: str | None = Field(default=None, max_length=18, index=True)
    anonymous: bool = False
    filed_by: str = Field(max_length=80)
    filed_kind: str = Field(max_length=20)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=254)
    category: str = Field(max_length=40)
    complaint_class: str = Field(max_length=16)
    subject: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    department: str = Field(max_length=40, index=True)
    state: str = Field(max_length=20, index=True)
    received_on: date = Field(sa_type=Date)
    deadline: date = Field(sa_type=Date, index=True)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = 1
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class ComplaintEvent(SQLModel, table=True):
    """One step in a complaint's life: the action, the states, the department, who and when."""

    __tablename__ = "complaint_events"

    id: str = Field(primary_key=True, max_length=40)
    complaint_id: str = Field(max_length=40, foreign_key="complaints.id", index=True)
    action: str = Field(max_length=20)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str = Field(max_length=20)
    department: str = Field(max_length=40)
    note: str | None = Field(default=None, max_length=2000)
    actor: str = Field(max_length=80)
    actor_kind: str = Field(max_length=20)
    at: datetime = utc_column()
