"""The double-entry ledger: accounts, balanced transfers, reversals, balances (integer fen).

Sign convention: an account's balance is the sum of its entries; a transfer's legs sum to 0;
a positive leg adds money to that account. Each leg is one
`UPDATE … SET balance_fen = balance_fen + :delta` on the account row, in account-code order
(so concurrent transfers lock rows in one order and never deadlock); the CHECK on a
non-negative account refuses the UPDATE that would take it below zero, whatever runs
concurrently, and the whole transfer is rolled back to its savepoint (409
`ledger_insufficient_funds`). Nothing here updates or deletes an entry or a transfer.
"""

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from services.common.ids import new_id
from services.common.pagination import page_of, paginate
from services.funding.ledger import errors
from services.funding.ledger.models import (
    ACCOUNT_KINDS,
    MAY_GO_NEGATIVE,
    PARTY,
    PAYABLE,
    PAYEE,
    LedgerAccount,
    LedgerEntry,
    LedgerTransfer,
)
from services.funding.ledger.schemas import LedgerTransferPublic, LegPublic

ID_PREFIX = "trf"
CODE = re.compile(r"^[a-z]+(:[A-Za-z0-9_.\-]+)*$")
REVERSAL = "reversal"

Legs = Sequence[tuple[str, int]]


def open_account(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    non_negative: bool,
    year: int | None = None,
    district: str | None = None,
) -> LedgerAccount:
    """Open an account, or return it if open with the same terms (409 `ledger_account_conflict`)."""
    if not CODE.match(code) or len(code) > 120:
        raise errors.InvalidAccountCode.for_field("body.code", f"{code!r} is not an account code")
    if kind not in ACCOUNT_KINDS:
        raise errors.InvalidAccountCode.for_field("body.kind", f"unknown account kind {kind!r}")
    account = session.get(LedgerAccount, code)
    if account is None:
        _check_terms(code=code, kind=kind, non_negative=non_negative)
        account = LedgerAccount(
            code=code,
            name=name,
            kind=kind,
            non_negative=non_negative,
            year=year,
            district=district,
        )
        try:
            with session.begin_nested():
                session.add(account)
                session.flush()
            return account
        except IntegrityError:  # opened concurrently: compare with what was opened
            account = session.get(LedgerAccount, code)
            if account is None:
                raise
    terms = (account.kind, account.non_negative, account.year, account.district)
    if terms != (kind, non_negative, year, district):
        raise errors.AccountConflict(
            f"Account {code} is open as kind={account.kind}, non_negative={account.non_negative}, "
            f"year={account.year}, district={account.district}."
        )
    return account


def _check_terms(*, code: str, kind: str, non_negative: bool) -> None:
    prefix = code.split(":", 1)[0]
    if prefix in ACCOUNT_KINDS and prefix != kind:
        raise errors.InvalidAccountTerms.for_field(
            "body.kind", f"an account coded {prefix}:… is of kind {prefix!r}, not {kind!r}"
        )
    if not non_negative and kind not in MAY_GO_NEGATIVE:
        raise errors.InvalidAccountTerms.for_field(
            "body.non_negative", f"only a source or a party may go negative, not a {kind} account"
        )


# Moved only by their domains: payouts by disbursements, a party (a bridge borrower) by the
# bridge fund's lending and repayment; never by a hand-made transfer or reversal.
RESERVED_KINDS = frozenset({PAYABLE, PAYEE, PARTY})
HAND_KEY_PREFIX = "http:"  # the keys of transfers recorded through the HTTP API


def _reserved(session: Session, codes: Sequence[str]) -> set[str]:
    """Which of the accounts only their domains move (`payable`, `payee:…`, parties)."""
    kinds = dict(
        session.execute(
            select(LedgerAccount.code, LedgerAccount.kind).where(
                col(LedgerAccount.code).in_(list(codes))
            )
        ).all()
    )
    return {
        code
        for code in codes
        if code.split(":", 1)[0] in RESERVED_KINDS or kinds.get(code) in RESERVED_KINDS
    }


