"""Fee subsidies (规范涉企行政事业性收费, plan 六(三)2(2)): the list of enterprise fees (涉企收费清单)
as data, kept by the office; a new small firm's claim for a listed fee it paid during the
demonstration period, reimbursed in full as a disbursement to the firm.

"新注册小微企业的非清单内收费一律取消, 城市示范期内的清单内收费由城市示范专项经费全额补贴": a fee
not on the list is refused by name (422 `fee_not_listed`); a firm that is not small or micro in
the registry's replica, or was not founded during the demonstration period, is refused; so is
a fee paid outside the period. The money comes from `line:<year paid>:<fee line>` (setting
`FUNDING_FEE_SUBSIDY_BUDGET_LINE`, default `other`: 其他资金, 0.1亿 in 2015), committed when
proposed, so the ledger's guard refuses the claim that would overspend the line.
"""

from datetime import date
from typing import Any

from sqlalchemy import true
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.etag import Precondition, etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.funding.budgets.service import line_account
from services.funding.disbursements import service as disbursements
from services.funding.enterprises.models import DEREGISTERED
from services.funding.enterprises.service import get_enterprise
from services.funding.fees import errors
from services.funding.fees.models import FeeClaim, FeeItem
from services.funding.fees.schemas import (
    FeeClaimCreate,
    FeeClaimFilters,
    FeeClaimPublic,
    FeeItemCreate,
    FeeItemUpdate,
)
from services.funding.ledger.models import LedgerAccount

PURPOSE = "fee_subsidy"
SMALL_OR_MICRO = frozenset({"small", "micro"})
SEES_ALL = frozenset({ClientKind.ADMIN, ClientKind.DEPARTMENT})


def etag(item: FeeItem) -> str:
    """The ETag of a fee item's current version."""
    return etag_of(item.code, item.version)


