"""Service providers: applications, admin decisions, catalogues and the public directory.

The flow: the demonstration office gives an applicant a gateway client of kind `provider`
whose org is the provider id it will have (`prv_…`); the provider applies with it
(`POST /v1/providers`: the id is the client's org, so every later call — its catalogue, its
redemptions — is by the provider the key belongs to). The admin then approves or refuses,
and later suspends, reinstates (approve) or removes:

    applied → approved | refused;  approved → suspended | removed;  suspended → approved | removed

Only approved providers are in the public directory and may redeem (redemptions check it).
Other domains use `get_provider`.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import as_utc, utcnow
from services.common.etag import Precondition, etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import decode_cursor, encode_cursor
from services.vouchers.enterprises.models import VoucherEnterprise
from services.vouchers.providers.errors import (
    CategoryNotOffered,
    DecisionReasonRequired,
    NotYourProvider,
    ProviderDecisionInvalid,
    ProviderExists,
    ProviderNotFound,
    ProviderOrgInvalid,
    ProviderUsccTaken,
)
from services.vouchers.providers.models import (
    APPLIED,
    APPROVED,
    REFUSED,
    REMOVED,
    SUSPENDED,
    Provider,
    ProviderService,
)
from services.vouchers.providers.schemas import (
    VoucherProviderCreate,
    VoucherProviderDecisionCreate,
    VoucherProviderDirectoryEntry,
    VoucherProviderFilters,
    VoucherProviderPublic,
    VoucherProviderServiceCreate,
    VoucherProviderServicePublic,
)

ID_PATTERN_PREFIX = "prv_"
ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
SEES_ALL = frozenset({ClientKind.ADMIN, ClientKind.DEPARTMENT, ClientKind.SERVICE})
# decision → (statuses it applies to, resulting status)
DECISIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({APPLIED, SUSPENDED}), APPROVED),
    "refuse": (frozenset({APPLIED}), REFUSED),
    "suspend": (frozenset({APPROVED}), SUSPENDED),
    "remove": (frozenset({APPROVED, SUSPENDED}), REMOVED),
}


def etag(provider: Provider) -> str:
    """The ETag of a provider's current version."""
    return etag_of(provider.id, provider.version)


def to_public(provider: Provider) -> VoucherProviderPublic:
    """The API view of a provider row."""
    return VoucherProviderPublic(
        id=provider.id,
        uscc=provider.uscc,
        name=provider.name,
        kind=provider.kind,
        district=provider.district,
        categories=list(provider.categories),
        status=provider.status,  # type: ignore[arg-type]
        status_reason=provider.status_reason,
        version=provider.version,
        applied_by=provider.applied_by,
        created_at=as_utc(provider.created_at),
        updated_at=as_utc(provider.updated_at),
    )


def service_public(entry: ProviderService) -> VoucherProviderServicePublic:
    """The API view of a catalogue entry."""
    return VoucherProviderServicePublic(
        id=entry.id,
        provider_id=entry.provider_id,
        category=entry.category,
        title=entry.title,
        description=entry.description,
        price_fen=entry.price_fen,
        attributes=dict(entry.attributes),
    )


def _payload(provider: Provider) -> dict[str, Any]:
    return {
        "id": provider.id,
        "uscc": provider.uscc,
        "status": provider.status,
        "categories": list(provider.categories),
        "version": provider.version,
    }


def _own_id(principal: Principal) -> str:
    org = principal.org or ""
    if not (
        org.startswith(ID_PATTERN_PREFIX)
        and len(org) <= 40
        and len(org) > len(ID_PATTERN_PREFIX)
        and set(org) <= ID_CHARS
    ):
        raise ProviderOrgInvalid(
            "A provider client's org must be its provider id (prv_…, at most 40 characters); "
            "ask the demonstration office for a provider client."
        )
    return org


