"""Filing, correcting, withdrawing and repairing credit records; reading them and the public lists.

Who sees what (`GET /v1/records`, `GET /v1/records/{id}`):
- the demonstration office (`admin`) sees every record;
- a department or a bank (a *source*) sees the records it filed itself — a bank's only way to
  see anything else about an enterprise is a credit report, with the enterprise's consent;
- an enterprise, or a portal acting for it, sees every record about that enterprise;
- providers see none. A record the caller may not see answers 404, whether or not it exists.

Only the source (same kind and org) corrects, withdraws or repairs a record (403
`not_record_source` for anyone else). Other domains use `counts_on`, `records_of` and
`list_status`.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.errors import FieldError, ForbiddenClientKind, Unprocessable
from services.common.etag import etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit_many
from services.common.pagination import page_of, paginate
from services.credit.enterprises.errors import UnknownEnterprise
from services.credit.enterprises.models import EnterpriseReplica
from services.credit.records import rules
from services.credit.records.errors import (
    BankFilesLoansOnly,
    DuplicateReference,
    EndedBeforeOccurred,
    EvidenceRequired,
    LoansFiledByBanks,
    LoanStatusNotAllowed,
    LoanStatusRequired,
    NothingToCorrect,
    NotRecordSource,
    OccurredInFuture,
    RecordFiledConcurrently,
    RecordNotFound,
    RecordNotRepairable,
    RecordReferenceTaken,
    RecordWithdrawn,
    SourceOrgMissing,
)
from services.credit.records.models import (
    ACTIVE,
    REPAIRED,
    WITHDRAWN,
    CreditRecord,
    CreditRecordVersion,
)
from services.credit.records.rules import (
    RECORD_TYPES,
    LoanStatus,
    Polarity,
    PublicList,
    RecordType,
    counts_on,
    counts_until,
    listed_on,
    removed_on,
)
from services.credit.records.schemas import (
    CreditPublicListEntry,
    CreditRecordBatchCreate,
    CreditRecordBatchPublic,
    CreditRecordCreate,
    CreditRecordFiledPublic,
    CreditRecordFilters,
    CreditRecordPublic,
    CreditRecordTypePublic,
    CreditRecordUpdate,
    CreditRecordVersionPublic,
    CreditRecordWithdrawalCreate,
    CreditRepairCreate,
)

__all__ = [
    "counts_on",
    "counts_until",
    "file_records",
    "list_status",
    "records_of",
]

SOURCES = frozenset({ClientKind.DEPARTMENT, ClientKind.BANK})
ACTS_FOR_ONE = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})
# What a filing says; re-filing a reference with exactly this is a no-op.
CONTENT = ("type", "uscc", "occurred_on", "ended_on", "title", "evidence_url", "loan_status")
CORRECTABLE = ("occurred_on", "ended_on", "title", "evidence_url", "loan_status")

Precondition = Callable[[str], None]


def today() -> date:
    """Today in Asia/Shanghai: the business date records are judged by."""
    return shanghai_date(utcnow())


# --- views ----------------------------------------------------------------------------------


def record_types() -> list[CreditRecordTypePublic]:
    """Every record type with its polarity and names."""
    return [
        CreditRecordTypePublic(
            code=info.code,
            polarity=info.polarity,
            name_en=info.name_en,
            name_zh=info.name_zh,
            filed_by="bank" if info.filed_by_banks else "department",
            public_list=info.public_list,
        )
        for info in RECORD_TYPES.values()
    ]


def etag(record: CreditRecord) -> str:
    """The ETag of a record's current version."""
    return etag_of(record.id, record.version)


def to_public(record: CreditRecord) -> CreditRecordPublic:
    """The API view of a record row."""
    return CreditRecordPublic(
        id=record.id,
        uscc=record.uscc,
        type=record.type,
        polarity=record.polarity,
        source=record.source,
        source_kind=record.source_kind,
        reference=record.reference,
        occurred_on=record.occurred_on,
        ended_on=record.ended_on,
        counts_until=counts_until(record),
        title=record.title,
        evidence_url=record.evidence_url,
        loan_status=record.loan_status,
        status=record.status,  # type: ignore[arg-type]
        repaired_on=record.repaired_on,
        disputed=record.disputed,
        version=record.version,
        filed_by=record.filed_by,
        filed_at=as_utc(record.filed_at),
        updated_at=as_utc(record.updated_at),
    )


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _content(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in CONTENT}


