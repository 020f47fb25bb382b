"""Voucher settlements from the vouchers feed (`settlement.requested`) become proposed
disbursements, once each.

Each settlement is proposed from the budget line that pays vouchers (`FUNDING_VOUCHER_BUDGET_LINE`,
default `public-services`: 创业券/创新券 buy public services from providers, the plan's 2015
公共服务 line of 2.18亿) of the year `FUNDING_VOUCHER_BUDGET_YEAR` (default: the settlement's
month's year), i.e. from the ledger account `line:<year>:<line>`, to the provider's USCC, with
the proposal key `settlement:<settlement id>` (a redelivered event, or a second consumer behind a
lost cursor, proposes nothing new). The proposer is the funding service itself
(`funding.vouchers-feed`), so any admin approves it (four eyes).

What became of each settlement is kept in `funding_settlement_requests`:
- `proposed`, with its disbursement;
- `nothing_to_pay`: an amount of zero or less (the month's clawbacks outweigh its redemptions);
  nothing is proposed and funding recovers nothing (the settlement stays `requested` in the
  vouchers service, which keeps its clawback lines);
- `not_funded`: the line does not exist or cannot cover it (the ledger refused; `detail` says
  why). The feed moves on; nothing is committed. Once the line is funded, an admin proposes it
  again (`POST /v1/settlement-requests/{id}/proposal`, `retry_settlement`).

A cancelled settlement disbursement is not proposed again by itself (its key is spent); the
settlement stays `requested` in the vouchers service.
"""

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from services.common.consumer import FeedEvent, Handler
from services.common.errors import DomainError
from services.common.identity import Principal
from services.common.pagination import page_of, paginate
from services.funding.disbursements import errors
from services.funding.disbursements.models import (
    NOT_FUNDED,
    NOTHING_TO_PAY,
    SETTLEMENT_PROPOSED,
    VOUCHER_SETTLEMENT,
    SettlementRequest,
)
from services.funding.disbursements.service import propose
from services.funding.enterprises.service import find_enterprise
from services.funding.settings import FundingSettings

PROPOSER = "funding.vouchers-feed"


def settlement_account(settings: FundingSettings, month: str) -> tuple[int, str, str]:
    """The year, budget line and ledger account that pay a settlement of `month` (YYYY-MM)."""
    year = settings.voucher_budget_year or int(month[:4])
    line = settings.voucher_budget_line
    return year, line, f"line:{year}:{line}"


def _payee_name(session: Session, request: SettlementRequest) -> str:
    if request.provider_name:
        return request.provider_name
    enterprise = find_enterprise(session=session, uscc=request.provider_uscc)
    return enterprise.name if enterprise is not None else request.provider_uscc


def apply_settlement_requested(
    session: Session, payload: Mapping[str, Any], *, settings: FundingSettings
) -> SettlementRequest:
    """Record a `settlement.requested` and propose its disbursement (once per settlement)."""
    settlement_id = str(payload["settlement_id"])
    known = session.get(SettlementRequest, settlement_id)
    if known is not None:
        return known
    amount = int(payload["amount_fen"])
    month = str(payload["month"])
    named = payload.get("provider_name")
    request = SettlementRequest(
        settlement_id=settlement_id,
        provider_id=str(payload.get("provider_id") or "")[:40],
        provider_uscc=str(payload["provider_uscc"]),
        provider_name=(named.strip()[:200] or None) if isinstance(named, str) else None,
        amount_fen=amount,
        month=month,
        outcome=NOTHING_TO_PAY,
    )
    if amount <= 0:
        request.detail = f"The settlement's amount is {amount} fen: nothing to pay."
        session.add(request)
        return request
    return _propose(session, request, settings=settings, principal_id=PROPOSER)


def _propose(
    session: Session, request: SettlementRequest, *, settings: FundingSettings, principal_id: str
) -> SettlementRequest:
    settlement_id, uscc, amount = request.settlement_id, request.provider_uscc, request.amount_fen
    year, line, account = settlement_account(settings, request.month)
    try:
        with session.begin_nested():
            disbursement = propose(
                session,
                key=f"settlement:{settlement_id}",
                payee_uscc=uscc,
                payee_name=_payee_name(session, request),
                amount_fen=amount,
                account=account,
                purpose=VOUCHER_SETTLEMENT,
                source_ref=settlement_id,
                year=year,
                budget_line=line,
                district=None,
                rule_set_version=None,
                acceptance_ref=None,
                principal_id=principal_id,
            )
    except DomainError as refused:
        request.outcome = NOT_FUNDED
        request.detail = f"{refused.code}: {refused.detail or refused}"[:1000]
        session.add(request)
        return request
    request.outcome = SETTLEMENT_PROPOSED
    request.disbursement_id = disbursement.id
    request.detail = None
    session.add(request)
    return request


def list_settlement_requests(
    *, session: Session, outcome: str | None, limit: int, cursor: str | None
) -> tuple[list[SettlementRequest], str | None]:
    """The settlements the vouchers feed asked funding to pay, and what became of each."""
    statement = select(SettlementRequest)
    if outcome is not None:
        statement = statement.where(col(SettlementRequest.outcome) == outcome)
    table = SettlementRequest.__table__  # type: ignore[attr-defined]
    page = paginate(statement, keys=[table.c.settlement_id], limit=limit, cursor=cursor)
    rows = session.execute(page).scalars().all()
    return page_of(rows, limit=limit, key_of=lambda row: [row.settlement_id])


def retry_settlement(
    *, session: Session, principal: Principal, settlement_id: str, settings: FundingSettings
) -> SettlementRequest:
    """Propose a `not_funded` settlement again (the line funded since), with the caller as its
    proposer (so another admin approves it); still short: 409, nothing changed."""
    request = session.get(
        SettlementRequest, settlement_id, with_for_update=True, populate_existing=True
    )
    if request is None:
        raise errors.SettlementRequestNotFound(f"No settlement request {settlement_id}.")
    if request.outcome != NOT_FUNDED:
        raise errors.SettlementRequestNotPending(
            f"Settlement {settlement_id} is {request.outcome}; only a not_funded one is retried."
        )
    _propose(session, request, settings=settings, principal_id=principal.client_id)
    if request.outcome != SETTLEMENT_PROPOSED:
        raise errors.SettlementStillNotFunded(
            f"Settlement {settlement_id} still cannot be proposed: {request.detail}"
        )
    return request


def settlement_handlers(settings: FundingSettings) -> dict[str, Handler]:
    """The vouchers feed's handlers: each `settlement.requested` proposed once."""

    def on_requested(session: Session, event: FeedEvent) -> None:
        apply_settlement_requested(session, event.payload, settings=settings)

    return {"settlement.requested": on_requested}
