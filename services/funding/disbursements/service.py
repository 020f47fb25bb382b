"""Disbursements: proposed (money committed at once), approved by a second admin, paid or cancelled.

The money moves only by ledger transfers, in the caller's transaction:
- `propose`: the disbursement's account (a budget line, sub-line or district block) → `payable`.
  A non-negative account cannot go below zero (the ledger's database guard), so parallel
  proposals can never overspend a line or block: the one that would is refused (409).
- `pay`: `payable` → `payee:<uscc>`; the paid disbursement is published in the public ledger
  and announced as `disbursement.paid` (with `settlement_id` when it pays a voucher settlement).
- `cancel`: `payable` → the account it came from.

State changes lock the disbursement's row (`SELECT … FOR UPDATE`; SQLite's write transaction
already holds the one write lock) before checking its state, so parallel approvals and
payments of one disbursement approve and pay it once. The table's CHECKs hold what a race
must never break: the approver is not the proposer (four eyes), a paid one has its reference.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, true
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.etag import etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit, emit_many
from services.common.pagination import page_of, paginate
from services.funding.disbursements import errors
from services.funding.disbursements.models import (
    APPROVED,
    CANCELLED,
    PAID,
    PROPOSED,
    REWARD,
    VOUCHER_SETTLEMENT,
    Disbursement,
    SettlementRequest,
)
from services.funding.disbursements.schemas import DisbursementFilters, DisbursementPublic
from services.funding.enterprises.service import on_dishonesty_list
from services.funding.ledger import service as ledger
from services.funding.public import service as public_ledger

PAYABLE = "payable"
PROPOSED_EVENT, APPROVED_EVENT = "disbursement.proposed", "disbursement.approved"
PAID_EVENT, CANCELLED_EVENT = "disbursement.paid", "disbursement.cancelled"
# Who pays, as the public ledger names it, and the programme each purpose belongs to: every
# purpose a domain proposes (rewards, voucher settlements, the risk pool, interest subsidies,
# guarantee compensation, fee subsidies) has its Chinese name; the fallback is for none of them.
PAYER = "太原市财政局"
PROGRAMME = "小微企业创业创新基地城市示范"
PROGRAMMES = {
    REWARD: f"{PROGRAMME}：创业创新基地奖励",
    VOUCHER_SETTLEMENT: f"{PROGRAMME}：创业券、创新券兑付",
    "zhubaodai_compensation": f"{PROGRAMME}：“助保贷”风险补偿",
    "interest_subsidy": f"{PROGRAMME}：大学生创业贷款基准利率贴息",
    "guarantee_compensation": f"{PROGRAMME}：融资性担保机构风险补偿",
    "fee_subsidy": f"{PROGRAMME}：新注册小微企业涉企行政事业性收费补贴",
}
SEES_ALL = frozenset({ClientKind.ADMIN, ClientKind.DEPARTMENT})
# What a proposal is about: the same key with other values is another proposal (409).
_COMPARED = (
    "payee_uscc",
    "amount_fen",
    "account",
    "purpose",
    "source_ref",
    "year",
    "budget_line",
    "district",
)

Precondition = Callable[[str], None]


def etag(disbursement: Disbursement) -> str:
    """The ETag of a disbursement's current version."""
    return etag_of(disbursement.id, disbursement.version)


def to_public(disbursement: Disbursement) -> DisbursementPublic:
    """The API view of a disbursement row."""
    return DisbursementPublic.model_validate(disbursement, from_attributes=True)


def _ledger_key(*parts: str) -> str:
    """A transfer key of bounded length, the same for the same parts (the ledger's idempotency)."""
    return "dsb:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:48]


def _by_key(session: Session, key: str) -> Disbursement | None:
    return session.exec(select(Disbursement).where(col(Disbursement.key) == key)).first()


