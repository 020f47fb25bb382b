"""Objections (异议) to credit records, their 20-day clock, and enterprises' statements.

An objection marks its record disputed in the same transaction (every report shows it at once)
and announces `record.disputed`; the rating decides what a disputed record weighs. The record's
source department answers in writing within 20 calendar days — 征信业管理条例 art. 25 counts
"20日", calendar days (the regulation says 工作日 where it means working days) — from the
Asia/Shanghai day the objection was opened. The answer corrects the record (a new version),
upholds it or withdraws it; the record is then no longer disputed (`record.undisputed`).
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import and_, not_, select, update
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.errors import DomainError, ForbiddenClientKind, Unprocessable
from services.common.etag import Precondition, etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.credit.objections.errors import (
    CorrectionsNotAllowed,
    CorrectionsRequired,
    NotTheRecordSource,
    ObjectionAlreadyResolved,
    ObjectionNotFound,
    ObjectionRecordNotFound,
    RecordAlreadyDisputed,
    RecordNotDisputable,
)
from services.credit.objections.models import (
    CORRECTED,
    OPEN,
    RESOLVED,
    WITHDRAWN,
    CreditObjection,
    CreditStatement,
)
from services.credit.objections.schemas import (
    CreditStatementCreate,
    CreditStatementPublic,
    ObjectionCreate,
    ObjectionFilters,
    ObjectionOutcome,
    ObjectionPublic,
    ObjectionResolutionCreate,
    ObjectionStatus,
)
from services.credit.records import service as records_service
from services.credit.records.errors import NothingToCorrect
from services.credit.records.models import ACTIVE, CreditRecord
from services.credit.records.schemas import CreditRecordUpdate, CreditRecordWithdrawalCreate

DEADLINE_DAYS: Final = 20
PARTIES: Final = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})
# The kinds of a record's source: a department, or a bank for its loan records. The source
# answers objections to its records and sees them.
SOURCES: Final = frozenset({ClientKind.DEPARTMENT, ClientKind.BANK})
_OBJECTIONS: Final = CreditObjection.__table__  # type: ignore[attr-defined]
_RECORDS: Final = CreditRecord.__table__  # type: ignore[attr-defined]


def today() -> date:
    """Today in Asia/Shanghai, by the service's clock."""
    return shanghai_date(utcnow())


def deadline_for(opened_at: datetime) -> date:
    """The last day to answer an objection opened at `opened_at`: 20 calendar days later."""
    return shanghai_date(opened_at) + timedelta(days=DEADLINE_DAYS)


def is_overdue(objection: CreditObjection, on: date) -> bool:
    """Still open after its deadline."""
    return objection.status == OPEN and on > objection.deadline


def etag(objection: CreditObjection) -> str:
    """The ETag of an objection's current version."""
    return etag_of(objection.id, objection.version)


def to_public(objection: CreditObjection, *, on: date | None = None) -> ObjectionPublic:
    """The API view of an objection."""
    return ObjectionPublic(
        id=objection.id,
        record_id=objection.record_id,
        uscc=objection.uscc,
        source=objection.source,
        reason=objection.reason,
        evidence_urls=list(objection.evidence_urls),
        status=ObjectionStatus(objection.status),
        opened_by=objection.opened_by,
        actor=objection.actor,
        opened_at=as_utc(objection.opened_at),
        deadline=objection.deadline,
        overdue=is_overdue(objection, on or today()),
        overdue_marked_at=as_utc(objection.overdue_marked_at),
        outcome=ObjectionOutcome(objection.outcome) if objection.outcome else None,
        answer=objection.answer,
        corrections=objection.corrections,
        record_version=objection.record_version,
        resolved_by=objection.resolved_by,
        resolved_at=as_utc(objection.resolved_at),
        version=objection.version,
    )


def _may_see(client: Principal, objection: CreditObjection) -> bool:
    if client.kind == ClientKind.ADMIN:
        return True
    if client.kind in SOURCES:
        return client.org == objection.source
    if client.kind in PARTIES:
        return client.org == objection.uscc
    return False


def _record_of_party(session: Session, client: Principal, record_id: str) -> CreditRecord:
    """The record, if it is about the enterprise the caller acts for (else 404)."""
    record = session.get(CreditRecord, record_id)
    if record is None or client.org is None or record.uscc != client.org:
        raise ObjectionRecordNotFound.for_field(
            "body.record_id", f"No credit record '{record_id}' about your enterprise."
        )
    return record


