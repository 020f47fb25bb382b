"""Reading and replacing department remits, and the checks other domains' services call."""

from collections.abc import Iterable

from sqlmodel import Session

from services.common.clock import as_utc, utcnow
from services.common.errors import FieldError, OutsideRemit, StaleEtag
from services.common.etag import Precondition, check_etag, etag_of
from services.common.identity import ClientKind, Principal
from services.registry.remits.errors import RemitNotFound
from services.registry.remits.models import DepartmentRemit
from services.registry.remits.schemas import RemitField, RemitPublic, RemitRecord, RemitUpdate


def etag(remit: DepartmentRemit) -> str:
    """The ETag of a remit's current version."""
    return etag_of(f"remit-{remit.department}", remit.version)


def to_public(remit: DepartmentRemit) -> RemitPublic:
    """The API view of a remit row (unknown stored names are left out, never a failed read)."""
    known_fields, known_records = set(RemitField), set(RemitRecord)
    return RemitPublic(
        department=remit.department,
        fields=[RemitField(f) for f in remit.fields if f in known_fields],
        records=[RemitRecord(r) for r in remit.records if r in known_records],
        version=remit.version,
        updated_by=remit.updated_by,
        updated_at=as_utc(remit.updated_at),
    )


def get_remit(*, session: Session, department: str) -> DepartmentRemit:
    """The remit recorded for a department, or 404."""
    remit = session.get(DepartmentRemit, department)
    if remit is None:
        raise RemitNotFound(f"No remit is recorded for department '{department}'.")
    return remit


def replace_remit(
    *,
    session: Session,
    client: Principal,
    department: str,
    data: RemitUpdate,
    precondition: Precondition,
) -> tuple[DepartmentRemit, bool]:
    """Replace (or first record) a department's remit; returns it and whether it is new."""
    remit = session.get(DepartmentRemit, department, with_for_update=True)
    fields = sorted(set(data.fields), key=list(RemitField).index)
    records = sorted(set(data.records), key=list(RemitRecord).index)
    now = utcnow()
    if remit is None:
        if precondition.if_match is not None and precondition.if_match.strip() != "*":
            raise StaleEtag(f"No remit is recorded for '{department}' yet: send no If-Match.")
        remit = DepartmentRemit(
            department=department,
            fields=[f.value for f in fields],
            records=[r.value for r in records],
            version=1,
            updated_by=client.client_id,
            updated_at=now,
        )
        session.add(remit)
        session.flush()
        return remit, True
    check_etag(precondition.if_match, etag(remit), required=True)
    remit.fields = [f.value for f in fields]
    remit.records = [r.value for r in records]
    remit.version += 1
    remit.updated_by = client.client_id
    remit.updated_at = now
    session.add(remit)
    session.flush()
    return remit, False


def _remit_of(session: Session, client: Principal) -> DepartmentRemit | None:
    return session.get(DepartmentRemit, client.org) if client.org else None


def ensure_fields_in_remit(
    *, session: Session, client: Principal, fields: Iterable[str], prefix: str = "body."
) -> None:
    """Refuse (403 `outside_remit`, naming each field) a department changing fields outside
    its remit; other kinds are not limited by remits."""
    if client.kind != ClientKind.DEPARTMENT:
        return
    remit = _remit_of(session, client)
    allowed = set(remit.fields) if remit is not None else set()
    outside = sorted(set(fields) - allowed)
    if not outside:
        return
    who = f"Department '{client.org}'" if client.org else "A department without a code"
    raise OutsideRemit(
        f"{who} may not change: {', '.join(outside)}.",
        errors=[
            FieldError(
                field=prefix + name,
                code=OutsideRemit.code,
                message=f"{name} is outside the department's remit",
            )
            for name in outside
        ],
    )


def ensure_record_in_remit(*, session: Session, client: Principal, record: RemitRecord) -> None:
    """Refuse (403 `outside_remit`) a department filing a record type outside its remit."""
    if client.kind != ClientKind.DEPARTMENT:
        return
    remit = _remit_of(session, client)
    if remit is not None and record.value in remit.records:
        return
    who = f"Department '{client.org}'" if client.org else "A department without a code"
    raise OutsideRemit(f"{who} may not file {record.value} records: it is outside its remit.")