def _same_or_conflict(found: Disbursement, wanted: dict[str, Any]) -> Disbursement:
    differs = [name for name in _COMPARED if getattr(found, name) != wanted[name]]
    if differs:
        raise errors.DisbursementKeyReused(
            f"The proposal key names disbursement {found.id}, with another {', '.join(differs)}."
        )
    return found


def _open_account(session: Session, code: str, name: str, kind: str) -> None:
    ledger.open_account(session, code=code, name=name, kind=kind, non_negative=True)


def propose(
    session: Session,
    *,
    key: str,
    payee_uscc: str,
    payee_name: str,
    amount_fen: int,
    account: str,
    purpose: str,
    source_ref: str,
    year: int,
    budget_line: str,
    district: str | None,
    rule_set_version: str | None,
    acceptance_ref: str | None,
    principal_id: str,
) -> Disbursement:
    """Propose a disbursement and commit its money at once (`account` → `payable`); idempotent.

    The same `key` with the same details answers the existing disbursement; with other details
    409 `disbursement_key_reused`. An account that cannot cover it: the ledger's 409
    `insufficient_funds`, nothing proposed.
    """
    wanted: dict[str, Any] = {
        "payee_uscc": payee_uscc,
        "amount_fen": amount_fen,
        "account": account,
        "purpose": purpose,
        "source_ref": source_ref,
        "year": year,
        "budget_line": budget_line,
        "district": district,
    }
    found = _by_key(session, key)
    if found is not None:
        return _same_or_conflict(found, wanted)
    if amount_fen <= 0:
        raise errors.DisbursementAmountNotPositive(
            f"A disbursement pays a positive amount of fen, not {amount_fen}."
        )
    disbursement_id = new_id("dsb")
    try:
        with session.begin_nested():
            _open_account(session, PAYABLE, "Committed to disbursements, not yet paid", "payable")
            transfer = ledger.transfer(
                session,
                key=_ledger_key("commit", key),
                legs=[(account, -amount_fen), (PAYABLE, amount_fen)],
                kind="disbursement_commit",
                memo=f"{purpose} {source_ref} → {payee_name} ({payee_uscc})",
                principal_id=principal_id,
                reference=disbursement_id,
            )
            now = utcnow()
            row = Disbursement(
                id=disbursement_id,
                key=key,
                payee_name=payee_name,
                rule_set_version=rule_set_version,
                acceptance_ref=acceptance_ref,
                commit_transfer_id=transfer.id,
                proposed_by=principal_id,
                proposed_at=now,
                updated_at=now,
                **wanted,
            )
            session.add(row)
            session.flush()
    except IntegrityError:
        # A parallel proposal with the same key committed first: answer it.
        found = _by_key(session, key)
        if found is None:
            raise
        return _same_or_conflict(found, wanted)
    emit(session, PROPOSED_EVENT, _event(row))
    return row


def _event(row: Disbursement, **extra: Any) -> dict[str, Any]:
    return {
        "disbursement_id": row.id,
        "payee_uscc": row.payee_uscc,
        "amount_fen": row.amount_fen,
        "purpose": row.purpose,
        "source_ref": row.source_ref,
        "year": row.year,
        "budget_line": row.budget_line,
        "district": row.district,
        "status": row.status,
        **extra,
    }


@dataclass(frozen=True)
class Proposal:
    """One disbursement of a batch (`propose_many`): `propose`'s arguments but the principal."""

    key: str
    payee_uscc: str
    payee_name: str
    amount_fen: int
    account: str
    purpose: str
    source_ref: str
    year: int
    budget_line: str
    district: str | None
    rule_set_version: str | None
    acceptance_ref: str | None


