"""Redemption: a provider draws a voucher against a contract; reversal gives it back.

Every amount moves by a conditional UPDATE (the voucher's balance, the contract's covered share,
the holder's yearly usage), so no interleaving of concurrent redemptions can overspend; the checks
before them only give each refusal its own problem code. Services flush, never commit: a refusal
after a conditional update rolls the whole request back.
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.etag import Precondition, etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.vouchers.enterprises.models import VoucherEnterprise
from services.vouchers.enterprises.service import on_dishonesty_list
from services.vouchers.programmes.models import Programme
from services.vouchers.programmes.service import evaluate_eligibility
from services.vouchers.providers.models import APPROVED, Provider
from services.vouchers.redemptions import errors
from services.vouchers.redemptions.models import (
    REDEEMED,
    REVERSED,
    Redemption,
    RedemptionContract,
)
from services.vouchers.redemptions.schemas import (
    RedemptionContractTerms,
    RedemptionCreate,
    RedemptionFilters,
    RedemptionPublic,
    RedemptionReversalCreate,
)
from services.vouchers.vouchers.models import ACTIVE as VOUCHER_ACTIVE
from services.vouchers.vouchers.models import EnterpriseYearUsage, Voucher
from services.vouchers.vouchers.service import parse_code

REVERSAL_WINDOW = timedelta(days=30)
BP = 10_000


def covered_share(coverage_bp: int, contract_amount_fen: int) -> int:
    """What a voucher may pay of a contract: its programme's share, floored to the fen."""
    return coverage_bp * contract_amount_fen // BP


def to_public(redemption: Redemption) -> RedemptionPublic:
    """The redemption as callers see it."""
    return RedemptionPublic(
        id=redemption.id,
        voucher_id=redemption.voucher_id,
        programme_id=redemption.programme_id,
        uscc=redemption.uscc,
        provider_id=redemption.provider_id,
        contract=RedemptionContractTerms(
            reference=redemption.contract_reference,
            amount_fen=redemption.contract_amount_fen,
            category=redemption.category,
        ),
        amount_fen=redemption.amount_fen,
        status=redemption.status,  # type: ignore[arg-type]
        created_by=redemption.created_by,
        created_at=redemption.created_at,
        reversed_at=redemption.reversed_at,
        reversed_by=redemption.reversed_by,
        reversal_reason=redemption.reversal_reason,
        settlement_id=redemption.settlement_id,
        clawback=redemption.status == REVERSED and redemption.settlement_id is not None,
        version=redemption.version,
    )


def _rowcount(result: Any) -> int:
    count: int = result.rowcount
    return count


# Built once (the statement every redemption starts with); a provider id of None joins nothing.
_BY_CODE = (
    select(Voucher, Programme, VoucherEnterprise, Provider)
    .join(Programme, col(Programme.id) == col(Voucher.programme_id))
    # A voucher's holder is in the replica: a foreign key; replica rows are never deleted.
    .join(VoucherEnterprise, col(VoucherEnterprise.uscc) == col(Voucher.uscc))
    .outerjoin(Provider, col(Provider.id) == bindparam("provider_id"))
    .where(col(Voucher.code) == bindparam("code"))
)


def _voucher_by_code(
    session: Session, text: str, provider_id: str | None
) -> tuple[Voucher, Programme, VoucherEnterprise, Provider | None]:
    """The voucher, its programme, its holder and the provider (None if unknown),
    in one statement; the checks then read them in the order the refusals are documented."""
    code = parse_code(text, field="body.voucher_code")  # 422 voucher_code_invalid, no lookup
    found = session.exec(_BY_CODE, params={"code": code, "provider_id": provider_id}).one_or_none()
    if found is None:
        raise errors.VoucherNotFound.for_field("body.voucher_code", "no voucher with this code")
    voucher, programme, holder, provider = found
    return voucher, programme, holder, provider


def _check_holder(
    session: Session,
    programme: Programme,
    uscc: str,
    today: date,
    holder: VoucherEnterprise,
) -> VoucherEnterprise:
    """The holder may still spend: in the replica, not on the dishonesty list, and eligible
    today under the programme's rules (its own rule set or its kind's default in force)."""
    listed = on_dishonesty_list(session=session, uscc=uscc, on=today)
    if listed:
        raise errors.HolderOnDishonestyList("The voucher's holder is on the dishonesty list.")
    # Not recorded: a redemption keeps no trace, so it does not freeze the rule set.
    eligible, trace = evaluate_eligibility(
        session=session, programme=programme, uscc=uscc, on=today, record=False, listed=listed
    )
    if not eligible:
        reasons = "; ".join(reason.rstrip(".") for reason in trace["reasons"]) or "the rules"
        raise errors.HolderNotEligible(f"The voucher's holder is no longer eligible: {reasons}.")
    return holder