def _snapshot(record: CreditRecord) -> dict[str, Any]:
    """The record's content as a version row keeps it (JSON)."""
    values = {
        name: _jsonable(getattr(record, name))
        for name in (*CONTENT, "reference", "status", "repaired_on")
    }
    return values


# --- finding a record ------------------------------------------------------------------------


def _is_source(client: Principal, record: CreditRecord) -> bool:
    return (
        client.kind in SOURCES
        and record.source_kind == client.kind
        and (record.source == client.org)
    )


def _visible(client: Principal, record: CreditRecord) -> bool:
    if client.kind == ClientKind.ADMIN:
        return True
    if client.kind in ACTS_FOR_ONE:
        return client.org is not None and record.uscc == client.org
    return _is_source(client, record)


def _visibility(client: Principal) -> ColumnElement[bool] | None:
    """The SQL condition of what the caller may see (None: everything)."""
    if client.kind == ClientKind.ADMIN:
        return None
    if client.kind in ACTS_FOR_ONE:
        return col(CreditRecord.uscc) == (client.org or "")
    if client.kind in SOURCES:
        return and_(
            col(CreditRecord.source) == (client.org or ""),
            col(CreditRecord.source_kind) == str(client.kind),
        )
    raise ForbiddenClientKind(f"Clients of kind '{client.kind}' may not read credit records.")


def get_record(*, session: Session, client: Principal, record_id: str) -> CreditRecord:
    """The record if this caller may see it; otherwise 404, whether or not it exists."""
    _visibility(client)  # refuses kinds that read no records
    record = session.get(CreditRecord, record_id)
    if record is None or not _visible(client, record):
        raise RecordNotFound(f"No credit record {record_id} that you may see.")
    return record


def _own_record(session: Session, client: Principal, record_id: str) -> CreditRecord:
    """The record, locked, if the caller filed it: 404 if none, 403 if someone else did."""
    record = session.get(CreditRecord, record_id, with_for_update=True)
    if record is None:
        raise RecordNotFound(f"No credit record {record_id}.")
    if not _is_source(client, record):
        raise NotRecordSource(
            "Only the department or bank that filed this record may change it; "
            "raise an objection to dispute it."
        )
    return record


# --- filing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Issue:
    index: int
    field: str
    code: str
    message: str


def _unprocessable(issues: Sequence[_Issue]) -> Unprocessable:
    """One 422 listing every issue of the batch; its code is theirs when they share one."""
    code = issues[0].code if len({issue.code for issue in issues}) == 1 else "validation_failed"
    errors = [
        FieldError(field=f"body.records.{i.index}.{i.field}", code=i.code, message=i.message)
        for i in issues
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:20])
    return Unprocessable(f"Nothing was filed. {detail}", code=code, errors=errors)


def _date_issues(
    index: int, occurred_on: date, ended_on: date | None, now: date, prefix: str = ""
) -> list[_Issue]:
    issues = []
    if occurred_on > now:
        issues.append(
            _Issue(index, prefix + "occurred_on", OccurredInFuture.code, f"is after today ({now}).")
        )
    if ended_on is not None and ended_on < occurred_on:
        issues.append(
            _Issue(
                index,
                prefix + "ended_on",
                EndedBeforeOccurred.code,
                f"{ended_on} is before occurred_on {occurred_on}.",
            )
        )
    return issues


def _loan_issues(
    index: int, type_: str, loan_status: str | None, evidence_url: str | None
) -> list[_Issue]:
    issues = []
    is_loan = type_ == RecordType.LOAN
    if is_loan and loan_status is None:
        issues.append(
            _Issue(index, "loan_status", LoanStatusRequired.code, "a loan record needs it.")
        )
    if not is_loan and loan_status is not None:
        issues.append(
            _Issue(index, "loan_status", LoanStatusNotAllowed.code, "only loan records carry one.")
        )
    if not is_loan and evidence_url is None:
        issues.append(
            _Issue(
                index,
                "evidence_url",
                EvidenceRequired.code,
                "a department's record links its decision (https).",
            )
        )
    return issues


