"""Filing, reading, searching, updating and deregistering enterprises."""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.errors import (
    FieldError,
    ForbiddenClientKind,
    IrreversibleOnBehalf,
    Unprocessable,
)
from services.common.etag import etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.registry.enterprises.errors import (
    EnterpriseAlreadyFiled,
    EnterpriseDeregistered,
    EnterpriseNotFound,
    NotYourEnterprise,
)
from services.registry.enterprises.models import ACTIVE, DEREGISTERED, Enterprise, EnterpriseChange
from services.registry.enterprises.rules import (
    Industry,
    Issue,
    district_issue,
    founded_on_issue,
    hash_id_number,
    id_number_issue,
    mask_id_number,
    parse_industry,
    size_of,
    small_or_micro_issue,
    today,
    uscc_issue,
)
from services.registry.enterprises.schemas import (
    CountPublic,
    DeregistrationCreate,
    EnterpriseChangePublic,
    EnterpriseContactCreate,
    EnterpriseContactPublic,
    EnterpriseCountsPublic,
    EnterpriseCreate,
    EnterpriseFilters,
    EnterprisePublic,
    EnterpriseUpdate,
    LegalRepresentativePublic,
)
from services.registry.remits.schemas import RemitRecord
from services.registry.remits.service import ensure_fields_in_remit, ensure_record_in_remit
from services.registry.sizing import SizeClass

SEES_ALL = frozenset({ClientKind.ADMIN, ClientKind.DEPARTMENT, ClientKind.SERVICE})
ACTS_FOR_ONE = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})
FILERS = SEES_ALL | ACTS_FOR_ONE

# Fields whose new values go into `enterprise.updated`; personal data never does.
EVENT_FIELDS = (
    "name",
    "district",
    "industry",
    "industry_section",
    "industry_division",
    "founded_on",
    "registered_capital_fen",
    "employees",
    "revenue_fen",
    "assets_fen",
    "size_class",
    "is_tech_sme",
    "founder_graduated_on",
    "status",
)

# Keyed hashes of personal data that go into events (the hash, never the value).
HASHED_FIELDS = ("legal_rep_id_hash",)

Precondition = Callable[[str], None]


def unprocessable(issues: Sequence[Issue], *, prefix: str = "body.") -> Unprocessable:
    """A 422 listing every issue; its code is the issue's when there is only one."""
    code = issues[0].code if len({issue.code for issue in issues}) == 1 else "validation_failed"
    detail = "; ".join(f"{issue.field}: {issue.message}" for issue in issues)
    return Unprocessable(
        detail,
        code=code,
        errors=[FieldError(field=prefix + i.field, code=i.code, message=i.message) for i in issues],
    )


def etag(enterprise: Enterprise) -> str:
    """The ETag of an enterprise's current version."""
    return etag_of(enterprise.uscc, enterprise.version)


def to_public(enterprise: Enterprise) -> EnterprisePublic:
    """The API view of an enterprise row.

    Stored data is shown as stored: the response models carry no input rules (patterns,
    lengths), so a row filed under older or looser rules can never make a read fail.
    """
    return EnterprisePublic(
        uscc=enterprise.uscc,
        name=enterprise.name,
        district=enterprise.district,
        industry=enterprise.industry,
        industry_section=enterprise.industry_section,
        industry_division=enterprise.industry_division,
        founded_on=enterprise.founded_on,
        registered_capital_fen=enterprise.registered_capital_fen,
        employees=enterprise.employees,
        revenue_fen=enterprise.revenue_fen,
        assets_fen=enterprise.assets_fen,
        size_class=SizeClass(enterprise.size_class),
        is_tech_sme=enterprise.is_tech_sme,
        founder_graduated_on=enterprise.founder_graduated_on,
        legal_representative=LegalRepresentativePublic(
            name=enterprise.legal_rep_name, id_number_masked=enterprise.legal_rep_id_masked
        ),
        contact=EnterpriseContactPublic(
            name=enterprise.contact_name,
            phone=enterprise.contact_phone,
            email=enterprise.contact_email,
        ),
        status="deregistered" if enterprise.status == DEREGISTERED else "active",
        deregistered_at=as_utc(enterprise.deregistered_at),
        deregistration_reason=enterprise.deregistration_reason,
        version=enterprise.version,
        filed_at=as_utc(enterprise.filed_at),
        updated_at=as_utc(enterprise.updated_at),
    )


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def filed_payload(values: dict[str, Any]) -> dict[str, Any]:
    """The `enterprise.filed` payload: what consumers keep of an enterprise, no personal data."""
    payload = {name: _jsonable(values[name]) for name in EVENT_FIELDS}
    payload["uscc"] = values["uscc"]
    payload["version"] = values["version"]
    payload["filed_at"] = _jsonable(values["filed_at"])
    # The keyed hash of the legal representative's ID number (never the number): consumers
    # compare it for related parties (vouchers).
    payload["legal_rep_id_hash"] = values.get("legal_rep_id_hash")
    return payload