def transfer_by_hand(
    session: Session,
    *,
    key: str,
    legs: Legs,
    kind: str,
    memo: str,
    principal_id: str,
    reference: str | None = None,
) -> LedgerTransfer:
    """An admin's transfer: `transfer`, but never on `payable` or a payee (422 reserved)."""
    reserved = _reserved(session, [str(code) for code, _ in legs])
    for index, (code, _) in enumerate(legs):
        if code in reserved:
            raise errors.AccountReserved.for_field(
                f"body.legs.{index}.account",
                f"{code} moves only through disbursements (four eyes, published), not by hand",
            )
    return transfer(
        session,
        key=key,
        legs=legs,
        kind=kind,
        memo=memo,
        principal_id=principal_id,
        reference=reference,
    )


def reverse_by_hand(
    session: Session, *, transfer_id: str, key: str, principal_id: str, memo: str
) -> LedgerTransfer:
    """An admin's reversal: `reverse`, but never of a transfer on `payable` or a payee (409)."""
    original = get_transfer(session, transfer_id=transfer_id)
    codes = [code for code, _ in legs_of(session, original.id)]
    if _reserved(session, codes):
        raise errors.ReversalReserved(
            f"Transfer {original.id} moved money on {', '.join(sorted(_reserved(session, codes)))}"
            ": a disbursement's money is given back by cancelling it, never by a reversal."
        )
    if not original.key.startswith(HAND_KEY_PREFIX):
        raise errors.TransferNotByHand(
            f"Transfer {original.id} ({original.kind}) was recorded by its domain, not by hand: "
            "correct it there (its matching, budget or disbursement records depend on it)."
        )
    return reverse(session, transfer_id=transfer_id, key=key, principal_id=principal_id, memo=memo)


def get_account(session: Session, *, code: str) -> LedgerAccount:
    """The account (404 `ledger_account_not_found`)."""
    account = session.get(LedgerAccount, code)
    if account is None:
        raise errors.AccountNotFound(f"No ledger account {code}.")
    return account


def balance_of(session: Session, *, code: str) -> int:
    """The account's balance in fen, as of this transaction (404 `ledger_account_not_found`)."""
    balance = session.execute(
        select(LedgerAccount.balance_fen).where(col(LedgerAccount.code) == code)
    ).scalar_one_or_none()
    if balance is None:
        raise errors.AccountNotFound(f"No ledger account {code}.")
    return int(balance)


def _normalised(legs: Legs) -> list[tuple[str, int]]:
    pairs = [(str(code), amount) for code, amount in legs]
    if len(pairs) < 2:
        raise errors.UnbalancedTransfer.for_field("body.legs", "a transfer has at least two legs")
    for index, (_code, amount) in enumerate(pairs):
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise errors.UnbalancedTransfer.for_field(
                f"body.legs.{index}.amount_fen", "a leg moves a non-zero whole number of fen"
            )
    if len({code for code, _ in pairs}) != len(pairs):
        raise errors.UnbalancedTransfer.for_field("body.legs", "each account appears once")
    if sum(amount for _, amount in pairs) != 0:
        raise errors.UnbalancedTransfer.for_field(
            "body.legs", f"the legs sum to {sum(a for _, a in pairs)} fen, not 0"
        )
    return sorted(pairs)


def legs_of(session: Session, transfer_id: str) -> list[tuple[str, int]]:
    """The transfer's legs, (account code, amount) in account-code order."""
    rows = session.execute(
        select(LedgerEntry.account_code, LedgerEntry.amount_fen)
        .where(col(LedgerEntry.transfer_id) == transfer_id)
        .order_by(col(LedgerEntry.account_code))
    ).all()
    return [(str(code), int(amount)) for code, amount in rows]


def _by_key(session: Session, key: str) -> LedgerTransfer | None:
    return session.execute(
        select(LedgerTransfer).where(col(LedgerTransfer.key) == key)
    ).scalar_one_or_none()


def _replay(
    session: Session, existing: LedgerTransfer, legs: list[tuple[str, int]]
) -> LedgerTransfer:
    if legs_of(session, existing.id) != legs:
        raise errors.TransferKeyReused(
            f"Transfer key {existing.key!r} was used for transfer {existing.id} with other legs."
        )
    return existing


def _is_check_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23514" or "CHECK constraint failed" in str(orig)


def _short_account(session: Session, legs: list[tuple[str, int]]) -> str:
    """Which non-negative account the legs would take below zero (for the problem's detail)."""
    for code, amount in legs:
        account = session.get(LedgerAccount, code, populate_existing=True)
        if account is not None and account.non_negative and account.balance_fen + amount < 0:
            return f"{code} (balance {account.balance_fen} fen, leg {amount} fen)"
    return "a non-negative account"