def _check_kinds(client: Principal, records: Sequence[CreditRecordCreate]) -> None:
    for index, item in enumerate(records):
        field = f"body.records.{index}.type"
        if client.kind == ClientKind.BANK and item.type != RecordType.LOAN:
            raise BankFilesLoansOnly.for_field(
                field, f"a bank files loan records only, not {item.type.value}."
            )
        if client.kind == ClientKind.DEPARTMENT and item.type == RecordType.LOAN:
            raise LoansFiledByBanks.for_field(field, "loan records are filed by the lending bank.")


def _known_usccs(session: Session, usccs: Iterable[str]) -> set[str]:
    """Which of these codes the replica of the register holds, in one query per 500 (a batch).

    Active or deregistered alike: records about a deregistered enterprise are accepted, as
    征信 keeps an enterprise's credit history after it is struck off (a penalty or an unpaid
    loan does not end with the firm).
    """
    wanted = sorted(set(usccs))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(
            session.execute(
                select(col(EnterpriseReplica.uscc)).where(
                    col(EnterpriseReplica.uscc).in_(wanted[start : start + 500])
                )
            ).scalars()
        )
    return found


def _filed_content(session: Session, record: CreditRecord) -> dict[str, Any] | None:
    first = session.get(CreditRecordVersion, (record.id, 1))
    return dict(first.values) if first is not None else None


def _same(item: CreditRecordCreate, record: CreditRecord, session: Session) -> bool:
    """Whether the item says what the record says now, or what it said when first filed."""
    wanted = _item_content(item)
    if _content(record) == wanted:
        return True
    filed = _filed_content(session, record)
    return filed is not None and all(
        filed.get(name) == _jsonable(value) for name, value in wanted.items()
    )


def _item_content(item: CreditRecordCreate) -> dict[str, Any]:
    return {
        "type": item.type.value,
        "uscc": item.uscc,
        "occurred_on": item.occurred_on,
        "ended_on": item.ended_on,
        "title": item.title.strip(),
        "evidence_url": item.evidence_url,
        "loan_status": item.loan_status.value if item.loan_status is not None else None,
    }


def _existing(
    session: Session, client: Principal, references: list[str]
) -> dict[str, CreditRecord]:
    return {
        record.reference: record
        for record in session.execute(
            select(CreditRecord).where(
                col(CreditRecord.source) == client.org,
                col(CreditRecord.reference).in_(references),
            )
        ).scalars()
    }


def _refuse_taken(
    session: Session, data: CreditRecordBatchCreate, existing: dict[str, CreditRecord]
) -> None:
    taken = [
        index
        for index, item in enumerate(data.records)
        if item.reference in existing and not _same(item, existing[item.reference], session)
    ]
    if taken:
        raise RecordReferenceTaken(
            "Nothing was filed: you filed other content under "
            + ", ".join(repr(data.records[i].reference) for i in taken)
            + " before. Correct a filed record with POST /v1/records/{id}/corrections.",
            errors=[
                FieldError(
                    field=f"body.records.{i}.reference",
                    code=RecordReferenceTaken.code,
                    message=f"already filed as {existing[data.records[i].reference].id} "
                    "with other content.",
                )
                for i in taken
            ],
        )


def _insert(
    session: Session,
    client: Principal,
    data: CreditRecordBatchCreate,
    existing: dict[str, CreditRecord],
) -> tuple[list[CreditRecordFiledPublic], list[CreditRecord]]:
    """Add the batch's new records with their first version; the existing ones are unchanged."""
    assert client.org is not None
    moment = utcnow()
    items: list[CreditRecordFiledPublic] = []
    created: list[CreditRecord] = []
    for index, item in enumerate(data.records):
        if item.reference in existing:
            record = existing[item.reference]
            items.append(
                CreditRecordFiledPublic(index=index, outcome="unchanged", record=to_public(record))
            )
            continue
        info = RECORD_TYPES[item.type]
        record = CreditRecord(
            id=new_id("rec"),
            uscc=item.uscc,
            type=item.type.value,
            polarity=info.polarity.value,
            source=client.org,
            source_kind=str(client.kind),
            reference=item.reference,
            occurred_on=item.occurred_on,
            ended_on=item.ended_on,
            title=item.title.strip(),
            evidence_url=item.evidence_url,
            loan_status=item.loan_status.value if item.loan_status else None,
            status=ACTIVE,
            version=1,
            filed_by=client.client_id,
            filed_at=moment,
            updated_at=moment,
        )
        session.add(record)
        created.append(record)
    session.flush()
    session.add_all(
        CreditRecordVersion(
            record_id=record.id,
            version=1,
            change="filed",
            values=_snapshot(record),
            actor=client.client_id,
            at=moment,
        )
        for record in created
    )
    session.flush()
    by_reference = {record.reference: record for record in created}
    for index, item in enumerate(data.records):
        if item.reference in by_reference:
            record = by_reference[item.reference]
            items.append(
                CreditRecordFiledPublic(index=index, outcome="created", record=to_public(record))
            )
    items.sort(key=lambda filed: filed.index)
    return items, created