def propose_many(
    session: Session,
    *,
    proposals: Sequence[Proposal],
    memo: str,
    reference: str,
    principal_id: str,
) -> list[str]:
    """Propose many disbursements at once (a reward run's); their ids in `proposals`' order.
    All or none.

    Each is idempotent on its key as with `propose` (an existing one with the same details is
    answered, with other details 409 `disbursement_key_reused`). The new ones' money is committed
    by one ledger transfer, one leg per account (account → `payable`): the ledger's database
    guard refuses it whole (409 `ledger_insufficient_funds`) if any account cannot cover its
    part. A batch racing another proposal of one of its keys falls back to `propose` one by one.
    """
    if not proposals:
        return []
    keys = [proposal.key for proposal in proposals]
    existing = {
        row.key: row
        for row in session.exec(select(Disbursement).where(col(Disbursement.key).in_(keys)))
    }
    fresh: list[Proposal] = []
    for proposal in proposals:
        wanted = _wanted(proposal)
        if proposal.key in existing:
            _same_or_conflict(existing[proposal.key], wanted)
            continue
        if proposal.amount_fen <= 0:
            raise errors.DisbursementAmountNotPositive(
                f"A disbursement pays a positive amount of fen, not {proposal.amount_fen}."
            )
        fresh.append(proposal)
    if fresh:
        try:
            with session.begin_nested():
                _commit_batch(session, fresh, memo=memo, reference=reference, by=principal_id)
        except IntegrityError:
            for proposal in fresh:  # a parallel proposal of one of the keys came first
                propose(session, **_fields(proposal), principal_id=principal_id)
    ids = dict(
        session.execute(
            select(Disbursement.key, Disbursement.id).where(col(Disbursement.key).in_(keys))
        ).all()
    )
    return [ids[key] for key in keys]


def _fields(proposal: Proposal) -> dict[str, Any]:
    return {name: getattr(proposal, name) for name in _PROPOSAL_FIELDS}


def _wanted(proposal: Proposal) -> dict[str, Any]:
    return {name: getattr(proposal, name) for name in _COMPARED}


def _commit_batch(
    session: Session, fresh: Sequence[Proposal], *, memo: str, reference: str, by: str
) -> None:
    by_account: dict[str, int] = defaultdict(int)
    for proposal in fresh:
        by_account[proposal.account] += proposal.amount_fen
    _open_account(session, PAYABLE, "Committed to disbursements, not yet paid", "payable")
    transfer = ledger.transfer(
        session,
        key=_ledger_key("commit-batch", *sorted(proposal.key for proposal in fresh)),
        legs=[(account, -amount) for account, amount in sorted(by_account.items())]
        + [(PAYABLE, sum(by_account.values()))],
        kind="disbursement_commit",
        memo=memo[:500],
        principal_id=by,
        reference=reference,
    )
    now = utcnow()
    rows = [
        {
            **_fields(proposal),
            "id": new_id("dsb"),
            "status": PROPOSED,
            "version": 1,
            "commit_transfer_id": transfer.id,
            "proposed_by": by,
            "proposed_at": now,
            "updated_at": now,
        }
        for proposal in fresh
    ]
    session.execute(insert(Disbursement.__table__), rows)  # type: ignore[arg-type,attr-defined]
    emit_many(
        session,
        [
            (
                PROPOSED_EVENT,
                {
                    "disbursement_id": row["id"],
                    **{name: row[name] for name in _EVENT_FIELDS},
                },
            )
            for row in rows
        ],
    )


_PROPOSAL_FIELDS = tuple(Proposal.__dataclass_fields__)
_EVENT_FIELDS = (
    "payee_uscc",
    "amount_fen",
    "purpose",
    "source_ref",
    "year",
    "budget_line",
    "district",
    "status",
)


def get_disbursement(
    *, session: Session, principal: Principal, disbursement_id: str
) -> Disbursement:
    """One disbursement the caller may see (an enterprise: those paying it), else 404."""
    row = session.get(Disbursement, disbursement_id)
    if (
        row is None
        or not session.exec(
            select(Disbursement.id)
            .where(col(Disbursement.id) == disbursement_id)
            .where(_visible_to(principal))
        ).first()
    ):
        raise errors.DisbursementNotFound(f"No disbursement {disbursement_id}.")
    return row


