"""诚信企业 rounds: the rules pick candidates, a public notice takes objections, the office
finalises the year's list; a serious negative record filed later revokes the title.

Inputs of the `credit.certification` rules per enterprise: its grade, negative records of the
last three years, whether it filed indicators for the year before the round's, whether it is
on a public list, and its years in operation.
"""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from sqlalchemy import bindparam, delete, func, select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.consumer import claim_cursor
from services.common.dates import shanghai_date
from services.common.etag import Precondition, etag_of
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.models import OutboxEvent
from services.common.outbox import emit, emit_many
from services.common.rules import evaluate, get_rule_set, mark_used
from services.credit.certification.errors import (
    CertificationObjectionNotFound,
    NotACandidate,
    NoticeClosed,
    NoticePeriodRunning,
    ObjectionAlreadyDecided,
    RoundNotFound,
    RoundStageConflict,
    RoundYearTaken,
    WrongRuleFamily,
)
from services.credit.certification.models import (
    CANDIDATE,
    CANDIDATES,
    CERTIFIED,
    FINAL,
    GRANTED,
    NOTICE,
    OPENED,
    PENDING,
    REMOVED,
    REVOKED,
    Certification,
    CertificationCandidate,
    CertificationObjection,
    CertificationRound,
)
from services.credit.certification.schemas import (
    TARGET_PER_YEAR,
    CertificationCandidatePublic,
    CertificationDecision,
    CertificationDecisionCreate,
    CertificationNoticeCreate,
    CertificationObjectionCreate,
    CertificationObjectionPublic,
    CertificationRoundCreate,
    CertificationRoundPublic,
    CertificationStatusPublic,
    CertifiedEnterprisePublic,
    CertifiedListPublic,
    RoundStage,
)
from services.credit.enterprises.models import ACTIVE, EnterpriseReplica, IndicatorFiling
from services.credit.ratings import service as ratings_service
from services.credit.records import service as records_service
from services.credit.rulesets.families import CERTIFICATION, FAMILIES

CONSUMER: Final = "credit.certification"
# Record types serious enough to revoke a title when filed later.
SERIOUS_TYPES: Final = frozenset({"serious_dishonesty"})


def today() -> date:
    """Today in Asia/Shanghai, by this domain's clock."""
    return shanghai_date(utcnow())


def _round(
    session: Session, round_id: str, *, lock: bool = False, share: bool = False
) -> CertificationRound:
    """`lock`: FOR UPDATE, as a step takes it; `share`: FOR SHARE, so that an objection waits
    for a step in progress (and reads the stage it leaves) but not for another objection."""
    found = session.get(
        CertificationRound, round_id, with_for_update={"read": True} if share else lock
    )
    if found is None:
        raise RoundNotFound(f"No certification round '{round_id}'.")
    return found


def etag(row: CertificationRound) -> str:
    """The round's ETag: it changes with its stage and its candidates."""
    return etag_of(row.id, row.version)


def _candidates(session: Session, round_id: str) -> list[CertificationCandidate]:
    return list(
        session.execute(
            select(CertificationCandidate)
            .where(col(CertificationCandidate.round_id) == round_id)
            .order_by(col(CertificationCandidate.uscc))
        )
        .scalars()
        .all()
    )


def to_public(session: Session, row: CertificationRound) -> CertificationRoundPublic:
    """A round with its candidates."""
    return CertificationRoundPublic(
        id=row.id,
        year=row.year,
        rule_set_id=row.rule_set_id,
        rule_set_version=row.rule_set_version,
        stage=RoundStage(row.stage),
        notice_from=row.notice_from,
        notice_until=row.notice_until,
        computed_on=row.computed_on,
        finalised_at=as_utc(row.finalised_at),
        candidates=[
            CertificationCandidatePublic(
                uscc=c.uscc,
                name=c.name,
                status=c.status,
                reasons=c.reasons,
                removed_because=c.removed_because,
            )
            for c in _candidates(session, row.id)
        ],
    )


def open_round(
    *, session: Session, client: Principal, data: CertificationRoundCreate
) -> CertificationRound:
    """Open the year's round with a `credit.certification` rule set as its criteria."""
    rule_set = get_rule_set(session=session, families=FAMILIES, rule_set_id=data.rule_set_id)
    if rule_set.family != CERTIFICATION:
        raise WrongRuleFamily.for_field(
            "body.rule_set_id", f"'{data.rule_set_id}' is a {rule_set.family} rule set."
        )
    taken = session.execute(
        select(CertificationRound.id).where(col(CertificationRound.year) == data.year)  # type: ignore[call-overload]
    ).first()
    if taken is not None:
        raise RoundYearTaken(f"The {data.year} round exists already ({taken[0]}).")
    row = CertificationRound(
        id=new_id("crd"),
        year=data.year,
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        opened_by=client.client_id,
    )
    session.add(row)
    session.flush()
    emit(session, "certification.round_opened", {"round_id": row.id, "year": row.year})
    return row