def apply_as_provider(
    *, session: Session, principal: Principal, data: VoucherProviderCreate
) -> Provider:
    """The provider client's application; its id is the client's org (403
    `provider_org_invalid` without one), once per org (409 `provider_exists`) and per USCC
    (409 `provider_uscc_taken`). Announced as `provider.applied`."""
    provider_id = _own_id(principal)
    if session.get(Provider, provider_id) is not None:
        raise ProviderExists(f"Provider {provider_id} has applied already.")
    taken = session.exec(select(Provider.id).where(col(Provider.uscc) == data.uscc)).first()
    if taken is not None:
        raise ProviderUsccTaken.for_field("body.uscc", f"{data.uscc} is provider {taken}'s.")
    # The legal representative's keyed hash, when the provider is in the register (firms are).
    registered = session.get(VoucherEnterprise, data.uscc)
    now = utcnow()
    provider = Provider(
        id=provider_id,
        uscc=data.uscc,
        name=data.name.strip(),
        kind=data.kind,
        district=data.district,
        categories=list(dict.fromkeys(str(c) for c in data.categories)),
        legal_rep_id_hash=registered.legal_rep_id_hash if registered else None,
        status=APPLIED,
        applied_by=principal.client_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # added inside: begin_nested() flushes what is pending first
            session.add(provider)
            session.flush()
    except IntegrityError:  # a concurrent application of the org or the USCC
        raise ProviderExists(
            f"Provider {provider_id} (or USCC {data.uscc}) applied at the same time."
        ) from None
    emit(session, "provider.applied", _payload(provider), actor=principal.actor)
    return provider


def get_provider(
    *,
    session: Session,
    provider_id: str,
    principal: Principal | None = None,
    lock: bool = False,
) -> Provider:
    """The provider (404 `provider_not_found`).

    With a `principal`: admins, departments and services see any; a provider itself; anyone
    an approved one (others 404 alike). `lock` holds the row for the transaction.
    """
    provider = session.get(Provider, provider_id, with_for_update=lock)
    visible = provider is not None and (
        principal is None
        or principal.kind in SEES_ALL
        or principal.org == provider_id
        or provider.status == APPROVED
    )
    if provider is None or not visible:
        raise ProviderNotFound(f"No provider {provider_id}.")
    return provider


def _page(
    rows: Iterable[Provider], filters: VoucherProviderFilters, limit: int
) -> tuple[list[Provider], str | None]:
    kept: list[Provider] = []
    for row in rows:
        if filters.category is not None and str(filters.category) not in row.categories:
            continue
        if len(kept) == limit:
            return kept, encode_cursor([kept[-1].id])
        kept.append(row)
    return kept, None


def _query(filters: VoucherProviderFilters, cursor: str | None) -> Any:
    statement = select(Provider)
    if cursor:
        statement = statement.where(col(Provider.id) > str(decode_cursor(cursor, 1)[0]))
    if filters.kind is not None:
        statement = statement.where(col(Provider.kind) == filters.kind)
    if filters.district is not None:
        statement = statement.where(col(Provider.district) == filters.district)
    return statement.order_by(col(Provider.id))


def list_providers(
    *,
    session: Session,
    principal: Principal,
    filters: VoucherProviderFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[VoucherProviderPublic], str | None]:
    """One page of providers by id: admins, departments and services see all; a provider
    itself; other kinds approved ones only."""
    statement = _query(filters, cursor)
    if filters.status is not None:
        statement = statement.where(col(Provider.status) == filters.status)
    if principal.kind == ClientKind.PROVIDER:
        statement = statement.where(col(Provider.id) == (principal.org or ""))
    elif principal.kind not in SEES_ALL:
        statement = statement.where(col(Provider.status) == APPROVED)
    kept, next_cursor = _page(session.exec(statement), filters, limit)
    return [to_public(p) for p in kept], next_cursor


def directory(
    *, session: Session, filters: VoucherProviderFilters, limit: int, cursor: str | None
) -> tuple[list[VoucherProviderDirectoryEntry], str | None]:
    """The public directory: approved providers only, each with its catalogue."""
    statement = _query(filters, cursor).where(col(Provider.status) == APPROVED)
    kept, next_cursor = _page(session.exec(statement), filters, limit)
    services: dict[str, list[VoucherProviderServicePublic]] = {p.id: [] for p in kept}
    if kept:
        entries = session.exec(
            select(ProviderService)
            .where(col(ProviderService.provider_id).in_(list(services)))
            .order_by(col(ProviderService.id))
        )
        for entry in entries:
            services[entry.provider_id].append(service_public(entry))
    return [
        VoucherProviderDirectoryEntry(
            id=p.id,
            name=p.name,
            kind=p.kind,
            district=p.district,
            categories=list(p.categories),
            services=services[p.id],
        )
        for p in kept
    ], next_cursor


def decide(
    *,
    session: Session,
    principal: Principal,
    provider_id: str,
    data: VoucherProviderDecisionCreate,
    precondition: Precondition,
) -> Provider:
    """Approve, refuse, suspend or remove (409 `provider_decision_invalid` out of order; 422
    `decision_reason_required` without a reason but for `approve`). Announced as
    `provider.approved` / `.refused` / `.suspended` / `.removed`."""
    provider = get_provider(session=session, provider_id=provider_id, lock=True)
    precondition(etag(provider))
    sources, target = DECISIONS[data.decision]
    if provider.status not in sources:
        raise ProviderDecisionInvalid.for_field(
            "body.decision",
            f"provider {provider_id} is {provider.status}; '{data.decision}' applies to "
            + " or ".join(sorted(sources)),
        )
    if data.decision != "approve" and data.reason is None:
        raise DecisionReasonRequired.for_field(
            "body.reason", f"'{data.decision}' needs a reason the provider is told"
        )
    if target == APPROVED and provider.legal_rep_id_hash is None:
        registered = session.get(VoucherEnterprise, provider.uscc)
        if registered is not None:
            provider.legal_rep_id_hash = registered.legal_rep_id_hash
    provider.status = target
    provider.status_reason = data.reason
    provider.version += 1
    provider.updated_at = utcnow()
    session.add(provider)
    session.flush()
    emit(
        session,
        f"provider.{target}",
        {**_payload(provider), "reason": data.reason},
        actor=principal.actor,
    )
    return provider


def _own(principal: Principal, provider_id: str) -> None:
    if principal.org != provider_id:
        raise NotYourProvider(f"This client acts for provider {principal.org}, not {provider_id}.")


def add_service(
    *,
    session: Session,
    principal: Principal,
    provider_id: str,
    data: VoucherProviderServiceCreate,
) -> ProviderService:
    """Add an entry to the provider's own catalogue (403 `not_your_provider`; 422
    `category_not_offered` for a category it did not apply for)."""
    _own(principal, provider_id)
    provider = get_provider(session=session, provider_id=provider_id, principal=principal)
    if str(data.category) not in provider.categories:
        raise CategoryNotOffered.for_field(
            "body.category",
            f"'{data.category}' is not among the provider's categories: "
            + ", ".join(provider.categories),
        )
    entry = ProviderService(
        id=new_id("psv"),
        provider_id=provider.id,
        category=str(data.category),
        title=data.title.strip(),
        description=data.description,
        price_fen=data.price_fen,
        attributes=dict(data.attributes),
    )
    session.add(entry)
    session.flush()
    return entry


def list_services(
    *, session: Session, principal: Principal, provider_id: str
) -> list[VoucherProviderServicePublic]:
    """A provider's catalogue; for callers who do not see every provider, approved ones only."""
    provider = session.get(Provider, provider_id)
    visible = provider is not None and (
        principal.kind in SEES_ALL or principal.org == provider_id or provider.status == APPROVED
    )
    if not visible:
        raise ProviderNotFound(f"No provider {provider_id}.")
    entries = session.exec(
        select(ProviderService)
        .where(col(ProviderService.provider_id) == provider_id)
        .order_by(col(ProviderService.id))
    )
    return [service_public(entry) for entry in entries]