def file_records(
    *, session: Session, client: Principal, data: CreditRecordBatchCreate
) -> CreditRecordBatchPublic:
    """File a batch: every record is checked, then all are stored (with events), or none.

    A reference the source filed before with the same content is `unchanged`; with other
    content the whole batch is refused (409 `record_reference_taken`).
    """
    if not client.org:
        raise SourceOrgMissing("Your token names no organisation to file records as.")
    _check_kinds(client, data.records)
    now = today()
    issues: list[_Issue] = []
    seen: dict[str, int] = {}
    known = _known_usccs(session, (item.uscc for item in data.records))
    for index, item in enumerate(data.records):
        if item.reference in seen:
            issues.append(
                _Issue(
                    index,
                    "reference",
                    DuplicateReference.code,
                    f"repeats the reference of record {seen[item.reference]} of this batch.",
                )
            )
        seen.setdefault(item.reference, index)
        if item.uscc not in known:
            issues.append(
                _Issue(
                    index,
                    "uscc",
                    UnknownEnterprise.code,
                    f"no filed enterprise {item.uscc} is known to the credit service.",
                )
            )
        issues += _date_issues(index, item.occurred_on, item.ended_on, now)
        issues += _loan_issues(
            index,
            item.type,
            item.loan_status.value if item.loan_status else None,
            item.evidence_url,
        )
    if issues:
        raise _unprocessable(issues)

    # Two filings of one reference racing: the unique key stops the second insert (it waits
    # for the first to commit), and the filing is planned again against what is now there,
    # so the loser gets exactly the answer a later filing would.
    for attempt in (1, 2):
        existing = _existing(session, client, list(seen))
        _refuse_taken(session, data, existing)
        try:
            with session.begin_nested():
                items, created = _insert(session, client, data, existing)
            break
        except IntegrityError as exc:
            if attempt == 2:
                raise RecordFiledConcurrently(
                    "Another request filed one of these references at the same moment; retry "
                    "to see whether it matches."
                ) from exc
    events: list[tuple[str, dict[str, Any]]] = []
    for record in created:
        events.append(("record.added", _payload(record)))
        events += _listing_events(record, before=None, now=now, session=session, cause="filed")
    emit_many(session, events)
    return CreditRecordBatchPublic(
        created=len(created), unchanged=len(items) - len(created), items=items
    )


# --- events ----------------------------------------------------------------------------------


def _payload(record: CreditRecord, **extra: Any) -> dict[str, Any]:
    return {
        "record_id": record.id,
        "uscc": record.uscc,
        "type": record.type,
        "polarity": record.polarity,
        "source": record.source,
        "version": record.version,
        "occurred_on": _jsonable(record.occurred_on),
        "ended_on": _jsonable(record.ended_on),
        "loan_status": record.loan_status,
        "status": record.status,
        **extra,
    }


