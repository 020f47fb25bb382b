"""Credit records and indicator filings put straight in the tables, as their domains file them
(set-up for the domains that read them: ratings, certification)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from services.common.db import Database
from services.common.outbox import emit
from services.credit.enterprises.models import IndicatorFiling
from services.credit.records.models import CreditRecord

_ids: Iterator[int] = count(1)


def add_record(database: Database, uscc: str, type_: str, polarity: str, **fields: Any) -> str:
    """A record as the records domain files it, with its `record.added` event."""
    return add_records(database, uscc, type_, polarity, 1, **fields)[0]


def add_records(
    database: Database, uscc: str, type_: str, polarity: str, count: int, **fields: Any
) -> list[str]:
    """`count` records alike, filed in one transaction, each with its `record.added` event."""
    ids: list[str] = []
    with database.transaction() as session:
        for _ in range(count):
            number = next(_ids)
            values: dict[str, Any] = {
                "id": f"crr_test{number:06d}",
                "uscc": uscc,
                "type": type_,
                "polarity": polarity,
                "source": "tax_bureau",
                "source_kind": "bank" if polarity == "loan" else "department",
                "reference": f"REF-{number}",
                "occurred_on": date(2025, 1, 10),
                "title": type_,
                "filed_by": "tax_bureau",
                **fields,
            }
            session.add(CreditRecord(**values))
            session.flush()
            emit(session, "record.added", {"record_id": values["id"], "uscc": uscc, "type": type_})
            ids.append(str(values["id"]))
    return ids


def file_indicators(database: Database, uscc: str, employees: dict[int, int]) -> None:
    """A whole-year report of employees for each year, reported on 1 March of the next."""
    for year, people in employees.items():
        add_filing(database, uscc, year, people, reported_at=datetime(year + 1, 3, 1, tzinfo=UTC))


def add_filing(
    database: Database,
    uscc: str,
    year: int,
    employees: int | None,
    *,
    reported_at: datetime,
    quarter: int | None = None,
    effective: dict[str, Any] | None = None,
    report_id: str | None = None,
) -> None:
    """One indicator report of employees (a whole year's when `quarter` is None); `effective`
    the period's figures once it arrived (by default the ones it sent)."""
    if effective is None:
        effective = {"employees": employees} if employees is not None else {}
    with database.transaction() as session:
        session.add(
            IndicatorFiling(
                report_id=report_id or f"ind_test{next(_ids):06d}",
                uscc=uscc,
                year=year,
                quarter=quarter,
                source="statistics",
                employees=employees,
                effective=effective,
                reported_at=reported_at,
            )
        )