def ensure_can_act_for(client: Principal, uscc: str) -> None:
    """Refuse enterprise/portal callers acting for another enterprise, and other kinds (403)."""
    if client.kind in SEES_ALL:
        return
    if client.kind in ACTS_FOR_ONE:
        if client.org != uscc:
            raise NotYourEnterprise(
                "An enterprise or portal may file only the enterprise its token acts for."
            )
        return
    raise ForbiddenClientKind(f"Clients of kind '{client.kind}' may not do this.")


def ensure_reader(client: Principal) -> None:
    """Refuse kinds the register does not serve (banks and providers read the credit service)."""
    if client.kind not in FILERS:
        raise ForbiddenClientKind(f"Clients of kind '{client.kind}' may not read the register.")


def _visible(client: Principal, uscc: str) -> bool:
    return client.kind in SEES_ALL or (client.kind in ACTS_FOR_ONE and client.org == uscc)


def _derive(
    *, industry: str, employees: int, revenue_fen: int, assets_fen: int | None
) -> tuple[Industry | None, SizeClass | None, list[Issue]]:
    parsed = parse_industry(industry)
    if isinstance(parsed, Issue):
        return None, None, [parsed]
    size = size_of(parsed.code, employees, revenue_fen, assets_fen)
    if isinstance(size, Issue):
        return parsed, None, [size]
    return parsed, size, []


def file_enterprise(
    *, session: Session, client: Principal, data: EnterpriseCreate, id_key: bytes
) -> Enterprise:
    """File an enterprise and write `enterprise.filed` in the same transaction (not committed)."""
    ensure_can_act_for(client, data.uscc)
    ensure_record_in_remit(session=session, client=client, record=RemitRecord.ENTERPRISE_FILING)
    issues = [
        issue
        for issue in (
            uscc_issue(data.uscc),
            district_issue(data.district),
            founded_on_issue(data.founded_on, today()),
            id_number_issue(data.legal_representative.id_number),
        )
        if issue is not None
    ]
    industry, size, derived = _derive(
        industry=data.industry,
        employees=data.employees,
        revenue_fen=data.revenue_fen,
        assets_fen=data.assets_fen,
    )
    issues += derived
    if size is not None and (too_big := small_or_micro_issue(size)) is not None:
        issues.append(too_big)
    if issues:
        raise unprocessable(issues)
    assert industry is not None and size is not None
    if session.get(Enterprise, data.uscc) is not None:
        raise EnterpriseAlreadyFiled(f"Enterprise {data.uscc} has already filed.")
    now = utcnow()
    contact = data.contact or EnterpriseContactCreate()
    enterprise = Enterprise(
        uscc=data.uscc,
        name=data.name.strip(),
        district=data.district,
        industry=industry.code,
        industry_section=industry.section,
        industry_division=industry.division,
        founded_on=data.founded_on,
        registered_capital_fen=data.registered_capital_fen,
        employees=data.employees,
        revenue_fen=data.revenue_fen,
        assets_fen=data.assets_fen,
        size_class=size.value,
        is_tech_sme=data.is_tech_sme,
        founder_graduated_on=data.founder_graduated_on,
        legal_rep_name=data.legal_representative.name.strip(),
        legal_rep_id_hash=hash_id_number(id_key, data.legal_representative.id_number),
        legal_rep_id_masked=mask_id_number(data.legal_representative.id_number),
        contact_name=contact.name,
        contact_phone=contact.phone,
        contact_email=contact.email,
        status=ACTIVE,
        version=1,
        filed_at=now,
        filed_by=client.client_id,
        updated_at=now,
    )
    session.add(enterprise)
    try:
        session.flush()
    except IntegrityError as exc:  # the unit of work rolls the request back
        raise EnterpriseAlreadyFiled(f"Enterprise {data.uscc} has already filed.") from exc
    emit(session, "enterprise.filed", filed_payload(enterprise.model_dump()), actor=client.actor)
    return enterprise


def get_enterprise(
    *, session: Session, client: Principal, uscc: str, lock: bool = False
) -> Enterprise:
    """The enterprise if this caller may see it; otherwise 404, whether or not it exists."""
    ensure_reader(client)
    enterprise = (
        session.get(Enterprise, uscc, with_for_update=lock) if _visible(client, uscc) else None
    )
    if enterprise is None:
        raise EnterpriseNotFound(f"No enterprise {uscc} that you may see.")
    return enterprise


def _active(enterprise: Enterprise) -> None:
    if enterprise.status == DEREGISTERED:
        raise EnterpriseDeregistered(
            f"Enterprise {enterprise.uscc} has been deregistered; it can no longer change."
        )