def _visible_to(principal: Principal) -> Any:
    """Which disbursements the caller sees: all (admin, departments), those paying the
    enterprise (an enterprise, a portal on its behalf), those paying the provider's settlements
    (a provider: its token names its provider id, not its USCC)."""
    if principal.kind in SEES_ALL:
        return true()
    if principal.kind == ClientKind.PROVIDER:
        settled = select(SettlementRequest.disbursement_id).where(
            col(SettlementRequest.provider_id) == (principal.org or "")
        )
        return col(Disbursement.id).in_(settled)
    return col(Disbursement.payee_uscc) == (principal.org or "")


def _locked(session: Session, disbursement_id: str) -> Disbursement:
    row = session.get(Disbursement, disbursement_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise errors.DisbursementNotFound(f"No disbursement {disbursement_id}.")
    return row


def list_disbursements(
    *,
    session: Session,
    principal: Principal,
    filters: DisbursementFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[DisbursementPublic], str | None]:
    """Disbursements the caller may see, filtered, oldest first."""
    statement = select(Disbursement)
    statement = statement.where(_visible_to(principal))
    conditions = {
        "status": Disbursement.status,
        "purpose": Disbursement.purpose,
        "payee": Disbursement.payee_uscc,
        "year": Disbursement.year,
        "line": Disbursement.budget_line,
    }
    for name, column in conditions.items():
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(col(column) == value)
    table = Disbursement.__table__  # type: ignore[attr-defined]
    page = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(page).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda row: [row.id])
    return [to_public(row) for row in kept], next_cursor


def _touch(row: Disbursement) -> None:
    row.version += 1
    row.updated_at = utcnow()


def approve(
    *,
    session: Session,
    principal: Principal,
    disbursement_id: str,
    note: str | None,
    precondition: Precondition,
) -> Disbursement:
    """Approve a proposed disbursement: an admin other than its proposer (four eyes), for a
    payee not on the serious-dishonesty list today (失信联合惩戒)."""
    row = _locked(session, disbursement_id)
    precondition(etag(row))
    if row.status != PROPOSED:
        raise errors.DisbursementNotProposed(
            f"Disbursement {row.id} is {row.status}; only a proposed one can be approved."
        )
    if principal.client_id == row.proposed_by:
        raise errors.FourEyesRequired(
            f"Four eyes: {principal.client_id} proposed disbursement {row.id}; another admin "
            "must approve it."
        )
    if on_dishonesty_list(session=session, uscc=row.payee_uscc):
        raise errors.PayeeOnDishonestyList(
            f"失信联合惩戒: the payee {row.payee_uscc} is on the serious-dishonesty list, so "
            f"disbursement {row.id} cannot be approved (it may be cancelled, or approved once "
            "the listing ends or is cleared)."
        )
    row.status = APPROVED
    row.approved_by = principal.client_id
    row.approved_at = utcnow()
    row.approval_note = note
    _touch(row)
    session.add(row)
    session.flush()
    emit(session, APPROVED_EVENT, _event(row, approved_by=row.approved_by))
    return row


def _publish(session: Session, row: Disbursement) -> int:
    """Append the paid disbursement to the public ledger; its record's sequence number."""
    record = public_ledger.publish(
        session,
        disbursement_id=row.id,
        paid_on=row.paid_on or shanghai_date(utcnow()),
        payer=PAYER,
        payee_name=row.payee_name,
        payee_uscc=row.payee_uscc,
        amount_fen=row.amount_fen,
        programme=PROGRAMMES.get(row.purpose, f"{PROGRAMME}：{row.purpose}"),
        budget_line=row.budget_line,
        district=row.district,
        rule_set_version=row.rule_set_version,
        acceptance_ref=row.acceptance_ref,
    )
    return record.sequence