def _check_provider(provider: Provider | None, category: str) -> Provider:
    if provider is None or provider.status != APPROVED:
        raise errors.ProviderNotApproved("Only an approved provider redeems vouchers.")
    if category not in provider.categories:
        raise errors.ProviderCategoryNotApproved.for_field(
            "body.contract.category", f"the provider is not approved for '{category}'"
        )
    return provider


_VOUCHER = Voucher.__table__  # type: ignore[attr-defined]
_CONTRACT = RedemptionContract.__table__  # type: ignore[attr-defined]
_USAGE = EnterpriseYearUsage.__table__  # type: ignore[attr-defined]
# The hot path's writes, built once with bound parameters (building and keying a statement on
# every redemption cost more CPU than running it).
_DRAW_BALANCE = (
    update(_VOUCHER)
    .where(_VOUCHER.c.id == bindparam("voucher_id"))
    .where(_VOUCHER.c.balance_fen >= bindparam("amount"))
    .where(_VOUCHER.c.status == VOUCHER_ACTIVE)
    .where(_VOUCHER.c.expires_on >= bindparam("today"))
    .values(
        balance_fen=_VOUCHER.c.balance_fen - bindparam("amount"),
        version=_VOUCHER.c.version + 1,
        updated_at=bindparam("now", type_=_VOUCHER.c.updated_at.type),
    )
)
_DRAW_USAGE = (
    update(_USAGE)
    .where(_USAGE.c.uscc == bindparam("holder"))
    .where(_USAGE.c.programme_id == bindparam("programme"))
    .where(_USAGE.c.redeemed_fen + bindparam("amount") <= _USAGE.c.cap_fen)
    .values(redeemed_fen=_USAGE.c.redeemed_fen + bindparam("amount"))
)
_INSERT_REDEMPTION = insert(Redemption.__table__)  # type: ignore[attr-defined]


def _draw_contract_statement(insert_of: Any) -> Any:
    """The contract's guarded upsert (see `_draw_contract`) in one dialect's `insert`."""
    now = bindparam("now", type_=_CONTRACT.c.updated_at.type)
    amount = bindparam("amount", type_=_CONTRACT.c.redeemed_fen.type)
    return (
        insert_of(_CONTRACT)
        .values(
            provider_id=bindparam("p_provider"),
            reference=bindparam("p_reference"),
            uscc=bindparam("p_holder"),
            amount_fen=bindparam("p_contract_fen"),
            category=bindparam("p_category"),
            redeemed_fen=amount,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=["provider_id", "reference"],
            set_={"redeemed_fen": _CONTRACT.c.redeemed_fen + amount, "updated_at": now},
            where=(_CONTRACT.c.uscc == bindparam("p_holder"))
            & (_CONTRACT.c.amount_fen == bindparam("p_contract_fen"))
            & (_CONTRACT.c.category == bindparam("p_category"))
            & (_CONTRACT.c.redeemed_fen + amount <= bindparam("covered")),
        )
        .returning(_CONTRACT.c.redeemed_fen)
    )


_DRAW_CONTRACT = {
    "postgresql": _draw_contract_statement(postgresql.insert),
    "sqlite": _draw_contract_statement(sqlite.insert),
}


def _draw_balance(session: Session, voucher: Voucher, amount: int, today: Any) -> None:
    drawn = session.execute(
        _DRAW_BALANCE,
        {"voucher_id": voucher.id, "amount": amount, "today": today, "now": utcnow()},
    )
    if _rowcount(drawn) != 1:
        raise errors.InsufficientBalance.for_field(
            "body.amount_fen", "more than the voucher's balance"
        )


def _draw_contract(
    session: Session,
    *,
    provider_id: str,
    terms: RedemptionContractTerms,
    uscc: str,
    amount: int,
    covered: int,
) -> None:
    """Record the contract on its first redemption, or draw on it: one guarded upsert.

    A new contract starts at `amount` (≤ its covered share, checked first); an existing one is
    drawn only if its terms match and its redeemed total stays within the covered share — the
    guard is in the statement's `WHERE`, so concurrent redemptions on one contract never pass it.
    """
    if amount <= covered:
        drawn = session.execute(
            _DRAW_CONTRACT[session.get_bind().dialect.name],
            {
                "p_provider": provider_id,
                "p_reference": terms.reference,
                "p_holder": uscc,
                "p_contract_fen": terms.amount_fen,
                "p_category": terms.category,
                "amount": amount,
                "covered": covered,
                "now": utcnow(),
            },
        ).first()
        if drawn is not None:
            return
    contract = session.get(RedemptionContract, (provider_id, terms.reference))
    if contract is not None and (
        contract.uscc,
        contract.amount_fen,
        contract.category,
    ) != (uscc, terms.amount_fen, terms.category):
        raise errors.ContractMismatch.for_field(
            "body.contract.reference",
            "this contract was redeemed with another amount, category or holder",
        )
    raise errors.ExceedsCoveredShare.for_field(
        "body.amount_fen",
        f"with this contract's earlier redemptions, more than its covered share ({covered} fen)",
    )


