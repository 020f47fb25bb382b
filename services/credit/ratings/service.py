"""Ratings: compute from the scorecard, keep as history, answer as they stood at any moment."""

import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Final

import orjson
from sqlalchemy import JSON, Text, bindparam, cast, select, update
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.identity import ClientKind, Principal
from services.common.ids import new_id
from services.common.outbox import emit_many
from services.common.rules import RuleSet, compiled_rule_set, mark_used, rule_set_for
from services.credit.enterprises.models import EnterpriseReplica
from services.credit.ratings import inputs as rating_inputs
from services.credit.ratings.errors import (
    RatingConcurrentChange,
    RatingEnterpriseNotFound,
    RatingNotFound,
    RatingNotYourEnterprise,
    RatingRunNotFound,
    RatingRunTooManyEnterprises,
)
from services.credit.ratings.models import QUEUED, CreditRating, RatingRun
from services.credit.ratings.schemas import (
    CreditRatingPublic,
    PublicGradePublic,
    RatingFactorPublic,
    RatingReasonPublic,
    RatingRunCreate,
    RatingRunPublic,
    ScorecardRef,
)
from services.credit.ratings.scorecard import FAMILY, Fragments, Outcome, Shape, shape

RUN_LIST_MAX: Final = 10_000
WRITE_CHUNK: Final = 2_000
JSON_COLUMNS: Final = ("factors", "reasons", "inputs")


# --- the scorecard in force ------------------------------------------------------------------


def scorecard_on(session: Session, day: date) -> RuleSet:
    """The scorecard version (kernel rule family `credit.scorecard`) in force on `day`
    (409 `no_rule_set_in_force` when none is)."""
    return rule_set_for(session, family=FAMILY, on=day)


# --- computing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Current:
    """The open (latest) rating of an enterprise, as much of it as a recompute needs."""

    id: str
    score: int
    grade: str
    fingerprint: str
    records: dict[str, dict[str, Any]] | None


@dataclass(slots=True)
class RateCounts:
    """What one rating pass did."""

    enterprises: int
    rated: int = 0
    first_ratings: int = 0
    changed: int = 0
    unchanged: int = 0


def _fingerprint(scored: Outcome, rule_set_id: str) -> str:
    # What a rating says: a new row is written only when this changes. The factors and reasons
    # as serialised once per batch (fixed key order): stable, and nothing to build per row.
    said = (
        f"{scored.score}|{scored.grade}|{rule_set_id}|{scored.factors_json}|{scored.reasons_json}"
    )
    return hashlib.sha256(said.encode()).hexdigest()


def _currents(
    session: Session, usccs: Sequence[str] | None, *, with_inputs: set[str]
) -> dict[str, Current]:
    """The open ratings of `usccs` (all: one query), with their inputs for `with_inputs`."""
    found: dict[str, Current] = {}
    columns = (
        CreditRating.id,
        CreditRating.uscc,
        CreditRating.score,
        CreditRating.grade,
        CreditRating.fingerprint,
    )
    open_ = select(*columns).where(col(CreditRating.valid_to).is_(None))  # type: ignore[call-overload]
    statements = (
        [open_]
        if usccs is None
        else [
            open_.where(col(CreditRating.uscc).in_(usccs[start : start + rating_inputs.CHUNK]))
            for start in range(0, len(usccs), rating_inputs.CHUNK)
        ]
    )
    for statement in statements:
        for row in session.execute(statement):
            found[row.uscc] = Current(
                id=row.id,
                score=row.score,
                grade=row.grade,
                fingerprint=row.fingerprint,
                records=None,
            )
    # A disputed record counts as it did in the rating before: read those ratings' inputs.
    wanted = [found[u].id for u in with_inputs if u in found]
    for start in range(0, len(wanted), rating_inputs.CHUNK):
        chunk = wanted[start : start + rating_inputs.CHUNK]
        statement = select(CreditRating.uscc, CreditRating.inputs).where(  # type: ignore[call-overload]
            col(CreditRating.id).in_(chunk)
        )
        for uscc, stored in session.execute(statement):
            held = found[uscc]
            records = {r["id"]: r for r in stored.get("records", [])}
            found[uscc] = Current(held.id, held.score, held.grade, held.fingerprint, records)
    return found