def get_round(*, session: Session, round_id: str) -> CertificationRound:
    """One round (for the office)."""
    return _round(session, round_id)


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def inputs_for(
    session: Session, enterprise: EnterpriseReplica, *, year: int, at: datetime
) -> dict[str, Any]:
    """The `credit.certification` inputs of one enterprise at a moment.

    Its grade and score are its rating as it stood then (the ratings domain's history);
    an enterprise not rated yet is `unrated`, which never meets "grade A or better".
    """
    on = shanghai_date(at)
    rating = ratings_service.current_rating(session=session, uscc=enterprise.uscc, at=at)
    counting = records_service.records_of(session=session, uscc=enterprise.uscc, on=on)
    since = (
        on.replace(year=on.year - 3)
        if (on.month, on.day) != (2, 29)
        else on - timedelta(days=3 * 365)
    )
    negative = [r for r in counting if r.polarity == "negative"]
    filed = session.execute(
        select(func.count())
        .select_from(IndicatorFiling)
        .where(col(IndicatorFiling.uscc) == enterprise.uscc)
        .where(col(IndicatorFiling.year) == year - 1)
    ).scalar_one()
    lists = records_service.list_status(session=session, uscc=enterprise.uscc, on=on)
    return {
        "grade": rating.grade if rating is not None else "unrated",
        "score": rating.score if rating is not None else 0,
        "years_operating": _years_between(enterprise.founded_on, on),
        "negative_records": len(negative),
        "negative_records_3y": sum(1 for r in negative if r.occurred_on >= since),
        "overdue_loans": sum(
            1 for r in counting if r.polarity == "loan" and r.loan_status == "overdue"
        ),
        "is_tech_sme": enterprise.is_tech_sme,
        "record_types": sorted({r.type for r in counting}),
        "indicators_filed": filed > 0,
        "on_list": any(lists.values()),
    }


def compute_candidates(
    *, session: Session, round_id: str, precondition: Precondition
) -> CertificationRound:
    """Evaluate the round's rules for every active enterprise; the eligible are candidates."""
    row = _round(session, round_id, lock=True)
    precondition(etag(row))
    if row.stage not in (OPENED, CANDIDATES):
        raise RoundStageConflict(f"Round '{row.id}' is at '{row.stage}': candidates are fixed.")
    rule_set = get_rule_set(session=session, families=FAMILIES, rule_set_id=row.rule_set_id)
    now = utcnow()
    on = shanghai_date(now)
    session.execute(
        delete(CertificationCandidate).where(col(CertificationCandidate.round_id) == row.id)
    )
    enterprises = session.execute(
        select(EnterpriseReplica)
        .where(col(EnterpriseReplica.status) == ACTIVE)
        .order_by(col(EnterpriseReplica.uscc))
    ).scalars()
    for enterprise in enterprises:
        evaluation = evaluate(rule_set, inputs_for(session, enterprise, year=row.year, at=now))
        if evaluation.results.get("eligible") is not True:
            continue
        reasons = [
            {"rule": step.rule, "expression": step.expression, "value": step.value,
             "inputs_used": step.inputs_used}
            for step in evaluation.trace
        ]  # fmt: skip
        session.add(
            CertificationCandidate(
                id=new_id("ccd"),
                round_id=row.id,
                uscc=enterprise.uscc,
                name=enterprise.name,
                reasons=reasons,
            )
        )
    mark_used(session, rule_set)
    row.stage = CANDIDATES
    row.computed_on = on
    row.version += 1
    session.add(row)
    session.flush()
    return row


def publish_notice(
    *, session: Session, round_id: str, data: CertificationNoticeCreate, precondition: Precondition
) -> CertificationRound:
    """Publish the candidates for public notice from today for `days` calendar days."""
    row = _round(session, round_id, lock=True)
    precondition(etag(row))
    if row.stage != CANDIDATES:
        raise RoundStageConflict(f"Round '{row.id}' is at '{row.stage}', not 'candidates'.")
    on = today()
    row.stage = NOTICE
    row.notice_from = on
    row.notice_until = on + timedelta(days=data.days)
    row.version += 1
    session.add(row)
    session.flush()
    emit(
        session,
        "certification.notice_published",
        {"round_id": row.id, "year": row.year, "notice_until": row.notice_until.isoformat()},
    )
    return row