def _record_event(record: CreditRecord, **extra: Any) -> dict[str, Any]:
    return {
        "record_id": record.id,
        "uscc": record.uscc,
        "type": record.type,
        "polarity": record.polarity,
        "source": record.source,
        "version": record.version,
        **extra,
    }


def open_objection(
    *, session: Session, client: Principal, data: ObjectionCreate
) -> CreditObjection:
    """Open an objection; the record is disputed in the same transaction (not committed)."""
    if client.kind not in PARTIES:
        raise ForbiddenClientKind(f"Clients of kind '{client.kind}' may not open objections.")
    record = _record_of_party(session, client, data.record_id)
    if record.status != ACTIVE:
        raise RecordNotDisputable(f"Record '{record.id}' is {record.status}: nothing to dispute.")
    now = utcnow()
    # The flag is the guard: of two objections racing for one record, one flips it.
    flipped = session.execute(
        update(_RECORDS)
        .where(_RECORDS.c.id == record.id)
        .where(_RECORDS.c.status == ACTIVE)
        .where(_RECORDS.c.disputed.is_(False))
        .values(disputed=True, updated_at=now)
    )
    if flipped.rowcount != 1:  # type: ignore[attr-defined]
        raise RecordAlreadyDisputed(f"Record '{record.id}' already has an open objection.")
    session.refresh(record)
    objection = CreditObjection(
        id=new_id("obj"),
        record_id=record.id,
        uscc=record.uscc,
        source=record.source,
        reason=data.reason,
        evidence_urls=[str(url) for url in data.evidence_urls],
        opened_by=client.client_id,
        actor=client.actor,
        opened_at=now,
        deadline=deadline_for(now),
        updated_at=now,
    )
    session.add(objection)
    session.flush()
    emit(
        session,
        "objection.opened",
        {
            "objection_id": objection.id,
            "record_id": record.id,
            "uscc": record.uscc,
            "source": record.source,
            "deadline": objection.deadline.isoformat(),
        },
        actor=client.actor,
    )
    emit(
        session,
        "record.disputed",
        _record_event(record, objection_id=objection.id),
        actor=client.actor,
    )
    return objection


def get_objection(*, session: Session, client: Principal, objection_id: str) -> CreditObjection:
    """One objection the caller may see (404 otherwise)."""
    objection = session.get(CreditObjection, objection_id)
    if objection is None or not _may_see(client, objection):
        raise ObjectionNotFound(f"No objection '{objection_id}' that you may see.")
    return objection


def list_objections(
    *,
    session: Session,
    client: Principal,
    filters: ObjectionFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[ObjectionPublic], str | None]:
    """The objections the caller may see, oldest first: its own, against its records, or all."""
    statement = select(CreditObjection)
    if client.kind in SOURCES:
        statement = statement.where(col(CreditObjection.source) == client.org)
    elif client.kind in PARTIES:
        statement = statement.where(col(CreditObjection.uscc) == client.org)
    elif client.kind != ClientKind.ADMIN:
        raise ForbiddenClientKind(f"Clients of kind '{client.kind}' may not list objections.")
    on = today()
    late = and_(col(CreditObjection.status) == OPEN, col(CreditObjection.deadline) < on)
    if filters.overdue is True:
        statement = statement.where(late)
    elif filters.overdue is False:
        statement = statement.where(not_(late))
    if filters.status is not None:
        statement = statement.where(col(CreditObjection.status) == filters.status.value)
    if filters.record_id is not None:
        statement = statement.where(col(CreditObjection.record_id) == filters.record_id)
    rows = (
        session.execute(paginate(statement, keys=[_OBJECTIONS.c.id], limit=limit, cursor=cursor))
        .scalars()
        .all()
    )
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda row: [row.id])
    return [to_public(row, on=on) for row in kept], next_cursor


def _corrections(data: ObjectionResolutionCreate) -> CreditRecordUpdate | None:
    """The correction a `corrected` answer makes, as the records domain takes it."""
    if data.outcome != ObjectionOutcome.CORRECTED:
        if data.corrections is not None:
            raise CorrectionsNotAllowed.for_field(
                "body.corrections", "Only a `corrected` answer carries corrected fields."
            )
        return None
    if data.corrections is None:
        raise CorrectionsRequired.for_field(
            "body.corrections", "A `corrected` answer names the corrected fields."
        )
    given = data.corrections.model_dump(exclude_unset=True)
    return CreditRecordUpdate(**given, reason=_answer_reason(data.answer))


