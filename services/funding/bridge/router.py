"""HTTP routes of the emergency bridge fund: the fund and its capital (office), applications
(enterprises, portals on behalf), the bank's renewal, repayments (office), reading."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.bridge import service
from services.funding.bridge.dependencies import (
    BridgeAdmin,
    BridgeApplicant,
    BridgeBank,
    BridgeReader,
    FundReader,
)
from services.funding.bridge.schemas import (
    BridgeCapitalCreate,
    BridgeCapitalPublic,
    BridgeFundPublic,
    BridgeLoanCreate,
    BridgeLoanFilters,
    BridgeLoanPublic,
    BridgeRenewalCreate,
    BridgeRepaymentCreate,
)

router = APIRouter(tags=["bridge fund"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
Filters = Annotated[BridgeLoanFilters, Query()]


@router.get(
    "/v1/bridge-fund",
    name="get_bridge_fund",
    summary="The emergency bridge fund's figures",
    description="The revolving fund (应急周转资金): capital loaded, principal outstanding, "
    "available = capital − outstanding (the balance of the ledger account `fund:bridge`), the "
    "fees received (`income:bridge-fees`), the overdue loans, and what it has lent in all.",
    response_model=BridgeFundPublic,
    responses=problem_responses(401, 403),
)
def get_bridge_fund(session: SessionDep, principal: FundReader) -> BridgeFundPublic:
    return service.fund(session=session)


@router.post(
    "/v1/bridge-fund/capital",
    name="load_bridge_fund_capital",
    summary="Load capital into the bridge fund (admin)",
    description="A ledger transfer into `fund:bridge` from the year's budget sub-line "
    "`line:<year>:financing:zhubaodai-bridge` when the loaded budget has it (2015: 0.1亿), else "
    "from `source:city`. A short sub-line is 409 `ledger_insufficient_funds`. "
    "`Idempotency-Key` is required; the key also keys the load, so it is recorded once.",
    status_code=201,
    response_model=BridgeCapitalPublic,
    responses=problem_responses(400, 401, 403, 409, 422),
)
def load_bridge_fund_capital(
    body: BridgeCapitalCreate, principal: BridgeAdmin, idem: RequiredIdem, session: SessionDep
) -> BridgeCapitalPublic:
    assert idem is not None
    row = service.load_capital(
        session=session, principal_id=principal.client_id, key=idem.key, data=body
    )
    return service.capital_public(row)


@router.get(
    "/v1/bridge-fund/capital",
    name="list_bridge_fund_capital",
    summary="List the bridge fund's capital loads",
    description="Every load with the account it came from and its ledger transfer, oldest first.",
    response_model=list[BridgeCapitalPublic],
    responses=problem_responses(401, 403),
)
def list_bridge_fund_capital(
    session: SessionDep, principal: FundReader
) -> list[BridgeCapitalPublic]:
    return service.list_capital(session=session)


@router.post(
    "/v1/bridge-loans",
    name="apply_for_bridge_loan",
    summary="Apply for a bridge loan on a registered 助保贷 loan falling due (enterprise)",
    description="An enterprise (or a portal on its behalf) names its registered 助保贷 loan "
    "(`/v1/risk-pool/loans/{id}`); the fund lends at once on the terms of the `funding.bridge` "
    "rule set in force today (2015 defaults: from 15 days before maturity, up to the maturing "
    "principal, at most 30 days, fee = amount × 600 bp × days / (10000 × 360) rounded down), "
    "moving the amount `fund:bridge` → `borrower:<uscc>`; due on today + days. Refused with "
    "nothing recorded: not an enterprise (403 `bridge_applicant_not_enterprise`); not the "
    "borrower of that registered loan (422 `bridge_not_zhubaodai_borrower`); the loan repaid "
    "or defaulted (409 `bridge_guaranteed_loan_not_active`); on the dishonesty list (409 "
    "`bridge_borrower_on_dishonesty_list`); bridged already (409 `bridge_already_bridged`); "
    "matured before today (409 `bridge_loan_past_maturity`); not in the window yet (409 "
    "`bridge_not_due_yet`); over the principal (422 `bridge_over_principal`) or the days (422 "
    "`bridge_over_max_days`); more than the fund holds (409 `bridge_fund_short`, guarded by "
    "the ledger's CHECK under concurrency). `Idempotency-Key` is required.",
    status_code=201,
    response_model=BridgeLoanPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201, "Location", links={"get_bridge_loan": {"bridge_id": "$response.body#/id"}}
        ),
    },
)
def apply_for_bridge_loan(
    body: BridgeLoanCreate,
    request: Request,
    response: Response,
    principal: BridgeApplicant,
    _idem: RequiredIdem,
    session: SessionDep,
) -> BridgeLoanPublic:
    row = service.apply(session=session, principal=principal, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/bridge-loans/{row.id}")
    return service.to_public(row)


@router.get(
    "/v1/bridge-loans",
    name="list_bridge_loans",
    summary="List bridge loans",
    description="The office and departments see every one, a bank those on its loans, an "
    "enterprise (or its portal) its own. Filters: `status`, `overdue`, `enterprise`. Oldest "
    "first.",
    response_model=Page[BridgeLoanPublic],
    responses=problem_responses(401, 403, 422),
)
def list_bridge_loans(
    session: SessionDep,
    principal: BridgeReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[BridgeLoanPublic]:
    rows, next_cursor = service.list_loans(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[BridgeLoanPublic](
        items=[service.to_public(row) for row in rows], next_cursor=next_cursor
    )


@router.get(
    "/v1/bridge-loans/{bridge_id}",
    name="get_bridge_loan",
    summary="Read one bridge loan",
    description="Its terms, the rule-set version that set them, the renewal and the repayment. "
    "One the caller may not see answers 404 `bridge_loan_not_found`.",
    response_model=BridgeLoanPublic,
    responses=problem_responses(401, 403, 404),
)
def get_bridge_loan(
    bridge_id: str, session: SessionDep, principal: BridgeReader
) -> BridgeLoanPublic:
    return service.to_public(
        service.get_loan(session=session, principal=principal, bridge_id=bridge_id)
    )


@router.post(
    "/v1/bridge-loans/{bridge_id}/renewal",
    name="confirm_bridge_loan_renewal",
    summary="Confirm the renewal of the registered loan (the loan's bank)",
    description="The bank of the registered 助保贷 loan confirms it renewed (续贷) the loan: the "
    "bridge loan is `renewed`. Another bank's answers 404 `bridge_loan_not_found`; once only "
    "and before the repayment (409 `bridge_not_renewable`); not before the lending day (422 "
    "`bridge_renewal_before_lending`). `Idempotency-Key` is accepted.",
    response_model=BridgeLoanPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def confirm_bridge_loan_renewal(
    bridge_id: str,
    body: BridgeRenewalCreate,
    principal: BridgeBank,
    _idem: OptionalIdem,
    session: SessionDep,
) -> BridgeLoanPublic:
    row = service.confirm_renewal(
        session=session, principal=principal, bridge_id=bridge_id, data=body
    )
    return service.to_public(row)


@router.post(
    "/v1/bridge-loans/{bridge_id}/repayment",
    name="repay_bridge_loan",
    summary="Record the repayment of a bridge loan (admin)",
    description="The fund's operator records the repayment it received: exactly principal + "
    "fee (`owed_fen`, else 422 `bridge_repayment_not_owed`), dated between the lending day and "
    "today (422 `bridge_repayment_date_invalid`). The principal returns to `fund:bridge` (the "
    "fund revolves), the fee goes to `income:bridge-fees`. Once (409 `bridge_already_repaid`). "
    "A repayment after the due date is recorded too (`late` in the event; an overdue record "
    "at the credit service then ends that day). `Idempotency-Key` is required.",
    response_model=BridgeLoanPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def repay_bridge_loan(
    bridge_id: str,
    body: BridgeRepaymentCreate,
    principal: BridgeAdmin,
    _idem: RequiredIdem,
    session: SessionDep,
) -> BridgeLoanPublic:
    row = service.repay(session=session, principal=principal, bridge_id=bridge_id, data=body)
    return service.to_public(row)
