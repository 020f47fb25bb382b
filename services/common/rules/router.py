"""`rule_sets_router(...)`: the same rule-set API in every service, for that service's families."""

from collections.abc import Mapping
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.params import Depends as DependsParam

from services.common.dates import IsoDate
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import IfMatch
from services.common.idempotency import Idempotency, idempotent
from services.common.identity import Principal
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import Page
from services.common.rules import service
from services.common.rules.engine import FamilySpec
from services.common.rules.schemas import (
    RuleSetCreate,
    RuleSetEvaluationCreate,
    RuleSetEvaluationPublic,
    RuleSetPublic,
    RuleSetUpdate,
)
from services.common.unitofwork import UnitOfWorkRoute

OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]


def _dependency(alias: Any) -> Any:
    """The `Depends(authorize(...))` of an `Annotated[Principal, Depends(...)]` alias."""
    found = [meta for meta in get_args(alias)[1:] if isinstance(meta, DependsParam)]
    if not found:
        raise TypeError(f"{alias!r} is not an Annotated[Principal, Depends(authorize(...))] alias")
    return found[0]


def rule_sets_router(*, families: Mapping[str, FamilySpec], reader: Any, admin: Any) -> APIRouter:
    """The rule-set routes for `families`, guarded by the service's own aliases.

    `reader` guards the reads, `admin` the writes and the dry run (each an
    `Annotated[Principal, Depends(authorize(...))]` from the service's dependencies.py).
    """
    names = ", ".join(f"`{name}`" for name in sorted(families))
    Reader = Annotated[Principal, _dependency(reader)]
    Admin = Annotated[Principal, _dependency(admin)]
    router = APIRouter(tags=["rule sets"], route_class=UnitOfWorkRoute)

    def _headers(rule_set: Any) -> dict[str, str]:
        return {"ETag": service.etag(rule_set)}

    @router.get(
        "/v1/rule-sets",
        summary="List rule set versions",
        description=f"Families kept here: {names}. Every version, by family and version; with "
        "`family` and `on`, only the version in force that day (an empty page when none).",
        response_model=Page[RuleSetPublic],
        responses=problem_responses(401, 403, 422),
    )
    def list_rule_sets(
        session: SessionDep,
        _client: Reader,
        family: Annotated[str | None, Query(max_length=80, description="One family.")] = None,
        on: Annotated[
            IsoDate | None, Query(description="Only the version in force on this day.")
        ] = None,
    ) -> Page[RuleSetPublic]:
        rows = service.list_rule_sets(session=session, families=families, family=family, on=on)
        return Page[RuleSetPublic](items=[service.to_public(row) for row in rows])

    @router.post(
        "/v1/rule-sets",
        summary="Save a new version of a rule family",
        description=f"Families kept here: {names}. The version number is the family's next. "
        "Every rule is type-checked against the declared inputs, parameters and earlier rules: "
        "an unknown name, a type error or a syntax error is a 422 whose `errors[]` names the "
        "rule (`body.rules[i].expression`) and the line:column. `Idempotency-Key` is optional.",
        status_code=201,
        response_model=RuleSetPublic,
        responses={
            **problem_responses(400, 401, 403, 409, 422),
            **answer_headers(
                201,
                "ETag",
                "Location",
                links={"get_rule_set": {"rule_set_id": "$response.body#/id"}},
            ),
        },
    )
    def create_rule_set(
        body: RuleSetCreate,
        request: Request,
        response: Response,
        session: SessionDep,
        client: Admin,
        _idem: OptionalIdem,
    ) -> RuleSetPublic:
        rule_set = service.create_rule_set(
            session=session, principal=client, families=families, data=body
        )
        response.headers.update(
            {**_headers(rule_set), "Location": link(request.scope, f"/v1/rule-sets/{rule_set.id}")}
        )
        return service.to_public(rule_set)

    @router.get(
        "/v1/rule-sets/{rule_set_id}",
        summary="Read one rule set version",
        response_model=RuleSetPublic,
        responses={**problem_responses(401, 403, 404), **answer_headers(200, "ETag")},
    )
    def get_rule_set(
        rule_set_id: str, session: SessionDep, _client: Reader, response: Response
    ) -> RuleSetPublic:
        rule_set = service.get_rule_set(session=session, families=families, rule_set_id=rule_set_id)
        response.headers.update(_headers(rule_set))
        return service.to_public(rule_set)

    @router.put(
        "/v1/rule-sets/{rule_set_id}",
        summary="Replace an unused rule set version",
        description="Only while no recorded evaluation has used the version (then 409 "
        "`rule_set_in_use`: save a new version instead). Send the ETag in `If-Match` (428 "
        "without it, 412 when stale). Checked like a new version.",
        response_model=RuleSetPublic,
        responses={
            **problem_responses(401, 403, 404, 409, 412, 422, 428),
            **answer_headers(200, "ETag"),
        },
    )
    def replace_rule_set(
        rule_set_id: str,
        body: RuleSetUpdate,
        precondition: IfMatch,
        response: Response,
        session: SessionDep,
        client: Admin,
    ) -> RuleSetPublic:
        rule_set = service.replace_rule_set(
            session=session,
            principal=client,
            families=families,
            rule_set_id=rule_set_id,
            data=body,
            precondition=precondition,
        )
        response.headers.update(_headers(rule_set))
        return service.to_public(rule_set)

    @router.post(
        "/v1/rule-sets/{rule_set_id}/evaluation",
        summary="Dry-run a rule set version on given inputs",
        description="Evaluates every rule in order and returns the results with a trace (each "
        "rule's value and the values it used). Records nothing: the version stays editable. "
        "A missing or mistyped input is 422 `rule_input_invalid` naming it; a rule failing at "
        "run time (division by zero, a missing key) 422 `rule_evaluation_failed`.",
        response_model=RuleSetEvaluationPublic,
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    def evaluate_rule_set(
        rule_set_id: str,
        body: RuleSetEvaluationCreate,
        session: SessionDep,
        _client: Admin,
    ) -> RuleSetEvaluationPublic:
        evaluation = service.dry_run(
            session=session, families=families, rule_set_id=rule_set_id, inputs=body.inputs
        )
        return service.evaluation_public(evaluation)

    return router
