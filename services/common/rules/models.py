"""The rule-set table a service keeps when it opts in: `service_metadata(..., RULE_MODELS, ...)`."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.common.models import UTCDateTime, utc_column

RULE_MODELS = __name__


class RuleSet(SQLModel, table=True):
    """One version of a family's rules: inputs, parameters and CEL rules, in force for a period.

    `definition` holds the checked form: `{"description", "inputs": {name: type},
    "parameters": {name: {"type", "value"}}, "rules": [{"name", "expression", "description",
    "type", "references"}]}`. Once `used_at` is set (a recorded evaluation used it) the row never
    changes again; a change is a new version.
    """

    __tablename__ = "rule_sets"
    __table_args__ = (UniqueConstraint("family", "version"),)

    id: str = Field(primary_key=True, max_length=40)
    family: str = Field(max_length=80)
    version: int
    effective_from: date = Field(sa_type=Date)
    effective_to: date | None = Field(default=None, sa_type=Date)  # the last day in force
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    revision: int = 1  # of an unused draft, for its ETag
    created_by: str = Field(max_length=80)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
