"""HTTP routes of the 助保贷 risk pool: the pool's figures and deposits (admin), and the banks'
loans, repayments, defaults and recoveries."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.riskpool import service
from services.funding.riskpool.dependencies import LoanBank, PoolAdmin, PoolReader
from services.funding.riskpool.schemas import (
    DefaultCreate,
    GuaranteedLoanCreate,
    GuaranteedLoanPublic,
    LoanFilters,
    RecoveryCreate,
    RepaymentCreate,
    RiskPoolDepositCreate,
    RiskPoolDepositPublic,
    RiskPoolPublic,
)

router = APIRouter(tags=["risk pool"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency | None, Depends(idempotent(required=True))]
Filters = Annotated[LoanFilters, Query()]
LOAN_WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)


@router.get(
    "/v1/risk-pool",
    name="get_risk_pool",
    summary="The 助保贷 risk pool's figures",
    description="`pool:risk`'s balance, the deposits, the guaranteed principal outstanding, "
    "capacity and headroom at the default 10× (each bank's at its own multiple), losses, the "
    "pool's compensation and what recoveries returned, the loss rate ((losses − recoveries) / "
    "principal registered, basis points, rounded down), and one row per bank: a bank sees its "
    "own row only.",
    response_model=RiskPoolPublic,
    responses=problem_responses(401, 403),
)
def get_risk_pool(session: SessionDep, principal: PoolReader) -> RiskPoolPublic:
    return service.summary(session=session, principal=principal)


@router.post(
    "/v1/risk-pool/deposits",
    name="deposit_into_risk_pool",
    summary="Deposit money into the risk pool (admin)",
    description="A ledger transfer into `pool:risk`: `stock` (the pool's money before 2015) from "
    "`source:city`; a `yearly` deposit from the year's budget sub-line "
    "`line:<year>:financing:zhubaodai-pool` when the loaded budget has it (2015: 0.4亿), else "
    "from `source:city` (2016: 0.45亿, 2017: 0.5亿). A short sub-line is 409 "
    "`ledger_insufficient_funds`. `Idempotency-Key` is required; the key also keys the "
    "deposit, so it is recorded once.",
    status_code=201,
    response_model=RiskPoolDepositPublic,
    responses=problem_responses(400, 401, 403, 409, 422),
)
def deposit_into_risk_pool(
    body: RiskPoolDepositCreate,
    principal: PoolAdmin,
    idem: RequiredIdem,
    session: SessionDep,
) -> RiskPoolDepositPublic:
    assert idem is not None
    row = service.deposit(
        session=session, principal_id=principal.client_id, key=idem.key, data=body
    )
    return service.deposit_public(row)


@router.get(
    "/v1/risk-pool/deposits",
    name="list_risk_pool_deposits",
    summary="List the risk pool's deposits",
    description="Every deposit with the account it came from and its ledger transfer, by year.",
    response_model=list[RiskPoolDepositPublic],
    responses=problem_responses(401, 403),
)
def list_risk_pool_deposits(
    session: SessionDep, principal: PoolReader
) -> list[RiskPoolDepositPublic]:
    return service.list_deposits(session=session)


@router.post(
    "/v1/risk-pool/loans",
    name="register_guaranteed_loan",
    summary="Register a 助保贷 loan the bank granted (bank)",
    description="Checked against the bank's agreement in force on `start_on` (409 "
    "`no_bank_agreement`), refused with one code per rule, nothing recorded: the borrower is not "
    "a filed, active enterprise (422 `loan_enterprise_not_filed`) or not small or micro (422 "
    "`loan_enterprise_not_small_or_micro`), is on the serious-dishonesty list today (409 "
    "`loan_enterprise_on_dishonesty_list`); the rate is above the cap (422 "
    "`loan_rate_over_cap`); the principal is above the per-loan cap (422 "
    "`loan_over_per_loan_cap`); the bank's outstanding principal for the enterprise would pass "
    "its cap (409 `loan_over_enterprise_cap`); the outstanding guaranteed principal of all banks "
    "would pass the bank's leverage × the pool's balance (409 `loan_over_leverage_headroom`); "
    "the contract is registered already (409 `loan_already_registered`). Registrations are "
    "serialised on the pool's row, so parallel ones never pass the headroom together. "
    "`Idempotency-Key` is required.",
    status_code=201,
    response_model=GuaranteedLoanPublic,
    responses={**LOAN_WRITE_ERRORS, **answer_headers(201, "Location")},
)
def register_guaranteed_loan(
    body: GuaranteedLoanCreate,
    request: Request,
    response: Response,
    principal: LoanBank,
    _idem: RequiredIdem,
    session: SessionDep,
) -> GuaranteedLoanPublic:
    loan = service.register_loan(session=session, principal=principal, data=body)
    response.headers["Location"] = link(request.scope, f"/v1/risk-pool/loans/{loan.id}")
    return service.to_public(session, loan)


@router.get(
    "/v1/risk-pool/loans",
    name="list_guaranteed_loans",
    summary="List guaranteed loans",
    description="The office and departments see every bank's, a bank its own. Filters: "
    "`status`, `bank`, `enterprise`. Oldest first.",
    response_model=Page[GuaranteedLoanPublic],
    responses=problem_responses(401, 403, 422),
)
def list_guaranteed_loans(
    session: SessionDep,
    principal: PoolReader,
    filters: Filters,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[GuaranteedLoanPublic]:
    items, next_cursor = service.list_loans(
        session=session, principal=principal, filters=filters, limit=limit, cursor=cursor
    )
    return Page[GuaranteedLoanPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/v1/risk-pool/loans/{loan_id}",
    name="get_guaranteed_loan",
    summary="Read one guaranteed loan",
    description="With its repayments and, after a default, its compensation claim and "
    "recoveries. A bank reads its own (another's answers 404 `risk_loan_not_found`).",
    response_model=GuaranteedLoanPublic,
    responses=problem_responses(401, 403, 404),
)
def get_guaranteed_loan(
    loan_id: str, session: SessionDep, principal: PoolReader
) -> GuaranteedLoanPublic:
    loan = service.get_loan(session=session, principal=principal, loan_id=loan_id)
    return service.to_public(session, loan)


@router.post(
    "/v1/risk-pool/loans/{loan_id}/repayments",
    name="repay_guaranteed_loan",
    summary="Record a repayment of principal (bank)",
    description="The loan's and the pool's outstanding principal go down; repaid in full, the "
    "loan is `repaid`. Only an active loan (409 `loan_not_active`), at most the outstanding "
    "(409 `repayment_over_outstanding`). `Idempotency-Key` is required.",
    response_model=GuaranteedLoanPublic,
    responses=LOAN_WRITE_ERRORS,
)
def repay_guaranteed_loan(
    loan_id: str,
    body: RepaymentCreate,
    principal: LoanBank,
    _idem: RequiredIdem,
    session: SessionDep,
) -> GuaranteedLoanPublic:
    loan = service.repay(
        session=session,
        principal=principal,
        loan_id=loan_id,
        amount_fen=body.amount_fen,
        repaid_on=body.repaid_on,
    )
    return service.to_public(session, loan)


@router.post(
    "/v1/risk-pool/loans/{loan_id}/default",
    name="default_guaranteed_loan",
    summary="Report a default with its loss (bank)",
    description="The loan leaves the guarantee (its outstanding principal no longer counts) and "
    "a compensation claim splits `loss_fen` (at most the outstanding, 409 "
    "`loss_over_outstanding`): the pool's share = loss × the agreed share (bp) / 10000, rounded "
    "down to the fen, is proposed at once as a disbursement from `pool:risk` to the bank "
    "(purpose `zhubaodai_compensation`; an admin approves and pays it, and the payment is "
    "published in the public ledger); the bank bears the rest. A pool that cannot cover the "
    "share: 409 `ledger_insufficient_funds`, nothing recorded. Only an active loan (409 "
    "`loan_not_active`). `Idempotency-Key` is required.",
    response_model=GuaranteedLoanPublic,
    responses=LOAN_WRITE_ERRORS,
)
def default_guaranteed_loan(
    loan_id: str,
    body: DefaultCreate,
    principal: LoanBank,
    _idem: RequiredIdem,
    session: SessionDep,
) -> GuaranteedLoanPublic:
    loan = service.default(
        session=session,
        principal=principal,
        loan_id=loan_id,
        loss_fen=body.loss_fen,
        defaulted_on=body.defaulted_on,
    )
    return service.to_public(session, loan)


@router.post(
    "/v1/risk-pool/loans/{loan_id}/recoveries",
    name="recover_guaranteed_loan",
    summary="Record money recovered after a default (bank)",
    description="The pool's part flows back from `payee:<bank>` to `pool:risk` in the shares of "
    "the loss, cumulatively: after recoveries totalling R the pool has had back R × share / "
    "10000 rounded down, so a full recovery returns the whole compensation. Only a defaulted "
    "loan (409 `loan_not_defaulted`) whose compensation is paid (409 `compensation_not_paid`); "
    "recoveries add up to at most the loss (409 `recovery_over_loss`). `Idempotency-Key` is "
    "required.",
    response_model=GuaranteedLoanPublic,
    responses=LOAN_WRITE_ERRORS,
)
def recover_guaranteed_loan(
    loan_id: str,
    body: RecoveryCreate,
    principal: LoanBank,
    _idem: RequiredIdem,
    session: SessionDep,
) -> GuaranteedLoanPublic:
    loan = service.recover(
        session=session,
        principal=principal,
        loan_id=loan_id,
        amount_fen=body.amount_fen,
        recovered_on=body.recovered_on,
    )
    return service.to_public(session, loan)