def _answer_reason(answer: str) -> str:
    return answer if len(answer) <= 1000 else answer[:999] + "…"


def _as_corrections_problem(exc: DomainError) -> DomainError:
    """A records-domain refusal of the correction, naming the fields under `body.corrections`."""
    exc.errors = [
        error.model_copy(update={"field": "body.corrections" + error.field.removeprefix("body")})
        for error in exc.errors
    ]
    return exc


def resolve_objection(
    *,
    session: Session,
    client: Principal,
    objection_id: str,
    data: ObjectionResolutionCreate,
    precondition: Precondition,
) -> CreditObjection:
    """The source's written answer: correct, uphold or withdraw the record; it is undisputed.

    Corrections and withdrawals go through the records domain (a new record version,
    `record.corrected` / `record.withdrawn`, list changes), as the source's own would.
    """
    objection = session.get(CreditObjection, objection_id)
    if objection is None or not _may_see(client, objection):
        raise ObjectionNotFound(f"No objection '{objection_id}' that you may see.")
    record = session.get(CreditRecord, objection.record_id)
    assert record is not None  # a foreign key
    if client.org != objection.source or client.kind != record.source_kind:
        raise NotTheRecordSource(
            f"Only the record's source '{objection.source}' answers this objection."
        )
    precondition(etag(objection))
    if objection.status != OPEN:
        raise ObjectionAlreadyResolved(f"Objection '{objection.id}' was answered already.")
    correction = _corrections(data)
    now = utcnow()
    # Of two answers racing, one finds the objection open.
    claimed = session.execute(
        update(_OBJECTIONS)
        .where(_OBJECTIONS.c.id == objection.id)
        .where(_OBJECTIONS.c.status == OPEN)
        .where(_OBJECTIONS.c.version == objection.version)
        .values(status=RESOLVED, version=objection.version + 1, updated_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ObjectionAlreadyResolved(f"Objection '{objection.id}' was answered already.")
    session.refresh(objection)
    outcome = data.outcome.value
    unchecked = Precondition(None, required=False)  # the objection's ETag was checked
    changed: list[str] = []
    if correction is not None:
        fields = correction.model_fields_set - {"reason"}
        before = {name: getattr(record, name) for name in fields}
        try:
            record = records_service.correct_record(
                session=session,
                client=client,
                record_id=record.id,
                changes=correction,
                precondition=unchecked,
            )
        except (Unprocessable, NothingToCorrect) as exc:
            raise _as_corrections_problem(exc) from exc
        changed = sorted(name for name in fields if getattr(record, name) != before[name])
    elif outcome == WITHDRAWN:
        record = records_service.withdraw_record(
            session=session,
            client=client,
            record_id=record.id,
            data=CreditRecordWithdrawalCreate(reason=_answer_reason(data.answer)),
            precondition=unchecked,
        )
    session.execute(
        update(_RECORDS).where(_RECORDS.c.id == record.id).values(disputed=False, updated_at=now)
    )
    session.refresh(record)
    objection.outcome = outcome
    objection.answer = data.answer
    objection.corrections = (
        {name: _jsonable(getattr(record, name)) for name in changed}
        if outcome == CORRECTED
        else None
    )
    objection.record_version = record.version
    objection.resolved_by = client.client_id
    objection.resolved_at = now
    session.add(objection)
    session.flush()
    emit(
        session,
        "objection.resolved",
        {
            "objection_id": objection.id,
            "record_id": record.id,
            "uscc": record.uscc,
            "source": objection.source,
            "outcome": outcome,
            "record_version": record.version,
            "on_time": shanghai_date(now) <= objection.deadline,
        },
    )
    emit(
        session,
        "record.undisputed",
        _record_event(record, objection_id=objection.id, outcome=outcome),
    )
    return objection


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def mark_overdue(*, session: Session, now: datetime | None = None, limit: int = 500) -> list[str]:
    """The objection clock: announce each open objection past its deadline once.

    Safe with any number of replicas running it: rows are taken `FOR UPDATE SKIP LOCKED` on
    PostgreSQL, and each is marked by a conditional update, so only the run that marks an
    objection emits its `objection.overdue`.
    """
    moment = now or utcnow()
    on = shanghai_date(moment)
    candidates = (
        select(CreditObjection.id)  # type: ignore[call-overload]
        .where(col(CreditObjection.status) == OPEN)
        .where(col(CreditObjection.deadline) < on)
        .where(col(CreditObjection.overdue_marked_at).is_(None))
        .order_by(col(CreditObjection.deadline), col(CreditObjection.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    marked: list[str] = []
    for objection_id in session.execute(candidates).scalars().all():
        won = session.execute(
            update(_OBJECTIONS)
            .where(_OBJECTIONS.c.id == objection_id)
            .where(_OBJECTIONS.c.status == OPEN)
            .where(_OBJECTIONS.c.overdue_marked_at.is_(None))
            .values(overdue_marked_at=moment)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue
        objection = session.get(CreditObjection, objection_id)
        assert objection is not None
        session.refresh(objection)
        emit(
            session,
            "objection.overdue",
            {
                "objection_id": objection.id,
                "record_id": objection.record_id,
                "uscc": objection.uscc,
                "source": objection.source,
                "deadline": objection.deadline.isoformat(),
                "days_late": (on - objection.deadline).days,
            },
        )
        marked.append(objection.id)
    return marked


def _statement_public(row: CreditStatement) -> CreditStatementPublic:
    return CreditStatementPublic(
        id=row.id,
        record_id=row.record_id,
        uscc=row.uscc,
        text=row.text,
        filed_by=row.filed_by,
        actor=row.actor,
        filed_at=as_utc(row.filed_at),
    )


def add_statement(
    *, session: Session, client: Principal, record_id: str, data: CreditStatementCreate
) -> CreditStatementPublic:
    """Attach the enterprise's statement to a record about it; reports show it with the record."""
    if client.kind not in PARTIES:
        raise ForbiddenClientKind(f"Clients of kind '{client.kind}' may not file statements.")
    record = session.get(CreditRecord, record_id)
    if record is None or record.uscc != client.org:
        raise ObjectionRecordNotFound(f"No credit record '{record_id}' about your enterprise.")
    row = CreditStatement(
        id=new_id("stm"),
        record_id=record.id,
        uscc=record.uscc,
        text=data.text,
        filed_by=client.client_id,
        actor=client.actor,
    )
    session.add(row)
    session.flush()
    emit(
        session,
        "statement.added",
        {"statement_id": row.id, "record_id": record.id, "uscc": record.uscc},
        actor=client.actor,
    )
    return _statement_public(row)


def list_statements(
    *, session: Session, client: Principal, record_id: str
) -> list[CreditStatementPublic]:
    """A record's statements, for its enterprise, its source department and the office."""
    record = session.get(CreditRecord, record_id)
    visible = record is not None and (
        client.kind == ClientKind.ADMIN
        or (client.kind in SOURCES and client.org == record.source)
        or (client.kind in PARTIES and client.org == record.uscc)
    )
    if not visible:
        raise ObjectionRecordNotFound(f"No credit record '{record_id}' that you may see.")
    return statements_of(session=session, record_ids=[record_id]).get(record_id, [])


def statements_of(
    *, session: Session, record_ids: Sequence[str]
) -> dict[str, list[CreditStatementPublic]]:
    """The statements on each of `record_ids`, oldest first (for reports: no caller check)."""
    if not record_ids:
        return {}
    rows = (
        session.execute(
            select(CreditStatement)
            .where(col(CreditStatement.record_id).in_(list(record_ids)))
            .order_by(col(CreditStatement.filed_at), col(CreditStatement.id))
        )
        .scalars()
        .all()
    )
    found: dict[str, list[CreditStatementPublic]] = {}
    for row in rows:
        found.setdefault(row.record_id, []).append(_statement_public(row))
    return found


def open_objections_of(*, session: Session, record_ids: Sequence[str]) -> dict[str, str]:
    """Record id → its open objection's id (for reports showing why a record is disputed)."""
    if not record_ids:
        return {}
    rows = session.execute(
        select(CreditObjection.record_id, CreditObjection.id)  # type: ignore[call-overload]
        .where(col(CreditObjection.record_id).in_(list(record_ids)))
        .where(col(CreditObjection.status) == OPEN)
    ).all()
    return {record_id: objection_id for record_id, objection_id in rows}
