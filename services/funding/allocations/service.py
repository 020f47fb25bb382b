"""Block allocation (切块分配) and district matching (配套).

An allocation is one ledger transfer, the line (`line:<year>:<line>`) to each district's block
(`block:<year>:<line>:<district>`), so it can never allocate more than the line holds (the
ledger's guard). Each share creates the district's matching obligation at the ratio the
`funding.matching` version in force on 1 January of the year gives, stored with that version.
A matching payment is a transfer `source:district:<code>` → the block; the block's row counts
what is paid under a CHECK (paid ≤ owed), so concurrent reports can never pay more than owed.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.errors import DomainError
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.common.rules import evaluate, mark_used, rule_set_for
from services.common.rules.models import RuleSet
from services.funding import scopes
from services.funding.allocations import errors
from services.funding.allocations.models import (
    EXPLICIT,
    RULE_SET,
    Allocation,
    MatchingBlock,
    MatchingObligation,
    MatchingPayment,
)
from services.funding.allocations.rules import ALLOCATION, MATCHING
from services.funding.allocations.schemas import (
    AllocationCreate,
    AllocationMethod,
    AllocationPublic,
    AllocationSharePublic,
    DistrictMatchingPublic,
    MatchingBlockPublic,
    MatchingPaymentCreate,
    MatchingPaymentPublic,
)
from services.funding.bases.models import BaseKind, BaseKpi
from services.funding.bases.service import admitted_bases
from services.funding.ledger import service as ledger
from services.funding.ledger.models import BLOCK, SOURCE
from services.funding.shares import split_pro_rata
from services.registry.reference.districts import DISTRICTS, DISTRICTS_BY_CODE

ID_PREFIX, OBLIGATION_PREFIX, PAYMENT_PREFIX = "alc", "mob", "mpy"


def block_account(year: int, line: str, district: str) -> str:
    """The ledger account of a district's block of a line."""
    return f"block:{year}:{line}:{district}"


def district_source(district: str) -> str:
    """The ledger account the district's matching money comes from."""
    return f"source:district:{district}"


MAX_RATIO_PART = 10_000  # a ratio part beyond this is a typo (and the column is 32-bit)
MAX_OWED_FEN = 2**63 - 1  # what a BIGINT holds


