"""HTTP routes of bank agreements: the office adds versions; banks read their own."""

from fastapi import APIRouter, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.agreements import service
from services.funding.agreements.dependencies import AgreementAdmin, AgreementReader
from services.funding.agreements.schemas import (
    BankAgreementCreate,
    BankAgreementPublic,
    BankAgreementVersionPublic,
)

router = APIRouter(tags=["bank agreements"], route_class=UnitOfWorkRoute)


@router.post(
    "/v1/bank-agreements",
    name="add_bank_agreement_version",
    summary="Add a version of a partner bank's 助保贷 terms (admin)",
    description="Terms from `effective_from`: leverage multiple (default 10×), interest-rate "
    "cap, the pool's share of a loss (basis points), per-loan and per-enterprise caps (fen). "
    "Versions are never edited: a bank's first version may take effect on any day; a later one "
    "takes effect after the latest (409 `bank_agreement_not_later`) and not before today, "
    "Asia/Shanghai (422 `bank_agreement_backdated`); the bank's name stays the same (409 "
    "`bank_agreement_name_changed`). A loan is checked against, and keeps, the version in force "
    "on its start date.",
    status_code=201,
    response_model=BankAgreementVersionPublic,
    responses={**problem_responses(401, 403, 409, 422), **answer_headers(201, "Location")},
)
def add_bank_agreement_version(
    body: BankAgreementCreate,
    request: Request,
    response: Response,
    principal: AgreementAdmin,
    session: SessionDep,
) -> BankAgreementVersionPublic:
    row = service.add_version(session=session, principal=principal, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/bank-agreements/{row.bank_code}")
    return service.to_version(row)


@router.get(
    "/v1/bank-agreements",
    name="list_bank_agreements",
    summary="List partner banks' agreements",
    description="The office and departments see every bank's, a bank its own: each with the "
    "version in force today and every version.",
    response_model=list[BankAgreementPublic],
    responses=problem_responses(401, 403),
)
def list_bank_agreements(
    session: SessionDep, principal: AgreementReader
) -> list[BankAgreementPublic]:
    return service.list_agreements(session=session, principal=principal)


@router.get(
    "/v1/bank-agreements/{bank_code}",
    name="get_bank_agreement",
    summary="Read a partner bank's agreement",
    description="The version in force today and every version, oldest first. A bank reads its "
    "own only (another's answers 404 `bank_agreement_not_found`).",
    response_model=BankAgreementPublic,
    responses=problem_responses(401, 403, 404),
)
def get_bank_agreement(
    bank_code: str, session: SessionDep, principal: AgreementReader
) -> BankAgreementPublic:
    return service.get_agreement(session=session, principal=principal, bank_code=bank_code)