def _record(
    session: Session,
    *,
    key: str,
    legs: list[tuple[str, int]],
    kind: str,
    memo: str,
    principal_id: str,
    reference: str | None,
    reverses: str | None,
) -> LedgerTransfer:
    found = {
        str(code)
        for code in session.execute(
            select(LedgerAccount.code).where(col(LedgerAccount.code).in_([c for c, _ in legs]))
        ).scalars()
    }
    for index, (code, _) in enumerate(legs):
        if code not in found:
            raise errors.UnknownAccount.for_field(
                f"body.legs.{index}.account", f"no ledger account {code}"
            )
    transfer = LedgerTransfer(
        id=new_id(ID_PREFIX),
        key=key,
        kind=kind,
        memo=memo,
        reference=reference,
        amount_fen=sum(amount for _, amount in legs if amount > 0),
        reverses=reverses,
        principal_id=principal_id,
    )
    rows: list[dict[str, Any]] = []
    session.flush()  # the caller's pending work stays outside the transfer's savepoint
    with session.begin_nested():
        session.add(transfer)
        session.flush()
        for code, amount in legs:  # account-code order: one lock order for every transfer
            balance, number = session.execute(
                update(LedgerAccount)
                .where(col(LedgerAccount.code) == code)
                .values(
                    balance_fen=col(LedgerAccount.balance_fen) + amount,
                    entries=col(LedgerAccount.entries) + 1,
                )
                .returning(col(LedgerAccount.balance_fen), col(LedgerAccount.entries))
                .execution_options(synchronize_session=False)
            ).one()
            rows.append(
                {
                    "transfer_id": transfer.id,
                    "account_code": code,
                    "entry_no": number,
                    "amount_fen": amount,
                    "balance_after_fen": balance,
                    "created_at": transfer.created_at,
                }
            )
        session.execute(insert(LedgerEntry.__table__), rows)  # type: ignore[attr-defined]
    for code, _ in legs:  # the stored balances moved under any loaded copy
        loaded = session.identity_map.get(identity_key(LedgerAccount, code))
        if loaded is not None:
            session.expire(loaded)
    return transfer


def transfer(
    session: Session,
    *,
    key: str,
    legs: Legs,
    kind: str,
    memo: str,
    principal_id: str,
    reference: str | None = None,
) -> LedgerTransfer:
    """Record a balanced transfer, idempotent by `key` (same key, other legs: 409)."""
    return _transfer(
        session,
        key=key,
        legs=_normalised(legs),
        kind=kind,
        memo=memo,
        principal_id=principal_id,
        reference=reference,
        reverses=None,
    )


def _transfer(
    session: Session,
    *,
    key: str,
    legs: list[tuple[str, int]],
    kind: str,
    memo: str,
    principal_id: str,
    reference: str | None,
    reverses: str | None,
) -> LedgerTransfer:
    existing = _by_key(session, key)
    if existing is not None:
        return _replay(session, existing, legs)
    try:
        return _record(
            session,
            key=key,
            legs=legs,
            kind=kind,
            memo=memo,
            principal_id=principal_id,
            reference=reference,
            reverses=reverses,
        )
    except IntegrityError as exc:
        if _is_check_violation(exc):
            raise errors.InsufficientFunds(
                f"The transfer would take {_short_account(session, legs)} below zero."
            ) from None
        existing = _by_key(session, key)  # the same key recorded concurrently
        if existing is not None:
            return _replay(session, existing, legs)
        if reverses is not None:  # reversed concurrently under another key
            raise errors.TransferAlreadyReversed(
                f"Transfer {reverses} has been reversed already."
            ) from None
        raise


def get_transfer(session: Session, *, transfer_id: str) -> LedgerTransfer:
    """The transfer (404 `ledger_transfer_not_found`)."""
    found = session.get(LedgerTransfer, transfer_id)
    if found is None:
        raise errors.TransferNotFound(f"No ledger transfer {transfer_id}.")
    return found


def reversed_by(session: Session, *, transfer_id: str) -> str | None:
    """The id of the transfer reversing this one, if any."""
    return session.execute(
        select(LedgerTransfer.id).where(col(LedgerTransfer.reverses) == transfer_id)
    ).scalar_one_or_none()