def _objection_public(row: CertificationObjection) -> CertificationObjectionPublic:
    return CertificationObjectionPublic(
        id=row.id,
        round_id=row.round_id,
        uscc=row.uscc,
        reason=row.reason,
        filer_kind=row.filer_kind,
        status=row.status,
        decision_note=row.decision_note,
    )


def object_to_candidate(
    *, session: Session, client: Principal, round_id: str, data: CertificationObjectionCreate
) -> CertificationObjectionPublic:
    """Anyone with a key objects to a candidate during the notice; the office decides."""
    row = _round(session, round_id, share=True)  # never filed past a finalisation
    if row.stage != NOTICE or row.notice_until is None or today() > row.notice_until:
        raise NoticeClosed(f"Round '{row.id}' takes objections only during its public notice.")
    candidate = session.execute(
        select(CertificationCandidate)
        .where(col(CertificationCandidate.round_id) == row.id)
        .where(col(CertificationCandidate.uscc) == data.uscc)
        .where(col(CertificationCandidate.status) == CANDIDATE)
    ).scalar_one_or_none()
    if candidate is None:
        raise NotACandidate.for_field("body.uscc", f"{data.uscc} is not a candidate of this round.")
    objection = CertificationObjection(
        id=new_id("cob"),
        round_id=row.id,
        uscc=data.uscc,
        reason=data.reason,
        filed_by=client.client_id,
        filer_kind=str(client.kind),
    )
    session.add(objection)
    session.flush()
    return _objection_public(objection)


def decide_objection(
    *, session: Session, client: Principal, round_id: str, objection_id: str,
    data: CertificationDecisionCreate,
) -> CertificationObjectionPublic:  # fmt: skip
    """The office upholds an objection (the candidate is removed) or dismisses it."""
    row = _round(session, round_id, lock=True)  # also serialises decisions of its objections
    objection = session.get(CertificationObjection, objection_id)
    if objection is None or objection.round_id != row.id:
        raise CertificationObjectionNotFound(f"No objection '{objection_id}' in this round.")
    # A pending objection's round is in notice: objections are filed only then (under the
    # round's share lock) and finalisation waits for every decision.
    if objection.status != PENDING:
        raise ObjectionAlreadyDecided(f"Objection '{objection.id}' is {objection.status}.")
    objection.status = data.decision.value
    objection.decision_note = data.note
    objection.decided_by = client.client_id
    objection.decided_at = utcnow()
    session.add(objection)
    if data.decision == CertificationDecision.UPHELD:
        candidate = session.execute(
            select(CertificationCandidate)
            .where(col(CertificationCandidate.round_id) == row.id)
            .where(col(CertificationCandidate.uscc) == objection.uscc)
        ).scalar_one()
        candidate.status = REMOVED
        candidate.removed_because = objection.id
        session.add(candidate)
        row.version += 1  # the round's candidates changed
        session.add(row)
    session.flush()
    return _objection_public(objection)


def finalise_round(
    *, session: Session, round_id: str, precondition: Precondition
) -> CertificationRound:
    """After the notice: the remaining candidates are the year's 诚信企业."""
    row = _round(session, round_id, lock=True)
    precondition(etag(row))
    if row.stage != NOTICE or row.notice_until is None:
        raise RoundStageConflict(f"Round '{row.id}' is at '{row.stage}', not 'notice'.")
    if today() <= row.notice_until:
        raise NoticePeriodRunning(
            f"The public notice runs until {row.notice_until}; finalise from the day after."
        )
    pending = session.execute(
        select(func.count())
        .select_from(CertificationObjection)
        .where(col(CertificationObjection.round_id) == row.id)
        .where(col(CertificationObjection.status) == PENDING)
    ).scalar_one()
    if pending:
        raise RoundStageConflict(f"Round '{row.id}' has {pending} undecided objection(s).")
    now = utcnow()
    events: list[tuple[str, dict[str, Any]]] = []
    for candidate in _candidates(session, row.id):
        if candidate.status != CANDIDATE:
            continue
        candidate.status = CERTIFIED
        session.add(candidate)
        title = Certification(
            id=new_id("cert"),
            uscc=candidate.uscc,
            name=candidate.name,
            year=row.year,
            round_id=row.id,
            granted_at=now,
        )
        session.add(title)
        events.append(
            (
                "certification.granted",
                {"uscc": candidate.uscc, "year": row.year, "round_id": row.id,
                 "certification_id": title.id},
            )
        )  # fmt: skip
    row.stage = FINAL
    row.finalised_at = now
    row.version += 1
    session.add(row)
    session.flush()
    emit_many(session, events)
    return row


