"""What a rating is computed from, read in bulk: counting records and soft facts per enterprise."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import orjson
from sqlalchemy import Text, cast, select
from sqlmodel import Session

from services.credit.enterprises.models import ACTIVE as ENTERPRISE_ACTIVE
from services.credit.enterprises.models import EnterpriseReplica, IndicatorFiling
from services.credit.records.models import WITHDRAWN, CreditRecord
from services.credit.records.rules import Polarity, counts_on
from services.credit.rulesets.families import POLARITY_KINDS, RECORD_KINDS

# Regular filing looks at the last three completed calendar years.
FILING_WINDOW: Final = 3
CHUNK: Final = 500


@dataclass(slots=True)
class EnterpriseInputs:
    """One enterprise's rating inputs on one day."""

    uscc: str
    founded_on: date
    employees: int
    is_tech_sme: bool
    size_class: str
    industry: str
    district: str
    records: list[dict[str, Any]] = field(default_factory=list)
    disputed: list[str] = field(default_factory=list)  # ids of counting-candidate disputed records
    employees_by_year: dict[int, int] = field(default_factory=dict)
    filing_years: set[int] = field(default_factory=set)

    def facts(self, day: date) -> dict[str, int | None]:
        """The soft facts (stored with the rating; null: unknown)."""
        return {
            "years_in_operation": full_years(self.founded_on, day),
            "employment_growth_bp": employment_growth_bp(self.employees_by_year),
            "filing_years": len(
                {y for y in self.filing_years if day.year - FILING_WINDOW <= y < day.year}
            ),
        }


def kind_of(record: dict[str, Any]) -> str:
    """The record's kind as the scorecard counts it: `<status>_loans` for a loan, else
    `<type>_records` (the names of the family's count inputs, `RECORD_KINDS`)."""
    if record["polarity"] == Polarity.LOAN:
        return f"{record['loan_status'] or ''}_loans"
    return f"{record['type']}_records"


# The polarity totals a record also counts in (a loan in none).
_POLARITY_KIND: Final = {
    Polarity.NEGATIVE: "negative_records",
    Polarity.POSITIVE: "positive_records",
}


