"""Year-end acceptance (验收): one result per base and year; its id is the acceptance reference."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

PASSED, FAILED = "passed", "failed"


class Acceptance(SQLModel, table=True):
    """A base's year-end result, recorded by its responsible department; never edited."""

    __tablename__ = "funding_acceptances"
    __table_args__ = (
        UniqueConstraint("base_id", "year", name="uq_funding_acceptances_base_year"),
        CheckConstraint("result IN ('passed', 'failed')", name="ck_funding_acceptances_result"),
        CheckConstraint("score >= 0 AND score <= 100", name="ck_funding_acceptances_score"),
    )

    id: str = Field(primary_key=True, max_length=40)
    base_id: str = Field(max_length=40, foreign_key="funding_bases.id", index=True)
    year: int = Field(index=True)
    result: str = Field(max_length=8)
    score: int
    findings: str = Field(max_length=4000)
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    department: str = Field(max_length=40)
    recorded_by: str = Field(max_length=80)
    recorded_at: datetime = utc_column()
