"""HTTP routes of credit reports."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.common.db import DatabaseDep, SessionDep
from services.common.errors import problem_responses
from services.common.unitofwork import UnitOfWorkRoute
from services.credit.consents.schemas import ConsentPurpose
from services.credit.ratings.schemas import PublicGradePublic
from services.credit.reports import service
from services.credit.reports.dependencies import ReportReader
from services.credit.reports.schemas import CreditReportPublic

router = APIRouter(tags=["reports"], route_class=UnitOfWorkRoute)
Uscc = Annotated[str, Path(max_length=18, description="Unified social credit code.")]


@router.get(
    "/v1/enterprises/{uscc}/report",
    name="read_credit_report",
    summary="Read an enterprise's credit report (banks, with its consent)",
    description="Banks only, and only under an active consent of the enterprise to this bank "
    "for `purpose`; otherwise 403 `consent_required` (no consent, expired, revoked, another "
    "purpose or another bank alike) with no data. Every attempt, granted or refused, is "
    "logged with the bank, client, purpose, consent, time and `X-Request-ID`; the enterprise "
    "reads the log. The report shows the records that count with the enterprise's statements "
    "and `disputed` while an objection runs, the rating that stands now with its reason codes "
    "and their records (null while it has none), the 诚信企业 status and past reads.",
    response_model=CreditReportPublic,
    responses=problem_responses(401, 403, 422),
)
def read_credit_report(
    uscc: Uscc,
    purpose: Annotated[ConsentPurpose, Query(description="What the report is read for.")],
    database: DatabaseDep,
    client: ReportReader,
) -> CreditReportPublic:
    # The read runs in its own transaction (the log must outlive a refusal's rollback).
    return service.read_report(database=database, client=client, uscc=uscc, purpose=purpose)


@router.get(
    "/v1/public/enterprises/{uscc}/grade",
    name="read_public_credit_grade",
    summary="An enterprise's credit grade (public)",
    description="The grade alone (no score, no reasons), without consent, as the ratings "
    "domain publishes it; 404 `rating_not_found` while the enterprise has none.",
    response_model=PublicGradePublic,
    responses=problem_responses(404, 422),
)
def read_public_credit_grade(uscc: Uscc, session: SessionDep) -> PublicGradePublic:
    return service.public_grade(session=session, uscc=uscc)
