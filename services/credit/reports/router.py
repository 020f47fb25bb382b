"""HTTP routes of credit reports."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.common.db import DatabaseDep, SessionDep
from services.common.errors import problem_responses
from services.common.unitofwork import UnitOfWorkRoute
from services.credit.consents.schemas import ConsentPurpose
from services.credit.reports import service
from services.credit.reports.dependencies import ReportReader
from services.credit.reports.schemas import CreditGradePublic, CreditReportPublic

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
    "reads the log. `rating` and `certification` are null until known.",
    response_model=CreditReportPublic,
    responses=problem_responses(401, 403, 404, 422),
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
    description="The grade alone, without consent; 404 `no_rating` while it has none.",
    response_model=CreditGradePublic,
    responses=problem_responses(404, 422),
)
def read_public_credit_grade(uscc: Uscc, session: SessionDep) -> CreditGradePublic:
    return service.public_grade(session=session, uscc=uscc)