def _listing_events(
    record: CreditRecord,
    *,
    before: Any | None,
    now: date,
    session: Session,
    cause: str,
) -> list[tuple[str, dict[str, Any]]]:
    """`dishonesty.listed` / `dishonesty.cleared` when this change moves the record on or off."""
    if record.type != RecordType.SERIOUS_DISHONESTY:
        return []
    was = before is not None and listed_on(before, now) is not None
    is_ = listed_on(record, now) is not None
    if was == is_:
        return []
    status = list_status(session=session, uscc=record.uscc, on=now)
    common = {
        "record_id": record.id,
        "uscc": record.uscc,
        "source": record.source,
        "enterprise_listed": status["serious_dishonesty"],
    }
    if is_:
        # `ended_on`: a listing with a known end leaves the list that day without another
        # event, so consumers keeping a copy of the list expire it themselves.
        listed = {
            **common,
            "listed_on": _jsonable(record.occurred_on),
            "ended_on": _jsonable(record.ended_on),
        }
        return [("dishonesty.listed", listed)]
    return [
        (
            "dishonesty.cleared",
            {**common, "removed_on": _jsonable(removed_on(record) or now), "cause": cause},
        )
    ]


def _before(record: CreditRecord) -> SimpleNamespace:
    return SimpleNamespace(
        **{name: getattr(record, name) for name in (*CONTENT, "polarity", "status", "repaired_on")}
    )


def _new_version(
    session: Session,
    client: Principal,
    record: CreditRecord,
    change: str,
    reason: str | None,
    **extra: Any,
) -> None:
    record.version += 1
    record.updated_at = utcnow()
    session.add(record)
    session.add(
        CreditRecordVersion(
            record_id=record.id,
            version=record.version,
            change=change,
            values={**_snapshot(record), **extra},
            reason=reason,
            actor=client.client_id,
            at=record.updated_at,
        )
    )


# --- changes by the source -------------------------------------------------------------------


def correct_record(
    *,
    session: Session,
    client: Principal,
    record_id: str,
    changes: CreditRecordUpdate,
    precondition: Precondition,
) -> CreditRecord:
    """A correction by the source under If-Match: a new version, `record.corrected`."""
    record = _own_record(session, client, record_id)
    if record.status == WITHDRAWN:
        raise RecordWithdrawn(f"Record {record.id} was withdrawn; file a new record instead.")
    precondition(etag(record))
    given = changes.model_dump(exclude_unset=True, exclude={"reason"})
    new = {name: given[name] for name in CORRECTABLE if name in given}
    for name in ("occurred_on", "title"):
        if name in new and new[name] is None:
            del new[name]  # cannot be emptied
    if isinstance(new.get("title"), str):
        new["title"] = new["title"].strip()
    if isinstance(new.get("loan_status"), LoanStatus):
        new["loan_status"] = new["loan_status"].value
    merged = {**_content(record), **new}
    issues = _date_issues(0, merged["occurred_on"], merged["ended_on"], today())
    issues += _loan_issues(0, record.type, merged["loan_status"], merged["evidence_url"])
    if issues:
        raise Unprocessable(
            "; ".join(f"body.{i.field}: {i.message}" for i in issues),
            code=issues[0].code if len({i.code for i in issues}) == 1 else None,
            errors=[
                FieldError(field=f"body.{i.field}", code=i.code, message=i.message) for i in issues
            ],
        )
    changed = sorted(name for name, value in new.items() if getattr(record, name) != value)
    if not changed:
        raise NothingToCorrect.for_field(
            "body", "the correction changes none of the record's fields."
        )
    before = _before(record)
    for name in changed:
        setattr(record, name, new[name])
    _new_version(session, client, record, "corrected", changes.reason)
    session.flush()
    now = today()
    events = [
        (
            "record.corrected",
            _payload(record, changed=changed, reason=changes.reason),
        ),
        *_listing_events(record, before=before, now=now, session=session, cause="corrected"),
    ]
    emit_many(session, events)
    return record


def withdraw_record(
    *,
    session: Session,
    client: Principal,
    record_id: str,
    data: CreditRecordWithdrawalCreate,
    precondition: Precondition,
) -> CreditRecord:
    """The source withdraws its record: it stops counting and leaves any list."""
    record = _own_record(session, client, record_id)
    if record.status == WITHDRAWN:
        raise RecordWithdrawn(f"Record {record.id} is already withdrawn.")
    precondition(etag(record))
    before = _before(record)
    record.status = WITHDRAWN
    _new_version(session, client, record, "withdrawn", data.reason)
    session.flush()
    now = today()
    emit_many(
        session,
        [
            ("record.withdrawn", _payload(record, reason=data.reason)),
            *_listing_events(record, before=before, now=now, session=session, cause="withdrawn"),
        ],
    )
    return record