def owed_for(city_fen: int, city_part: int, district_part: int) -> int:
    """The matching owed for a city share: city × district_part / city_part, rounded up."""
    return -(-city_fen * district_part // city_part)


def ratio_label(city_part: int, district_part: int) -> str:
    """1:1.5 for 2:3, as the plan writes ratios."""
    return f"1:{(Decimal(district_part) / Decimal(city_part)).normalize():f}"


def _check_district(code: str, field: str) -> None:
    if code not in DISTRICTS_BY_CODE:
        raise errors.UnknownDistrict.for_field(
            field, f"{code!r} is not a district of the programme"
        )


def _district_inputs(
    session: Session, *, district: str, year: int, line: str, kpi_year: int, kinds: list[str]
) -> dict[str, Any]:
    bases = admitted_bases(session=session, district=district)
    ids = [b.id for b in bases]
    private, incubated = (0, 0)
    if ids:
        row = session.execute(
            select(
                func.coalesce(func.sum(BaseKpi.private_money_fen), 0),
                func.coalesce(func.sum(BaseKpi.enterprises_incubated), 0),
            )
            .where(col(BaseKpi.base_id).in_(ids))
            .where(col(BaseKpi.year) == kpi_year)
        ).one()
        private, incubated = int(row[0]), int(row[1])
    return {
        "district": district,
        "year": year,
        "line": line,
        "bases": len(bases),
        "area_m2": sum(b.area_m2 for b in bases),
        "bases_by_kind": {k: sum(1 for b in bases if b.kind == k) for k in kinds},
        "area_m2_by_kind": {k: sum(b.area_m2 for b in bases if b.kind == k) for k in kinds},
        "private_money_fen": private,
        "enterprises_incubated": incubated,
    }


def _weighted_shares(
    session: Session, data: AllocationCreate
) -> tuple[list[tuple[str, int, int | None, dict[str, Any]]], RuleSet]:
    """(district, amount, weight, inputs) by the allocation rule set, and the version used."""
    if data.rule_set_id is not None:
        found = session.get(RuleSet, data.rule_set_id)
        if found is None or found.family != ALLOCATION:
            raise errors.AllocationInvalid.for_field(
                "body.rule_set_id", f"{data.rule_set_id} is not a version of {ALLOCATION}"
            )
        rule_set = found
    else:
        rule_set = rule_set_for(session, family=ALLOCATION, on=date(data.year, 1, 1))
    districts = data.districts or [d.code for d in DISTRICTS]
    if len(set(districts)) != len(districts):
        raise errors.AllocationInvalid.for_field("body.districts", "a district appears twice")
    for index, code in enumerate(districts):
        _check_district(code, f"body.districts.{index}")
    kinds = [str(k) for k in session.exec(select(BaseKind.code).order_by(col(BaseKind.code)))]
    kpi_year = data.kpi_year if data.kpi_year is not None else data.year - 1
    weighed: list[tuple[str, int, dict[str, Any]]] = []
    for code in districts:
        inputs = _district_inputs(
            session, district=code, year=data.year, line=data.line, kpi_year=kpi_year, kinds=kinds
        )
        weight = evaluate(rule_set, inputs).results["weight"]
        if not isinstance(weight, int) or weight < 0:
            raise errors.MatchingRuleInvalid(
                f"{ALLOCATION} v{rule_set.version} weighs {code} at {weight!r}: a weight is a "
                "non-negative whole number."
            )
        weighed.append((code, weight, inputs))
    if sum(w for _, w, _ in weighed) == 0:
        raise errors.AllocationInvalid.for_field(
            "body.districts", "every district weighs 0: nothing to split the amount by"
        )
    assert data.total_fen is not None  # the schema requires it for this method
    amounts = split_pro_rata(data.total_fen, [w for _, w, _ in weighed])
    return [
        (code, amount, weight, inputs)
        for (code, weight, inputs), amount in zip(weighed, amounts, strict=True)
    ], rule_set


def _ratio(
    session: Session, rule_set: RuleSet, *, district: str, year: int, line: str
) -> tuple[int, int]:
    plan = DISTRICTS_BY_CODE[district].matching
    results = evaluate(
        rule_set,
        {
            "district": district,
            "year": year,
            "line": line,
            "plan_city_part": plan.city,
            "plan_district_part": plan.district,
        },
    ).results
    city_part, district_part = results["city_part"], results["district_part"]
    if (
        not (isinstance(city_part, int) and isinstance(district_part, int))
        or isinstance(city_part, bool)
        or isinstance(district_part, bool)
        or min(city_part, district_part) <= 0
        or max(city_part, district_part) > MAX_RATIO_PART
    ):
        raise errors.MatchingRuleInvalid(
            f"{MATCHING} v{rule_set.version} gives {district} the ratio {city_part}:"
            f"{district_part}: both parts must be whole numbers from 1 to {MAX_RATIO_PART}."
        )
    return city_part, district_part


def _add_to_block(
    session: Session,
    *,
    account: str,
    district: str,
    year: int,
    line: str,
    city_fen: int,
    owed_fen: int,
) -> None:
    if session.get(MatchingBlock, account) is None:
        try:
            with session.begin_nested():
                session.add(
                    MatchingBlock(block_account=account, district=district, year=year, line=line)
                )
                session.flush()
        except IntegrityError:  # opened concurrently: the UPDATE below adds to it
            pass
    added = session.execute(
        update(MatchingBlock)
        .where(col(MatchingBlock.block_account) == account)
        # Compared as a difference: a sum past the BIGINT would overflow (or, on SQLite, turn
        # into an inexact float) before it is compared.
        .where(col(MatchingBlock.owed_fen) <= MAX_OWED_FEN - owed_fen)
        .where(col(MatchingBlock.city_fen) <= MAX_OWED_FEN - city_fen)
        .values(
            city_fen=col(MatchingBlock.city_fen) + city_fen,
            owed_fen=col(MatchingBlock.owed_fen) + owed_fen,
        )
        .execution_options(synchronize_session=False)
    )
    if added.rowcount != 1:  # type: ignore[attr-defined]
        raise errors.MatchingRuleInvalid(
            f"{district}'s block {account} would owe more than {MAX_OWED_FEN} fen with this "
            "allocation: more than can be stored."
        )
    session.expire(session.get_one(MatchingBlock, account))  # the row was just updated


def allocate(session: Session, *, data: AllocationCreate, principal: Principal) -> Allocation:
    """Allocate a line among districts: one transfer line → blocks, and the matching owed."""
    line_account = f"line:{data.year}:{data.line}"
    try:
        ledger.get_account(session, code=line_account)
    except DomainError:
        raise errors.UnknownBudgetLine.for_field(
            "body.line", f"no budget line {line_account}: load the year's budget first"
        ) from None
    allocation_rule_set: RuleSet | None = None
    shares: list[tuple[str, int, int | None, dict[str, Any]]]
    if data.method == AllocationMethod.EXPLICIT:
        assert data.amounts is not None  # the schema requires it for this method
        codes = [a.district for a in data.amounts]
        if len(set(codes)) != len(codes):
            raise errors.AllocationInvalid.for_field("body.amounts", "a district appears twice")
        for index, code in enumerate(codes):
            _check_district(code, f"body.amounts.{index}.district")
        shares = [(a.district, a.amount_fen, None, {}) for a in data.amounts]
    else:
        shares, allocation_rule_set = _weighted_shares(session, data)
    matching = rule_set_for(session, family=MATCHING, on=date(data.year, 1, 1))
    funded = [share for share in shares if share[1] > 0]
    allocation_id = new_id(ID_PREFIX)
    for code, _amount, _weight, _inputs in funded:
        ledger.open_account(
            session,
            code=block_account(data.year, data.line, code),
            name=f"{data.year} {data.line} · {DISTRICTS_BY_CODE[code].name_zh}",
            kind=BLOCK,
            non_negative=True,
            year=data.year,
            district=code,
        )
    total = sum(amount for _, amount, _, _ in funded)
    moved = ledger.transfer(
        session,
        key=f"allocation:{allocation_id}",
        legs=[(line_account, -total)]
        + [(block_account(data.year, data.line, code), amount) for code, amount, _, _ in funded],
        kind="allocation",
        memo=data.memo,
        principal_id=principal.client_id,
        reference=allocation_id,
    )
    allocation = Allocation(
        id=allocation_id,
        year=data.year,
        line=data.line,
        line_account=line_account,
        method=EXPLICIT if data.method == AllocationMethod.EXPLICIT else RULE_SET,
        total_fen=total,
        allocation_rule_set_id=allocation_rule_set.id if allocation_rule_set else None,
        matching_rule_set_id=matching.id,
        kpi_year=(data.kpi_year or data.year - 1) if allocation_rule_set else None,
        transfer_id=moved.id,
        memo=data.memo,
        created_by=principal.client_id,
    )
    session.add(allocation)
    session.flush()
    for code, amount, weight, inputs in funded:
        city_part, district_part = _ratio(
            session, matching, district=code, year=data.year, line=data.line
        )
        owed = owed_for(amount, city_part, district_part)
        if owed > MAX_OWED_FEN:
            raise errors.MatchingRuleInvalid(
                f"{MATCHING} v{matching.version} makes {code} owe {owed} fen: more than can be "
                "stored."
            )
        account = block_account(data.year, data.line, code)
        session.add(
            MatchingObligation(
                id=new_id(OBLIGATION_PREFIX),
                allocation_id=allocation.id,
                district=code,
                block_account=account,
                city_fen=amount,
                city_part=city_part,
                district_part=district_part,
                owed_fen=owed,
                weight=weight,
                inputs=inputs,
            )
        )
        _add_to_block(
            session,
            account=account,
            district=code,
            year=data.year,
            line=data.line,
            city_fen=amount,
            owed_fen=owed,
        )
    session.flush()
    mark_used(session, matching)
    if allocation_rule_set is not None:
        mark_used(session, allocation_rule_set)
    emit(
        session,
        "allocation.made",
        {
            "id": allocation.id,
            "year": allocation.year,
            "line": allocation.line,
            "total_fen": total,
            "transfer_id": moved.id,
            "districts": [code for code, _, _, _ in funded],
        },
        actor=principal.actor,
    )
    return allocation


def get_allocation(session: Session, *, allocation_id: str) -> Allocation:
    """The allocation (404 `allocation_not_found`)."""
    found = session.get(Allocation, allocation_id)
    if found is None:
        raise errors.AllocationNotFound(f"No allocation {allocation_id}.")
    return found


def list_allocations(
    session: Session, *, year: int | None, line: str | None, limit: int, cursor: str | None
) -> tuple[list[Allocation], str | None]:
    """Allocations in the order they were made."""
    statement: Any = select(Allocation)
    if year is not None:
        statement = statement.where(col(Allocation.year) == year)
    if line is not None:
        statement = statement.where(col(Allocation.line) == line)
    table = Allocation.__table__  # type: ignore[attr-defined]
    statement = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    return page_of(rows, limit=limit, key_of=lambda a: [a.id])


def to_public(session: Session, allocation: Allocation) -> AllocationPublic:
    """The allocation with each district's share and matching owed."""
    obligations = session.exec(
        select(MatchingObligation)
        .where(col(MatchingObligation.allocation_id) == allocation.id)
        .order_by(col(MatchingObligation.district))
    )
    return AllocationPublic(
        id=allocation.id,
        year=allocation.year,
        line=allocation.line,
        line_account=allocation.line_account,
        method=AllocationMethod(allocation.method),
        total_fen=allocation.total_fen,
        allocation_rule_set_id=allocation.allocation_rule_set_id,
        matching_rule_set_id=allocation.matching_rule_set_id,
        kpi_year=allocation.kpi_year,
        transfer_id=allocation.transfer_id,
        memo=allocation.memo,
        created_by=allocation.created_by,
        created_at=allocation.created_at,
        shares=[
            AllocationSharePublic(
                district=o.district,
                block_account=o.block_account,
                city_fen=o.city_fen,
                weight=o.weight,
                ratio=ratio_label(o.city_part, o.district_part),
                city_part=o.city_part,
                district_part=o.district_part,
                owed_fen=o.owed_fen,
            )
            for o in obligations
        ],
    )


def _block_public(session: Session, block: MatchingBlock) -> MatchingBlockPublic:
    return MatchingBlockPublic(
        block_account=block.block_account,
        year=block.year,
        line=block.line,
        city_fen=block.city_fen,
        owed_fen=block.owed_fen,
        paid_fen=block.paid_fen,
        outstanding_fen=block.owed_fen - block.paid_fen,
        balance_fen=ledger.balance_of(session, code=block.block_account),
    )


def matching_of(session: Session, *, district: str, year: int | None) -> DistrictMatchingPublic:
    """The district's blocks: city share, matching owed, paid and outstanding."""
    _check_district(district, "path.code")
    statement = select(MatchingBlock).where(col(MatchingBlock.district) == district)
    if year is not None:
        statement = statement.where(col(MatchingBlock.year) == year)
    blocks = [
        _block_public(session, b)
        for b in session.exec(statement.order_by(col(MatchingBlock.block_account)))
    ]
    return DistrictMatchingPublic(
        district=district,
        owed_fen=sum(b.owed_fen for b in blocks),
        paid_fen=sum(b.paid_fen for b in blocks),
        outstanding_fen=sum(b.outstanding_fen for b in blocks),
        blocks=blocks,
    )


def _may_report(principal: Principal, district: str) -> None:
    if principal.kind == ClientKind.ADMIN and principal.has(scopes.ADMIN):
        return
    if (
        principal.kind == ClientKind.DEPARTMENT
        and principal.has(scopes.ACCEPT)
        and principal.org == district
    ):
        return
    raise errors.NotThisDistrict(
        f"Matching payments of {district} are reported by that district (a department client "
        "whose org is the district code, with funding:accept) or recorded by an admin."
    )


def report_payment(
    session: Session, *, district: str, data: MatchingPaymentCreate, principal: Principal
) -> MatchingPayment:
    """Record a district's matching payment into its block (409 beyond what it owes)."""
    _check_district(district, "path.code")
    _may_report(principal, district)
    account = block_account(data.year, data.line, district)
    block = session.get(MatchingBlock, account)
    if block is None:
        raise errors.BlockNotFound(f"{district} has no block of line {data.line} in {data.year}.")
    paid = session.execute(
        update(MatchingBlock)
        .where(col(MatchingBlock.block_account) == account)
        .where(col(MatchingBlock.paid_fen) + data.amount_fen <= col(MatchingBlock.owed_fen))
        .values(paid_fen=col(MatchingBlock.paid_fen) + data.amount_fen)
        .execution_options(synchronize_session=False)
    )
    session.expire(block)
    if paid.rowcount != 1:  # type: ignore[attr-defined]
        raise errors.MatchingOverpaid.for_field(
            "body.amount_fen",
            f"{district} owes {block.owed_fen - block.paid_fen} fen more for {account}",
        )
    ledger.open_account(
        session,
        code=district_source(district),
        name=f"{DISTRICTS_BY_CODE[district].name_zh}配套资金",
        kind=SOURCE,
        non_negative=False,
        district=district,
    )
    payment_id = new_id(PAYMENT_PREFIX)
    moved = ledger.transfer(
        session,
        key=f"matching:{payment_id}",
        legs=[(district_source(district), -data.amount_fen), (account, data.amount_fen)],
        kind="matching_payment",
        memo=f"{district} matching for {account}: {data.reference}",
        principal_id=principal.client_id,
        reference=data.reference,
    )
    payment = MatchingPayment(
        id=payment_id,
        district=district,
        block_account=account,
        amount_fen=data.amount_fen,
        reference=data.reference,
        transfer_id=moved.id,
        reported_by=principal.client_id,
    )
    session.add(payment)
    session.flush()
    emit(
        session,
        "matching.paid",
        {
            "id": payment.id,
            "district": district,
            "block_account": account,
            "amount_fen": data.amount_fen,
            "transfer_id": moved.id,
        },
        actor=principal.actor,
    )
    return payment


def payment_public(session: Session, payment: MatchingPayment) -> MatchingPaymentPublic:
    """The payment and its block after it."""
    block = session.get(MatchingBlock, payment.block_account)
    assert block is not None
    return MatchingPaymentPublic(
        id=payment.id,
        district=payment.district,
        block_account=payment.block_account,
        amount_fen=payment.amount_fen,
        reference=payment.reference,
        transfer_id=payment.transfer_id,
        reported_by=payment.reported_by,
        created_at=payment.created_at,
        block=_block_public(session, block),
    )
