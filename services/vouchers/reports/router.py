"""Report routes: HTTP only."""

from fastapi import APIRouter

from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.unitofwork import UnitOfWorkRoute
from services.vouchers.reports import service
from services.vouchers.reports.dependencies import ProgrammeReportReader, ProviderReportReader
from services.vouchers.reports.schemas import (
    VoucherProgrammeFigures,
    VoucherProgrammeReport,
    VoucherProviderReport,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["reports"])


@router.get(
    "/v1/programmes/{programme_id}/report",
    name="report_voucher_programme",
    summary="A programme's books (admin)",
    description="Issued, redeemed, reversed, settled, released and remaining, in fen, with the "
    "identities the books satisfy and whether each holds (`programme_not_found`).",
    response_model=VoucherProgrammeReport,
    responses=problem_responses(401, 403, 404),
)
def report_voucher_programme(
    programme_id: str, session: SessionDep, principal: ProgrammeReportReader
) -> VoucherProgrammeReport:
    return service.programme_report(session=session, principal=principal, programme_id=programme_id)


@router.get(
    "/v1/providers/{provider_id}/report",
    name="report_voucher_provider",
    summary="A provider's redemptions and settlements (the provider itself or admin)",
    description="Redeemed, reversed, unsettled, settled and paid, in fen. Another provider's "
    "report is 404 `provider_not_found`.",
    response_model=VoucherProviderReport,
    responses=problem_responses(401, 403, 404),
)
def report_voucher_provider(
    provider_id: str, session: SessionDep, principal: ProviderReportReader
) -> VoucherProviderReport:
    return service.provider_report(session=session, principal=principal, provider_id=provider_id)


@router.get(
    "/v1/public/programmes/{programme_id}/figures",
    name="voucher_programme_figures",
    summary="A programme's public figures",
    description="Budget, vouchers issued, redeemed (net of reversals), released and remaining, "
    "in fen, of an open or closed programme (a draft is 404 `programme_not_found`).",
    response_model=VoucherProgrammeFigures,
    responses=problem_responses(404),
)
def voucher_programme_figures(programme_id: str, session: SessionDep) -> VoucherProgrammeFigures:
    return service.programme_figures(session=session, programme_id=programme_id)
