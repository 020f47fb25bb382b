"""HTTP routes of reward runs: run (admin, dry or committed), list and read (admin, departments)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.rewards import service
from services.funding.rewards.dependencies import RewardAdmin, RewardReader
from services.funding.rewards.schemas import (
    RewardRunCreate,
    RewardRunDetailPublic,
    RewardRunFilters,
    RewardRunPublic,
)

router = APIRouter(tags=["reward runs"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
Filters = Annotated[RewardRunFilters, Query()]


@router.post(
    "/v1/reward-runs",
    name="run_funding_rewards",
    summary="Run the year-end rewards of a budget line (admin)",
    description="Computes the reward of every base whose acceptance for `year` passed, by "
    "version `rule_set_version` of the rule family `funding.reward.<budget_line>` (in force on "
    "some day of the year), with a trace of every rule; a base that passed is rewarded for that "
    "year whatever its status now. Each base is paid from its district's "
    "block `block:<year>:<line>:<district>`, or from the line `line:<year>:<line>` when its "
    "district has no block; where an account's rewards exceed its balance they are scaled pro "
    "rata to exactly the balance (each rounded down, the fen left over to the largest "
    "remainders, ties to the lower base id: the parts add up). With `dry_run` nothing changes "
    "and the answer (200) has the figures a commit would; a commit (201) proposes one "
    "disbursement per non-zero award (the money moves to `payable` at once), records the "
    "run and makes the rule-set version unchangeable. One committed run per year, line and "
    "version: a rerun, or a dry run of a committed one, is 409 `reward_run_exists`; no base "
    "passed that year: 409 `reward_nothing_passed`. A base is rewarded once per year and "
    "line whatever the version: a base with a live (not cancelled) reward of them is left out "
    "of a later version's run, and when every base that passed has one the run is 409 "
    "`reward_already_awarded` (cancel a reward's disbursement to replace it); a "
    "concurrent run that would overdraw an account is 409 `ledger_insufficient_funds` and changes "
    "nothing. `Idempotency-Key` is required.",
    status_code=201,
    response_model=RewardRunDetailPublic,
    responses={
        200: {"description": "A dry run's figures.", "model": RewardRunDetailPublic},
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(201, "Location"),
    },
)
def run_funding_rewards(
    body: RewardRunCreate,
    request: Request,
    response: Response,
    principal: RewardAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
) -> RewardRunDetailPublic:
    run = service.run_rewards(session=session, principal=principal, data=body)
    if run.id is None:
        response.status_code = 200
    else:
        response.headers["Location"] = link(request.scope, f"/v1/reward-runs/{run.id}")
    return run


@router.get(
    "/v1/reward-runs",
    name="list_funding_reward_runs",
    summary="List committed reward runs",
    description="Oldest first; `year` and `budget_line` narrow the list. Each run's lines are "
    "at `GET /v1/reward-runs/{run_id}`.",
    response_model=Page[RewardRunPublic],
    responses=problem_responses(401, 403, 422),
)
def list_funding_reward_runs(
    session: SessionDep,
    _principal: RewardReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[RewardRunPublic]:
    items, next_cursor = service.list_runs(
        session=session, filters=filters, limit=limit, cursor=cursor
    )
    return Page[RewardRunPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/reward-runs/{run_id}",
    name="get_funding_reward_run",
    summary="Read a reward run with each base's line and trace",
    response_model=RewardRunDetailPublic,
    responses=problem_responses(401, 403, 404),
)
def get_funding_reward_run(
    run_id: str, session: SessionDep, _principal: RewardReader
) -> RewardRunDetailPublic:
    run = service.get_run(session=session, run_id=run_id)
    return service.run_detail(session, run)
