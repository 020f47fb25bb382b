"""HTTP routes of the ratings domain."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response

from services.common.dates import IsoDateOrMoment
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.unitofwork import UnitOfWorkRoute
from services.credit.ratings import service
from services.credit.ratings.dependencies import Reader, RunReader, RunWriter
from services.credit.ratings.run import execute_run
from services.credit.ratings.schemas import (
    USCC_PATTERN,
    CreditRatingPublic,
    RatingRunCreate,
    RatingRunPublic,
)

router = APIRouter(tags=["ratings"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
Uscc = Annotated[str, Path(pattern=USCC_PATTERN, description="Unified social credit code.")]

RATING_RULES = (
    "The score (0–1000) is the scorecard's base plus each factor's points; the grade follows "
    "the scorecard's bands. Records count on the rating's business date (Asia/Shanghai): "
    "withdrawn ones never, negative records and overdue loans until five years after they end "
    "(the anniversary included), positive records while they last. **Disputed records are "
    "frozen**: while a record is disputed it counts exactly as it did in the enterprise's last "
    "rating before the dispute (a record disputed before it was ever rated does not count), so "
    "neither a correction nor its expiry moves the rating until the dispute is resolved; a "
    "withdrawal by its source is not frozen (a withdrawn record never counts). "
    "Ratings are history: a new rating is written when what the rating says changes, and the "
    "previous one stays readable with `as_of`. `reasons` lists up to four factors that moved "
    "the score most (points lost first), each with the record ids behind it."
)


@router.get(
    "/v1/enterprises/{uscc}/rating",
    name="get_enterprise_rating",
    summary="An enterprise's credit rating, now or as it stood at a moment",
    description="For the enterprise itself (and a portal acting for it), the office and "
    "departments; banks see ratings only inside consented reports. `as_of` takes a date "
    "(the rating in force at the end of that Asia/Shanghai day) or an RFC 3339 timestamp. "
    + RATING_RULES,
    response_model=CreditRatingPublic,
    responses=problem_responses(401, 403, 404, 422),
)
def get_enterprise_rating(
    uscc: Uscc,
    session: SessionDep,
    client: Reader,
    as_of: Annotated[
        IsoDateOrMoment | None,
        Query(
            description="A date (YYYY-MM-DD) or a timestamp; default now.",
            examples=["2026-06-30", "2026-06-30T08:00:00Z"],
        ),
    ] = None,
) -> CreditRatingPublic:
    return service.get_rating(session=session, principal=client, uscc=uscc, as_of=as_of)


@router.post(
    "/v1/ratings/runs",
    name="create_rating_run",
    summary="Rate every active enterprise, or a list of them",
    description="The office starts a batch rating; it runs in the background (claimed by one "
    "replica) and `GET /v1/ratings/runs/{run_id}` shows its counts. A new rating is written "
    "only where it changed; `rating.changed` is sent where the score or grade changed. "
    "`Idempotency-Key` is required: a retry returns the first run.",
    status_code=202,
    response_model=RatingRunPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(202, "Location"),
    },
)
def create_rating_run(
    body: RatingRunCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    client: RunWriter,
    _idem: RequiredIdem,
    background: BackgroundTasks,
) -> RatingRunPublic:
    run = service.create_run(session=session, principal=client, body=body)
    response.headers["Location"] = link(request.scope, f"/v1/ratings/runs/{run.id}")
    # Runs once the response is sent, so after the unit of work committed the queued run.
    background.add_task(execute_run, database=request.app.state.database, run_id=run.id)
    return service.run_public(run)


@router.get(
    "/v1/ratings/runs/{run_id}",
    name="get_rating_run",
    summary="A batch rating and its counts",
    description="Status (queued, running, succeeded, failed) and how many enterprises were "
    "rated, rated for the first time, changed and unchanged.",
    response_model=RatingRunPublic,
    responses=problem_responses(401, 403, 404),
)
def get_rating_run(
    run_id: Annotated[str, Path(max_length=40)], session: SessionDep, _client: RunReader
) -> RatingRunPublic:
    return service.get_run(session=session, run_id=run_id)
