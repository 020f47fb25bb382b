"""Reading a credit report under the enterprise's consent; every attempt is logged first.

The log entry of each attempt is committed in its own transaction before anything is answered:
a refusal (403 `consent_required`) survives the request's rollback, and a granted read is on
record before a byte of the report leaves (an audit log errs on the side of recording).
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlmodel import Session, col

from services.common.clock import as_utc, utcnow
from services.common.dates import shanghai_date
from services.common.db import Database
from services.common.identity import Principal
from services.credit.certification import service as certification
from services.credit.consents.models import Consent
from services.credit.consents.schemas import ConsentPurpose
from services.credit.consents.service import active_consent, state_of
from services.credit.enterprises.models import EnterpriseReplica
from services.credit.objections.models import CreditStatement
from services.credit.queries import service as queries
from services.credit.queries.models import GRANTED, REFUSED
from services.credit.ratings import service as ratings
from services.credit.ratings.models import CreditRating
from services.credit.ratings.schemas import PublicGradePublic
from services.credit.records.models import CreditRecord
from services.credit.records.rules import WITHDRAWN, PublicList, counts_on, listed_on
from services.credit.reports.errors import ConsentRequired
from services.credit.reports.schemas import (
    CreditListStatusPublic,
    CreditReportCertificationPublic,
    CreditReportEnterprisePublic,
    CreditReportPublic,
    CreditReportRatingPublic,
    CreditReportRatingReasonPublic,
    CreditReportRecordPublic,
    CreditReportStatementPublic,
)

_RATING = CreditRating.__table__.c  # type: ignore[attr-defined]
# Only the columns a report shows (not the factors, not the digest), built once.
_RATING_AT: Select[Any] = (
    select(
        _RATING.id,
        _RATING.score,
        _RATING.grade,
        _RATING.reasons,
        _RATING.rule_set_id,
        _RATING.rule_set_version,
        _RATING.valid_from,
    )
    .where(_RATING.uscc == bindparam("uscc"), _RATING.valid_from <= bindparam("at"))
    .order_by(_RATING.valid_from.desc(), _RATING.id.desc())
    .limit(1)
)


def rating_of(*, session: Session, uscc: str, at: datetime) -> CreditReportRatingPublic | None:
    """The rating that stood at `at` (the ratings domain's history: `ratings.rating_at`, read
    column by column); None if it had none."""
    rating = session.execute(_RATING_AT, {"uscc": uscc, "at": as_utc(at)}).first()
    if rating is None:
        return None
    return CreditReportRatingPublic(
        id=rating.id,
        score=rating.score,
        grade=rating.grade,
        reasons=[
            CreditReportRatingReasonPublic(
                code=reason["code"],
                factor=reason["factor"],
                points=reason["points"],
                record_ids=list(reason["record_ids"]),
            )
            for reason in rating.reasons
        ],
        rule_set_id=rating.rule_set_id,
        rule_set_version=rating.rule_set_version,
        valid_from=as_utc(rating.valid_from),
    )


def certification_of(
    *, session: Session, uscc: str, at: datetime
) -> CreditReportCertificationPublic:
    """The 诚信企业 status at `at`, as the certification domain keeps it."""
    status = certification.certification_status(session=session, uscc=uscc, at=at)
    return CreditReportCertificationPublic(
        certified=status.certified, year=status.year, revoked_at=as_utc(status.revoked_at)
    )


_RECORD = CreditRecord.__table__.c  # type: ignore[attr-defined]
_STATEMENT = CreditStatement.__table__.c  # type: ignore[attr-defined]
# Every record that may count or list on `day` (what `counts_on` and `listed_on` both require:
# not withdrawn, occurred by then) with its statements, newest record first, each record's
# statements oldest first: one round trip; the records domain's rules decide in Python.
_RECORDS_ON: Select[Any] = (
    select(
        _RECORD.id,
        _RECORD.type,
        _RECORD.polarity,
        _RECORD.source,
        _RECORD.occurred_on,
        _RECORD.ended_on,
        _RECORD.title,
        _RECORD.loan_status,
        _RECORD.status,
        _RECORD.disputed,
        _RECORD.repaired_on,
        _STATEMENT.id.label("statement_id"),
        _STATEMENT.text.label("statement_text"),
        _STATEMENT.filed_at.label("statement_filed_at"),
    )
    .select_from(
        CreditRecord.__table__.outerjoin(  # type: ignore[attr-defined]
            CreditStatement.__table__,  # type: ignore[attr-defined]
            _STATEMENT.record_id == _RECORD.id,
        )
    )
    .where(
        _RECORD.uscc == bindparam("uscc"),
        _RECORD.status != WITHDRAWN,
        _RECORD.occurred_on <= bindparam("day"),
    )
    .order_by(_RECORD.occurred_on.desc(), _RECORD.id.desc(), _STATEMENT.filed_at, _STATEMENT.id)
)


def _records_and_lists(
    session: Session, uscc: str, on: date
) -> tuple[list[CreditReportRecordPublic], CreditListStatusPublic]:
    """The records that count on `on` (`rules.counts_on`: negative ones up to five years after
    they end), newest first, and list membership on `on` (`rules.listed_on`), from one read."""
    shown: list[CreditReportRecordPublic] = []
    lists: set[PublicList | None] = set()
    last: str | None = None
    counted = False
    for row in session.execute(_RECORDS_ON, {"uscc": uscc, "day": on}):
        if row.id != last:
            last = row.id
            lists.add(listed_on(row, on))
            counted = counts_on(row, on)
            if counted:
                shown.append(
                    CreditReportRecordPublic(
                        id=row.id,
                        type=row.type,
                        polarity=row.polarity,
                        source=row.source,
                        occurred_on=row.occurred_on,
                        ended_on=row.ended_on,
                        title=row.title,
                        loan_status=row.loan_status,
                        disputed=row.disputed,
                        statements=[],
                    )
                )
        if counted and row.statement_id is not None:
            shown[-1].statements.append(
                CreditReportStatementPublic(
                    id=row.statement_id,
                    text=row.statement_text,
                    filed_at=as_utc(row.statement_filed_at),
                )
            )
    return shown, CreditListStatusPublic(
        serious_dishonesty=PublicList.DISHONESTY in lists,
        abnormal_operation=PublicList.ABNORMAL_OPERATIONS in lists,
    )


def _why(session: Session, *, uscc: str, bank: str, purpose: str, at: datetime) -> str:
    """Why the bank may not read: told from its own consents only, never anyone else's."""
    table = Consent.__table__.c  # type: ignore[attr-defined]
    own = (
        session.execute(
            select(Consent)
            .where(table.uscc == uscc, table.bank == bank)
            .order_by(col(Consent.granted_at).desc())
        )
        .scalars()
        .all()
    )
    for_purpose = [c for c in own if c.purpose == purpose]
    if for_purpose:
        latest = for_purpose[0]
        if state_of(latest, at) == "revoked":
            return f"Your consent {latest.id} for {purpose} was revoked by the enterprise."
        return f"Your consent {latest.id} for {purpose} expired after {latest.expires_on}."
    if own:
        return f"The enterprise's consents to you do not cover the purpose {purpose}."
    return f"No consent of enterprise {uscc} lets you read its report for {purpose}."


