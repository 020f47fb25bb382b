"""Reading a credit report under the enterprise's consent; every attempt is logged first.

The log entry of each attempt is committed in its own transaction before anything is answered:
a refusal (403 `consent_required`) survives the request's rollback, and a granted read is on
record before a byte of the report leaves (an audit log errs on the side of recording).
"""

from datetime import date, datetime

from sqlalchemy import select
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
from services.credit.objections import service as objections
from services.credit.queries import service as queries
from services.credit.queries.models import GRANTED, REFUSED
from services.credit.ratings import service as ratings
from services.credit.ratings.schemas import PublicGradePublic
from services.credit.records import service as records
from services.credit.reports.errors import ConsentRequired, ReportEnterpriseNotFound
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


def rating_of(*, session: Session, uscc: str, at: datetime) -> CreditReportRatingPublic | None:
    """The rating that stood at `at` (the ratings domain's history); None if it had none."""
    rating = ratings.current_rating(session=session, uscc=uscc, at=at)
    if rating is None:
        return None
    return CreditReportRatingPublic(
        id=rating.id,
        score=rating.score,
        grade=rating.grade,
        reasons=[
            CreditReportRatingReasonPublic(
                code=reason.code,
                factor=reason.factor,
                points=reason.points,
                record_ids=list(reason.record_ids),
            )
            for reason in rating.reasons
        ],
        rule_set_id=rating.rule_set.id,
        rule_set_version=rating.rule_set.version,
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


def list_status(*, session: Session, uscc: str, on: date) -> CreditListStatusPublic:
    """List membership on `on`, as the records domain decides it."""
    return CreditListStatusPublic(**records.list_status(session=session, uscc=uscc, on=on))


def _records(session: Session, uscc: str, on: date) -> list[CreditReportRecordPublic]:
    """The records that count on `on` (negative ones up to five years after they end), newest first."""
    rows = sorted(
        records.records_of(session=session, uscc=uscc, on=on),
        key=lambda row: (row.occurred_on, row.id),
        reverse=True,
    )
    statements = objections.statements_of(session=session, record_ids=[row.id for row in rows])
    return [
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
            statements=[
                CreditReportStatementPublic(id=s.id, text=s.text, filed_at=as_utc(s.filed_at))
                for s in statements.get(row.id, [])
            ],
        )
        for row in rows
    ]


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


def _granted(
    session: Session, *, client: Principal, consent: Consent, purpose: ConsentPurpose, at: datetime
) -> CreditReportPublic:
    """Log the granted read and assemble the report (the caller's transaction commits both)."""
    uscc = consent.uscc
    enterprise = session.get(EnterpriseReplica, uscc)
    if enterprise is None:  # a consent's enterprise is in the replica; never seen in practice
        raise ReportEnterpriseNotFound(f"Enterprise {uscc} is not in the register replica.")
    # Past reads first: the summary then needs no exclusion and the insert comes last.
    past = queries.summary(session=session, uscc=uscc, at=at)
    today = shanghai_date(at)
    shown = _records(session, uscc, today)
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
        enterprise=CreditReportEnterprisePublic(
            uscc=enterprise.uscc,
            name=enterprise.name,
            district=enterprise.district,
            industry=enterprise.industry,
            founded_on=enterprise.founded_on,
            size_class=enterprise.size_class,
            is_tech_sme=enterprise.is_tech_sme,
            employees=enterprise.employees,
            status=enterprise.status,
        ),
        records=shown,
        lists=list_status(session=session, uscc=uscc, on=today),
        rating=rating_of(session=session, uscc=uscc, at=at),
        certification=certification_of(session=session, uscc=uscc, at=at),
        queries=past,
    )


def public_grade(*, session: Session, uscc: str) -> PublicGradePublic:
    """The grade alone, for anyone, as the ratings domain publishes it (404 `rating_not_found`
    while the enterprise has none)."""
    return ratings.public_grade(session=session, uscc=uscc)
