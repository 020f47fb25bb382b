"""HTTP routes of the department remits."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import OptionalIfMatch
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.unitofwork import UnitOfWorkRoute
from services.registry.remits import service
from services.registry.remits.dependencies import Administrator
from services.registry.remits.schemas import RemitPublic, RemitUpdate

router = APIRouter(tags=["remits"], route_class=UnitOfWorkRoute)

DepartmentPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z][a-z0-9_]{1,39}$",
        description="The department code (a department client's `org`).",
        examples=["tax"],
    ),
]


@router.get(
    "/v1/remits/{department}",
    name="get_remit",
    summary="Read a department's remit",
    description="Which enterprise fields the department may change and which records it may "
    "file. A department with no remit recorded (404) may change and file nothing. "
    "Administrators only.",
    response_model=RemitPublic,
    responses={**problem_responses(401, 403, 404, 422), **answer_headers(200, "ETag")},
)
def get_remit(
    department: DepartmentPath, session: SessionDep, _admin: Administrator, response: Response
) -> RemitPublic:
    remit = service.get_remit(session=session, department=department)
    response.headers["ETag"] = service.etag(remit)
    return service.to_public(remit)


@router.put(
    "/v1/remits/{department}",
    name="replace_remit",
    summary="Replace a department's remit",
    description="The body replaces the department's whole remit. Replacing a recorded remit "
    "needs its current ETag in `If-Match` (428 without it, 412 when stale); the first remit of "
    "a department is recorded without one (201). Unknown field or record names answer 422. "
    "Administrators only; the change applies to the department's next request.",
    response_model=RemitPublic,
    responses={
        **problem_responses(401, 403, 412, 422, 428),
        **answer_headers(200, "ETag"),
        **answer_headers(201, "ETag", "Location"),
    },
)
def replace_remit(
    department: DepartmentPath,
    body: RemitUpdate,
    precondition: OptionalIfMatch,
    request: Request,
    response: Response,
    session: SessionDep,
    client: Administrator,
) -> RemitPublic:
    remit, created = service.replace_remit(
        session=session,
        client=client,
        department=department,
        data=body,
        precondition=precondition,
    )
    response.headers["ETag"] = service.etag(remit)
    if created:
        response.status_code = 201
        response.headers["Location"] = link(request.scope, f"/v1/remits/{department}")
    return service.to_public(remit)