def read_report(
    *,
    database: Database,
    client: Principal,
    uscc: str,
    purpose: ConsentPurpose,
) -> CreditReportPublic:
    """The report, if the bank holds an active consent for `purpose`; 403 `consent_required`
    otherwise. Either way the attempt is in the query log (committed) before this returns.

    One connection and one transaction per read, its own (not the request's): the consent
    check, the log entry and the report's reads, committed together before anything is
    answered, so a refusal's entry survives the request's rollback. The request's session is
    never used here: holding it while asking the pool for a second connection deadlocked
    under load once every pooled connection was held by a request waiting for another.
    """
    now = utcnow()
    bank = client.org or ""
    refused: str | None = None
    with database.transaction() as session:
        consent = active_consent(session=session, uscc=uscc, bank=bank, purpose=purpose, at=now)
        if consent is None:
            refused = _why(session, uscc=uscc, bank=bank, purpose=purpose.value, at=now)
            queries.log_query(
                session=session,
                client=client,
                uscc=uscc,
                purpose=purpose,
                outcome=REFUSED,
                refusal_code=ConsentRequired.code,
                at=now,
            )
        else:
            report = _granted(session, client=client, consent=consent, purpose=purpose, at=now)
    if refused is not None:
        raise ConsentRequired(refused)
    return report


_REPLICA = EnterpriseReplica.__table__.c  # type: ignore[attr-defined]
_ENTERPRISE: Select[Any] = select(
    *(_REPLICA[name] for name in CreditReportEnterprisePublic.model_fields)
).where(_REPLICA.uscc == bindparam("uscc"))


def _granted(
    session: Session, *, client: Principal, consent: Consent, purpose: ConsentPurpose, at: datetime
) -> CreditReportPublic:
    """Log the granted read and assemble the report (the caller's transaction commits both)."""
    uscc = consent.uscc
    # A consent's enterprise is in the replica: a foreign key, and replica rows are never
    # deleted (a deregistered enterprise is marked so).
    enterprise = session.execute(_ENTERPRISE, {"uscc": uscc}).one()
    # Past reads first: the summary then needs no exclusion and the insert comes last.
    past = queries.summary(session=session, uscc=uscc, at=at)
    today = shanghai_date(at)
    shown, lists = _records_and_lists(session, uscc, today)
    entry = queries.log_query(
        session=session,
        client=client,
        uscc=uscc,
        purpose=purpose,
        outcome=GRANTED,
        consent_id=consent.id,
        at=at,
    )
    return CreditReportPublic(
        id=entry.id,
        uscc=uscc,
        purpose=purpose,
        bank=consent.bank,
        consent_id=consent.id,
        generated_at=as_utc(at),
        enterprise=CreditReportEnterprisePublic(**enterprise._mapping),
        records=shown,
        lists=lists,
        rating=rating_of(session=session, uscc=uscc, at=at),
        certification=certification_of(session=session, uscc=uscc, at=at),
        queries=past,
    )


def public_grade(*, session: Session, uscc: str) -> PublicGradePublic:
    """The grade alone, for anyone, as the ratings domain publishes it (404 `rating_not_found`
    while the enterprise has none)."""
    return ratings.public_grade(session=session, uscc=uscc)
