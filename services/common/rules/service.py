"""Rule sets in a service's database: save a version, replace an unused draft, look up the
version in force, record its use, evaluate.

Functions take the session (and the principal for writes), flush, never commit.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Date, bindparam, func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.etag import Precondition, etag_of
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.outbox import emit
from services.common.rules import errors
from services.common.rules.engine import Evaluation, FamilySpec, check_definition, evaluate
from services.common.rules.models import RuleSet
from services.common.rules.schemas import (
    RuleSetCreate,
    RuleSetEvaluationPublic,
    RuleSetParameter,
    RuleSetPublic,
    RuleSetRulePublic,
    RuleSetTraceStep,
    RuleSetUpdate,
)

ID_PREFIX = "rls"
CREATED, REPLACED = "rule_set.created", "rule_set.replaced"


def _spec(families: Mapping[str, FamilySpec], family: str, where: str) -> FamilySpec:
    spec = families.get(family)
    if spec is None:
        raise errors.RuleFamilyUnknown.for_field(
            where, f"'{family}' is not a rule family here; families: {', '.join(sorted(families))}"
        )
    return spec


def _announce(session: Session, type_: str, rule_set: RuleSet, principal: Principal) -> None:
    emit(
        session,
        type_,
        {
            "id": rule_set.id,
            "family": rule_set.family,
            "version": rule_set.version,
            "effective_from": rule_set.effective_from.isoformat(),
            "effective_to": rule_set.effective_to.isoformat() if rule_set.effective_to else None,
        },
        actor=principal.actor,
    )


def _serialise_family(session: Session, family: str) -> None:
    # Two saves of one family at once take the next number one after the other (SQLite's
    # writers are serialised already); the unique (family, version) stays the last guard.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT pg_advisory_xact_lock(7002, hashtext(current_schema() || ':' || :family))"
            ),
            {"family": family},
        )


def create_rule_set(
    *,
    session: Session,
    principal: Principal,
    families: Mapping[str, FamilySpec],
    data: RuleSetCreate,
) -> RuleSet:
    """Check and save the family's next version (422 naming each broken rule and position)."""
    spec = _spec(families, data.family, "body.family")
    definition = check_definition(data, spec=spec)
    _serialise_family(session, data.family)
    latest = session.exec(
        select(func.max(RuleSet.version)).where(col(RuleSet.family) == data.family)
    ).one()
    now = utcnow()
    rule_set = RuleSet(
        id=new_id(ID_PREFIX),
        family=data.family,
        version=(latest or 0) + 1,
        effective_from=data.effective_from,
        effective_to=data.effective_to,
        definition=definition,
        created_by=principal.client_id,
        created_at=now,
        updated_at=now,
    )
    session.add(rule_set)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent save took the number; the request rolls back
        raise errors.RuleSetVersionTaken(
            f"Version {rule_set.version} of {data.family} was saved at the same time; retry."
        ) from exc
    _announce(session, CREATED, rule_set, principal)
    return rule_set


def get_rule_set(
    *, session: Session, families: Mapping[str, FamilySpec], rule_set_id: str
) -> RuleSet:
    """The rule set, if it belongs to one of `families` (404 otherwise)."""
    rule_set = session.get(RuleSet, rule_set_id)
    if rule_set is None or rule_set.family not in families:
        raise errors.RuleSetNotFound(f"No rule set {rule_set_id}.")
    return rule_set