def _record(
    session: Session, client: Principal, enterprise: Enterprise, action: str, fields: list[str]
) -> None:
    session.add(
        EnterpriseChange(
            id=new_id("chg"),
            uscc=enterprise.uscc,
            version=enterprise.version,
            action=action,
            fields={"changed": fields},
            actor=client.client_id,
            actor_kind=client.kind,
            at=enterprise.updated_at,
        )
    )


SIZE_INPUTS = frozenset({"industry", "employees", "revenue_fen", "assets_fen"})


def update_enterprise(
    *,
    session: Session,
    client: Principal,
    uscc: str,
    changes: EnterpriseUpdate,
    precondition: Precondition,
    id_key: bytes,
) -> Enterprise:
    """Apply a partial update under If-Match, recompute the size class, record and announce it."""
    enterprise = get_enterprise(session=session, client=client, uscc=uscc, lock=True)
    _active(enterprise)
    precondition(etag_of(enterprise.uscc, enterprise.version))
    given = changes.model_dump(exclude_unset=True)
    ensure_fields_in_remit(session=session, client=client, fields=given)
    new: dict[str, Any] = {}
    issues: list[Issue] = []
    for name in (
        "name",
        "founded_on",
        "registered_capital_fen",
        "is_tech_sme",
        "founder_graduated_on",
        "employees",
        "revenue_fen",
        "assets_fen",
    ):
        if name in given and given[name] is not None:
            new[name] = given[name].strip() if name == "name" else given[name]
    founded = given.get("founded_on")
    if founded is not None and (issue := founded_on_issue(founded, today())) is not None:
        issues.append(issue)
    if given.get("district") is not None:
        if (issue := district_issue(given["district"])) is not None:
            issues.append(issue)
        new["district"] = given["district"]
    if changes.legal_representative is not None:
        rep = changes.legal_representative
        if (issue := id_number_issue(rep.id_number)) is not None:
            issues.append(issue)
        new["legal_rep_name"] = rep.name.strip()
        new["legal_rep_id_hash"] = hash_id_number(id_key, rep.id_number)
        new["legal_rep_id_masked"] = mask_id_number(rep.id_number)
    if "contact" in given:
        contact = changes.contact or EnterpriseContactCreate()
        new.update(
            contact_name=contact.name, contact_phone=contact.phone, contact_email=contact.email
        )
    # The size class is recomputed only when this update touches what decides it; otherwise
    # it stays as it is (it may come from a later annual indicator report, not the filing).
    if SIZE_INPUTS & {name for name, value in given.items() if value is not None}:
        industry, size, derived = _derive(
            industry=given.get("industry") or enterprise.industry,
            employees=new.get("employees", enterprise.employees),
            revenue_fen=new.get("revenue_fen", enterprise.revenue_fen),
            assets_fen=new.get("assets_fen", enterprise.assets_fen),
        )
        issues += derived
        if not derived:
            assert industry is not None and size is not None
            new.update(
                industry=industry.code,
                industry_section=industry.section,
                industry_division=industry.division,
                size_class=size.value,
            )
    if issues:
        raise unprocessable(issues)
    changed = sorted(name for name, value in new.items() if getattr(enterprise, name) != value)
    if not changed:
        return enterprise
    for name in changed:
        setattr(enterprise, name, new[name])
    enterprise.version += 1
    enterprise.updated_at = utcnow()
    session.add(enterprise)
    shown = _shown_fields(changed)
    _record(session, client, enterprise, "updated", shown)
    emit(
        session,
        "enterprise.updated",
        {
            "uscc": enterprise.uscc,
            "version": enterprise.version,
            "changed": shown,
            "values": {
                name: _jsonable(new[name])
                for name in changed
                if name in EVENT_FIELDS or name in HASHED_FIELDS
            },
        },
        actor=client.actor,
    )
    return enterprise


def _shown_fields(changed: list[str]) -> list[str]:
    """Column names as the API names them (legal_rep_* → legal_representative.*)."""
    renames = {
        "legal_rep_name": "legal_representative.name",
        "legal_rep_id_hash": "legal_representative.id_number",
        "contact_name": "contact.name",
        "contact_phone": "contact.phone",
        "contact_email": "contact.email",
    }
    return sorted({renames.get(name, name) for name in changed if name != "legal_rep_id_masked"})


