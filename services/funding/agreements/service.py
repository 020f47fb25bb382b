"""Bank agreements: versions of each partner bank's 助保贷 terms, effective-dated, never edited.

A bank's first version may take effect on any day (the programme started in 2015); each later
version takes effect after the latest one and not before today (Asia/Shanghai), so the terms a
loan was checked against never change under it. A loan keeps the version in force on its
start date (`terms_on`).
"""

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.funding.agreements import errors
from services.funding.agreements.models import BankAgreement
from services.funding.agreements.schemas import (
    BankAgreementCreate,
    BankAgreementPublic,
    BankAgreementVersionPublic,
)

ADDED_EVENT = "bank_agreement.version_added"


def bank_of(principal: Principal) -> str:
    """The bank a `bank` client acts for (its token's `org`), or 403 `not_a_bank`."""
    if principal.kind != ClientKind.BANK or not principal.org:
        raise errors.NotABank("Only a bank client (its token naming the bank) may do this.")
    return principal.org


def versions_of(session: Session, *, bank_code: str) -> list[BankAgreement]:
    """The bank's versions, oldest first."""
    return list(
        session.exec(
            select(BankAgreement)
            .where(col(BankAgreement.bank_code) == bank_code)
            .order_by(col(BankAgreement.version))
        )
    )


def terms_on(session: Session, *, bank_code: str, on: date) -> BankAgreement:
    """The version in force on `on` (409 `no_bank_agreement`)."""
    found = session.exec(
        select(BankAgreement)
        .where(col(BankAgreement.bank_code) == bank_code)
        .where(col(BankAgreement.effective_from) <= on)
        .order_by(col(BankAgreement.effective_from).desc())
        .limit(1)
    ).first()
    if found is None:
        raise errors.NoBankAgreement(f"Bank {bank_code} has no agreement in force on {on}.")
    return found


def add_version(
    *, session: Session, principal: Principal, data: BankAgreementCreate
) -> BankAgreement:
    """Add a version of a bank's terms (409 if not after the latest; 422 if backdated)."""
    existing = versions_of(session, bank_code=data.bank_code)
    if existing:
        latest = existing[-1]
        if latest.bank_name != data.bank_name:
            raise errors.BankAgreementNameChanged.for_field(
                "body.bank_name", f"bank {data.bank_code} is {latest.bank_name!r}"
            )
        if data.effective_from <= latest.effective_from:
            raise errors.BankAgreementNotLater.for_field(
                "body.effective_from",
                f"version {latest.version} takes effect on {latest.effective_from}; a new "
                "version takes effect after it",
            )
        today = shanghai_date(utcnow())
        if data.effective_from < today:
            raise errors.BankAgreementBackdated.for_field(
                "body.effective_from",
                f"a later version takes effect today ({today}) or after, not {data.effective_from}",
            )
    row = BankAgreement(
        id=new_id("agr"),
        version=(existing[-1].version + 1) if existing else 1,
        created_by=principal.client_id,
        **data.model_dump(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise errors.BankAgreementNotLater(
            f"Another version of bank {data.bank_code}'s agreement was added at the same time."
        ) from None
    emit(session, ADDED_EVENT, {**to_version(row).model_dump(mode="json")})
    return row


def to_version(row: BankAgreement) -> BankAgreementVersionPublic:
    """The API view of a version."""
    return BankAgreementVersionPublic.model_validate(row, from_attributes=True)


def _visible(principal: Principal, bank_code: str) -> bool:
    return principal.kind != ClientKind.BANK or principal.org == bank_code


def get_agreement(*, session: Session, principal: Principal, bank_code: str) -> BankAgreementPublic:
    """A bank's agreement with every version (a bank: its own only, else 404)."""
    versions = versions_of(session, bank_code=bank_code) if _visible(principal, bank_code) else []
    if not versions:
        raise errors.BankAgreementNotFound(f"No agreement with bank {bank_code}.")
    today = shanghai_date(utcnow())
    in_force = [v for v in versions if v.effective_from <= today]
    return BankAgreementPublic(
        bank_code=bank_code,
        bank_name=versions[-1].bank_name,
        in_force=to_version(in_force[-1]) if in_force else None,
        versions=[to_version(v) for v in versions],
    )


def bank_codes(session: Session) -> list[str]:
    """Every bank with an agreement, by code."""
    return sorted(str(code) for code in session.exec(select(BankAgreement.bank_code).distinct()))


def list_agreements(*, session: Session, principal: Principal) -> list[BankAgreementPublic]:
    """Every bank's agreement the caller may see, by bank code."""
    return [
        get_agreement(session=session, principal=principal, bank_code=code)
        for code in bank_codes(session)
        if _visible(principal, code)
    ]
