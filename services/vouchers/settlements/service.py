"""Settlement: a month's run groups each provider's unsettled redemptions into a settlement.

A run, in one transaction:
1. inserts the month's run row (unique month: a concurrent or repeated run is a conflict);
2. per provider, claims its unsettled live redemptions created before the month's end with
   `UPDATE voucher_redemptions SET settlement_id=:s WHERE … AND settlement_id IS NULL AND
   status='redeemed'` (a reversal racing it either wins — nothing to pay — or comes after and
   is clawed back next time), and its redemptions reversed after they were paid with
   `… SET clawback_settlement_id=:s WHERE status='reversed' AND settlement_id IS NOT NULL AND
   clawback_settlement_id IS NULL`;
3. writes the lines (unique per redemption and kind) and `settlement.requested` per settlement.

`disbursement.paid` from the funding feed marks a settlement paid (once).
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.consumer import FeedEvent
from services.common.dates import SHANGHAI, shanghai_date
from services.common.db import dialect_insert
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.vouchers.providers.models import Provider
from services.vouchers.redemptions.models import REDEEMED, REVERSED, Redemption
from services.vouchers.settlements import errors
from services.vouchers.settlements.models import (
    CLAWBACK,
    PAID,
    REDEMPTION,
    REQUESTED,
    Settlement,
    SettlementLine,
    SettlementRun,
)
from services.vouchers.settlements.schemas import (
    SettlementFilters,
    SettlementLinePublic,
    SettlementPublic,
    SettlementRunPublic,
)

REQUESTED_EVENT, PAID_EVENT = "settlement.requested", "settlement.paid"


def month_end(month: str) -> datetime:
    """The first moment after `month` (YYYY-MM) in Asia/Shanghai, as UTC."""
    year, number = int(month[:4]), int(month[5:])
    first_next = date(year + number // 12, number % 12 + 1, 1)
    return datetime.combine(first_next, time(), tzinfo=SHANGHAI).astimezone(UTC)


def previous_month(today: date) -> str:
    """The month before `today`'s, YYYY-MM."""
    last = today.replace(day=1) - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def _month_over(month: str, now: datetime) -> bool:
    return now >= month_end(month)


def _claim_run(session: Session, month: str, principal_id: str, now: datetime) -> str | None:
    # Whether the row went in is what RETURNING answers: an ORM-enabled INSERT's rowcount is -1
    # on PostgreSQL (psycopg), so a rowcount test took every first run for a repeated one.
    claimed = session.execute(
        dialect_insert(session)(SettlementRun)
        .values(id=new_id("srn"), month=month, created_by=principal_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["month"])
        .returning(col(SettlementRun.id))
    ).scalar_one_or_none()
    return str(claimed) if claimed is not None else None


def run_month(
    *, session: Session, month: str, created_by: str, now: datetime | None = None
) -> SettlementRun:
    """Settle `month` (raises SettlementRunExists / SettlementMonthNotOver)."""
    now = now or utcnow()
    if not _month_over(month, now):
        raise errors.SettlementMonthNotOver.for_field(
            "body.month", f"{month} is not over yet (Asia/Shanghai)"
        )
    run_id = _claim_run(session, month, created_by, now)
    if run_id is None:
        raise errors.SettlementRunExists(f"{month} has been settled already.")
    end = month_end(month)
    # The rows to settle are locked as they are read (PostgreSQL; SQLite writers are serial):
    # a reversal racing the run waits for it and is clawed back in the next run, and a run of
    # another month skips them once this one commits. Every provider read has rows to claim.
    payable = session.exec(
        select(Redemption.provider_id)
        .where(col(Redemption.settlement_id).is_(None), col(Redemption.status) == REDEEMED)
        .where(col(Redemption.created_at) < end)
        .with_for_update()
    ).all()
    clawable = session.exec(
        select(Redemption.provider_id)
        .where(col(Redemption.status) == REVERSED)
        .where(col(Redemption.settlement_id).is_not(None))
        .where(col(Redemption.clawback_settlement_id).is_(None))
        .where(col(Redemption.reversed_at) < end)
        .with_for_update()
    ).all()
    total = 0
    count = 0
    for provider_id in sorted(set(payable) | set(clawable)):
        settlement = _settle_provider(
            session, run_id=run_id, provider_id=provider_id, month=month, end=end, now=now
        )
        total += settlement.amount_fen
        count += 1
    session.execute(
        update(SettlementRun)
        .where(col(SettlementRun.id) == run_id)
        .values(settlements=count, amount_fen=total)
    )
    run = session.get_one(SettlementRun, run_id, populate_existing=True)
    return run


