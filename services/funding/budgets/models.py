"""A year's budget as loaded: the document it came from and the transfers that loaded it."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from services.common.models import utc_column


class Budget(SQLModel, table=True):
    """One year's budget; its money is in the ledger (sources → lines → sub-lines)."""

    __tablename__ = "funding_budgets"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    title: str = Field(max_length=200)
    total_fen: int = Field(sa_type=BigInteger)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    transfer_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    loaded_by: str = Field(max_length=80)
    loaded_at: datetime = utc_column()