def _draw_usage(session: Session, voucher: Voucher, amount: int) -> None:
    drawn = session.execute(
        _DRAW_USAGE,
        {"holder": voucher.uscc, "programme": voucher.programme_id, "amount": amount},
    )
    if _rowcount(drawn) != 1:
        raise errors.YearlyCapExceeded.for_field(
            "body.amount_fen", "the holder's redemptions this programme year would pass its cap"
        )


def redeem(*, session: Session, principal: Principal, data: RedemptionCreate) -> Redemption:
    """Check the voucher, holder, provider and amounts, then draw them down atomically."""
    voucher, programme, holder, provider = _voucher_by_code(
        session, data.voucher_code, principal.org
    )
    today = shanghai_date(utcnow())
    if voucher.status != VOUCHER_ACTIVE:
        raise errors.VoucherNotActive(f"The voucher is {voucher.status}.")
    if voucher.expires_on < today:
        raise errors.VoucherExpired(f"The voucher expired on {voucher.expires_on.isoformat()}.")
    holder = _check_holder(session, programme, voucher.uscc, today, holder)
    terms = data.contract
    provider = _check_provider(provider, terms.category)
    if terms.category not in programme.categories:
        raise errors.CategoryNotCovered.for_field(
            "body.contract.category", f"the programme does not cover '{terms.category}'"
        )
    if provider.uscc == holder.uscc:
        raise errors.ProviderIsHolder("A provider does not redeem its own voucher.")
    if provider.legal_rep_id_hash is not None and (
        provider.legal_rep_id_hash == holder.legal_rep_id_hash
    ):
        raise errors.SharedLegalRepresentative(
            "The provider and the holder share their legal representative."
        )
    amount = data.amount_fen
    if amount > voucher.balance_fen:
        raise errors.InsufficientBalance.for_field(
            "body.amount_fen", f"more than the voucher's balance ({voucher.balance_fen} fen)"
        )
    covered = covered_share(programme.coverage_bp, terms.amount_fen)
    # Lock order (voucher, contract, usage, outbox) is the same in every redemption and reversal.
    _draw_balance(session, voucher, amount, today)
    _draw_contract(
        session,
        provider_id=provider.id,
        terms=terms,
        uscc=voucher.uscc,
        amount=amount,
        covered=covered,
    )
    _draw_usage(session, voucher, amount)
    redemption = Redemption(
        id=new_id("rdm"),
        voucher_id=voucher.id,
        programme_id=voucher.programme_id,
        uscc=voucher.uscc,
        provider_id=provider.id,
        contract_reference=terms.reference,
        contract_amount_fen=terms.amount_fen,
        category=terms.category,
        amount_fen=amount,
        created_by=principal.client_id,
    )
    # A Core insert: the row is only written and answered, no ORM unit of work to track it.
    session.execute(_INSERT_REDEMPTION, redemption.model_dump())
    emit(
        session,
        "voucher.redeemed",
        {
            "redemption_id": redemption.id,
            "voucher_id": voucher.id,
            "uscc": voucher.uscc,
            "programme_id": voucher.programme_id,
            "provider_id": provider.id,
            "contract_reference": terms.reference,
            "category": terms.category,
            "amount_fen": amount,
        },
    )
    return redemption


def _visible(session: Session, principal: Principal, redemption_id: str) -> Redemption:
    redemption = session.get(Redemption, redemption_id)
    if redemption is None or not _may_see(principal, redemption):
        raise errors.RedemptionNotFound("No such redemption.")
    return redemption


def _may_see(principal: Principal, redemption: Redemption) -> bool:
    if principal.kind == ClientKind.ADMIN:
        return True
    if principal.kind == ClientKind.PROVIDER:
        return redemption.provider_id == principal.org
    return redemption.uscc == principal.org  # the holder (a portal acts for it)


def get_redemption(*, session: Session, principal: Principal, redemption_id: str) -> Redemption:
    """One redemption the caller may see (404 for anyone else's)."""
    return _visible(session, principal, redemption_id)