def replace_rule_set(
    *,
    session: Session,
    principal: Principal,
    families: Mapping[str, FamilySpec],
    rule_set_id: str,
    data: RuleSetUpdate,
    precondition: Precondition,
) -> RuleSet:
    """Replace an unused version's content (409 `rule_set_in_use` once an evaluation used it)."""
    rule_set = get_rule_set(session=session, families=families, rule_set_id=rule_set_id)
    if rule_set.used_at is not None:
        raise _in_use(rule_set)
    precondition(etag_of(rule_set.id, rule_set.revision))
    definition = check_definition(data, spec=families[rule_set.family])
    # Conditional: a concurrent mark_used or replacement makes this change nothing.
    result = session.execute(
        update(RuleSet)
        .where(col(RuleSet.id) == rule_set.id)
        .where(col(RuleSet.revision) == rule_set.revision)
        .where(col(RuleSet.used_at).is_(None))
        .values(
            effective_from=data.effective_from,
            effective_to=data.effective_to,
            definition=definition,
            revision=rule_set.revision + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(rule_set)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = session.get(RuleSet, rule_set_id)
        if current is not None and current.used_at is not None:
            raise _in_use(current)
        precondition('"changed"')  # another replacement won: stale
    _announce(session, REPLACED, rule_set, principal)
    return rule_set


def _in_use(rule_set: RuleSet) -> errors.RuleSetInUse:
    return errors.RuleSetInUse(
        f"Version {rule_set.version} of {rule_set.family} has been used and never changes; "
        "save a new version instead."
    )


def list_rule_sets(
    *,
    session: Session,
    families: Mapping[str, FamilySpec],
    family: str | None = None,
    on: date | None = None,
) -> list[RuleSet]:
    """Every version of `families` (or of one family) by family and version; with `on`, only
    the version in force that day (none → empty)."""
    if family is not None:
        _spec(families, family, "query.family")
        if on is not None:
            found = _in_force(session, family=family, on=on)
            return [found] if found is not None else []
    query = select(RuleSet).where(col(RuleSet.family).in_(sorted(families)))
    if family is not None:
        query = query.where(col(RuleSet.family) == family)
    rows = session.exec(query.order_by(col(RuleSet.family), col(RuleSet.version))).all()
    if on is not None:
        rows = [row for row in rows if _covers(row, on)]
    return list(rows)


def _covers(rule_set: RuleSet, on: date) -> bool:
    return rule_set.effective_from <= on and (
        rule_set.effective_to is None or on <= rule_set.effective_to
    )


_ON = bindparam("on", type_=Date)
# Built once: every evaluation in a request path (a redemption's eligibility) asks it.
_IN_FORCE = (
    select(RuleSet)
    .where(col(RuleSet.family) == bindparam("family"))
    .where(col(RuleSet.effective_from) <= _ON)
    .where((col(RuleSet.effective_to).is_(None)) | (col(RuleSet.effective_to) >= _ON))
    .order_by(col(RuleSet.version).desc())
    .limit(1)
)


def _in_force(session: Session, *, family: str, on: date) -> RuleSet | None:
    return session.exec(_IN_FORCE, params={"family": family, "on": on}).first()


def rule_set_for(session: Session, *, family: str, on: date) -> RuleSet:
    """The version of `family` in force on `on`: the highest version whose period
    (effective_from ≤ on ≤ effective_to, or open-ended) covers the day.

    None → 409 `no_rule_set_in_force` (the service's configuration, not the caller's input,
    is what is missing).
    """
    found = _in_force(session, family=family, on=on)
    if found is None:
        raise errors.NoRuleSetInForce(
            f"No version of the rule family {family} is in force on {on}."
        )
    return found


def mark_used(session: Session, rule_set: RuleSet) -> None:
    """Record that a recorded evaluation used this version: from now on it never changes.

    Call it in the transaction that stores the result (it is a conditional UPDATE, so it
    serialises with a concurrent replacement: one of them wins, the other sees the change).
    """
    if rule_set.used_at is not None:
        return
    session.execute(
        update(RuleSet)
        .where(col(RuleSet.id) == rule_set.id)
        .where(col(RuleSet.used_at).is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire(rule_set)


def evaluate_in_force(
    session: Session,
    *,
    family: str,
    on: date,
    inputs: Mapping[str, Any],
    record: bool = True,
) -> Evaluation:
    """Evaluate the version of `family` in force on `on`; with `record` (default) mark it used.

    The result names the version (`rule_set_id`, `version`): store it with the computation so
    the result can be reproduced.
    """
    rule_set = rule_set_for(session, family=family, on=on)
    evaluation = evaluate(rule_set, inputs)
    if record:
        mark_used(session, rule_set)
    return evaluation


def dry_run(
    *,
    session: Session,
    families: Mapping[str, FamilySpec],
    rule_set_id: str,
    inputs: Mapping[str, Any],
) -> Evaluation:
    """Evaluate one version on the given inputs, recording nothing."""
    rule_set = get_rule_set(session=session, families=families, rule_set_id=rule_set_id)
    return evaluate(rule_set, inputs, field_prefix="body.inputs")


def etag(rule_set: RuleSet) -> str:
    """The rule set's ETag (changes when an unused draft is replaced)."""
    return etag_of(rule_set.id, rule_set.revision)


def to_public(rule_set: RuleSet) -> RuleSetPublic:
    """The rule set as the API shows it."""
    definition = rule_set.definition
    return RuleSetPublic(
        id=rule_set.id,
        family=rule_set.family,
        version=rule_set.version,
        effective_from=rule_set.effective_from,
        effective_to=rule_set.effective_to,
        description=definition.get("description"),
        inputs=definition["inputs"],
        parameters={k: RuleSetParameter(**v) for k, v in definition["parameters"].items()},
        rules=[RuleSetRulePublic(**rule) for rule in definition["rules"]],
        in_use=rule_set.used_at is not None,
        used_at=rule_set.used_at,
        created_by=rule_set.created_by,
        created_at=rule_set.created_at,
        updated_at=rule_set.updated_at,
    )


def evaluation_public(evaluation: Evaluation) -> RuleSetEvaluationPublic:
    """An evaluation as the API shows it."""
    return RuleSetEvaluationPublic(
        rule_set_id=evaluation.rule_set_id,
        family=evaluation.family,
        version=evaluation.version,
        results=evaluation.results,
        trace=[RuleSetTraceStep(**vars(step)) for step in evaluation.trace],
    )