def rate(
    session: Session,
    *,
    usccs: Sequence[str] | None,
    at: datetime | None = None,
    trigger: str,
    run_id: str | None = None,
) -> RateCounts:
    """Rate the active enterprises (all, or those of `usccs`) as of `at` (default now).

    Bulk reads (one query per table for a full pass); the scorecard version in force that day
    compiled once by the kernel (`compiled_rule_set`) and marked used; its inputs are plain
    counts and facts, so each distinct combination is evaluated and read once per pass, and the
    domain attaches the ids of the records behind each factor; each distinct factor and reason
    serialised once; bulk inserts and events. A new rating is written
    only where what the rating says changed (score, grade, factors, reasons or rule set); it
    closes the open one (`valid_to`). `rating.changed` is emitted where the score or grade
    changed.
    """
    with _gc_paused():
        return _rate(session, usccs=usccs, at=at, trigger=trigger, run_id=run_id)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Without the cyclic garbage collector for a while: a batch builds hundreds of thousands
    of acyclic containers (inputs, rows) that live until it ends, and the collector would scan
    them again and again (a quarter of a batch's time); reference counting frees them as ever.
    Restored as it was (another batch in another thread may have it paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rate(
    session: Session,
    *,
    usccs: Sequence[str] | None,
    at: datetime | None,
    trigger: str,
    run_id: str | None,
) -> RateCounts:
    at = as_utc(at) if at is not None else utcnow()
    day = shanghai_date(at)
    rule_set = scorecard_on(session, day)
    program = compiled_rule_set(rule_set)
    found = rating_inputs.gather(session, usccs=usccs, day=day, at=at)
    disputed = {u for u, i in found.items() if i.disputed}
    currents = _currents(
        session, sorted(found) if usccs is not None else None, with_inputs=disputed
    )
    counts = RateCounts(enterprises=len(found))
    new_rows: list[dict[str, Any]] = []
    closing: list[str] = []
    events: list[tuple[str, dict[str, Any]]] = []
    # The scorecard read once per distinct combination of the inputs it declares (plain
    # values), and for enterprises without counting records the whole rating and fingerprint.
    declared = tuple(program.inputs)
    key_of = itemgetter(*declared) if len(declared) > 1 else lambda v: tuple(v[n] for n in declared)
    shapes: dict[tuple[Any, ...], Shape] = {}
    plain: dict[tuple[Any, ...], tuple[Outcome, str]] = {}
    fragments = Fragments()
    for uscc, given in found.items():
        current = currents.get(uscc)
        records = given.records
        if given.disputed:
            # Frozen: a disputed record counts as it did in the last rating before the dispute.
            held = current.records if current and current.records else {}
            frozen = [held[i] for i in given.disputed if i in held]
            records = sorted(records + frozen, key=lambda r: r["id"])
        facts = given.facts(day)
        values = rating_inputs.rule_inputs(given, facts, records)
        key = key_of(values)
        read = shapes.get(key)
        if read is None:
            read = shapes[key] = shape(program.evaluate(values))
        if records:
            scored = read.rating(rating_inputs.records_by_kind(records), fragments)
            fingerprint = _fingerprint(scored, rule_set.id)
        else:
            known = plain.get(key)
            if known is None:
                scored = read.rating({}, fragments)
                known = plain[key] = (scored, _fingerprint(scored, rule_set.id))
            scored, fingerprint = known
        counts.rated += 1
        if current is not None and current.fingerprint == fingerprint:
            counts.unchanged += 1
            continue
        row: dict[str, Any] = {
            "id": new_id("rtg"),
            "uscc": uscc,
            "score": scored.score,
            "grade": scored.grade,
            # JSON columns as text, serialised here (see `_write`).
            "factors_json": scored.factors_json,
            "reasons_json": scored.reasons_json,
            "inputs_json": orjson.dumps(
                {"facts": facts, "records": records, "disputed": sorted(given.disputed)}
            ).decode(),
            "rule_set_id": rule_set.id,
            "rule_set_version": rule_set.version,
            "scored_on": day,
            "computed_at": at,
            "valid_from": at,
            "valid_to": None,
            "fingerprint": fingerprint,
            "trigger": trigger,
            "run_id": run_id,
        }
        new_rows.append(row)
        if current is None:
            counts.first_ratings += 1
        else:
            closing.append(current.id)
        if current is None or (current.score, current.grade) != (scored.score, scored.grade):
            counts.changed += 1
            events.append(
                (
                    "rating.changed",
                    {
                        "uscc": uscc,
                        "rating_id": row["id"],
                        "previous": None
                        if current is None
                        else {"score": current.score, "grade": current.grade},
                        "current": {"score": scored.score, "grade": scored.grade},
                        "rule_set": {"id": rule_set.id, "version": rule_set.version},
                    },
                )
            )
    if new_rows:
        mark_used(session, rule_set)  # a stored rating names it: it never changes again
    _write(session, new_rows=new_rows, closing=closing, at=at)
    emit_many(session, events)
    return counts


def _write(
    session: Session, *, new_rows: list[dict[str, Any]], closing: list[str], at: datetime
) -> None:
    table = CreditRating.__table__  # type: ignore[attr-defined]
    for start in range(0, len(closing), rating_inputs.CHUNK):
        chunk = closing[start : start + rating_inputs.CHUNK]
        # Closed once: a rating another writer closed meanwhile makes this pass a conflict.
        result = session.execute(
            update(table)
            .where(col(CreditRating.id).in_(chunk), col(CreditRating.valid_to).is_(None))
            .values(valid_to=at)
        )
        if result.rowcount != len(chunk):  # type: ignore[attr-defined]
            raise RatingConcurrentChange("Another rating of the same enterprise was written.")
    # The JSON columns come serialised (`<column>_json`: each distinct factor and reason once
    # per batch, by orjson): bound as text, which PostgreSQL casts to json.
    sqlite = session.get_bind().dialect.name == "sqlite"

    def as_json(column: str) -> Any:
        text = bindparam(f"{column}_json", type_=Text())
        return text if sqlite else cast(text, JSON)

    statement = table.insert().values({c: as_json(c) for c in JSON_COLUMNS})
    for start in range(0, len(new_rows), WRITE_CHUNK):
        session.execute(statement, new_rows[start : start + WRITE_CHUNK])
    session.flush()


# --- reading -------------------------------------------------------------------------------


def _check_reader(principal: Principal, uscc: str) -> None:
    if principal.kind in (ClientKind.ENTERPRISE, ClientKind.PORTAL) and principal.org != uscc:
        raise RatingNotYourEnterprise(
            f"A {principal.kind} client reads only the rating of the enterprise it acts for."
        )


def rating_at(session: Session, *, uscc: str, at: datetime) -> CreditRating | None:
    """The rating of `uscc` that stood at `at` (None if it had none yet)."""
    found = session.exec(
        select(CreditRating)  # type: ignore[call-overload]
        .where(col(CreditRating.uscc) == uscc, col(CreditRating.valid_from) <= at)
        .order_by(col(CreditRating.valid_from).desc(), col(CreditRating.id).desc())
        .limit(1)
    ).first()
    return found[0] if found is not None else None


def to_public(rating: CreditRating) -> CreditRatingPublic:
    """The rating as callers see it."""
    return CreditRatingPublic(
        id=rating.id,
        uscc=rating.uscc,
        score=rating.score,
        grade=rating.grade,
        factors=[RatingFactorPublic(**f) for f in rating.factors],
        reasons=[RatingReasonPublic(**r) for r in rating.reasons],
        rule_set=ScorecardRef(id=rating.rule_set_id, version=rating.rule_set_version),
        scored_on=rating.scored_on,
        computed_at=rating.computed_at,
        valid_from=rating.valid_from,
        valid_to=rating.valid_to,
    )


def current_rating(
    *, session: Session, uscc: str, at: datetime | None = None
) -> CreditRatingPublic | None:
    """The rating of `uscc` as it stood at `at` (default now), for other credit domains (reports).

    No authorization here: the calling domain has checked consent.
    """
    found = rating_at(session, uscc=uscc, at=as_utc(at) if at is not None else utcnow())
    return to_public(found) if found is not None else None


def as_of_moment(as_of: date | datetime | None) -> datetime:
    """A date means the end of that Asia/Shanghai day; a datetime is that moment."""
    if as_of is None:
        return utcnow()
    if isinstance(as_of, datetime):
        return as_utc(as_of)
    from services.common.dates import SHANGHAI

    end = datetime(as_of.year, as_of.month, as_of.day, 23, 59, 59, 999_999, tzinfo=SHANGHAI)
    return as_utc(end)


def get_rating(
    *, session: Session, principal: Principal, uscc: str, as_of: date | datetime | None
) -> CreditRatingPublic:
    """The enterprise's rating as it stood at `as_of` (now by default)."""
    _check_reader(principal, uscc)
    if session.get(EnterpriseReplica, uscc) is None:
        raise RatingEnterpriseNotFound(f"No enterprise {uscc} in the credit register.")
    moment = as_of_moment(as_of)
    found = rating_at(session, uscc=uscc, at=moment)
    if found is None:
        raise RatingNotFound(f"Enterprise {uscc} had no rating at {moment.isoformat()}.")
    return to_public(found)


def public_grade(*, session: Session, uscc: str) -> PublicGradePublic:
    """The grade only, as anyone may see it."""
    found = rating_at(session, uscc=uscc, at=utcnow())
    if found is None:
        raise RatingNotFound(f"Enterprise {uscc} has no rating.")
    return PublicGradePublic(uscc=uscc, grade=found.grade, valid_from=found.valid_from)


# --- runs ----------------------------------------------------------------------------------


def create_run(*, session: Session, principal: Principal, body: RatingRunCreate) -> RatingRun:
    """Queue a batch rating (its work runs after the request commits)."""
    usccs = sorted(set(body.usccs)) if body.usccs is not None else None
    if usccs is not None and len(usccs) > RUN_LIST_MAX:
        raise RatingRunTooManyEnterprises.for_field(
            "body.usccs", f"At most {RUN_LIST_MAX} enterprises; leave it out to rate all."
        )
    run = RatingRun(id=new_id("rrn"), status=QUEUED, usccs=usccs, requested_by=principal.client_id)
    session.add(run)
    session.flush()
    return run


def get_run(*, session: Session, run_id: str) -> RatingRunPublic:
    """A run and its counts."""
    run = session.get(RatingRun, run_id)
    if run is None:
        raise RatingRunNotFound(f"No rating run {run_id}.")
    return run_public(run)


def run_public(run: RatingRun) -> RatingRunPublic:
    """A run as callers see it."""
    return RatingRunPublic.model_validate(run, from_attributes=True)
