"""Credit demo data for `make run` (development only; loading twice loads nothing new).

Nothing here bypasses the registry's feed: the demo enterprise reaches the credit replica only
through the credit service's consumer. What this loads is credit's own data about it, through
the domains' services as their callers would: the demo enterprise's consent to the demo bank
(JSB) for `pre_loan_review`, and two records filed by the demo tax department.

`make run` seeds before the services start, so on a fresh start the replica is still empty:
then nothing is loaded and the banner says the credit demo data loads on the next `make run`
(or `python -m services.manage seed`) once the credit service has read the feed — waiting
here would be pointless, the consumer is not running yet.
"""

from datetime import date

from services.common.clock import utcnow
from services.common.db import Database
from services.common.identity import ClientKind, Principal
from services.credit.consents import service as consents
from services.credit.consents.schemas import ConsentCreate, ConsentPurpose
from services.credit.enterprises.models import EnterpriseReplica
from services.credit.records import service as records
from services.credit.records.schemas import CreditRecordBatchCreate, CreditRecordCreate
from services.credit.settings import CreditSettings

DEMO_ENTERPRISE_USCC = "91140105MA0KDE119Q"  # the registry's and the gateway's demo enterprise
DEMO_BANK, DEMO_DEPARTMENT = "JSB", "tax"  # the gateway's demo bank and department orgs
DEMO_PURPOSE = ConsentPurpose.PRE_LOAN_REVIEW
ENTERPRISE = Principal(
    client_id="cli_demo_enterprise",
    kind=ClientKind.ENTERPRISE,
    org=DEMO_ENTERPRISE_USCC,
    scopes=frozenset({"credit:consent"}),
)
TAX = Principal(
    client_id="cli_demo_department",
    kind=ClientKind.DEPARTMENT,
    org=DEMO_DEPARTMENT,
    scopes=frozenset({"credit:write"}),
)


def demo_records() -> CreditRecordBatchCreate:
    """The tax department's two demo records (a positive one and a settled arrears)."""
    return CreditRecordBatchCreate(
        records=[
            CreditRecordCreate(
                type="tax_a_rating",
                uscc=DEMO_ENTERPRISE_USCC,
                reference="并税信〔2025〕A-DEMO",
                occurred_on=date(2025, 4, 1),
                title="2024年度纳税信用A级",
                evidence_url="https://shanxi.chinatax.gov.cn/credit/a/2024",
            ),
            CreditRecordCreate(
                type="tax_arrears",
                uscc=DEMO_ENTERPRISE_USCC,
                reference="并税欠〔2025〕DEMO-01",
                occurred_on=date(2025, 6, 3),
                ended_on=date(2025, 7, 15),
                title="增值税欠缴（已补缴）",
                evidence_url="https://shanxi.chinatax.gov.cn/arrears/2025-demo-01",
            ),
        ]
    )


def load(database: Database) -> bool:
    """Load what is missing; False (nothing loaded) while the replica lacks the enterprise."""
    with database.transaction() as session:
        if session.get(EnterpriseReplica, DEMO_ENTERPRISE_USCC) is None:
            return False
        held = consents.active_consent(
            session=session,
            uscc=DEMO_ENTERPRISE_USCC,
            bank=DEMO_BANK,
            purpose=DEMO_PURPOSE,
            at=utcnow(),
        )
        if held is None:
            consents.grant_consent(
                session=session,
                client=ENTERPRISE,
                data=ConsentCreate(bank=DEMO_BANK, purpose=DEMO_PURPOSE),
            )
        # Filing the same references with the same content again is `unchanged`.
        records.file_records(session=session, client=TAX, data=demo_records())
    return True


def seed(settings: CreditSettings | None = None) -> list[str]:
    """`services.manage prepare`: load the credit demo data if the feed brought the enterprise."""
    settings = settings or CreditSettings()
    if settings.environment != "development":
        return []
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        loaded = load(database)
    finally:
        database.dispose()
    if not loaded:
        return [
            "",
            f"Credit demo data (a consent of {DEMO_ENTERPRISE_USCC} to {DEMO_BANK}, two tax "
            "records) loads on the next `make run` (or `python -m services.manage seed`), once "
            "the credit service has read the demo enterprise from the registry's feed.",
        ]
    return [
        "",
        f"Credit demo: {DEMO_ENTERPRISE_USCC} consents to {DEMO_BANK} for "
        f"{DEMO_PURPOSE.value}; two records by {DEMO_DEPARTMENT}.",
    ]