def public_round(*, session: Session, round_id: str) -> CertificationRoundPublic:
    """A round as the public sees it: from its notice on (before that: 404)."""
    row = _round(session, round_id)
    if row.stage not in (NOTICE, FINAL):
        raise RoundNotFound(f"No published certification round '{round_id}'.")
    return to_public(session, row)


def certified_list(*, session: Session, year: int) -> CertifiedListPublic:
    """The year's titles in force, with progress against the 300 a year."""
    rows = (
        session.execute(
            select(Certification)
            .where(col(Certification.year) == year)
            .where(col(Certification.status) == GRANTED)
            .order_by(col(Certification.uscc))
        )
        .scalars()
        .all()
    )
    share = (Decimal(len(rows)) * 100 / TARGET_PER_YEAR).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return CertifiedListPublic(
        year=year,
        count=len(rows),
        share_percent=str(share),
        items=[
            CertifiedEnterprisePublic(
                uscc=r.uscc, name=r.name, year=r.year, granted_at=as_utc(r.granted_at)
            )
            for r in rows
        ],
    )


_CERTIFICATION = Certification.__table__.c  # type: ignore[attr-defined]
# Built once: every report reads it.
_TITLES_BY: Final = (
    select(_CERTIFICATION.year, _CERTIFICATION.revoked_at)
    .where(_CERTIFICATION.uscc == bindparam("uscc"), _CERTIFICATION.granted_at <= bindparam("at"))
    .order_by(_CERTIFICATION.year.desc())
)


def certification_status(*, session: Session, uscc: str, at: datetime) -> CertificationStatusPublic:
    """Whether the enterprise held a 诚信企业 title at `at` (the latest year), for reports."""
    rows = session.execute(_TITLES_BY, {"uscc": uscc, "at": at}).all()
    for row in rows:
        revoked = as_utc(row.revoked_at)
        if revoked is None or revoked > at:
            return CertificationStatusPublic(certified=True, year=row.year, revoked_at=None)
    latest = rows[0] if rows else None
    return CertificationStatusPublic(
        certified=False,
        year=latest.year if latest else None,
        revoked_at=as_utc(latest.revoked_at) if latest else None,
    )


def revoke_for(session: Session, *, uscc: str, because: str) -> list[str]:
    """Revoke every title in force of the enterprise; `certification.revoked` for each."""
    rows = (
        session.execute(
            select(Certification)
            .where(col(Certification.uscc) == uscc)
            .where(col(Certification.status) == GRANTED)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    now = utcnow()
    for row in rows:
        row.status = REVOKED
        row.revoked_at = now
        row.revoked_because = because
        session.add(row)
    session.flush()
    emit_many(
        session,
        [
            ("certification.revoked",
             {"uscc": r.uscc, "year": r.year, "certification_id": r.id, "because": because})
            for r in rows
        ],
    )  # fmt: skip
    return [r.id for r in rows]


def apply_event(session: Session, type_: str, payload: dict[str, Any]) -> list[str]:
    """One credit event: a serious negative record, or a dishonesty listing, revokes titles."""
    if type_ == "dishonesty.listed":
        return revoke_for(
            session, uscc=payload["uscc"], because=f"dishonesty.listed {payload.get('record_id')}"
        )
    if type_ == "record.added" and payload.get("type") in SERIOUS_TYPES:
        return revoke_for(
            session, uscc=payload["uscc"], because=f"record.added {payload.get('record_id')}"
        )
    return []


def catch_up(*, session: Session, limit: int = 500) -> int:
    """Apply the credit service's own new events (its outbox) from this consumer's cursor.

    The cursor row is locked for the transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so
    one replica applies a page at a time; another finds it locked and skips the turn.
    """
    cursor = claim_cursor(session, CONSUMER)
    if cursor is None:
        return 0  # another replica holds it
    events = (
        session.execute(
            select(OutboxEvent)
            .where(col(OutboxEvent.seq) > cursor.position)
            .where(col(OutboxEvent.type).in_(["record.added", "dishonesty.listed"]))
            .order_by(col(OutboxEvent.seq))
            .limit(limit)
        )
        .scalars()
        .all()
    )
    for event in events:
        apply_event(session, event.type, dict(event.payload))
    if events:
        cursor.position = int(events[-1].seq or 0)
        cursor.updated_at = utcnow()
        session.add(cursor)
        session.flush()
    return len(events)