def repair_record(
    *,
    session: Session,
    client: Principal,
    record_id: str,
    data: CreditRepairCreate,
    precondition: Precondition,
) -> CreditRecord:
    """Credit repair (信用修复): a negative record stops counting and leaves its list today."""
    record = _own_record(session, client, record_id)
    if record.status == WITHDRAWN:
        raise RecordWithdrawn(f"Record {record.id} was withdrawn; there is nothing to repair.")
    if record.polarity != Polarity.NEGATIVE or record.status == REPAIRED:
        raise RecordNotRepairable(
            f"Record {record.id} is "
            + ("already repaired." if record.status == REPAIRED else "not a negative record.")
        )
    precondition(etag(record))
    now = today()
    before = _before(record)
    record.status = REPAIRED
    record.repaired_on = now
    _new_version(
        session, client, record, "repaired", data.reason, repair_evidence_url=data.evidence_url
    )
    session.flush()
    emit_many(
        session,
        [
            (
                "record.repaired",
                _payload(record, repaired_on=now.isoformat(), reason=data.reason),
            ),
            *_listing_events(record, before=before, now=now, session=session, cause="repaired"),
        ],
    )
    return record


# --- records another service reports through its feed --------------------------------------


def file_from_feed(
    *,
    session: Session,
    feed: Principal,
    uscc: str,
    type_: RecordType,
    reference: str,
    occurred_on: date,
    title: str,
) -> CreditRecord | None:
    """File a record a service reported in its feed, as the source `feed.org` (a department of
    that name answers objections to it); once per source and reference (None: filed already).

    An enterprise the replica does not know yet is 422 `unknown_enterprise`: the consumer rolls
    the page back and retries, so the record is filed once the registry's feed brought it.
    """
    assert feed.org is not None
    found = session.execute(
        select(col(CreditRecord.id)).where(
            col(CreditRecord.source) == feed.org, col(CreditRecord.reference) == reference
        )
    ).first()
    if found is not None:
        return None
    if session.get(EnterpriseReplica, uscc) is None:
        raise UnknownEnterprise(f"No filed enterprise {uscc} is known to the credit service yet.")
    info = RECORD_TYPES[type_]
    moment = utcnow()
    record = CreditRecord(
        id=new_id("rec"),
        uscc=uscc,
        type=type_.value,
        polarity=info.polarity.value,
        source=feed.org,
        source_kind=str(ClientKind.DEPARTMENT),
        reference=reference,
        occurred_on=occurred_on,
        title=title,
        status=ACTIVE,
        version=1,
        filed_by=feed.client_id,
        filed_at=moment,
        updated_at=moment,
    )
    session.add(record)
    session.flush()
    session.add(
        CreditRecordVersion(
            record_id=record.id,
            version=1,
            change="filed",
            values=_snapshot(record),
            actor=feed.client_id,
            at=moment,
        )
    )
    session.flush()
    now = today()
    emit_many(
        session,
        [
            ("record.added", _payload(record)),
            *_listing_events(record, before=None, now=now, session=session, cause="filed"),
        ],
    )
    return record


def end_from_feed(
    *, session: Session, feed: Principal, reference: str, ended_on: date, reason: str
) -> CreditRecord | None:
    """The conduct a fed record reports ended (e.g. the overdue loan was repaid): a corrected
    version with `ended_on`, once (None: no such active record, or it has its end already)."""
    record = session.execute(
        select(CreditRecord)
        .where(col(CreditRecord.source) == feed.org, col(CreditRecord.reference) == reference)
        .with_for_update()
    ).scalar_one_or_none()
    if record is None or record.status != ACTIVE or record.ended_on is not None:
        return None
    before = _before(record)
    record.ended_on = max(ended_on, record.occurred_on)
    _new_version(session, feed, record, "corrected", reason)
    session.flush()
    emit_many(
        session,
        [
            ("record.corrected", _payload(record, changed=["ended_on"], reason=reason)),
            *_listing_events(
                record, before=before, now=today(), session=session, cause="corrected"
            ),
        ],
    )
    return record


# --- reading ---------------------------------------------------------------------------------


