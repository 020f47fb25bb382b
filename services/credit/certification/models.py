"""诚信企业 rounds: candidates by the rules, a public notice, objections, the final list, titles."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

# Round stages, in order.
OPENED, CANDIDATES, NOTICE, FINAL = "opened", "candidates", "notice", "final"
# Candidate states.
CANDIDATE, REMOVED, CERTIFIED = "candidate", "removed", "certified"
# Objection states.
PENDING, UPHELD, DISMISSED = "pending", "upheld", "dismissed"
# Title states.
GRANTED, REVOKED = "granted", "revoked"
DEFAULT_RULE_SET = "rls_credit_certification_v1"


class CertificationRound(SQLModel, table=True):
    """One year's round, judged by one version of the `credit.certification` rules."""

    __tablename__ = "certification_rounds"

    id: str = Field(primary_key=True, max_length=40)
    year: int = Field(unique=True)
    rule_set_id: str = Field(max_length=40)
    rule_set_version: int
    stage: str = Field(default=OPENED, max_length=16)
    notice_from: date | None = Field(default=None, sa_type=Date)
    notice_until: date | None = Field(default=None, sa_type=Date)  # the last day of the notice
    computed_on: date | None = Field(default=None, sa_type=Date)
    opened_by: str = Field(max_length=80)
    opened_at: datetime = utc_column()
    finalised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1


class CertificationCandidate(SQLModel, table=True):
    """An enterprise the rules found eligible, with the trace as its reasons."""

    __tablename__ = "certification_candidates"
    __table_args__ = (UniqueConstraint("round_id", "uscc"),)

    id: str = Field(primary_key=True, max_length=40)
    round_id: str = Field(max_length=40, foreign_key="certification_rounds.id", index=True)
    uscc: str = Field(max_length=18)
    name: str = Field(max_length=200)
    status: str = Field(default=CANDIDATE, max_length=16)
    reasons: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    removed_because: str | None = Field(default=None, max_length=40)


class CertificationObjection(SQLModel, table=True):
    """An objection to a candidate during the notice, decided by the office."""

    __tablename__ = "certification_objections"

    id: str = Field(primary_key=True, max_length=40)
    round_id: str = Field(max_length=40, foreign_key="certification_rounds.id", index=True)
    uscc: str = Field(max_length=18)
    reason: str = Field(max_length=2000)
    filed_by: str = Field(max_length=80)
    filer_kind: str = Field(max_length=16)
    filed_at: datetime = utc_column()
    status: str = Field(default=PENDING, max_length=16)
    decision_note: str | None = Field(default=None, max_length=2000)
    decided_by: str | None = Field(default=None, max_length=80)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Certification(SQLModel, table=True):
    """The 诚信企业 title of one enterprise for one year; revoked by a serious record."""

    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("uscc", "year"),)

    id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, index=True)
    name: str = Field(max_length=200)
    year: int = Field(index=True)
    round_id: str = Field(max_length=40, foreign_key="certification_rounds.id")
    status: str = Field(default=GRANTED, max_length=16)
    granted_at: datetime = utc_column()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_because: str | None = Field(default=None, max_length=300)