def records_by_kind(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The ids of `records` (sorted by id) by kind, and by polarity (`negative_records`,
    `positive_records`): what a scorecard's `records_<factor>` rule names."""
    found: dict[str, list[str]] = defaultdict(list)
    for record in records:
        found[kind_of(record)].append(record["id"])
        by_polarity = _POLARITY_KIND.get(record["polarity"])
        if by_polarity is not None:
            found[by_polarity].append(record["id"])
    return found


_NO_RECORDS: Final = dict.fromkeys((*RECORD_KINDS, *POLARITY_KINDS), 0)


def rule_inputs(
    given: EnterpriseInputs, facts: dict[str, int | None], records: list[dict[str, Any]]
) -> dict[str, Any]:
    """The inputs of the scorecard family (`credit.scorecard`) for one enterprise.

    `records` are the counting ones (with disputed records frozen in), given to the scorecard
    as counts by kind and by polarity (plain ints: a batch evaluates each distinct combination
    once); the kernel's types have no null, so an unknown employment growth is 0 with
    `employment_known` false.
    """
    growth = facts["employment_growth_bp"]
    values: dict[str, Any] = dict(_NO_RECORDS)
    for record in records:
        kind = kind_of(record)
        if kind in values:
            values[kind] += 1
        by_polarity = _POLARITY_KIND.get(record["polarity"])
        if by_polarity is not None:
            values[by_polarity] += 1
    values.update(
        years_operating=facts["years_in_operation"],
        employment_growth_bp=growth if growth is not None else 0,
        employment_known=growth is not None,
        filing_years=facts["filing_years"],
        employees=given.employees,
        is_tech_sme=given.is_tech_sme,
        size_class=given.size_class,
        industry=given.industry,
        district=given.district,
        disputed_records=len(given.disputed),
    )
    return values


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


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _enterprises(session: Session, usccs: Sequence[str] | None) -> dict[str, EnterpriseInputs]:
    table = EnterpriseReplica.__table__.c  # type: ignore[attr-defined]
    base = select(
        table.uscc,
        table.founded_on,
        table.employees,
        table.is_tech_sme,
        table.size_class,
        table.industry,
        table.district,
    ).where(table.status == ENTERPRISE_ACTIVE)
    rows: Iterable[Any]
    if usccs is None:
        rows = session.execute(base.order_by(table.uscc)).all()
    else:
        rows = [
            row
            for chunk in _chunks(sorted(set(usccs)))
            for row in session.execute(base.where(table.uscc.in_(chunk))).all()
        ]
    return {
        uscc: EnterpriseInputs(
            uscc=uscc,
            founded_on=founded_on,
            employees=employees,
            is_tech_sme=is_tech_sme,
            size_class=size_class,
            industry=industry,
            district=district,
        )
        for uscc, founded_on, employees, is_tech_sme, size_class, industry, district in rows
    }


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
    # Core columns (no ORM loading): tens of thousands of rows per table.
    record = CreditRecord.__table__.c  # type: ignore[attr-defined]
    records = select(
        record.id,
        record.uscc,
        record.type,
        record.polarity,
        record.loan_status,
        record.source_kind,
        record.status,
        record.occurred_on,
        record.ended_on,
        record.repaired_on,
        record.disputed,
    ).where(record.status != WITHDRAWN, record.occurred_on <= day)
    for statement in _scoped(records, record.uscc, scope):
        for row in session.execute(statement):
            target = found.get(row.uscc)
            if target is None:
                continue
            if row.disputed:
                target.disputed.append(row.id)
                continue
            if counts_on(row, day):
                target.records.append(
                    {
                        "id": row.id,
                        "type": row.type,
                        "polarity": row.polarity,
                        "loan_status": row.loan_status,
                        "source_kind": row.source_kind,
                    }
                )
    filing = IndicatorFiling.__table__.c  # type: ignore[attr-defined]
    filings = select(
        filing.uscc,
        filing.year,
        filing.quarter,
        filing.employees,
        # As text, parsed here (orjson): much cheaper than the JSON type's parse per row.
        cast(filing.effective, Text),
        filing.reported_at,
        filing.report_id,
    ).where(
        filing.reported_at <= at,
        filing.year >= day.year - FILING_WINDOW - 1,
        filing.year <= day.year,
    )
    # Per enterprise and year: the annual figure, else the last quarter's; the latest filing wins
    # (of two reported at one instant, the higher report id: never the database's read order).
    best: dict[tuple[str, int], tuple[int, datetime, str, int]] = {}
    for statement in _scoped(filings, filing.uscc, scope):
        for uscc, year, quarter, figure, effective, reported_at, report_id in session.execute(
            statement
        ):
            target = found.get(uscc)
            if target is None:
                continue
            target.filing_years.add(year)
            # The latest filing of a period carries the period's effective figures.
            parsed = orjson.loads(effective)  # the column is NOT NULL: at least '{}' or 'null'
            employees = (parsed or {}).get("employees", figure)
            if employees is None:
                continue
            rank = quarter or 5  # the annual figure ranks above any quarter's
            key = (uscc, year)
            held = best.get(key)
            if held is None or (rank, reported_at, report_id) > held[:3]:
                best[key] = (rank, reported_at, report_id, int(employees))
    by_enterprise: dict[str, dict[int, int]] = defaultdict(dict)
    for (uscc, year), (_rank, _at, _report, employees) in best.items():
        by_enterprise[uscc][year] = employees
    for uscc, years in by_enterprise.items():
        found[uscc].employees_by_year = years
    for target in found.values():
        target.records.sort(key=lambda r: r["id"])
    return found
