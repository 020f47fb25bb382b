"""Expiry of vouchers: claimed by one replica at a time (the kernel's `claim_due`).

A voucher is valid through its `expires_on` (an Asia/Shanghai date); from the next day it is
due. Expiring one, in one transaction:

1. `UPDATE vouchers SET status='expired', released_fen=balance_fen, balance_fen=0
   WHERE id=:id AND status='active'` — conditional, so a voucher is expired once whatever
   runs concurrently (a second replica, a redemption drawing the balance);
2. `UPDATE voucher_programmes SET committed_fen = committed_fen - :released
   WHERE id=:programme AND committed_fen >= :released` — the budget comes back;
3. `voucher.expired` in the outbox.

Per voucher afterwards: face_value = redeemed (net of reversals) + released, balance 0.
"""

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.jobs import claim_due
from services.common.outbox import emit
from services.vouchers.expiry.errors import BooksOutOfBalance
from services.vouchers.programmes.models import Programme
from services.vouchers.vouchers.models import ACTIVE, EXPIRED, Voucher

EXPIRED_EVENT = "voucher.expired"


def expire_due(session: Session, *, now: datetime | None = None, limit: int = 200) -> int:
    """Expire up to `limit` vouchers whose last valid day is before today (Asia/Shanghai).

    Returns how many this round expired; 0 when none is due (or another replica holds them).
    """
    now = now or utcnow()
    today: date = shanghai_date(now)
    due = (
        select(Voucher)
        .where(col(Voucher.status) == ACTIVE, col(Voucher.expires_on) < today)
        .order_by(col(Voucher.expires_on), col(Voucher.id))
    )
    expired = 0
    for voucher in claim_due(session, due, limit=limit):
        released = session.execute(
            update(Voucher)
            .where(col(Voucher.id) == voucher.id, col(Voucher.status) == ACTIVE)
            .values(
                status=EXPIRED,
                released_fen=Voucher.balance_fen,
                balance_fen=0,
                expired_at=now,
                updated_at=now,
                version=Voucher.version + 1,
            )
            .returning(col(Voucher.released_fen))
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if released is None:
            continue  # expired (or voided) by someone else since the claim
        if released:
            returned = session.execute(
                update(Programme)
                .where(
                    col(Programme.id) == voucher.programme_id,
                    col(Programme.committed_fen) >= released,
                )
                .values(committed_fen=Programme.committed_fen - released)
                .execution_options(synchronize_session=False)
            )
            if returned.rowcount != 1:  # type: ignore[attr-defined]
                raise BooksOutOfBalance(
                    detail=f"programme {voucher.programme_id} has less committed than "
                    f"voucher {voucher.id}'s balance of {released} fen"
                )
        emit(
            session,
            EXPIRED_EVENT,
            {
                "voucher_id": voucher.id,
                "uscc": voucher.uscc,
                "programme_id": voucher.programme_id,
                "face_value_fen": voucher.face_value_fen,
                "released_fen": int(released),
                "expires_on": voucher.expires_on.isoformat(),
                "expired_on": today.isoformat(),
            },
        )
        session.expire(voucher)
        expired += 1
    return expired
