"""Test set-up written straight into the vouchers database: programmes, providers, vouchers.

Set-up only, for the settlement/expiry/report tests on a branch where issuance's API is not
merged yet; each row is what issuance would have written (budget and cap committed).
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from services.common.clock import utcnow
from services.common.db import Database
from services.common.ids import new_id
from services.vouchers.programmes.models import OPEN, Programme
from services.vouchers.providers.models import APPROVED, Provider
from services.vouchers.vouchers.models import EnterpriseYearUsage, Voucher


def add_programme(database: Database, **fields: Any) -> Programme:
    """An open programme (budget ¥1,000,000, face ¥10,000, 50% cover, ¥100,000 cap)."""
    values: dict[str, Any] = {
        "id": new_id("prg"),
        "kind": "innovation",
        "year": 2026,
        "name": f"Innovation {new_id('n')[-6:]}",
        "budget_fen": 100_000_000,
        "face_value_fen": 1_000_000,
        "coverage_bp": 5000,
        "yearly_cap_fen": 10_000_000,
        "validity_days": 180,
        "categories": ["testing", "consulting"],
        "status": OPEN,
        "created_by": "admin",
        **fields,
    }
    with database.transaction() as session:
        row = Programme(**values)
        session.add(row)
        session.flush()
        session.expunge(row)
    return row


def add_provider(database: Database, **fields: Any) -> Provider:
    """An approved provider."""
    values: dict[str, Any] = {
        "id": new_id("prv"),
        "uscc": "12140000" + new_id("x")[-10:].upper(),
        "name": "Taiyuan Testing Lab",
        "kind": "lab",
        "categories": ["testing", "consulting"],
        "legal_rep_id_hash": "b" * 64,
        "status": APPROVED,
        "applied_by": "prv",
        **fields,
    }
    with database.transaction() as session:
        row = Provider(**values)
        session.add(row)
        session.flush()
        session.expunge(row)
    return row


def issue(
    session: Session,
    programme: Programme,
    uscc: str,
    *,
    face_value_fen: int | None = None,
    balance_fen: int | None = None,
    expires_on: date | None = None,
) -> Voucher:
    """A voucher as issuance writes it: budget and the holder's cap committed (conditionally)."""
    face = face_value_fen or programme.face_value_fen
    committed = session.execute(
        update(Programme)
        .where(col(Programme.id) == programme.id)
        .where(col(Programme.committed_fen) + face <= col(Programme.budget_fen))
        .values(committed_fen=Programme.committed_fen + face)
    )
    assert committed.rowcount == 1, "budget exhausted in set-up"  # type: ignore[attr-defined]
    usage = session.get(EnterpriseYearUsage, (uscc, programme.id))
    if usage is None:
        session.add(
            EnterpriseYearUsage(
                uscc=uscc,
                programme_id=programme.id,
                issued_fen=face,
                cap_fen=programme.yearly_cap_fen,
            )
        )
    else:
        usage.issued_fen += face
        session.add(usage)
    today = date(2026, 1, 5)
    voucher = Voucher(
        id=new_id("vch"),
        code=new_id("C")[-20:].upper(),
        programme_id=programme.id,
        uscc=uscc,
        face_value_fen=face,
        balance_fen=face if balance_fen is None else balance_fen,
        issued_on=today,
        expires_on=expires_on or today + timedelta(days=programme.validity_days),
        issued_at=utcnow(),
    )
    session.add(voucher)
    session.flush()
    return voucher