def _settle_provider(
    session: Session, *, run_id: str, provider_id: str, month: str, end: datetime, now: datetime
) -> Settlement:
    settlement_id = new_id("stl")
    # The settlement row first (the lines' foreign key), its sums once the claims are known.
    settlement = Settlement(
        id=settlement_id,
        run_id=run_id,
        provider_id=provider_id,
        month=month,
        redeemed_fen=0,
        clawback_fen=0,
        amount_fen=0,
        lines=0,
        created_at=now,
    )
    session.add(settlement)
    session.flush()
    paid = session.execute(
        update(Redemption)
        .where(col(Redemption.provider_id) == provider_id)
        .where(col(Redemption.settlement_id).is_(None), col(Redemption.status) == REDEEMED)
        .where(col(Redemption.created_at) < end)
        .values(settlement_id=settlement_id)
        .returning(col(Redemption.id), col(Redemption.amount_fen))
        .execution_options(synchronize_session=False)
    ).all()
    clawed = session.execute(
        update(Redemption)
        .where(col(Redemption.provider_id) == provider_id)
        .where(col(Redemption.status) == REVERSED)
        .where(col(Redemption.settlement_id).is_not(None))
        .where(col(Redemption.clawback_settlement_id).is_(None))
        .where(col(Redemption.reversed_at) < end)
        .values(clawback_settlement_id=settlement_id)
        .returning(col(Redemption.id), col(Redemption.amount_fen))
        .execution_options(synchronize_session=False)
    ).all()
    lines = [
        {
            "id": new_id("stln"),
            "settlement_id": settlement_id,
            "redemption_id": rid,
            "kind": REDEMPTION,
            "amount_fen": int(amount),
        }
        for rid, amount in sorted(paid)
    ] + [
        {
            "id": new_id("stln"),
            "settlement_id": settlement_id,
            "redemption_id": rid,
            "kind": CLAWBACK,
            "amount_fen": -int(amount),
        }
        for rid, amount in sorted(clawed)
    ]
    session.execute(SettlementLine.__table__.insert(), lines)  # type: ignore[attr-defined]
    settlement.redeemed_fen = sum(int(amount) for _, amount in paid)
    settlement.clawback_fen = sum(int(amount) for _, amount in clawed)
    settlement.amount_fen = settlement.redeemed_fen - settlement.clawback_fen
    settlement.lines = len(lines)
    session.add(settlement)
    session.flush()
    provider = session.get_one(Provider, provider_id)
    emit(
        session,
        REQUESTED_EVENT,
        {
            "settlement_id": settlement_id,
            "provider_id": provider_id,
            "provider_uscc": provider.uscc,
            "provider_name": provider.name,
            "amount_fen": settlement.amount_fen,
            "redeemed_fen": settlement.redeemed_fen,
            "clawback_fen": settlement.clawback_fen,
            "lines": settlement.lines,
            "month": month,
        },
    )
    return settlement


def run_previous_month(session: Session, *, now: datetime | None = None) -> int:
    """The monthly job's round: settle last month once (0 if done already, by any replica)."""
    now = now or utcnow()
    month = previous_month(shanghai_date(now))
    if session.exec(select(SettlementRun.id).where(col(SettlementRun.month) == month)).first():
        return 0
    try:
        with session.begin_nested():
            run_month(session=session, month=month, created_by="vouchers.settle", now=now)
    except (errors.SettlementRunExists, IntegrityError):
        return 0
    return 0  # done for this month: the job waits its interval


