"""Committed reward runs and their lines (a dry run stores nothing)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import utc_column


class RewardRun(SQLModel, table=True):
    """A committed run: one per year, budget line and rule-set version (a rerun is a conflict)."""

    __tablename__ = "funding_reward_runs"
    __table_args__ = (UniqueConstraint("year", "budget_line", "rule_set_version"),)

    id: str = Field(primary_key=True, max_length=40)
    year: int
    budget_line: str = Field(max_length=40)
    rule_set_id: str = Field(max_length=40)
    rule_set_family: str = Field(max_length=80)
    rule_set_version: int
    bases: int = 0
    computed_fen: int = Field(default=0, sa_type=BigInteger)
    awarded_fen: int = Field(default=0, sa_type=BigInteger)
    disbursements: int = 0
    # Per paying account: {account, balance_fen, computed_fen, awarded_fen, bases, scaled}.
    accounts: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()


class RewardLine(SQLModel, table=True):
    """One base's reward in a committed run, with the trace that explains it."""

    __tablename__ = "funding_reward_lines"
    __table_args__ = (UniqueConstraint("run_id", "base_id"),)

    id: str = Field(primary_key=True, max_length=40)
    run_id: str = Field(max_length=40, foreign_key="funding_reward_runs.id", index=True)
    base_id: str = Field(max_length=40)
    base_name: str = Field(max_length=200)
    operator_uscc: str = Field(max_length=18)
    district: str = Field(max_length=40)
    kind: str = Field(max_length=40)
    acceptance_id: str = Field(max_length=40)
    account: str = Field(max_length=120)
    inputs: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    computed_fen: int = Field(sa_type=BigInteger)
    awarded_fen: int = Field(sa_type=BigInteger)
    scaled: bool
    trace: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    disbursement_id: str | None = Field(default=None, max_length=40)