def pay(
    *,
    session: Session,
    principal: Principal,
    disbursement_id: str,
    payment_reference: str,
    paid_on: date | None,
    precondition: Precondition,
) -> Disbursement:
    """Record the bank's payment of an approved disbursement: `payable` → `payee:<uscc>`,
    published and announced as `disbursement.paid`. Paid already under this reference: the
    same answer; under another: 409 `disbursement_paid_otherwise`."""
    row = _locked(session, disbursement_id)
    if row.status == PAID:
        if row.payment_reference == payment_reference:
            return row
        raise errors.DisbursementPaidOtherwise(
            f"Disbursement {row.id} was paid under the payment reference {row.payment_reference}."
        )
    precondition(etag(row))
    if row.status != APPROVED:
        raise errors.DisbursementNotApproved(
            f"Disbursement {row.id} is {row.status}; only an approved one can be paid."
        )
    today = shanghai_date(utcnow())
    if paid_on is not None and paid_on > today:
        raise errors.PaymentDayInFuture.for_field(
            "body.paid_on", f"the bank cannot have paid on {paid_on}, after today ({today})"
        )
    used = session.exec(
        select(Disbursement.id).where(col(Disbursement.payment_reference) == payment_reference)
    ).first()
    if used is not None:
        raise errors.PaymentReferenceUsed.for_field(
            "body.payment_reference",
            f"The payment reference {payment_reference} already pays disbursement {used}.",
        )
    payee = f"payee:{row.payee_uscc}"
    _open_account(session, payee, row.payee_name, "payee")
    transfer = ledger.transfer(
        session,
        key=_ledger_key("pay", row.id),
        legs=[(PAYABLE, -row.amount_fen), (payee, row.amount_fen)],
        kind="disbursement_payment",
        memo=f"{row.purpose} {row.source_ref}: paid, bank reference {payment_reference}",
        principal_id=principal.client_id,
        reference=row.id,
    )
    now = utcnow()
    row.status = PAID
    row.payment_reference = payment_reference
    row.paid_on = paid_on or shanghai_date(now)
    row.paid_at = now
    row.paid_by = principal.client_id
    row.payment_transfer_id = transfer.id
    _touch(row)
    session.add(row)
    session.flush()
    row.public_record_seq = _publish(session, row)
    session.add(row)
    extra: dict[str, Any] = {
        "paid_at": now.isoformat(),
        "paid_on": row.paid_on.isoformat(),
        "payment_reference": payment_reference,
        "public_record_seq": row.public_record_seq,
    }
    if row.purpose == VOUCHER_SETTLEMENT:
        extra["settlement_id"] = row.source_ref
    emit(session, PAID_EVENT, _event(row, **extra))
    return row


def cancel(
    *,
    session: Session,
    principal: Principal,
    disbursement_id: str,
    reason: str,
    precondition: Precondition,
) -> Disbursement:
    """Cancel a proposed or approved disbursement: `payable` → the account it came from."""
    row = _locked(session, disbursement_id)
    precondition(etag(row))
    if row.status not in (PROPOSED, APPROVED):
        raise errors.DisbursementNotCancellable(
            f"Disbursement {row.id} is {row.status}; only a proposed or approved one can be "
            "cancelled."
        )
    transfer = ledger.transfer(
        session,
        key=_ledger_key("cancel", row.id),
        legs=[(PAYABLE, -row.amount_fen), (row.account, row.amount_fen)],
        kind="disbursement_cancel",
        memo=f"{row.purpose} {row.source_ref}: cancelled ({reason[:200]})",
        principal_id=principal.client_id,
        reference=row.id,
    )
    row.status = CANCELLED
    row.cancelled_by = principal.client_id
    row.cancelled_at = utcnow()
    row.cancel_reason = reason
    row.cancel_transfer_id = transfer.id
    _touch(row)
    session.add(row)
    session.flush()
    emit(session, CANCELLED_EVENT, _event(row, reason=reason))
    return row