def reverse(
    session: Session, *, transfer_id: str, key: str, principal_id: str, memo: str
) -> LedgerTransfer:
    """A new transfer with every leg negated (409 if reversed already or itself a reversal)."""
    original = get_transfer(session, transfer_id=transfer_id)
    legs = sorted((code, -amount) for code, amount in legs_of(session, original.id))
    existing = _by_key(session, key)
    if existing is not None and existing.reverses == original.id:
        return _replay(session, existing, legs)
    if original.reverses is not None:
        raise errors.TransferAlreadyReversed(
            f"Transfer {original.id} is a reversal; record a new transfer instead."
        )
    if reversed_by(session, transfer_id=original.id) is not None:
        raise errors.TransferAlreadyReversed(f"Transfer {original.id} has been reversed already.")
    return _transfer(
        session,
        key=key,
        legs=legs,
        kind=REVERSAL,
        memo=memo,
        principal_id=principal_id,
        reference=original.id,
        reverses=original.id,
    )


def list_accounts(
    session: Session,
    *,
    kind: str | None,
    year: int | None,
    district: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[LedgerAccount], str | None]:
    """Accounts in code order, filtered by kind, year and district."""
    statement: Any = select(LedgerAccount)
    if kind is not None:
        statement = statement.where(col(LedgerAccount.kind) == kind)
    if year is not None:
        statement = statement.where(col(LedgerAccount.year) == year)
    if district is not None:
        statement = statement.where(col(LedgerAccount.district) == district)
    accounts = LedgerAccount.__table__  # type: ignore[attr-defined]
    statement = paginate(statement, keys=[accounts.c.code], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    return page_of(rows, limit=limit, key_of=lambda a: [a.code])


def statement_of(
    session: Session, *, code: str, limit: int, cursor: str | None
) -> tuple[list[tuple[LedgerEntry, LedgerTransfer]], str | None]:
    """The account's entries in order, each with its transfer and the balance after it."""
    get_account(session, code=code)
    entries = LedgerEntry.__table__  # type: ignore[attr-defined]
    joined: Any = (
        select(LedgerEntry, LedgerTransfer)
        .join(LedgerTransfer, col(LedgerTransfer.id) == col(LedgerEntry.transfer_id))
        .where(col(LedgerEntry.account_code) == code)
    )
    statement = paginate(
        joined,
        keys=[entries.c.entry_no],
        limit=limit,
        cursor=cursor,
    )
    rows = [(entry, moved) for entry, moved in session.execute(statement).all()]
    return page_of(rows, limit=limit, key_of=lambda row: [row[0].entry_no])


def trial_balance(session: Session) -> tuple[list[LedgerAccount], dict[str, int], bool]:
    """Every account; whether every stored balance equals the sum of its entries."""
    accounts = list(
        session.execute(select(LedgerAccount).order_by(col(LedgerAccount.code))).scalars()
    )
    sums = dict(
        session.execute(
            select(LedgerEntry.account_code, func.sum(LedgerEntry.amount_fen)).group_by(
                col(LedgerEntry.account_code)
            )
        ).all()
    )
    agree = all(int(sums.get(a.code) or 0) == a.balance_fen for a in accounts)
    totals: dict[str, int] = {}
    for account in accounts:
        totals[account.kind] = totals.get(account.kind, 0) + account.balance_fen
    return accounts, totals, agree


def to_public(session: Session, transfer: LedgerTransfer) -> LedgerTransferPublic:
    """The transfer as the API shows it, with its legs and the balances after them."""
    entries = session.execute(
        select(LedgerEntry)
        .where(col(LedgerEntry.transfer_id) == transfer.id)
        .order_by(col(LedgerEntry.account_code))
    ).scalars()
    return LedgerTransferPublic(
        id=transfer.id,
        kind=transfer.kind,
        memo=transfer.memo,
        reference=transfer.reference,
        amount_fen=transfer.amount_fen,
        reverses=transfer.reverses,
        reversed_by=reversed_by(session, transfer_id=transfer.id),
        recorded_by=transfer.principal_id,
        created_at=transfer.created_at,
        legs=[
            LegPublic(
                account=e.account_code,
                amount_fen=e.amount_fen,
                entry_no=e.entry_no,
                balance_after_fen=e.balance_after_fen,
            )
            for e in entries
        ],
    )
