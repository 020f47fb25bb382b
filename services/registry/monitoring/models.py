"""Targets per year for the city and each district."""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from services.common.models import utc_column

CITY = "city"  # the `unit` of city-wide targets; districts use their code


class Target(SQLModel, table=True):
    """One unit's targets for one year; a null figure means the plan sets none."""

    __tablename__ = "targets"

    year: int = Field(primary_key=True)
    unit: str = Field(primary_key=True, max_length=40)
    revenue_fen: int | None = Field(default=None, sa_type=BigInteger)
    new_jobs: int | None = None
    tech_contract_turnover_fen: int | None = Field(default=None, sa_type=BigInteger)
    patents_held: int | None = None
    source: str = Field(max_length=16, description="plan (loaded by migration) or admin")
    version: int = 1
    updated_by: str = Field(max_length=80)
    updated_at: datetime = utc_column()
