"""HTTP routes of the 诚信企业 rounds and the public list."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import OptionalIfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.unitofwork import UnitOfWorkRoute
from services.credit.certification import service
from services.credit.certification.dependencies import Admin, Objector, Reader
from services.credit.certification.models import CertificationRound
from services.credit.certification.schemas import (
    CertificationDecisionCreate,
    CertificationNoticeCreate,
    CertificationObjectionCreate,
    CertificationObjectionPublic,
    CertificationRoundCreate,
    CertificationRoundPublic,
    CertifiedListPublic,
)

router = APIRouter(tags=["certification"], route_class=UnitOfWorkRoute)
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
ROUND = "/v1/certification/rounds/{round_id}"
IF_MATCH = " `If-Match` (the round's ETag) is optional: 412 when the round has changed since."


def _answer(
    session: SessionDep, row: CertificationRound, response: Response
) -> CertificationRoundPublic:
    response.headers["ETag"] = service.etag(row)
    return service.to_public(session, row)


@router.post(
    "/v1/certification/rounds",
    name="open_certification_round",
    summary="Open a yearly 诚信企业 round",
    description="The office opens one round a year with its criteria: a rule set of the "
    "`credit.certification` family (version 1, loaded by migration, is "
    "`rls_credit_certification_v1`).",
    status_code=201,
    response_model=CertificationRoundPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 422),
        **answer_headers(201, "ETag", "Location"),
    },
)
def open_certification_round(
    body: CertificationRoundCreate,
    request: Request,
    response: Response,
    client: Admin,
    _idem: OptionalIdem,
    session: SessionDep,
) -> CertificationRoundPublic:
    row = service.open_round(session=session, client=client, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/certification/rounds/{row.id}")
    return _answer(session, row, response)


@router.get(
    ROUND,
    name="get_certification_round",
    summary="Read a round with its candidates and their reasons",
    response_model=CertificationRoundPublic,
    responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
)
def get_certification_round(
    round_id: str, session: SessionDep, _client: Reader, response: Response
) -> CertificationRoundPublic:
    return _answer(session, service.get_round(session=session, round_id=round_id), response)


@router.post(
    ROUND + "/candidates",
    name="compute_certification_candidates",
    summary="Compute the round's candidates by its rules",
    description="Every active enterprise is evaluated; the eligible become candidates, each "
    "with the rule trace as its reasons. May be repeated until the notice is published." + IF_MATCH,
    response_model=CertificationRoundPublic,
    responses={**problem_responses(401, 403, 404, 409, 412, 422), **answer_headers(200, "ETag")},
)
def compute_certification_candidates(
    round_id: str,
    precondition: OptionalIfMatch,
    session: SessionDep,
    _client: Admin,
    response: Response,
) -> CertificationRoundPublic:
    row = service.compute_candidates(session=session, round_id=round_id, precondition=precondition)
    return _answer(session, row, response)


@router.post(
    ROUND + "/notice",
    name="publish_certification_notice",
    summary="Publish the candidates for public notice (公示)",
    description="From today for `days` calendar days (at least 7); anyone with a key may "
    "object to a candidate meanwhile." + IF_MATCH,
    response_model=CertificationRoundPublic,
    responses={**problem_responses(401, 403, 404, 409, 412, 422), **answer_headers(200, "ETag")},
)
def publish_certification_notice(
    round_id: str,
    body: CertificationNoticeCreate,
    precondition: OptionalIfMatch,
    session: SessionDep,
    _client: Admin,
    response: Response,
) -> CertificationRoundPublic:
    row = service.publish_notice(
        session=session, round_id=round_id, data=body, precondition=precondition
    )
    return _answer(session, row, response)


@router.post(
    ROUND + "/objections",
    name="object_to_certification_candidate",
    summary="Object to a candidate during the notice",
    description="Any keyed client (departments, banks, enterprises, portals) may object with a "
    "reason; the office decides. Outside the notice: 409 `certification_notice_closed`.",
    status_code=201,
    response_model=CertificationObjectionPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def object_to_certification_candidate(
    round_id: str,
    body: CertificationObjectionCreate,
    client: Objector,
    _idem: OptionalIdem,
    session: SessionDep,
) -> CertificationObjectionPublic:
    return service.object_to_candidate(session=session, client=client, round_id=round_id, data=body)


@router.post(
    ROUND + "/objections/{objection_id}/decision",
    name="decide_certification_objection",
    summary="Uphold or dismiss an objection to a candidate",
    description="Upheld: the candidate is removed from the round (and the round's ETag changes).",
    response_model=CertificationObjectionPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def decide_certification_objection(
    round_id: str,
    objection_id: str,
    body: CertificationDecisionCreate,
    client: Admin,
    session: SessionDep,
) -> CertificationObjectionPublic:
    return service.decide_objection(
        session=session, client=client, round_id=round_id, objection_id=objection_id, data=body
    )


@router.post(
    ROUND + "/finalisation",
    name="finalise_certification_round",
    summary="Finalise the round: the year's 诚信企业",
    description="Only after the notice has ended (409 `notice_period_running` before) and every "
    "objection is decided. Each title is announced as `certification.granted`." + IF_MATCH,
    response_model=CertificationRoundPublic,
    responses={**problem_responses(401, 403, 404, 409, 412), **answer_headers(200, "ETag")},
)
def finalise_certification_round(
    round_id: str,
    precondition: OptionalIfMatch,
    session: SessionDep,
    _client: Admin,
    response: Response,
) -> CertificationRoundPublic:
    row = service.finalise_round(session=session, round_id=round_id, precondition=precondition)
    return _answer(session, row, response)


@router.get(
    "/v1/public/certification/rounds/{round_id}",
    name="public_certification_round",
    summary="A published round: candidates and the notice period (no key)",
    response_model=CertificationRoundPublic,
    responses=problem_responses(404),
)
def public_certification_round(round_id: str, session: SessionDep) -> CertificationRoundPublic:
    return service.public_round(session=session, round_id=round_id)


@router.get(
    "/v1/public/certified-enterprises",
    name="public_certified_enterprises",
    summary="The year's 诚信企业, with progress against 300 a year (no key)",
    response_model=CertifiedListPublic,
    responses=problem_responses(422),
)
def public_certified_enterprises(
    session: SessionDep, year: Annotated[int, Query(ge=2015, le=2100)]
) -> CertifiedListPublic:
    return service.certified_list(session=session, year=year)