def add_item(*, session: Session, principal: Principal, data: FeeItemCreate) -> FeeItem:
    """Put a fee on the list (409 `fee_item_exists` for a taken code)."""
    now = utcnow()
    item = FeeItem(
        **data.model_dump(), created_by=principal.client_id, created_at=now, updated_at=now
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        raise errors.FeeItemExists.for_field(
            "body.code", f"The fee {data.code} is on the list already."
        ) from None
    emit(session, "fee_item.listed", data.model_dump())
    return item


def get_item(*, session: Session, code: str) -> FeeItem:
    """A fee of the list, listed or taken off (404)."""
    item = session.get(FeeItem, code)
    if item is None:
        raise errors.FeeItemNotFound(f"No fee {code} on the list.")
    return item


def update_item(
    *,
    session: Session,
    principal: Principal,
    code: str,
    data: FeeItemUpdate,
    precondition: Precondition,
) -> FeeItem:
    """Change a fee of the list, or take it off (`listed` false), under `If-Match`."""
    item = session.get(FeeItem, code, with_for_update=True, populate_existing=True)
    if item is None:
        raise errors.FeeItemNotFound(f"No fee {code} on the list.")
    precondition(etag(item))
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(item, name, value)
    item.version += 1
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    emit(
        session,
        "fee_item.updated",
        {"code": code, "version": item.version, "updated_by": principal.client_id, **changes},
    )
    return item


def list_items(*, session: Session, listed_only: bool) -> list[FeeItem]:
    """The list by code (with `listed_only`, the fees on it now)."""
    statement = select(FeeItem).order_by(col(FeeItem.code))
    if listed_only:
        statement = statement.where(col(FeeItem.listed).is_(True))
    return list(session.exec(statement).all())


def _listed(session: Session, code: str) -> FeeItem:
    item = session.get(FeeItem, code)
    if item is None or not item.listed:
        why = "is not on" if item is None else f"({item.item}) was taken off"
        raise errors.FeeNotListed.for_field(
            "body.fee_code",
            f"The fee {code!r} {why} the list of enterprise fees (涉企收费清单): it is not "
            "reimbursed (a fee not on the list is not charged to new small firms at all).",
        )
    return item


def claim_fee(
    *,
    session: Session,
    principal: Principal,
    data: FeeClaimCreate,
    budget_line: str,
    period: tuple[date, date],
) -> FeeClaim:
    """Claim a listed fee the enterprise paid and propose its full reimbursement."""
    item = _listed(session, data.fee_code)
    uscc = principal.org or ""
    enterprise = get_enterprise(session=session, uscc=uscc)
    if enterprise.size_class not in SMALL_OR_MICRO or enterprise.status == DEREGISTERED:
        raise errors.FeeFirmNotSmall(
            f"{uscc} is {enterprise.size_class}, {enterprise.status}: fee subsidies are for "
            "active small and micro enterprises."
        )
    start, end = period
    if not start <= enterprise.founded_on <= end:
        raise errors.FeeFirmNotNew(
            f"{uscc} was founded on {enterprise.founded_on}; fee subsidies are for firms founded "
            f"during the demonstration period ({start} to {end})."
        )
    today = shanghai_date(utcnow())
    if not max(start, enterprise.founded_on) <= data.paid_on <= min(end, today):
        raise errors.FeePaidOutsidePeriod.for_field(
            "body.paid_on",
            f"Fees paid from {max(start, enterprise.founded_on)} to {min(end, today)} are "
            f"reimbursed, not one paid on {data.paid_on}.",
        )
    account = line_account(data.paid_on.year, budget_line)
    if session.get(LedgerAccount, account) is None:
        raise errors.FeeBudgetLineMissing(
            f"The ledger has no line {account}: load the {data.paid_on.year} budget first."
        )
    claim = FeeClaim(
        id=new_id("fcl"),
        enterprise_uscc=uscc,
        enterprise_name=enterprise.name,
        fee_item=item.item,
        account=account,
        disbursement_id="",
        claimed_by=principal.client_id,
        actor=principal.actor,
        created_at=utcnow(),
        **data.model_dump(),
    )
    try:
        with session.begin_nested():
            session.add(claim)
            session.flush()
    except IntegrityError:
        raise errors.FeeClaimExists.for_field(
            "body.receipt_no",
            f"Receipt {data.receipt_no} for the fee {data.fee_code} has been claimed already.",
        ) from None
    disbursement = disbursements.propose(
        session,
        key=f"fee-subsidy:{claim.id}",
        payee_uscc=uscc,
        payee_name=enterprise.name,
        amount_fen=data.amount_fen,
        account=account,
        purpose=PURPOSE,
        source_ref=claim.id,
        year=data.paid_on.year,
        budget_line=budget_line,
        district=enterprise.district,
        rule_set_version=None,
        acceptance_ref=None,
        principal_id=principal.client_id,
    )
    claim.disbursement_id = disbursement.id
    session.add(claim)
    session.flush()
    emit(
        session,
        "fee_claim.filed",
        {
            "claim_id": claim.id,
            "enterprise_uscc": uscc,
            "fee_code": data.fee_code,
            "amount_fen": data.amount_fen,
            "disbursement_id": disbursement.id,
        },
        actor=principal.actor,
    )
    return claim


def _visible(principal: Principal) -> Any:
    if principal.kind in SEES_ALL:
        return true()
    return col(FeeClaim.enterprise_uscc) == (principal.org or "")


def get_claim(*, session: Session, principal: Principal, claim_id: str) -> FeeClaim:
    """One claim the caller may see (an enterprise or its portal: its own), else 404."""
    claim = session.get(FeeClaim, claim_id)
    if claim is None or (
        principal.kind not in SEES_ALL and claim.enterprise_uscc != (principal.org or "")
    ):
        raise errors.FeeClaimNotFound(f"No fee claim {claim_id}.")
    return claim


def list_claims(
    *,
    session: Session,
    principal: Principal,
    filters: FeeClaimFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[FeeClaimPublic], str | None]:
    """Fee claims the caller may see, oldest first."""
    statement = select(FeeClaim).where(_visible(principal))
    if filters.enterprise is not None:
        statement = statement.where(col(FeeClaim.enterprise_uscc) == filters.enterprise)
    if filters.fee is not None:
        statement = statement.where(col(FeeClaim.fee_code) == filters.fee)
    table = FeeClaim.__table__  # type: ignore[attr-defined]
    page = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(page).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda row: [row.id])
    return [FeeClaimPublic.model_validate(row) for row in kept], next_cursor
