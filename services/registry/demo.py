"""Demo enterprises for `make run` (development only; filing twice files nothing new)."""

from datetime import date

from services.common.db import Database
from services.common.identity import ClientKind, Principal
from services.registry.enterprises import service
from services.registry.enterprises.models import Enterprise
from services.registry.enterprises.schemas import (
    EnterpriseContactCreate,
    EnterpriseCreate,
    LegalRepresentativeCreate,
)
from services.registry.reference.districts import DISTRICTS
from services.registry.settings import RegistrySettings
from services.registry.uscc import uscc_check_character
from services.registry.uscc.organisation_code import organisation_check_character

DEMO_ENTERPRISE_USCC = "91140105MA0KDE119Q"  # the gateway's demo enterprise client acts for it
SEEDER = Principal(client_id="cli_demo_seed", kind=ClientKind.ADMIN, org=None, scopes=frozenset())
INDUSTRIES = ("I65", "C39", "F52", "M75", "L72", "H62", "E48")


def demo_uscc(index: int, admin_code: str | None) -> str:
    """A valid code: 91 (enterprise), the district's division code, a made-up organisation code."""
    body = f"MA0D{index:04d}"
    first17 = f"91{admin_code or '140100'}{body}{organisation_check_character(body)}"
    return first17 + uscc_check_character(first17)


def demo_filings() -> list[EnterpriseCreate]:
    """Two small or micro enterprises in each district, and the demo enterprise."""
    filings = [
        EnterpriseCreate(
            uscc=DEMO_ENTERPRISE_USCC,
            name="太原演示科技有限公司",
            district="xiaodian",
            industry="I65",
            founded_on=date(2014, 5, 20),
            registered_capital_fen=50_000_000,
            employees=12,
            revenue_fen=150_000_000,
            assets_fen=90_000_000,
            is_tech_sme=True,
            legal_representative=LegalRepresentativeCreate(
                name="张演示", id_number="140105198001010011"
            ),
            contact=EnterpriseContactCreate(
                name="李演示", phone="0351-0000000", email="demo@example.cn"
            ),
        )
    ]
    for i, district in enumerate(DISTRICTS * 2):
        filings.append(
            EnterpriseCreate(
                uscc=demo_uscc(i, district.admin_code),
                name=f"{district.name_zh}演示企业{i:02d}有限公司",
                district=district.code,
                industry=INDUSTRIES[i % len(INDUSTRIES)],
                founded_on=date(2010 + i % 6, 1 + i % 12, 1 + i % 28),
                registered_capital_fen=1_000_000 * (10 + i),
                employees=3 + i,
                revenue_fen=10_000_000 * (5 + i),
                assets_fen=10_000_000 * (4 + i),
                is_tech_sme=i % 3 == 0,
                legal_representative=LegalRepresentativeCreate(
                    name=f"演示{i:02d}", id_number="140105198506150028"
                ),
            )
        )
    return filings


def seed(settings: RegistrySettings | None = None) -> list[str]:
    """File the demo enterprises that are missing; returns lines for the start banner."""
    settings = settings or RegistrySettings()
    if settings.environment != "development":
        return []
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    filed = 0
    try:
        with database.transaction() as session:
            for filing in demo_filings():
                if session.get(Enterprise, filing.uscc) is None:
                    service.file_enterprise(
                        session=session,
                        client=SEEDER,
                        data=filing,
                        id_key=settings.id_number_key.encode(),
                    )
                    filed += 1
    finally:
        database.dispose()
    return [
        f"  registry demo data: {filed} enterprises filed now, demo enterprise {DEMO_ENTERPRISE_USCC}"
    ]
