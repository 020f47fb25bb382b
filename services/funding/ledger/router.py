"""HTTP routes of the ledger: public reads, admin transfers and reversals."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.idempotency import Idempotency, idempotent
from services.common.links import link
from services.common.openapi import answer_headers
from services.common.pagination import CursorQuery, LimitQuery, Page
from services.common.unitofwork import UnitOfWorkRoute
from services.funding.ledger import service
from services.funding.ledger.dependencies import LedgerAdmin
from services.funding.ledger.schemas import (
    CODE_PATTERN,
    AccountKind,
    LedgerAccountCreate,
    LedgerAccountPublic,
    LedgerReversalCreate,
    LedgerTransferCreate,
    LedgerTransferPublic,
    StatementLinePublic,
    TrialBalanceAccount,
    TrialBalancePublic,
)

router = APIRouter(tags=["ledger"], route_class=UnitOfWorkRoute)
RequiredIdem = Annotated[Idempotency, Depends(idempotent(required=True))]
OptionalIdem = Annotated[Idempotency | None, Depends(idempotent(required=False))]
AccountCode = Annotated[
    str,
    Path(
        min_length=3,
        max_length=120,
        pattern=CODE_PATTERN,
        description="Account code, e.g. `line:2015:space` or `block:2015:space:xiaodian`.",
    ),
]
TransferId = Annotated[str, Path(min_length=1, max_length=40, description="Transfer id.")]


@router.get(
    "/v1/ledger/trial-balance",
    name="get_ledger_trial_balance",
    summary="Trial balance (public)",
    description="Every account's balance, totals per account kind, their sum (`total_fen`, 0 in "
    "a balanced ledger: `zero_sum`) and whether every stored balance equals the sum of the "
    "account's entries (`entries_agree`). No key needed.",
    response_model=TrialBalancePublic,
    responses=problem_responses(),
)
def get_ledger_trial_balance(session: SessionDep) -> TrialBalancePublic:
    accounts, totals, agree = service.trial_balance(session)
    total = sum(totals.values())
    return TrialBalancePublic(
        accounts=[
            TrialBalanceAccount(
                code=a.code, name=a.name, kind=AccountKind(a.kind), balance_fen=a.balance_fen
            )
            for a in accounts
        ],
        totals_by_kind=totals,
        total_fen=total,
        zero_sum=total == 0,
        entries_agree=agree,
    )


@router.get(
    "/v1/ledger/accounts",
    name="list_ledger_accounts",
    summary="List ledger accounts (public)",
    description="Accounts in code order, optionally of one `kind`, `year` or `district`.",
    response_model=Page[LedgerAccountPublic],
    responses=problem_responses(422),
)
def list_ledger_accounts(
    session: SessionDep,
    kind: Annotated[AccountKind | None, Query(description="Only this kind.")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="Only this year.")] = None,
    district: Annotated[
        str | None, Query(min_length=1, max_length=40, description="Only this district.")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[LedgerAccountPublic]:
    items, next_cursor = service.list_accounts(
        session=session,
        kind=kind.value if kind else None,
        year=year,
        district=district,
        limit=limit,
        cursor=cursor,
    )
    return Page[LedgerAccountPublic](
        items=[LedgerAccountPublic.model_validate(a) for a in items], next_cursor=next_cursor
    )


@router.post(
    "/v1/ledger/accounts",
    name="open_ledger_account",
    summary="Open a ledger account (admin)",
    description="Opens an account, or answers the open one when its terms are the same; other "
    "terms are 409 `ledger_account_conflict`. A non-negative account can never go below zero: "
    "the database refuses it. Only a source may be opened as one that can go negative, and a "
    "code's prefix is its kind (`line:…` is a line): 422 `ledger_invalid_account_terms`.",
    status_code=201,
    response_model=LedgerAccountPublic,
    responses={**problem_responses(400, 401, 403, 409, 422), **answer_headers(201, "Location")},
)
def open_ledger_account(
    body: LedgerAccountCreate,
    request: Request,
    response: Response,
    principal: LedgerAdmin,
    _idem: OptionalIdem,
    session: SessionDep,
) -> LedgerAccountPublic:
    account = service.open_account(
        session,
        code=body.code,
        name=body.name,
        kind=body.kind.value,
        non_negative=body.non_negative,
        year=body.year,
        district=body.district,
    )
    response.headers["Location"] = link(request.scope, f"/v1/ledger/accounts/{account.code}")
    return LedgerAccountPublic.model_validate(account)


@router.get(
    "/v1/ledger/accounts/{code}",
    name="get_ledger_account",
    summary="Read a ledger account (public)",
    description="The account and its balance; 404 `ledger_account_not_found`.",
    response_model=LedgerAccountPublic,
    responses=problem_responses(404, 422),
)
def get_ledger_account(code: AccountCode, session: SessionDep) -> LedgerAccountPublic:
    return LedgerAccountPublic.model_validate(service.get_account(session, code=code))


@router.get(
    "/v1/ledger/accounts/{code}/statement",
    name="get_ledger_statement",
    summary="An account's statement (public)",
    description="The account's entries in order, each with its transfer and the running "
    "balance after it; 404 `ledger_account_not_found`.",
    response_model=Page[StatementLinePublic],
    responses=problem_responses(404, 422),
)
def get_ledger_statement(
    code: AccountCode,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[StatementLinePublic]:
    rows, next_cursor = service.statement_of(session, code=code, limit=limit, cursor=cursor)
    return Page[StatementLinePublic](
        items=[
            StatementLinePublic(
                entry_no=entry.entry_no,
                transfer_id=moved.id,
                kind=moved.kind,
                memo=moved.memo,
                amount_fen=entry.amount_fen,
                balance_after_fen=entry.balance_after_fen,
                created_at=entry.created_at,
            )
            for entry, moved in rows
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/v1/ledger/transfers/{transfer_id}",
    name="get_ledger_transfer",
    summary="Read a ledger transfer (public)",
    description="The transfer with its legs; 404 `ledger_transfer_not_found`.",
    response_model=LedgerTransferPublic,
    responses=problem_responses(404),
)
def get_ledger_transfer(transfer_id: TransferId, session: SessionDep) -> LedgerTransferPublic:
    found = service.get_transfer(session, transfer_id=transfer_id)
    return service.to_public(session, found)


@router.post(
    "/v1/ledger/transfers",
    name="record_ledger_transfer",
    summary="Record a transfer (admin)",
    description="A balanced transfer, e.g. the receipt of funds from a source "
    "(`source:central` −, `line:2015:other` +). The legs must sum to zero, each non-zero and "
    "each account once (422 `ledger_unbalanced_transfer`), on open accounts (422 "
    "`ledger_unknown_account`); an account that must stay non-negative cannot go below zero "
    "(409 `ledger_insufficient_funds`, refused by the database). `payable` and `payee:` "
    "accounts move only through disbursements (a second admin approves, the payment is "
    "published): a leg on one is 422 `ledger_account_reserved`. `Idempotency-Key` is "
    "required; a retry answers the first transfer.",
    status_code=201,
    response_model=LedgerTransferPublic,
    responses={
        **problem_responses(400, 401, 403, 409, 422),
        **answer_headers(
            201, "Location", links={"get_ledger_transfer": {"transfer_id": "$response.body#/id"}}
        ),
    },
)
def record_ledger_transfer(
    body: LedgerTransferCreate,
    request: Request,
    response: Response,
    principal: LedgerAdmin,
    idem: RequiredIdem,
    session: SessionDep,
) -> LedgerTransferPublic:
    recorded = service.transfer_by_hand(
        session,
        key=f"{service.HAND_KEY_PREFIX}{principal.client_id}:{idem.key}",
        legs=[(leg.account, leg.amount_fen) for leg in body.legs],
        kind=body.kind,
        memo=body.memo,
        principal_id=principal.client_id,
        reference=body.reference,
    )
    response.headers["Location"] = link(request.scope, f"/v1/ledger/transfers/{recorded.id}")
    return service.to_public(session, recorded)


@router.post(
    "/v1/ledger/transfers/{transfer_id}/reversal",
    name="reverse_ledger_transfer",
    summary="Reverse a transfer (admin)",
    description="A correction: a new transfer with every leg of the original negated (never "
    "an edit). A transfer is reversed once, and a reversal is not reversed (409 "
    "`ledger_transfer_already_reversed`); a reversal that would take a non-negative account "
    "below zero — the money has moved on — is 409 `ledger_insufficient_funds`. A transfer "
    "on `payable` or a payee (a disbursement's commitment, payment or cancellation) is 409 "
    "`ledger_account_reserved`: a disbursement is cancelled, never reversed by hand. Only a "
    "transfer recorded here by hand is reversed here; one a domain recorded (a budget load, an "
    "allocation, a matching payment) is 409 `ledger_transfer_not_by_hand`. "
    "`Idempotency-Key` is required.",
    status_code=201,
    response_model=LedgerTransferPublic,
    responses={
        **problem_responses(400, 401, 403, 404, 409, 422),
        **answer_headers(201, "Location"),
    },
)
def reverse_ledger_transfer(
    transfer_id: TransferId,
    body: LedgerReversalCreate,
    request: Request,
    response: Response,
    principal: LedgerAdmin,
    idem: RequiredIdem,
    session: SessionDep,
) -> LedgerTransferPublic:
    reversal = service.reverse_by_hand(
        session,
        transfer_id=transfer_id,
        key=f"{service.HAND_KEY_PREFIX}{principal.client_id}:{idem.key}",
        principal_id=principal.client_id,
        memo=body.memo,
    )
    response.headers["Location"] = link(request.scope, f"/v1/ledger/transfers/{reversal.id}")
    return service.to_public(session, reversal)