def record_versions(
    *, session: Session, client: Principal, record_id: str
) -> list[CreditRecordVersionPublic]:
    """Every version of a record, oldest first."""
    record = get_record(session=session, client=client, record_id=record_id)
    rows = session.execute(
        select(CreditRecordVersion)
        .where(col(CreditRecordVersion.record_id) == record.id)
        .order_by(col(CreditRecordVersion.version))
    ).scalars()
    return [
        CreditRecordVersionPublic(
            version=row.version,
            change=row.change,  # type: ignore[arg-type]
            values=dict(row.values),
            reason=row.reason,
            actor=row.actor,
            at=as_utc(row.at),
        )
        for row in rows
    ]


def _counting_on(day: date) -> ColumnElement[bool]:
    """SQL for `rules.counts_on(record, day)`."""
    table = CreditRecord
    adverse = or_(
        col(table.polarity) == Polarity.NEGATIVE.value,
        and_(
            col(table.polarity) == Polarity.LOAN.value,
            col(table.loan_status) == LoanStatus.OVERDUE.value,
        ),
    )
    return and_(
        col(table.status) != WITHDRAWN,
        col(table.occurred_on) <= day,
        or_(col(table.repaired_on).is_(None), col(table.repaired_on) > day),
        or_(
            and_(
                adverse,
                or_(
                    col(table.ended_on).is_(None),
                    col(table.ended_on) >= rules.earliest_counting_end(day),
                ),
            ),
            and_(
                col(table.polarity) == Polarity.POSITIVE.value,
                or_(col(table.ended_on).is_(None), col(table.ended_on) > day),
            ),
            and_(col(table.polarity) == Polarity.LOAN.value, ~adverse),
        ),
    )


def list_records(
    *,
    session: Session,
    client: Principal,
    filters: CreditRecordFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[CreditRecordPublic], str | None]:
    """One page of the records the caller may see, oldest filing first."""
    statement: Select[Any] = select(CreditRecord)
    visible = _visibility(client)
    if visible is not None:
        statement = statement.where(visible)
    if filters.uscc:
        statement = statement.where(col(CreditRecord.uscc) == filters.uscc)
    if filters.type:
        statement = statement.where(col(CreditRecord.type) == filters.type.value)
    if filters.status:
        statement = statement.where(col(CreditRecord.status) == filters.status)
    if filters.counting_on:
        statement = statement.where(_counting_on(filters.counting_on))
    table = CreditRecord.__table__  # type: ignore[attr-defined]
    statement = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda r: [r.id])
    return [to_public(r) for r in kept], next_cursor


def public_list(
    *,
    session: Session,
    which: PublicList,
    include_removed: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[CreditPublicListEntry], str | None]:
    """One page of a public list (no key), by listing date: who, since when, why, by whom."""
    now = today()
    record_type = rules.LISTED_TYPES[which]
    statement = (
        select(CreditRecord, col(EnterpriseReplica.name))
        .join(EnterpriseReplica, col(EnterpriseReplica.uscc) == col(CreditRecord.uscc))
        .where(col(CreditRecord.type) == record_type.value)
        .where(col(CreditRecord.status) != WITHDRAWN)
        .where(col(CreditRecord.occurred_on) <= now)
    )
    if not include_removed:
        statement = statement.where(
            col(CreditRecord.status) == ACTIVE,
            or_(col(CreditRecord.ended_on).is_(None), col(CreditRecord.ended_on) > now),
        )
    table = CreditRecord.__table__  # type: ignore[attr-defined]
    page = paginate(
        cast(Select[Any], statement),
        keys=[table.c.occurred_on, table.c.id],
        limit=limit,
        cursor=cursor,
    )
    rows = session.execute(page).all()
    kept, next_cursor = page_of(
        rows, limit=limit, key_of=lambda row: [row[0].occurred_on.isoformat(), row[0].id]
    )
    entries = []
    for record, name in kept:
        removed = removed_on(record)
        removal = None
        if record.repaired_on is not None and removed == record.repaired_on:
            removal = "repaired"
        elif removed is not None and removed <= now:
            removal = "ended"
        entries.append(
            CreditPublicListEntry(
                record_id=record.id,
                uscc=record.uscc,
                enterprise_name=name,
                reason=record.title,
                source=record.source,
                listed_on=record.occurred_on,
                removed_on=removed,
                removal=removal,
            )
        )
    return entries, next_cursor


