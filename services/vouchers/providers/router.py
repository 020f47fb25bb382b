"""HTTP routes of service providers and their catalogues."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import OptionalIfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.vouchers.providers import service
from services.vouchers.providers.dependencies import (
    ProviderAdmin,
    ProviderApplicant,
    ProviderReader,
)
from services.vouchers.providers.models import Provider
from services.vouchers.providers.schemas import (
    VoucherProviderCreate,
    VoucherProviderDecisionCreate,
    VoucherProviderDirectoryEntry,
    VoucherProviderFilters,
    VoucherProviderPublic,
    VoucherProviderServiceCreate,
    VoucherProviderServicePublic,
)

router = APIRouter(tags=["providers"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[VoucherProviderFilters, Query()]
ProviderId = Annotated[str, Path(max_length=40, description="The provider's id (`prv_…`).")]


def _answer(provider: Provider, response: Response) -> VoucherProviderPublic:
    response.headers["ETag"] = service.etag(provider)
    return service.to_public(provider)


@router.post(
    "/v1/providers",
    name="apply_voucher_provider",
    summary="Apply as a voucher service provider",
    description="A provider client applies for itself: the provider's id is the client's org "
    "(`prv_…`, given when the demonstration office made the client; 403 "
    "`provider_org_invalid` otherwise), once (409 `provider_exists`), one provider per USCC "
    "(409 `provider_uscc_taken`). Status `applied` until an admin decides. Announced as "
    "`provider.applied`. `Idempotency-Key` is optional; a retry returns the first answer.",
    status_code=201,
    response_model=VoucherProviderPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201,
            "ETag",
            "Location",
            links={"get_voucher_provider": {"provider_id": "$response.body#/id"}},
        ),
    },
)
def apply_voucher_provider(
    body: VoucherProviderCreate,
    request: Request,
    principal: ProviderApplicant,
    _idem: OptionalIdem,
    session: SessionDep,
    response: Response,
) -> VoucherProviderPublic:
    provider = service.apply_as_provider(session=session, principal=principal, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/providers/{provider.id}")
    return _answer(provider, response)


@router.get(
    "/v1/providers",
    name="list_voucher_providers",
    summary="List providers",
    description="Admins, departments and services see every provider (filter by `status`); a "
    "provider sees itself; other callers approved providers only.",
    response_model=Page[VoucherProviderPublic],
    responses=problem_responses(401, 403, 422),
)
def list_voucher_providers(
    session: SessionDep,
    principal: ProviderReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[VoucherProviderPublic]:
    items, next_cursor = service.list_providers(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[VoucherProviderPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/public/providers",
    name="list_public_voucher_providers",
    summary="The public directory of approved providers",
    description="Approved providers with their catalogues, filtered by `category`, `kind` and "
    "`district` (AND).",
    response_model=Page[VoucherProviderDirectoryEntry],
    responses=problem_responses(422),
)
def list_public_voucher_providers(
    session: SessionDep,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[VoucherProviderDirectoryEntry]:
    items, next_cursor = service.directory(
        session=session, filters=filters, limit=limit, cursor=cursor
    )
    return Page[VoucherProviderDirectoryEntry](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/providers/{provider_id}",
    name="get_voucher_provider",
    summary="Read a provider",
    description="A provider not approved is seen only by itself, admins, departments and "
    "services (404 `provider_not_found` for others).",
    response_model=VoucherProviderPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_voucher_provider(
    provider_id: ProviderId, session: SessionDep, principal: ProviderReader, response: Response
) -> VoucherProviderPublic:
    provider = service.get_provider(session=session, provider_id=provider_id, principal=principal)
    return _answer(provider, response)


@router.post(
    "/v1/providers/{provider_id}/decision",
    name="decide_voucher_provider",
    summary="Approve, refuse, suspend or remove a provider",
    description="Admins only. applied → approved | refused; approved → suspended | removed; "
    "suspended → approved | removed (409 `provider_decision_invalid` otherwise). A reason is "
    "required but for `approve` (422 `decision_reason_required`). `If-Match` optional. "
    "Announced as `provider.<status>`.",
    response_model=VoucherProviderPublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 422),
        **answer_headers(200, "ETag"),
    },
)
def decide_voucher_provider(
    provider_id: ProviderId,
    body: VoucherProviderDecisionCreate,
    precondition: OptionalIfMatch,
    principal: ProviderAdmin,
    session: SessionDep,
    response: Response,
) -> VoucherProviderPublic:
    provider = service.decide(
        session=session,
        principal=principal,
        provider_id=provider_id,
        data=body,
        precondition=precondition,
    )
    return _answer(provider, response)


@router.get(
    "/v1/providers/{provider_id}/services",
    name="list_voucher_provider_services",
    summary="A provider's catalogue of services",
    description="Anyone with `vouchers:read` for an approved provider; a provider not approved "
    "only for itself, admins, departments and services.",
    response_model=list[VoucherProviderServicePublic],
    responses=problem_responses(401, 403, 404),
)
def list_voucher_provider_services(
    provider_id: ProviderId, session: SessionDep, principal: ProviderReader
) -> list[VoucherProviderServicePublic]:
    return service.list_services(session=session, principal=principal, provider_id=provider_id)


@router.post(
    "/v1/providers/{provider_id}/services",
    name="add_voucher_provider_service",
    summary="Add a service to the provider's own catalogue",
    description="The provider itself only (403 `not_your_provider`), in a category it applied "
    "for (422 `category_not_offered`). `Idempotency-Key` is optional.",
    status_code=201,
    response_model=VoucherProviderServicePublic,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def add_voucher_provider_service(
    provider_id: ProviderId,
    body: VoucherProviderServiceCreate,
    principal: ProviderApplicant,
    _idem: OptionalIdem,
    session: SessionDep,
) -> VoucherProviderServicePublic:
    entry = service.add_service(
        session=session, principal=principal, provider_id=provider_id, data=body
    )
    return service.service_public(entry)