def list_redemptions(
    *,
    session: Session,
    principal: Principal,
    filters: RedemptionFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[RedemptionPublic], str | None]:
    """Redemptions the caller may see, newest last (by id: ids sort by time)."""
    statement = select(Redemption)
    if principal.kind == ClientKind.PROVIDER:
        statement = statement.where(col(Redemption.provider_id) == principal.org)
    elif principal.kind != ClientKind.ADMIN:
        statement = statement.where(col(Redemption.uscc) == principal.org)
    if filters.voucher is not None:
        if principal.kind in (ClientKind.ENTERPRISE, ClientKind.PORTAL):
            voucher = session.get(Voucher, filters.voucher)
            if voucher is None or voucher.uscc != principal.org:
                raise errors.VoucherNotFound.for_field("query.voucher", "no such voucher of yours")
        statement = statement.where(col(Redemption.voucher_id) == filters.voucher)
    if filters.status is not None:
        statement = statement.where(col(Redemption.status) == filters.status)
    if filters.contract_reference is not None:
        statement = statement.where(
            col(Redemption.contract_reference) == filters.contract_reference
        )
    if filters.provider is not None:
        statement = statement.where(col(Redemption.provider_id) == filters.provider)
    table = Redemption.__table__  # type: ignore[attr-defined]
    page = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(page).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda row: [row.id])
    return [to_public(row) for row in kept], next_cursor


def _give_back(session: Session, redemption: Redemption) -> bool:
    """Return the amount to the voucher; False when the voucher is no longer active."""
    back = session.execute(
        update(Voucher)
        .where(col(Voucher.id) == redemption.voucher_id)
        .where(col(Voucher.status) == VOUCHER_ACTIVE)
        .where(col(Voucher.balance_fen) + redemption.amount_fen <= col(Voucher.face_value_fen))
        .values(
            balance_fen=col(Voucher.balance_fen) + redemption.amount_fen,
            version=col(Voucher.version) + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(back) == 1:
        return True
    # Expired or void: its unused balance went back to the programme already; so does this.
    session.execute(
        update(Voucher)
        .where(col(Voucher.id) == redemption.voucher_id)
        .values(
            released_fen=col(Voucher.released_fen) + redemption.amount_fen,
            version=col(Voucher.version) + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Programme)
        .where(col(Programme.id) == redemption.programme_id)
        .values(committed_fen=col(Programme.committed_fen) - redemption.amount_fen)
        .execution_options(synchronize_session=False)
    )
    return False


def reverse(
    *,
    session: Session,
    principal: Principal,
    redemption_id: str,
    data: RedemptionReversalCreate,
    precondition: Precondition,
) -> Redemption:
    """Reverse a redemption within 30 days: the voucher, contract and cap get the amount back."""
    redemption = _visible(session, principal, redemption_id)
    precondition(etag_of(redemption.id, redemption.version))
    if redemption.status == REVERSED:
        raise errors.RedemptionAlreadyReversed("The redemption was reversed already.")
    now = utcnow()
    if now - redemption.created_at > REVERSAL_WINDOW:
        raise errors.ReversalWindowPassed(
            "A redemption is reversed within 30 days; this one is older."
        )
    marked = session.execute(
        update(Redemption)
        .where(col(Redemption.id) == redemption.id)
        .where(col(Redemption.status) == REDEEMED)
        .values(
            status=REVERSED,
            reversed_at=now,
            reversed_by=principal.client_id,
            reversal_reason=data.reason,
            version=col(Redemption.version) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(marked) != 1:
        raise errors.RedemptionAlreadyReversed("The redemption was reversed already.")
    to_voucher = _give_back(session, redemption)
    amount = redemption.amount_fen
    session.execute(
        update(RedemptionContract)
        .where(col(RedemptionContract.provider_id) == redemption.provider_id)
        .where(col(RedemptionContract.reference) == redemption.contract_reference)
        .values(redeemed_fen=col(RedemptionContract.redeemed_fen) - amount, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(EnterpriseYearUsage)
        .where(col(EnterpriseYearUsage.uscc) == redemption.uscc)
        .where(col(EnterpriseYearUsage.programme_id) == redemption.programme_id)
        .values(redeemed_fen=col(EnterpriseYearUsage.redeemed_fen) - amount)
        .execution_options(synchronize_session=False)
    )
    session.refresh(redemption)
    emit(
        session,
        "redemption.reversed",
        {
            "redemption_id": redemption.id,
            "voucher_id": redemption.voucher_id,
            "uscc": redemption.uscc,
            "programme_id": redemption.programme_id,
            "provider_id": redemption.provider_id,
            "amount_fen": amount,
            "settlement_id": redemption.settlement_id,
            "clawback": redemption.settlement_id is not None,
            "returned_to": "voucher" if to_voucher else "programme",
        },
    )
    return redemption