# --- for the rating, reports and vouchers domains --------------------------------------------


def records_of(*, session: Session, uscc: str, on: date) -> list[CreditRecord]:
    """The records that count for the enterprise on `on` (see `rules.counts_on`), oldest first."""
    rows = session.execute(
        select(CreditRecord)
        .where(col(CreditRecord.uscc) == uscc)
        .where(_counting_on(on))
        .order_by(col(CreditRecord.occurred_on), col(CreditRecord.id))
    ).scalars()
    return [record for record in rows if counts_on(record, on)]


def list_status(*, session: Session, uscc: str, on: date) -> dict[str, bool]:
    """Whether the enterprise is on the dishonesty list and the abnormal-operations list on `on`."""
    rows = session.execute(
        select(CreditRecord)
        .where(col(CreditRecord.uscc) == uscc)
        .where(
            col(CreditRecord.type).in_(
                [RecordType.SERIOUS_DISHONESTY.value, RecordType.ABNORMAL_OPERATION.value]
            )
        )
        .where(col(CreditRecord.status) != WITHDRAWN)
    ).scalars()
    lists = {listed_on(record, on) for record in rows}
    return {
        "serious_dishonesty": PublicList.DISHONESTY in lists,
        "abnormal_operation": PublicList.ABNORMAL_OPERATIONS in lists,
    }


# --- changes by date alone -------------------------------------------------------------------


def stopped_counting(*, session: Session, after: date, through: date) -> set[str]:
    """Enterprises with a record that counted on `after` and no longer counts on `through`
    only because of the date: an adverse record past five years from its end, a positive one
    past its `ended_on` (no event announces either)."""
    table = CreditRecord
    adverse = or_(
        col(table.polarity) == Polarity.NEGATIVE.value,
        and_(
            col(table.polarity) == Polarity.LOAN.value,
            col(table.loan_status) == LoanStatus.OVERDUE.value,
        ),
    )
    rows = session.execute(
        select(CreditRecord)
        .where(col(table.status) != WITHDRAWN, col(table.ended_on).is_not(None))
        .where(
            or_(
                and_(
                    adverse,
                    col(table.ended_on) >= rules.earliest_counting_end(after),
                    col(table.ended_on) < rules.earliest_counting_end(through),
                ),
                and_(
                    col(table.polarity) == Polarity.POSITIVE.value,
                    col(table.ended_on) > after,
                    col(table.ended_on) <= through,
                ),
            )
        )
    ).scalars()
    return {r.uscc for r in rows if counts_on(r, after) and not counts_on(r, through)}


def listings_ended(
    *, session: Session, after: date, through: date
) -> list[tuple[str, dict[str, Any]]]:
    """`dishonesty.cleared` (cause `ended`) for each listing whose `ended_on` came after
    `after`, up to `through`: the day it leaves the list comes with no other event.

    Left out: listings that never were (ended before they occurred, or before the record was
    filed or last changed — that change said so), and listings repaired before they ended (the
    repair cleared them).
    """
    rows = session.execute(
        select(CreditRecord)
        .where(col(CreditRecord.type) == RecordType.SERIOUS_DISHONESTY.value)
        .where(col(CreditRecord.status) != WITHDRAWN)
        .where(col(CreditRecord.ended_on) > after, col(CreditRecord.ended_on) <= through)
        .order_by(col(CreditRecord.ended_on), col(CreditRecord.id))
    ).scalars()
    events: list[tuple[str, dict[str, Any]]] = []
    for record in rows:
        ended = cast(date, record.ended_on)
        if record.repaired_on is not None and record.repaired_on <= ended:
            continue
        if record.occurred_on >= ended or shanghai_date(as_utc(record.updated_at)) >= ended:
            continue
        status = list_status(session=session, uscc=record.uscc, on=through)
        events.append(
            (
                "dishonesty.cleared",
                {
                    "record_id": record.id,
                    "uscc": record.uscc,
                    "source": record.source,
                    "enterprise_listed": status["serious_dishonesty"],
                    "removed_on": ended.isoformat(),
                    "cause": "ended",
                },
            )
        )
    return events
