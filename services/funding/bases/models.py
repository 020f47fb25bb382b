"""Demonstration bases: the five kinds with their standards, the bases, their KPIs and history."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

# A base's life: filed by its district → admitted or refused by the kind's responsible
# department; an admitted base exits (退出) by decision or after two failed year-end checks.
FILED, ADMITTED, REFUSED, EXITED = "filed", "admitted", "refused", "exited"
STATUSES = (FILED, ADMITTED, REFUSED, EXITED)
# How a base exited.
BY_DECISION, BY_FAILED_ACCEPTANCE = "decision", "failed_acceptance"


class BaseKind(SQLModel, table=True):
    """One of the five kinds of base: its responsible department and admission standards.

    `criteria` is the checklist a department assesses at admission (`[{code, text}]`, from the
    plan's 准入标准); `min_area_m2` an optional minimum incubation area (the plan sets none).
    """

    __tablename__ = "funding_base_kinds"

    code: str = Field(primary_key=True, max_length=40)
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=80)
    department: str = Field(max_length=40)
    criteria: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    min_area_m2: int | None = None
    version: int = 1
    updated_by: str = Field(max_length=80)
    updated_at: datetime = utc_column()


class Base(SQLModel, table=True):
    """A demonstration base a district filed; `department` is its kind's responsible one."""

    __tablename__ = "funding_bases"
    __table_args__ = (CheckConstraint("area_m2 > 0", name="ck_funding_bases_area"),)

    id: str = Field(primary_key=True, max_length=40)
    operator_uscc: str = Field(max_length=18, index=True)
    name: str = Field(max_length=200)
    district: str = Field(max_length=40, index=True)
    kind: str = Field(max_length=40, foreign_key="funding_base_kinds.code", index=True)
    area_m2: int
    opened_on: date
    status: str = Field(default=FILED, max_length=16, index=True)
    department: str = Field(max_length=40)
    # The decision on admission: the kind's standards version it was taken against, reasons.
    standards_version: int | None = None
    decision_reasons: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    decided_by: str | None = Field(default=None, max_length=80)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    admitted_on: date | None = None
    exited_on: date | None = None
    exit_kind: str | None = Field(default=None, max_length=20)
    exit_reason: str | None = Field(default=None, max_length=2000)
    filed_by: str = Field(max_length=80)
    version: int = 1
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class BaseKpi(SQLModel, table=True):
    """A base's yearly KPI report (one per base and year; a correction is its next version)."""

    __tablename__ = "funding_base_kpis"
    __table_args__ = (
        UniqueConstraint("base_id", "year", name="uq_funding_base_kpis_base_year"),
        CheckConstraint(
            "enterprises_incubated >= 0 AND jobs_created >= 0 AND private_money_fen >= 0 "
            "AND services_delivered >= 0",
            name="ck_funding_base_kpis_non_negative",
        ),
    )

    id: str = Field(primary_key=True, max_length=40)
    base_id: str = Field(max_length=40, foreign_key="funding_bases.id", index=True)
    year: int
    enterprises_incubated: int
    jobs_created: int
    private_money_fen: int = Field(sa_type=BigInteger)
    services_delivered: int
    version: int = 1
    reported_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class BaseChange(SQLModel, table=True):
    """One entry of a base's history: every change to it, its KPIs and its acceptance."""

    __tablename__ = "funding_base_changes"
    __table_args__ = (UniqueConstraint("base_id", "seq", name="uq_funding_base_changes_seq"),)

    id: str = Field(primary_key=True, max_length=40)
    base_id: str = Field(max_length=40, foreign_key="funding_bases.id", index=True)
    seq: int
    action: str = Field(max_length=30)
    status: str = Field(max_length=16)  # the base's status after the change
    details: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    actor: str = Field(max_length=80)
    actor_kind: str = Field(max_length=20)
    at: datetime = utc_column()
