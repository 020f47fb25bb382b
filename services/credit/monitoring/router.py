"""HTTP routes of banks' monitoring: endpoints, subscriptions, the delivery log."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.credit.monitoring import service
from services.credit.monitoring.dependencies import AllowPrivate, Bank, HostResolver
from services.credit.monitoring.models import WebhookEndpoint
from services.credit.monitoring.schemas import (
    DeliveryStatus,
    MonitoringSubscriptionCreate,
    MonitoringSubscriptionPublic,
    SubscriptionStatus,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointPublic,
    WebhookEndpointSecretPublic,
    WebhookEndpointUpdate,
)

router = APIRouter(tags=["monitoring"], route_class=UnitOfWorkRoute)
Idem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
EndpointQuery = Annotated[
    str | None, Query(max_length=40, description="Only this endpoint's deliveries.")
]


def _etag(endpoint: WebhookEndpoint) -> dict[str, str]:
    return {"ETag": service.endpoint_etag(endpoint)}


@router.post(
    "/v1/monitoring/endpoints",
    name="create_monitoring_endpoint",
    summary="Register a webhook endpoint",
    description="The URL must be https and resolve only to public addresses (checked now and "
    "before every attempt). The answer carries the Standard Webhooks signing secret "
    "(`whsec_…`) — the only time it is shown. `Idempotency-Key` is required.",
    status_code=201,
    response_model=WebhookEndpointSecretPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201,
            "ETag",
            "Location",
            links={"get_monitoring_endpoint": {"endpoint_id": "$response.body#/id"}},
        ),
    },
)
def create_monitoring_endpoint(
    body: WebhookEndpointCreate,
    request: Request,
    response: Response,
    client: Bank,
    _idem: Idem,
    session: SessionDep,
    allow_private: AllowPrivate,
    resolver: HostResolver,
) -> WebhookEndpointSecretPublic:
    endpoint = service.create_endpoint(
        session=session, client=client, data=body, allow_private=allow_private, resolver=resolver
    )
    response.headers.update(
        {
            **_etag(endpoint),
            "Location": link(request.scope, f"/v1/monitoring/endpoints/{endpoint.id}"),
        }
    )
    return service.to_secret_public(endpoint)


@router.get(
    "/v1/monitoring/endpoints",
    name="list_monitoring_endpoints",
    summary="List the bank's webhook endpoints",
    response_model=Page[WebhookEndpointPublic],
    responses=problem_responses(401, 403, 422),
)
def list_monitoring_endpoints(
    session: SessionDep, client: Bank, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[WebhookEndpointPublic]:
    items, next_cursor = service.list_endpoints(
        session=session, client=client, limit=limit, cursor=cursor
    )
    return Page[WebhookEndpointPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/monitoring/endpoints/{endpoint_id}",
    name="get_monitoring_endpoint",
    summary="Read a webhook endpoint",
    description="Its status (`paused` after repeated failures) and consecutive failures; never "
    "its secret.",
    response_model=WebhookEndpointPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_monitoring_endpoint(
    endpoint_id: str, session: SessionDep, client: Bank, response: Response
) -> WebhookEndpointPublic:
    endpoint = service.get_endpoint(session=session, client=client, endpoint_id=endpoint_id)
    response.headers.update(_etag(endpoint))
    return service.to_endpoint_public(endpoint)


@router.patch(
    "/v1/monitoring/endpoints/{endpoint_id}",
    name="update_monitoring_endpoint",
    summary="Change a webhook endpoint's URL or description",
    description="A new URL is checked as at registration. Send the ETag in `If-Match`.",
    response_model=WebhookEndpointPublic,
    responses={
        **problem_responses(401, 403, 404, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def update_monitoring_endpoint(
    endpoint_id: str,
    body: WebhookEndpointUpdate,
    precondition: IfMatch,
    response: Response,
    session: SessionDep,
    client: Bank,
    allow_private: AllowPrivate,
    resolver: HostResolver,
) -> WebhookEndpointPublic:
    endpoint = service.update_endpoint(
        session=session,
        client=client,
        endpoint_id=endpoint_id,
        changes=body,
        precondition=precondition,
        allow_private=allow_private,
        resolver=resolver,
    )
    response.headers.update(_etag(endpoint))
    return service.to_endpoint_public(endpoint)


@router.post(
    "/v1/monitoring/endpoints/{endpoint_id}/secret-rotation",
    name="rotate_monitoring_endpoint_secret",
    summary="Rotate a webhook endpoint's signing secret",
    description="Answers the new secret (shown once). For 24 hours webhooks carry a second "
    "signature made with the old one, so receivers can switch without losing any. Send the "
    "ETag in `If-Match`; `Idempotency-Key` is optional.",
    response_model=WebhookEndpointSecretPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
        **answer_headers(200, "ETag"),
    },
)
def rotate_monitoring_endpoint_secret(
    endpoint_id: str,
    precondition: IfMatch,
    response: Response,
    session: SessionDep,
    client: Bank,
    _idem: OptionalIdem,
) -> WebhookEndpointSecretPublic:
    endpoint = service.rotate_secret(
        session=session, client=client, endpoint_id=endpoint_id, precondition=precondition
    )
    response.headers.update(_etag(endpoint))
    return service.to_secret_public(endpoint)


@router.post(
    "/v1/monitoring/endpoints/{endpoint_id}/resumption",
    name="resume_monitoring_endpoint",
    summary="Resume a paused webhook endpoint",
    description="Its pending deliveries are sent at once, failures count from zero. A "
    "endpoint that is not paused answers 409. Send the ETag in `If-Match`.",
    response_model=WebhookEndpointPublic,
    responses={
        **problem_responses(401, 403, 404, 409, 412, 428),
        **answer_headers(200, "ETag"),
    },
)
def resume_monitoring_endpoint(
    endpoint_id: str, precondition: IfMatch, response: Response, session: SessionDep, client: Bank
) -> WebhookEndpointPublic:
    endpoint = service.resume_endpoint(
        session=session, client=client, endpoint_id=endpoint_id, precondition=precondition
    )
    response.headers.update(_etag(endpoint))
    return service.to_endpoint_public(endpoint)


@router.post(
    "/v1/monitoring/subscriptions",
    name="create_monitoring_subscription",
    summary="Monitor an enterprise",
    description="Subscribes one of the bank's endpoints to an enterprise's rating changes, new "
    "records and list changes. Needs the enterprise's active consent for "
    "`post_loan_management` to this bank (403 `monitoring_consent_required`); deliveries stop "
    "while the consent is expired or revoked. `Idempotency-Key` is optional.",
    status_code=201,
    response_model=MonitoringSubscriptionPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 422),
        **answer_headers(201, "Location"),
    },
)
def create_monitoring_subscription(
    body: MonitoringSubscriptionCreate,
    request: Request,
    response: Response,
    client: Bank,
    _idem: OptionalIdem,
    session: SessionDep,
) -> MonitoringSubscriptionPublic:
    subscription = service.subscribe(session=session, client=client, data=body)
    response.headers["Location"] = link(
        request.scope, f"/v1/monitoring/subscriptions/{subscription.id}"
    )
    return service.to_subscription_public(subscription)


@router.get(
    "/v1/monitoring/subscriptions",
    name="list_monitoring_subscriptions",
    summary="List the bank's monitoring subscriptions",
    response_model=Page[MonitoringSubscriptionPublic],
    responses=problem_responses(401, 403, 422),
)
def list_monitoring_subscriptions(
    session: SessionDep,
    client: Bank,
    uscc: Annotated[str | None, Query(max_length=18, description="Only this enterprise.")] = None,
    endpoint: EndpointQuery = None,
    status: Annotated[SubscriptionStatus | None, Query(description="Only this status.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[MonitoringSubscriptionPublic]:
    items, next_cursor = service.list_subscriptions(
        session=session,
        client=client,
        uscc=uscc,
        endpoint_id=endpoint,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page[MonitoringSubscriptionPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/monitoring/subscriptions/{subscription_id}",
    name="get_monitoring_subscription",
    summary="Read a monitoring subscription",
    response_model=MonitoringSubscriptionPublic,
    responses=problem_responses(401, 403, 404),
)
def get_monitoring_subscription(
    subscription_id: str, session: SessionDep, client: Bank
) -> MonitoringSubscriptionPublic:
    return service.to_subscription_public(
        service.get_subscription(session=session, client=client, subscription_id=subscription_id)
    )


@router.delete(
    "/v1/monitoring/subscriptions/{subscription_id}",
    name="cancel_monitoring_subscription",
    summary="Cancel a monitoring subscription",
    description="Nothing more is delivered for it, pending deliveries included (they end as "
    "`failed`, error `Subscription cancelled.`). A cancelled one answers 409.",
    response_model=MonitoringSubscriptionPublic,
    responses=problem_responses(401, 403, 404, 409),
)
def cancel_monitoring_subscription(
    subscription_id: str, session: SessionDep, client: Bank
) -> MonitoringSubscriptionPublic:
    return service.to_subscription_public(
        service.cancel_subscription(session=session, client=client, subscription_id=subscription_id)
    )


@router.get(
    "/v1/monitoring/deliveries",
    name="list_monitoring_deliveries",
    summary="The webhook delivery log",
    description="Each event sent to the bank's endpoints: type, attempts (with every one's "
    "time, status code and error), status, next attempt. Retries back off 5 s, 25 s, 125 s … "
    "(at most 6 h apart) for a day, then the delivery is `failed`.",
    response_model=Page[WebhookDeliveryPublic],
    responses=problem_responses(401, 403, 404, 422),
)
def list_monitoring_deliveries(
    session: SessionDep,
    client: Bank,
    endpoint: EndpointQuery = None,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status.")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[WebhookDeliveryPublic]:
    items, next_cursor = service.list_deliveries(
        session=session,
        client=client,
        endpoint_id=endpoint,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return Page[WebhookDeliveryPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/monitoring/deliveries/{delivery_id}",
    name="get_monitoring_delivery",
    summary="Read one webhook delivery with its attempts",
    response_model=WebhookDeliveryPublic,
    responses=problem_responses(401, 403, 404),
)
def get_monitoring_delivery(
    delivery_id: str, session: SessionDep, client: Bank
) -> WebhookDeliveryPublic:
    return service.get_delivery(session=session, client=client, delivery_id=delivery_id)
