"""Ratings (history: a rating is never changed, a new one supersedes it) and batch runs.

The scorecard is the kernel rule family `credit.scorecard` (table `rule_sets`).
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"


class CreditRating(SQLModel, table=True):
    """One rating of one enterprise, valid from its computation until the next one."""

    __tablename__ = "credit_ratings"
    __table_args__ = (Index("ix_credit_ratings_uscc_valid_from", "uscc", "valid_from"),)

    id: str = Field(primary_key=True, max_length=40)
    uscc: str = Field(max_length=18, foreign_key="enterprise_replicas.uscc")
    score: int
    grade: str = Field(max_length=3)
    # [{name, input, points, record_ids}] in the scorecard's factor order, read from the
    # evaluation's trace (the `points_<factor>` rules and their companions).
    factors: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    # Up to four [{code, factor, points, record_ids}], most points lost first.
    reasons: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    # What the scorecard was given: {facts: {...}, records: [...]}; with the rule set it
    # reproduces the rating.
    inputs: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # The kernel rule set (family credit.scorecard) the rating was computed with.
    rule_set_id: str = Field(max_length=40, foreign_key="rule_sets.id")
    rule_set_version: int
    scored_on: date = Field(sa_type=Date)
    computed_at: datetime = Field(sa_type=UTCDateTime)
    valid_from: datetime = Field(sa_type=UTCDateTime)
    # Set once, when the next rating of the enterprise supersedes this one.
    valid_to: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A digest of what the rating says (score, grade, rule set, factors, reasons).
    fingerprint: str = Field(max_length=64)
    trigger: str = Field(max_length=80)
    run_id: str | None = Field(default=None, max_length=40)


class RatingRun(SQLModel, table=True):
    """A batch rating of all active enterprises or a list of them, claimed by one replica."""

    __tablename__ = "credit_rating_runs"

    id: str = Field(primary_key=True, max_length=40)
    status: str = Field(default=QUEUED, max_length=16)
    usccs: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    requested_by: str = Field(max_length=80)
    enterprises: int = 0
    rated: int = 0
    first_ratings: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = utc_column()
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