def deregister_enterprise(
    *,
    session: Session,
    client: Principal,
    uscc: str,
    data: DeregistrationCreate,
    precondition: Precondition,
) -> Enterprise:
    """Simplified deregistration: the enterprise is closed and accepts no further writes."""
    if client.on_behalf:
        raise IrreversibleOnBehalf(
            "Deregistration cannot be undone: only the enterprise itself may ask for it."
        )
    ensure_record_in_remit(session=session, client=client, record=RemitRecord.DEREGISTRATION)
    enterprise = get_enterprise(session=session, client=client, uscc=uscc, lock=True)
    _active(enterprise)
    precondition(etag_of(enterprise.uscc, enterprise.version))
    now = utcnow()
    enterprise.status = DEREGISTERED
    enterprise.deregistered_at = now
    enterprise.deregistration_reason = data.reason
    enterprise.version += 1
    enterprise.updated_at = now
    session.add(enterprise)
    _record(session, client, enterprise, "deregistered", ["status", "deregistration_reason"])
    emit(
        session,
        "enterprise.deregistered",
        {
            "uscc": uscc,
            "version": enterprise.version,
            "reason": data.reason,
            "deregistered_at": now.isoformat(),
        },
    )
    return enterprise


def enterprise_history(
    *, session: Session, client: Principal, uscc: str
) -> list[EnterpriseChangePublic]:
    """Filing and every later change, oldest first."""
    enterprise = get_enterprise(session=session, client=client, uscc=uscc)
    history = [
        EnterpriseChangePublic(
            version=1,
            action="filed",
            fields=[],
            actor=enterprise.filed_by,
            actor_kind="import" if enterprise.import_id else "filing",
            at=as_utc(enterprise.filed_at),
        )
    ]
    changes = session.execute(
        select(EnterpriseChange)
        .where(col(EnterpriseChange.uscc) == uscc)
        .order_by(col(EnterpriseChange.version))
    ).scalars()
    for change in changes:
        history.append(
            EnterpriseChangePublic(
                version=change.version,
                action=change.action,
                fields=list(change.fields.get("changed", [])),
                actor=change.actor,
                actor_kind=change.actor_kind,
                at=as_utc(change.at),
            )
        )
    return history


def _filtered(
    statement: Select[Any], *, client: Principal, filters: EnterpriseFilters, id_key: bytes
) -> Select[Any]:
    table = Enterprise.__table__.c  # type: ignore[attr-defined]
    if client.kind not in SEES_ALL:
        statement = statement.where(table.uscc == (client.org or ""))
    if filters.district:
        statement = statement.where(table.district == filters.district)
    if filters.industry:
        code = filters.industry.strip().upper()
        if len(code) == 1:
            statement = statement.where(table.industry_section == code)
        else:
            parsed = parse_industry(code)
            digits = parsed.code if isinstance(parsed, Industry) else code
            statement = statement.where(table.industry.startswith(digits, autoescape=True))
    if filters.size_class:
        statement = statement.where(table.size_class == filters.size_class.value)
    if filters.status:
        statement = statement.where(table.status == filters.status)
    if filters.founded_from:
        statement = statement.where(table.founded_on >= filters.founded_from)
    if filters.founded_to:
        statement = statement.where(table.founded_on <= filters.founded_to)
    if filters.name:
        statement = statement.where(
            func.lower(table.name).contains(filters.name.lower(), autoescape=True)
        )
    if filters.legal_rep_id_number:
        statement = statement.where(
            table.legal_rep_id_hash == hash_id_number(id_key, filters.legal_rep_id_number)
        )
    return statement


def search_enterprises(
    *,
    session: Session,
    client: Principal,
    filters: EnterpriseFilters,
    limit: int,
    cursor: str | None,
    id_key: bytes,
) -> tuple[list[EnterprisePublic], str | None]:
    """One page of enterprises matching the filters, ordered by USCC."""
    ensure_reader(client)
    table = Enterprise.__table__  # type: ignore[attr-defined]
    statement = _filtered(select(Enterprise), client=client, filters=filters, id_key=id_key)
    statement = paginate(statement, keys=[table.c.uscc], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda e: [e.uscc])
    return [to_public(e) for e in kept], next_cursor


def count_enterprises(
    *, session: Session, client: Principal, filters: EnterpriseFilters, id_key: bytes
) -> EnterpriseCountsPublic:
    """Counts of matching enterprises by district, industry division and size class."""
    if client.kind not in SEES_ALL:
        raise ForbiddenClientKind("Only departments and the demonstration office see counts.")
    table = Enterprise.__table__.c  # type: ignore[attr-defined]

    def group(column: Any) -> list[CountPublic]:
        statement = _filtered(
            select(column, func.count()).group_by(column).order_by(column),
            client=client,
            filters=filters,
            id_key=id_key,
        )
        return [
            CountPublic(key=str(key), count=int(count)) for key, count in session.execute(statement)
        ]

    by_district = group(table.district)
    return EnterpriseCountsPublic(
        total=sum(item.count for item in by_district),
        by_district=by_district,
        by_industry=group(table.industry_division),
        by_size_class=group(table.size_class),
    )