def run_public(session: Session, run: SettlementRun) -> SettlementRunPublic:
    """The run as callers see it."""
    ids = session.exec(
        select(Settlement.id).where(col(Settlement.run_id) == run.id).order_by(col(Settlement.id))
    ).all()
    return SettlementRunPublic(
        id=run.id,
        month=run.month,
        settlements=run.settlements,
        amount_fen=run.amount_fen,
        settlement_ids=list(ids),
        created_by=run.created_by,
        created_at=run.created_at,
    )


def to_public(session: Session, settlement: Settlement) -> SettlementPublic:
    """The settlement with its lines."""
    lines = session.exec(
        select(SettlementLine)
        .where(col(SettlementLine.settlement_id) == settlement.id)
        .order_by(col(SettlementLine.kind).desc(), col(SettlementLine.redemption_id))
    ).all()
    return SettlementPublic(
        id=settlement.id,
        run_id=settlement.run_id,
        provider_id=settlement.provider_id,
        month=settlement.month,
        redeemed_fen=settlement.redeemed_fen,
        clawback_fen=settlement.clawback_fen,
        amount_fen=settlement.amount_fen,
        status=settlement.status,  # type: ignore[arg-type]
        lines=[SettlementLinePublic.model_validate(line) for line in lines],
        created_at=settlement.created_at,
        paid_at=settlement.paid_at,
        paid_amount_fen=settlement.paid_amount_fen,
        disbursement_id=settlement.disbursement_id,
    )


def get_settlement(*, session: Session, principal: Principal, settlement_id: str) -> Settlement:
    """One settlement: a provider's own, or any for an admin (404 otherwise)."""
    settlement = session.get(Settlement, settlement_id)
    if settlement is None or (
        principal.kind != ClientKind.ADMIN and settlement.provider_id != principal.org
    ):
        raise errors.SettlementNotFound("No such settlement.")
    return settlement


def list_settlements(
    *,
    session: Session,
    principal: Principal,
    filters: SettlementFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[SettlementPublic], str | None]:
    """Settlements the caller may see, oldest first."""
    statement = select(Settlement)
    if principal.kind != ClientKind.ADMIN:
        statement = statement.where(col(Settlement.provider_id) == principal.org)
    elif filters.provider is not None:
        statement = statement.where(col(Settlement.provider_id) == filters.provider)
    if filters.month is not None:
        statement = statement.where(col(Settlement.month) == filters.month)
    if filters.status is not None:
        statement = statement.where(col(Settlement.status) == filters.status)
    table = Settlement.__table__  # type: ignore[attr-defined]
    page = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(page).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda row: [row.id])
    return [to_public(session, row) for row in kept], next_cursor


def on_disbursement_paid(session: Session, event: FeedEvent) -> None:
    """`disbursement.paid` from funding: the settlement is paid (once; a repeat changes nothing)."""
    payload: dict[str, Any] = event.payload
    settlement_id = str(payload.get("settlement_id", ""))
    paid_at = payload.get("paid_at")
    moment = datetime.fromisoformat(paid_at) if isinstance(paid_at, str) else utcnow()
    marked = session.execute(
        update(Settlement)
        .where(col(Settlement.id) == settlement_id, col(Settlement.status) == REQUESTED)
        .values(
            status=PAID,
            paid_at=moment,
            paid_amount_fen=int(payload.get("amount_fen", 0)),
            disbursement_id=str(payload.get("disbursement_id", ""))[:80] or None,
            version=col(Settlement.version) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        return  # unknown here, or paid already
    settlement = session.get_one(Settlement, settlement_id, populate_existing=True)
    emit(
        session,
        PAID_EVENT,
        {
            "settlement_id": settlement.id,
            "provider_id": settlement.provider_id,
            "amount_fen": settlement.amount_fen,
            "paid_amount_fen": settlement.paid_amount_fen,
            "disbursement_id": settlement.disbursement_id,
            "month": settlement.month,
        },
    )


HANDLERS = {"disbursement.paid": on_disbursement_paid}
