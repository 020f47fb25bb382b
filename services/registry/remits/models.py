"""The remit table: one row per department, the data the registry's services check."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from services.common.models import utc_column


class DepartmentRemit(SQLModel, table=True):
    """What one department (a department client's token `org`) may change and file."""

    __tablename__ = "department_remits"

    department: str = Field(primary_key=True, max_length=40)
    fields: list[str] = Field(sa_column=Column(JSON, nullable=False))
    records: list[str] = Field(sa_column=Column(JSON, nullable=False))
    version: int = 1
    updated_by: str = Field(max_length=80)
    updated_at: datetime = utc_column()
