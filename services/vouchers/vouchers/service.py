"""Issuing vouchers against the programme's budget and the enterprise's cap; reading them.

Every amount is committed with a conditional UPDATE in the database, never read-then-written in
Python: whatever the concurrency, a programme never issues more than its budget and an
enterprise never gets more than its cap. The programme row is always taken before the usage row
(one lock order, no deadlock).
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.db import dialect_insert
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.vouchers.programmes.models import OPEN, Programme
from services.vouchers.vouchers import codes
from services.vouchers.vouchers.errors import (
    ProgrammeBudgetExhausted,
    ProgrammeNotOpen,
    VoucherCodeInvalid,
    VoucherNotFound,
    YearlyCapReached,
)
from services.vouchers.vouchers.models import ACTIVE, EnterpriseYearUsage, Voucher
from services.vouchers.vouchers.schemas import VoucherFilters, VoucherPublic

HOLDERS = frozenset({ClientKind.ENTERPRISE, ClientKind.PORTAL})


def parse_code(code: str, *, field: str = "body.code") -> str:
    """The canonical voucher code, or 422 `voucher_code_invalid` naming `field` — no lookup.

    Forgives hyphens, spaces, lower case, I/L for 1 and O for 0; refuses a wrong length, a
    symbol outside Crockford's alphabet and a wrong check symbol.
    """
    try:
        return codes.parse(code)
    except codes.CodeInvalid as exc:
        raise VoucherCodeInvalid.for_field(field, f"Not a voucher code: {exc}.") from exc


def _commit_budget(session: Session, programme: Programme) -> None:
    face = programme.face_value_fen
    table = Programme.__table__.c  # type: ignore[attr-defined]
    committed = session.execute(
        update(Programme)
        .where(table.id == programme.id)
        .where(table.status == OPEN)
        .where(table.committed_fen + face <= table.budget_fen)
        .values(committed_fen=table.committed_fen + face)
        .execution_options(synchronize_session=False)
    )
    if committed.rowcount == 1:  # type: ignore[attr-defined]
        return
    status = session.execute(select(table.status).where(table.id == programme.id)).scalar_one()
    if status != OPEN:
        raise ProgrammeNotOpen(f"Programme {programme.id} is {status}: it issues no vouchers.")
    raise ProgrammeBudgetExhausted(
        f"What is left of programme {programme.id}'s budget does not cover another voucher of "
        f"{face} fen."
    )


def _commit_cap(session: Session, programme: Programme, uscc: str) -> None:
    face = programme.face_value_fen
    usage = EnterpriseYearUsage.__table__  # type: ignore[attr-defined]
    session.execute(
        dialect_insert(session)(usage)
        .values(
            uscc=uscc,
            programme_id=programme.id,
            issued_fen=0,
            redeemed_fen=0,
            cap_fen=programme.yearly_cap_fen,
        )
        .on_conflict_do_nothing(index_elements=["uscc", "programme_id"])
    )
    taken = session.execute(
        update(usage)
        .where(usage.c.uscc == uscc)
        .where(usage.c.programme_id == programme.id)
        .where(usage.c.issued_fen + face <= usage.c.cap_fen)
        .values(issued_fen=usage.c.issued_fen + face)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise YearlyCapReached(
            f"Another voucher of {face} fen would take {uscc} over programme {programme.id}'s "
            f"yearly cap of {programme.yearly_cap_fen} fen."
        )


def issue_voucher(
    *,
    session: Session,
    programme: Programme,
    uscc: str,
    application_id: str | None,
    on: date,
    actor: str | None = None,
) -> Voucher:
    """Issue one voucher of the programme's face value to `uscc`, valid `validity_days` from `on`.

    Commits the face value of the programme's budget (409 `programme_budget_exhausted`, or
    `programme_not_open`) and of the enterprise's yearly cap (409 `yearly_cap_reached`) with
    conditional updates, adds the voucher and emits `voucher.issued`. Flushes, never commits;
    on a refusal the caller's unit of work rolls every change back.
    """
    _commit_budget(session, programme)
    _commit_cap(session, programme, uscc)
    now = utcnow()
    voucher = Voucher(
        id=new_id("vch"),
        code=codes.new_code(),
        programme_id=programme.id,
        application_id=application_id,
        uscc=uscc,
        face_value_fen=programme.face_value_fen,
        balance_fen=programme.face_value_fen,
        issued_on=on,
        expires_on=on + timedelta(days=programme.validity_days),
        status=ACTIVE,
        version=1,
        issued_at=now,
        updated_at=now,
    )
    session.add(voucher)
    session.flush()
    emit(
        session,
        "voucher.issued",
        {
            "id": voucher.id,
            "uscc": uscc,
            "programme_id": programme.id,
            "application_id": application_id,
            "face_value_fen": voucher.face_value_fen,
            "expires_on": voucher.expires_on.isoformat(),
        },
        actor=actor,
    )
    return voucher


def to_public(voucher: Voucher, *, client: Principal) -> VoucherPublic:
    """The voucher as `client` sees it: the code only for its holder."""
    holder = client.kind in HOLDERS and client.org == voucher.uscc
    return VoucherPublic(
        id=voucher.id,
        code=voucher.code if holder else None,
        programme_id=voucher.programme_id,
        application_id=voucher.application_id,
        uscc=voucher.uscc,
        face_value_fen=voucher.face_value_fen,
        balance_fen=voucher.balance_fen,
        used_fen=voucher.face_value_fen - voucher.balance_fen - voucher.released_fen,
        released_fen=voucher.released_fen,
        issued_on=voucher.issued_on,
        expires_on=voucher.expires_on,
        status=voucher.status,  # type: ignore[arg-type]
        issued_at=as_utc(voucher.issued_at),
        version=voucher.version,
    )


def _scoped(statement: Select[Any], client: Principal) -> Select[Any]:
    table = Voucher.__table__.c  # type: ignore[attr-defined]
    # The readers (`VoucherReader`) are holders and the administration: anyone but the
    # administration sees only the vouchers its org holds.
    if client.kind == ClientKind.ADMIN:
        return statement
    return statement.where(table.uscc == (client.org or ""))


def get_voucher(*, session: Session, client: Principal, voucher_id: str) -> Voucher:
    """The voucher if the caller holds it (or administers); otherwise 404."""
    voucher = session.execute(
        _scoped(select(Voucher).where(col(Voucher.id) == voucher_id), client)
    ).scalar_one_or_none()
    if voucher is None:
        raise VoucherNotFound(f"No voucher {voucher_id} that you may see.")
    return voucher


def list_vouchers(
    *,
    session: Session,
    client: Principal,
    filters: VoucherFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[VoucherPublic], str | None]:
    """One page of the caller's vouchers (all for the administration), oldest first.

    A `code` with a wrong check symbol is refused (422) before the database is asked.
    """
    code = parse_code(filters.code, field="query.code") if filters.code is not None else None
    table = Voucher.__table__  # type: ignore[attr-defined]
    statement = _scoped(select(Voucher), client)
    if code is not None:
        statement = statement.where(table.c.code == code)
    if filters.programme_id:
        statement = statement.where(table.c.programme_id == filters.programme_id)
    if filters.status:
        statement = statement.where(table.c.status == filters.status)
    if filters.uscc:
        statement = statement.where(table.c.uscc == filters.uscc)
    statement = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda v: [v.id])
    return [to_public(v, client=client) for v in kept], next_cursor
