"""Tables the kernel keeps in every service's database: outbox, idempotency, consumer state.

Also the naming convention of every table's constraints, and each service's own metadata.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Dialect, Integer, MetaData, Table, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel
from sqlmodel.main import default_registry

from services.common.clock import as_utc, utcnow

# PostgreSQL's own names for unnamed constraints, so databases migrated before the convention
# already carry them; indexes keep SQLAlchemy's `ix_<table>_<column>`. A check constraint is
# named where it is declared.
NAMING_CONVENTION: Mapping[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}
# Before any table is declared: names are given when a constraint joins its table.
SQLModel.metadata.naming_convention = dict(NAMING_CONVENTION)


SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")
KERNEL_MODELS = __name__


def service_metadata(*packages: str) -> MetaData:
    """A MetaData of its own holding the tables of the models defined in `packages` (imported).

    Every model shares `SQLModel.metadata` in one process; a service's migrations and its drift
    test need only that service's tables (and the kernel's, passing `KERNEL_MODELS`).
    """
    metadata = MetaData(naming_convention=dict(NAMING_CONVENTION))
    for mapper in default_registry.mappers:
        module = mapper.class_.__module__
        if any(module == package or module.startswith(f"{package}.") for package in packages):
            table = mapper.local_table
            assert isinstance(table, Table), table
            table.to_metadata(metadata)
    return metadata


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return as_utc(value)


def utc_column(**kwargs: Any) -> Any:
    """A timezone-aware timestamp column, defaulting to now."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class OutboxEvent(SQLModel, table=True):
    """An event written in the same transaction as the change it reports."""

    __tablename__ = "outbox_events"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(
        default=None, sa_column=Column(SEQ_TYPE, primary_key=True, autoincrement=True)
    )
    id: str = Field(max_length=40, unique=True)
    type: str = Field(max_length=80)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    occurred_at: datetime = utc_column()


class IdempotencyRecord(SQLModel, table=True):
    """A POST's first outcome under one client's `Idempotency-Key`."""

    __tablename__ = "idempotency_records"

    client_id: str = Field(primary_key=True, max_length=80)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    state: str = Field(max_length=16, description="in_progress or done")
    status_code: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text))
    response_headers: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = utc_column()


class ConsumerCursor(SQLModel, table=True):
    """How far one consumer has read one feed."""

    __tablename__ = "consumer_cursors"

    consumer: str = Field(primary_key=True, max_length=80)
    position: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime = utc_column()


class ProcessedEvent(SQLModel, table=True):
    """An event a consumer has applied, so a redelivery is ignored."""

    __tablename__ = "processed_events"

    consumer: str = Field(primary_key=True, max_length=80)
    event_id: str = Field(primary_key=True, max_length=40)
    processed_at: datetime = utc_column()
