"""Voucher programmes: create and change drafts, open and close them, evaluate eligibility.

Draft → open → closed. A draft's terms change freely (If-Match); an open programme changes only
its budget (never below what issuance committed: a conditional UPDATE, with the table's CHECK
behind it) and its auto-approval; a closed one never changes. Drafts are seen by admins only.

Other domains use `get_programme` (issuance, redemption, reports) and `evaluate_eligibility`
(the rule trace becomes an application's reasons).
"""

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.etag import Precondition, etag_of
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.pagination import page_of, paginate
from services.common.rules import evaluate, get_rule_set, mark_used, rule_set_for
from services.common.rules.errors import RuleSetNotFound
from services.common.rules.models import RuleSet
from services.vouchers.enterprises.service import get_enterprise, on_dishonesty_list
from services.vouchers.programmes.errors import (
    BudgetBelowCommitted,
    CapBelowFaceValue,
    FaceValueExceedsBudget,
    FieldNotNullable,
    NothingToUpdate,
    ProgrammeClosed,
    ProgrammeNameTaken,
    ProgrammeNotDraft,
    ProgrammeNotFound,
    ProgrammeTransitionInvalid,
    UnknownRuleSet,
)
from services.vouchers.programmes.models import CLOSED, DRAFT, OPEN, Programme
from services.vouchers.programmes.rules import FAMILIES, KIND_DEFAULTS
from services.vouchers.programmes.schemas import (
    VoucherProgrammeCreate,
    VoucherProgrammeFilters,
    VoucherProgrammePublic,
    VoucherProgrammeUpdate,
)

ID_PREFIX = "vpg"
# What an open programme may still change.
OPEN_FIELDS = frozenset({"budget_fen", "auto_approve"})


def etag(programme: Programme) -> str:
    """The ETag of a programme's current version."""
    return etag_of(programme.id, programme.version)


def to_public(programme: Programme) -> VoucherProgrammePublic:
    """The API view of a programme row."""
    return VoucherProgrammePublic(
        id=programme.id,
        kind=programme.kind,  # type: ignore[arg-type]
        year=programme.year,
        name=programme.name,
        status=programme.status,  # type: ignore[arg-type]
        budget_fen=programme.budget_fen,
        committed_fen=programme.committed_fen,
        remaining_fen=programme.budget_fen - programme.committed_fen,
        face_value_fen=programme.face_value_fen,
        coverage_bp=programme.coverage_bp,
        yearly_cap_fen=programme.yearly_cap_fen,
        validity_days=programme.validity_days,
        categories=list(programme.categories),
        auto_approve=programme.auto_approve,
        rule_set_id=programme.rule_set_id,
        version=programme.version,
        created_by=programme.created_by,
        created_at=as_utc(programme.created_at),
        updated_at=as_utc(programme.updated_at),
    )


def _payload(programme: Programme) -> dict[str, Any]:
    return {
        "id": programme.id,
        "kind": programme.kind,
        "year": programme.year,
        "status": programme.status,
        "budget_fen": programme.budget_fen,
        "face_value_fen": programme.face_value_fen,
        "version": programme.version,
    }


def _check_rule_set(session: Session, rule_set_id: str | None, field: str) -> None:
    if rule_set_id is None:
        return
    try:
        get_rule_set(session=session, families=FAMILIES, rule_set_id=rule_set_id)
    except RuleSetNotFound:
        raise UnknownRuleSet.for_field(
            field,
            f"No eligibility rule set {rule_set_id} (families: {', '.join(sorted(FAMILIES))}).",
        ) from None


def _check_terms(
    budget_fen: int, face_value_fen: int, yearly_cap_fen: int, prefix: str = "body."
) -> None:
    if face_value_fen > budget_fen:
        raise FaceValueExceedsBudget.for_field(
            prefix + "face_value_fen",
            f"face value {face_value_fen} fen is more than the budget {budget_fen} fen",
        )
    if yearly_cap_fen < face_value_fen:
        raise CapBelowFaceValue.for_field(
            prefix + "yearly_cap_fen",
            f"the yearly cap {yearly_cap_fen} fen is below one voucher's {face_value_fen} fen",
        )


def _categories(values: list[Any]) -> list[str]:
    return list(dict.fromkeys(str(value) for value in values))


