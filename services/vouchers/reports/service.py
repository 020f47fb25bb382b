"""Reports: a programme's books and a provider's, each with the identities they must satisfy.

Sums are computed in the database (one aggregate per table); the identities are stated here,
as the books are read:
  budget = committed + remaining
  committed = issued − released
  issued = balances + (redeemed − reversed) + released
  redeemed − reversed = settled + unsettled − clawback pending
and for a provider: redeemed − reversed = settled + unsettled − clawback pending, paid ≤ settled.
"""

from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from services.common.identity import ClientKind, Principal
from services.vouchers.programmes.models import DRAFT, Programme
from services.vouchers.providers.models import Provider
from services.vouchers.redemptions.models import REDEEMED, REVERSED, Redemption
from services.vouchers.reports.errors import ProgrammeNotFound, ProviderNotFound
from services.vouchers.reports.schemas import (
    VoucherBookIdentity,
    VoucherProgrammeFigures,
    VoucherProgrammeReport,
    VoucherProviderReport,
)
from services.vouchers.settlements.models import PAID, Settlement
from services.vouchers.vouchers.models import Voucher


def _sum(expression: Any) -> Any:
    return func.coalesce(func.sum(expression), 0)


def _when(condition: Any, amount: Any) -> Any:
    return _sum(case((condition, amount), else_=0))


def _redemption_sums(session: Session, *where: Any) -> dict[str, int]:
    amount = col(Redemption.amount_fen)
    settled = col(Redemption.settlement_id).is_not(None)
    row = session.execute(
        select(
            func.count(),
            _sum(amount),
            _when(col(Redemption.status) == REVERSED, amount),
            _when(settled, amount),
            _when(col(Redemption.clawback_settlement_id).is_not(None), amount),
            _when((col(Redemption.status) == REDEEMED) & ~settled, amount),
            _when(
                (col(Redemption.status) == REVERSED)
                & settled
                & col(Redemption.clawback_settlement_id).is_(None),
                amount,
            ),
        ).where(*where)
    ).one()
    count, redeemed, reversed_, in_settlements, clawed, unsettled, pending = (int(v) for v in row)
    return {
        "count": count,
        "redeemed": redeemed,
        "reversed": reversed_,
        "settled": in_settlements - clawed,
        "unsettled": unsettled,
        "clawback_pending": pending,
    }


def _voucher_sums(session: Session, programme_id: str) -> dict[str, int]:
    row = session.execute(
        select(
            func.count(),
            _sum(col(Voucher.face_value_fen)),
            _sum(col(Voucher.balance_fen)),
            _sum(col(Voucher.released_fen)),
        ).where(col(Voucher.programme_id) == programme_id)
    ).one()
    count, issued, balance, released = (int(v) for v in row)
    return {"count": count, "issued": issued, "balance": balance, "released": released}


def _identities(checks: list[tuple[str, bool]]) -> list[VoucherBookIdentity]:
    return [VoucherBookIdentity(identity=text, holds=holds) for text, holds in checks]


def programme_report(
    *, session: Session, principal: Principal, programme_id: str
) -> VoucherProgrammeReport:
    """The programme's books (admin): issued, redeemed, reversed, settled, released, remaining."""
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise ProgrammeNotFound(f"No programme {programme_id}.")
    vouchers = _voucher_sums(session, programme_id)
    redemptions = _redemption_sums(session, col(Redemption.programme_id) == programme_id)
    budget, committed = programme.budget_fen, programme.committed_fen
    remaining = budget - committed
    net = redemptions["redeemed"] - redemptions["reversed"]
    return VoucherProgrammeReport(
        programme_id=programme.id,
        budget_fen=budget,
        committed_fen=committed,
        remaining_fen=remaining,
        vouchers=vouchers["count"],
        issued_fen=vouchers["issued"],
        balance_fen=vouchers["balance"],
        redeemed_fen=redemptions["redeemed"],
        reversed_fen=redemptions["reversed"],
        settled_fen=redemptions["settled"],
        unsettled_fen=redemptions["unsettled"],
        clawback_pending_fen=redemptions["clawback_pending"],
        released_fen=vouchers["released"],
        identities=_identities(
            [
                (
                    "budget_fen = committed_fen + remaining_fen, remaining_fen >= 0",
                    budget == committed + remaining and remaining >= 0,
                ),
                (
                    "committed_fen = issued_fen - released_fen",
                    committed == vouchers["issued"] - vouchers["released"],
                ),
                (
                    "issued_fen = balance_fen + redeemed_fen - reversed_fen + released_fen",
                    vouchers["issued"] == vouchers["balance"] + net + vouchers["released"],
                ),
                (
                    "redeemed_fen - reversed_fen = settled_fen + unsettled_fen"
                    " - clawback_pending_fen",
                    net
                    == redemptions["settled"]
                    + redemptions["unsettled"]
                    - redemptions["clawback_pending"],
                ),
            ]
        ),
    )


def provider_report(
    *, session: Session, principal: Principal, provider_id: str
) -> VoucherProviderReport:
    """A provider's redemptions and settlements: its own (a provider), or any (admin)."""
    provider = session.get(Provider, provider_id)
    mine = principal.kind == ClientKind.ADMIN or principal.org == provider_id
    if provider is None or not mine:
        raise ProviderNotFound(f"No provider {provider_id} that you may see.")
    redemptions = _redemption_sums(session, col(Redemption.provider_id) == provider_id)
    count, settled, paid = (
        int(v)
        for v in session.execute(
            select(
                func.count(),
                _sum(col(Settlement.amount_fen)),
                _when(col(Settlement.status) == PAID, func.coalesce(Settlement.paid_amount_fen, 0)),
            ).where(col(Settlement.provider_id) == provider_id)
        ).one()
    )
    net = redemptions["redeemed"] - redemptions["reversed"]
    return VoucherProviderReport(
        provider_id=provider_id,
        redemptions=redemptions["count"],
        redeemed_fen=redemptions["redeemed"],
        reversed_fen=redemptions["reversed"],
        unsettled_fen=redemptions["unsettled"],
        clawback_pending_fen=redemptions["clawback_pending"],
        settlements=count,
        settled_fen=settled,
        paid_fen=paid,
        identities=_identities(
            [
                (
                    "redeemed_fen - reversed_fen = settled_fen + unsettled_fen"
                    " - clawback_pending_fen",
                    net == settled + redemptions["unsettled"] - redemptions["clawback_pending"],
                ),
                ("paid_fen <= settled_fen", paid <= settled),
            ]
        ),
    )


def programme_figures(*, session: Session, programme_id: str) -> VoucherProgrammeFigures:
    """A programme's public figures (404 for a draft: not yet published)."""
    programme = session.get(Programme, programme_id)
    if programme is None or programme.status == DRAFT:
        raise ProgrammeNotFound(f"No published programme {programme_id}.")
    vouchers = _voucher_sums(session, programme_id)
    redemptions = _redemption_sums(session, col(Redemption.programme_id) == programme_id)
    return VoucherProgrammeFigures(
        programme_id=programme.id,
        name=programme.name,
        kind=programme.kind,
        year=programme.year,
        status=programme.status,
        budget_fen=programme.budget_fen,
        vouchers=vouchers["count"],
        issued_fen=vouchers["issued"],
        redeemed_fen=redemptions["redeemed"] - redemptions["reversed"],
        released_fen=vouchers["released"],
        remaining_fen=programme.budget_fen - programme.committed_fen,
    )
