"""What a rating is computed from, read in bulk: counting records and soft facts per enterprise."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlmodel import Session, col

from services.credit.enterprises.models import ACTIVE as ENTERPRISE_ACTIVE
from services.credit.enterprises.models import EnterpriseReplica, IndicatorFiling
from services.credit.records.models import WITHDRAWN, CreditRecord

# Negative facts (and loans) stop counting this many years after they end.
NEGATIVE_YEARS: Final = 5
# Regular filing looks at the last three completed calendar years.
FILING_WINDOW: Final = 3
CHUNK: Final = 500


@dataclass(slots=True)
class EnterpriseInputs:
    """One enterprise's rating inputs on one day."""

    uscc: str
    founded_on: date
    records: list[dict[str, Any]] = field(default_factory=list)
    disputed: list[str] = field(default_factory=list)  # ids of counting-candidate disputed records
    employees_by_year: dict[int, int] = field(default_factory=dict)
    filing_years: set[int] = field(default_factory=set)

    def facts(self, day: date) -> dict[str, int | None]:
        """The soft facts the scorecard reads."""
        return {
            "years_in_operation": full_years(self.founded_on, day),
            "employment_growth_bp": employment_growth_bp(self.employees_by_year),
            "filing_years": len(
                {y for y in self.filing_years if day.year - FILING_WINDOW <= y < day.year}
            ),
        }


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February: the month's last)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def full_years(start: date, day: date) -> int:
    """Whole years from `start` to `day` (0 before the first anniversary, never negative)."""
    years = day.year - start.year - ((day.month, day.day) < (start.month, start.day))
    return max(0, years)


def employment_growth_bp(by_year: dict[int, int]) -> int | None:
    """Growth of employees from the year before the latest reported year to it, in basis points
    (rounded down); None without figures for two consecutive years or with none employed before."""
    if not by_year:
        return None
    latest = max(by_year)
    before = by_year.get(latest - 1)
    if not before:
        return None
    return (by_year[latest] - before) * 10_000 // before


def counts_on(
    *,
    polarity: str,
    status: str,
    occurred_on: date,
    ended_on: date | None,
    repaired_on: date | None,
    loan_status: str | None,
    day: date,
) -> bool:
    """Whether a record counts in a rating on `day` (the records domain's rule).

    Withdrawn records never count; a record counts from the day it occurred; a repaired record
    stops counting on its repair day. Adverse records (negative ones and overdue loans) count
    until five years after they end, the anniversary included; positive records while they
    last (before `ended_on`); other loan records always.
    """
    if status == WITHDRAWN or day < occurred_on:
        return False
    if repaired_on is not None and day >= repaired_on:
        return False
    if polarity == "negative" or (polarity == "loan" and loan_status == "overdue"):
        return ended_on is None or day <= add_years(ended_on, NEGATIVE_YEARS)
    if polarity == "positive" and ended_on is not None:
        return day < ended_on
    return True


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _enterprises(session: Session, usccs: Sequence[str] | None) -> dict[str, EnterpriseInputs]:
    base = select(EnterpriseReplica.uscc, EnterpriseReplica.founded_on).where(  # type: ignore[call-overload]
        col(EnterpriseReplica.status) == ENTERPRISE_ACTIVE
    )
    rows: Iterable[Any]
    if usccs is None:
        rows = session.execute(base.order_by(col(EnterpriseReplica.uscc))).all()
    else:
        rows = [
            row
            for chunk in _chunks(sorted(set(usccs)))
            for row in session.execute(base.where(col(EnterpriseReplica.uscc).in_(chunk))).all()
        ]
    return {uscc: EnterpriseInputs(uscc=uscc, founded_on=founded) for uscc, founded in rows}


def _scoped(statement: Any, column: Any, usccs: Sequence[str] | None) -> Iterator[Any]:
    if usccs is None:
        yield statement
    else:
        for chunk in _chunks(usccs):
            yield statement.where(column.in_(chunk))


def gather(
    session: Session, *, usccs: Sequence[str] | None, day: date, at: datetime
) -> dict[str, EnterpriseInputs]:
    """Inputs of the active enterprises (all, or those of `usccs`) on `day`, known at `at`.

    Three bulk reads, whatever the number of enterprises: the replica, the records that may
    count, the indicator filings of the years the scorecard reads.
    """
    found = _enterprises(session, usccs)
    scope = sorted(found) if usccs is not None else None
    records = select(  # type: ignore[call-overload]
        CreditRecord.id,
        CreditRecord.uscc,
        CreditRecord.type,
        CreditRecord.polarity,
        CreditRecord.loan_status,
        CreditRecord.source_kind,
        CreditRecord.status,
        CreditRecord.occurred_on,
        CreditRecord.ended_on,
        CreditRecord.repaired_on,
        CreditRecord.disputed,
    ).where(col(CreditRecord.status) != WITHDRAWN, col(CreditRecord.occurred_on) <= day)
    for statement in _scoped(records, col(CreditRecord.uscc), scope):
        for row in session.execute(statement):
            target = found.get(row.uscc)
            if target is None:
                continue
            if row.disputed:
                target.disputed.append(row.id)
                continue
            if counts_on(
                polarity=row.polarity,
                status=row.status,
                occurred_on=row.occurred_on,
                ended_on=row.ended_on,
                repaired_on=row.repaired_on,
                loan_status=row.loan_status,
                day=day,
            ):
                target.records.append(
                    {
                        "id": row.id,
                        "type": row.type,
                        "polarity": row.polarity,
                        "loan_status": row.loan_status,
                        "source_kind": row.source_kind,
                    }
                )
    filings = select(  # type: ignore[call-overload]
        IndicatorFiling.uscc,
        IndicatorFiling.year,
        IndicatorFiling.quarter,
        IndicatorFiling.employees,
        IndicatorFiling.effective,
        IndicatorFiling.reported_at,
    ).where(
        col(IndicatorFiling.reported_at) <= at,
        col(IndicatorFiling.year) >= day.year - FILING_WINDOW - 1,
        col(IndicatorFiling.year) <= day.year,
    )
    # Per enterprise and year: the annual figure, else the last quarter's; the latest filing wins.
    best: dict[tuple[str, int], tuple[int, datetime, int]] = {}
    for statement in _scoped(filings, col(IndicatorFiling.uscc), scope):
        for row in session.execute(statement):
            target = found.get(row.uscc)
            if target is None:
                continue
            target.filing_years.add(row.year)
            # The latest filing of a period carries the period's effective figures.
            employees = (row.effective or {}).get("employees", row.employees)
            if employees is None:
                continue
            rank = 5 if not row.quarter else row.quarter
            key = (row.uscc, row.year)
            held = best.get(key)
            if held is None or (rank, row.reported_at) > held[:2]:
                best[key] = (rank, row.reported_at, int(employees))
    by_enterprise: dict[str, dict[int, int]] = defaultdict(dict)
    for (uscc, year), (_rank, _at, employees) in best.items():
        by_enterprise[uscc][year] = employees
    for uscc, years in by_enterprise.items():
        found[uscc].employees_by_year = years
    for target in found.values():
        target.records.sort(key=lambda r: r["id"])
    return found