def create_programme(
    *, session: Session, principal: Principal, data: VoucherProgrammeCreate
) -> Programme:
    """Create a draft programme (409 `programme_name_taken` for a kind/year/name in use)."""
    _check_terms(data.budget_fen, data.face_value_fen, data.yearly_cap_fen)
    _check_rule_set(session, data.rule_set_id, "body.rule_set_id")
    now = utcnow()
    programme = Programme(
        id=new_id(ID_PREFIX),
        kind=data.kind,
        year=data.year,
        name=data.name.strip(),
        budget_fen=data.budget_fen,
        face_value_fen=data.face_value_fen,
        coverage_bp=data.coverage_bp,
        yearly_cap_fen=data.yearly_cap_fen,
        validity_days=data.validity_days,
        categories=_categories(data.categories),
        rule_set_id=data.rule_set_id,
        auto_approve=data.auto_approve,
        status=DRAFT,
        created_by=principal.client_id,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # added inside: begin_nested() flushes what is pending first
            session.add(programme)
            session.flush()
    except IntegrityError:
        raise ProgrammeNameTaken.for_field(
            "body.name", f"A {data.kind} programme of {data.year} is already named {data.name!r}."
        ) from None
    emit(session, "programme.created", _payload(programme), actor=principal.actor)
    return programme


def get_programme(
    *,
    session: Session,
    programme_id: str,
    principal: Principal | None = None,
    lock: bool = False,
) -> Programme:
    """The programme (404 `programme_not_found`).

    With a `principal` other than an admin, a draft answers 404 too (drafts are not published).
    `lock` holds the row for the transaction.
    """
    programme = session.get(Programme, programme_id, with_for_update=lock)
    hidden = (
        programme is not None
        and programme.status == DRAFT
        and principal is not None
        and principal.kind != ClientKind.ADMIN
    )
    if programme is None or hidden:
        raise ProgrammeNotFound(f"No programme {programme_id}.")
    return programme


def list_programmes(
    *,
    session: Session,
    principal: Principal | None,
    filters: VoucherProgrammeFilters,
    limit: int,
    cursor: str | None,
    public: bool = False,
) -> tuple[list[VoucherProgrammePublic], str | None]:
    """One page of programmes by id; drafts only for admins; `public`: open ones only."""
    table = Programme.__table__  # type: ignore[attr-defined]
    statement: Any = select(Programme)
    if public:
        statement = statement.where(col(Programme.status) == OPEN)
    elif principal is None or principal.kind != ClientKind.ADMIN:
        statement = statement.where(col(Programme.status) != DRAFT)
    if filters.kind is not None:
        statement = statement.where(col(Programme.kind) == filters.kind)
    if filters.year is not None:
        statement = statement.where(col(Programme.year) == filters.year)
    if filters.status is not None:
        statement = statement.where(col(Programme.status) == filters.status)
    statement = paginate(statement, keys=[table.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda p: [p.id])
    return [to_public(p) for p in kept], next_cursor


def update_programme(
    *,
    session: Session,
    principal: Principal,
    programme_id: str,
    data: VoucherProgrammeUpdate,
    precondition: Precondition,
) -> Programme:
    """Change a draft's terms, or an open programme's budget and auto-approval.

    The budget never goes below `committed_fen` (409 `budget_below_committed`): a conditional
    UPDATE, so an issuance committing at the same time is either counted or refused.
    """
    programme = get_programme(session=session, programme_id=programme_id, lock=True)
    precondition(etag(programme))
    given = {name: getattr(data, name) for name in data.model_fields_set}
    if not given:
        raise NothingToUpdate("Name at least one field to change.")
    if programme.status == CLOSED:
        raise ProgrammeClosed(f"Programme {programme_id} is closed and never changes.")
    if programme.status == OPEN:
        frozen = sorted(set(given) - OPEN_FIELDS)
        if frozen:
            raise ProgrammeNotDraft.for_field(
                f"body.{frozen[0]}",
                f"{frozen[0]} changes only while the programme is a draft; an open programme "
                "changes only budget_fen and auto_approve",
            )
    for name, value in given.items():
        if value is None and name != "rule_set_id":
            raise FieldNotNullable.for_field(f"body.{name}", f"{name} may not be null")
    if "rule_set_id" in given:
        _check_rule_set(session, given["rule_set_id"], "body.rule_set_id")
    terms = {
        name: given.get(name, getattr(programme, name))
        for name in ("budget_fen", "face_value_fen", "yearly_cap_fen")
    }
    _check_terms(terms["budget_fen"], terms["face_value_fen"], terms["yearly_cap_fen"])
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name == "categories":
            value = _categories(value)
        elif name == "name":
            value = value.strip()
        values[name] = value
    statement = (
        update(Programme)
        .where(col(Programme.id) == programme.id)
        .where(col(Programme.version) == programme.version)
        .values(**values, version=programme.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if "budget_fen" in values:
        statement = statement.where(col(Programme.committed_fen) <= values["budget_fen"])
    try:
        with session.begin_nested():
            result = session.execute(statement)
    except IntegrityError:
        raise ProgrammeNameTaken.for_field(
            "body.name", f"Another {programme.kind} programme of {programme.year} has this name."
        ) from None
    session.expire(programme)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(programme)
        raise BudgetBelowCommitted.for_field(
            "body.budget_fen",
            f"the budget may not go below the {programme.committed_fen} fen already committed",
        )
    session.refresh(programme)
    emit(
        session,
        "programme.updated",
        {**_payload(programme), "changed": sorted(values)},
        actor=principal.actor,
    )
    return programme


def _move(
    session: Session,
    principal: Principal,
    programme_id: str,
    precondition: Precondition,
    *,
    source: str,
    target: str,
) -> Programme:
    programme = get_programme(session=session, programme_id=programme_id, lock=True)
    precondition(etag(programme))
    if programme.status != source:
        raise ProgrammeTransitionInvalid(
            f"Programme {programme_id} is {programme.status}; only a {source} programme "
            f"becomes {target} (draft → open → closed)."
        )
    if target == OPEN and programme.rule_set_id is None:
        # The kind's default must be in force today (409 no_rule_set_in_force otherwise).
        rule_set_for(session, family=KIND_DEFAULTS[programme.kind], on=_today())
    programme.status = target
    programme.version += 1
    programme.updated_at = utcnow()
    session.add(programme)
    session.flush()
    emit(
        session,
        f"programme.{'opened' if target == OPEN else 'closed'}",
        _payload(programme),
        actor=principal.actor,
    )
    return programme


def _today() -> date:
    return shanghai_date(utcnow())


def open_programme(
    *, session: Session, principal: Principal, programme_id: str, precondition: Precondition
) -> Programme:
    """Open a draft: from now on enterprises apply (409 `programme_transition_invalid`)."""
    return _move(session, principal, programme_id, precondition, source=DRAFT, target=OPEN)


def close_programme(
    *, session: Session, principal: Principal, programme_id: str, precondition: Precondition
) -> Programme:
    """Close an open programme: no more applications or issuance; vouchers stay spendable."""
    return _move(session, principal, programme_id, precondition, source=OPEN, target=CLOSED)


def _whole_years(start: date, on: date) -> int:
    years = on.year - start.year - ((on.month, on.day) < (start.month, start.day))
    return max(years, 0)


def eligibility_rule_set(*, session: Session, programme: Programme, on: date) -> RuleSet:
    """The rule set deciding eligibility for `programme` on `on`: its own, or its kind's default
    in force that day (409 `no_rule_set_in_force` when there is none)."""
    if programme.rule_set_id is not None:
        return get_rule_set(session=session, families=FAMILIES, rule_set_id=programme.rule_set_id)
    return rule_set_for(session, family=KIND_DEFAULTS[programme.kind], on=on)


def eligibility_inputs(
    *,
    session: Session,
    programme: Programme,
    uscc: str,
    on: date,
    field: str | None = None,
    listed: bool | None = None,
) -> dict[str, Any]:
    """What the eligibility rules are given about `uscc` on `on` (422 `unknown_enterprise`).

    `listed`: whether `uscc` is on the dishonesty list on `on`, when the caller has just asked
    `on_dishonesty_list` in this transaction (not asked again).
    """
    enterprise = get_enterprise(session=session, uscc=uscc, field=field)
    if listed is None:
        listed = on_dishonesty_list(session=session, uscc=uscc, on=on)
    return {
        "years_since_founding": _whole_years(enterprise.founded_on, on),
        "days_since_founding": max((on - enterprise.founded_on).days, 0),
        "is_tech_sme": bool(enterprise.is_tech_sme),
        "size_class": enterprise.size_class,
        "district": enterprise.district,
        "status": enterprise.status,
        "on_dishonesty_list": listed,
        "programme_kind": programme.kind,
        "programme_year": programme.year,
    }


def evaluate_eligibility(
    *,
    session: Session,
    programme: Programme,
    uscc: str,
    on: date,
    field: str | None = None,
    record: bool = True,
    listed: bool | None = None,
) -> tuple[bool, dict[str, Any]]:
    """Whether `uscc` is eligible for `programme` on `on`, and the trace (JSON) to keep as reasons.

    The trace: `{"rule_set_id", "family", "version", "on", "inputs", "reasons": [str],
    "steps": [{"rule", "expression", "value", "inputs_used"}]}`; `reasons` are the rule set's
    `reasons` result if it has one, else the descriptions (or names) of the checks that failed
    (every bool rule other than `eligible` whose value is false) — empty when eligible.

    Raises 422 `unknown_enterprise` (naming `field` when given) and 409 `no_rule_set_in_force`.
    With `record` (default) the rule set is marked used, so it never changes afterwards: call it
    in the transaction that stores the result. `listed`: see `eligibility_inputs`.
    """
    rule_set = eligibility_rule_set(session=session, programme=programme, on=on)
    inputs = eligibility_inputs(
        session=session, programme=programme, uscc=uscc, on=on, field=field, listed=listed
    )
    evaluation = evaluate(rule_set, inputs)
    if record:
        mark_used(session, rule_set)
    eligible = bool(evaluation.results.get("eligible"))
    descriptions = {
        rule["name"]: rule.get("description") or rule["name"]
        for rule in rule_set.definition["rules"]
    }
    given = evaluation.results.get("reasons")
    if isinstance(given, list):
        reasons = [str(reason) for reason in given]
    else:
        reasons = [
            descriptions[step.rule]
            for step in evaluation.trace
            if step.rule not in ("eligible", "reasons") and step.value is False
        ]
    trace = {
        "rule_set_id": evaluation.rule_set_id,
        "family": evaluation.family,
        "version": evaluation.version,
        "on": on.isoformat(),
        "inputs": inputs,
        "reasons": reasons,
        "steps": [
            {
                "rule": step.rule,
                "expression": step.expression,
                "value": step.value,
                "inputs_used": step.inputs_used,
            }
            for step in evaluation.trace
        ],
    }
    return eligible, trace
