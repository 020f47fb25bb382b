"""Voucher settlements from the vouchers feed (`settlement.requested`) become proposed
disbursements, once each.

Each settlement is proposed from the budget line that pays vouchers (`FUNDING_VOUCHER_BUDGET_LINE`,
default `public_services`: 创业券/创新券 buy public services from providers, the plan's 2015
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
  why). The feed moves on; nothing is committed.
"""

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from services.common.consumer import FeedEvent, Handler
from services.common.errors import DomainError
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


def _payee_name(session: Session, payload: Mapping[str, Any], uscc: str) -> str:
    named = payload.get("provider_name")
    if isinstance(named, str) and named.strip():
        return named.strip()[:200]
    enterprise = find_enterprise(session=session, uscc=uscc)
    return enterprise.name if enterprise is not None else uscc


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
    uscc = str(payload["provider_uscc"])
    request = SettlementRequest(
        settlement_id=settlement_id,
        provider_id=str(payload.get("provider_id") or "")[:40],
        provider_uscc=uscc,
        amount_fen=amount,
        month=month,
        outcome=NOTHING_TO_PAY,
    )
    if amount <= 0:
        request.detail = f"The settlement's amount is {amount} fen: nothing to pay."
        session.add(request)
        return request
    year, line, account = settlement_account(settings, month)
    try:
        with session.begin_nested():
            disbursement = propose(
                session,
                key=f"settlement:{settlement_id}",
                payee_uscc=uscc,
                payee_name=_payee_name(session, payload, uscc),
                amount_fen=amount,
                account=account,
                purpose=VOUCHER_SETTLEMENT,
                source_ref=settlement_id,
                year=year,
                budget_line=line,
                district=None,
                rule_set_version=None,
                acceptance_ref=None,
                principal_id=PROPOSER,
            )
    except DomainError as refused:
        request.outcome = NOT_FUNDED
        request.detail = f"{refused.code}: {refused.detail or refused}"[:1000]
        session.add(request)
        return request
    request.outcome = SETTLEMENT_PROPOSED
    request.disbursement_id = disbursement.id
    session.add(request)
    return request


def settlement_handlers(settings: FundingSettings) -> dict[str, Handler]:
    """The vouchers feed's handlers: each `settlement.requested` proposed once."""

    def on_requested(session: Session, event: FeedEvent) -> None:
        apply_settlement_requested(session, event.payload, settings=settings)

    return {"settlement.requested": on_requested}
