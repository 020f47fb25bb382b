"""Vouchers demo data for `make run` (development only; loading twice loads nothing new): a
创新券 programme, the demo provider `prv_demo_tyut` approved, a voucher of the registry's demo
enterprise and two redemptions of the month before this one (Asia/Shanghai), so the monthly
settlement job has a month to settle when the stack starts, and `make demo` a settlement to pay.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from services.common.clock import utcnow
from services.common.dates import SHANGHAI, shanghai_date
from services.common.db import Database
from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.vouchers.applications import service as applications
from services.vouchers.applications.schemas import (
    VoucherApplicationCreate,
    VoucherApplicationDecisionCreate,
)
from services.vouchers.enterprises.service import apply_filed
from services.vouchers.programmes import service as programmes
from services.vouchers.programmes.models import Programme
from services.vouchers.programmes.schemas import VoucherProgrammeCreate
from services.vouchers.providers import service as providers
from services.vouchers.providers.models import APPLIED, SUSPENDED, Provider
from services.vouchers.providers.schemas import (
    VoucherProviderCreate,
    VoucherProviderDecisionCreate,
)
from services.vouchers.redemptions import service as redemptions
from services.vouchers.redemptions.models import Redemption
from services.vouchers.redemptions.schemas import RedemptionContractTerms, RedemptionCreate
from services.vouchers.settings import VouchersSettings
from services.vouchers.vouchers.models import Voucher

# The registry's demo enterprise (services/registry/demo.py) and the gateway's demo provider.
DEMO_ENTERPRISE_USCC = "91140105MA0KDE119Q"
DEMO_PROVIDER, DEMO_PROVIDER_USCC = "prv_demo_tyut", "91140100405661219G"
CATEGORIES = ["testing", "rnd"]
ADMIN = Principal(client_id="cli_demo_seed", kind=ClientKind.ADMIN, org=None, scopes=frozenset())
ENTERPRISE = Principal(
    client_id="cli_demo_enterprise",
    kind=ClientKind.ENTERPRISE,
    org=DEMO_ENTERPRISE_USCC,
    scopes=frozenset(),
)
PROVIDER = Principal(
    client_id="cli_demo_provider", kind=ClientKind.PROVIDER, org=DEMO_PROVIDER, scopes=frozenset()
)
UNCONDITIONAL = Precondition(None, required=False)
# The registry's filing of its demo enterprise, as its `enterprise.filed` event carries it, at
# version 0: the registry's own version 1 (with the legal representative's keyed hash, which
# only the registry can compute) replaces it when the feed arrives.
DEMO_FILING = {
    "uscc": DEMO_ENTERPRISE_USCC,
    "version": 0,
    "name": "太原演示科技有限公司",
    "district": "xiaodian",
    "founded_on": "2014-05-20",
    "size_class": "small",
    "is_tech_sme": True,
    "status": "active",
    "legal_rep_id_hash": None,
}


@dataclass(frozen=True)
class DemoRedemption:
    """One of last month's redemptions: the contract, the amount drawn, the day."""

    reference: str
    category: str
    contract_fen: int
    amount_fen: int
    day: int


REDEMPTIONS = (
    DemoRedemption("TYUT-JC-{month}-01", "testing", 3_000_000, 1_500_000, 10),
    DemoRedemption("TYUT-YF-{month}-02", "rnd", 2_000_000, 1_000_000, 20),
)


def programme_name(year: int) -> str:
    """The demo programme's name: with its kind and year, the seed's natural key."""
    return f"{year}年创新券（演示数据）"


def last_month(today: date) -> date:
    """The first day of the month before `today`'s."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _at(day: date) -> datetime:
    """10:00 in Shanghai on `day`, as UTC."""
    return datetime.combine(day, time(10), tzinfo=SHANGHAI).astimezone(UTC)


def _programme(session: Session, year: int) -> Programme:
    programme = programmes.create_programme(
        session=session,
        principal=ADMIN,
        data=VoucherProgrammeCreate(
            kind="innovation",
            year=year,
            name=programme_name(year),
            budget_fen=200_000_000,
            face_value_fen=5_000_000,
            coverage_bp=5000,
            yearly_cap_fen=10_000_000,
            validity_days=365,
            categories=CATEGORIES,  # type: ignore[arg-type]
        ),
    )
    return programmes.open_programme(
        session=session, principal=ADMIN, programme_id=programme.id, precondition=UNCONDITIONAL
    )


def _provider(session: Session) -> None:
    provider = session.get(Provider, DEMO_PROVIDER)
    if provider is None:
        provider = providers.apply_as_provider(
            session=session,
            principal=PROVIDER,
            data=VoucherProviderCreate(
                uscc=DEMO_PROVIDER_USCC,
                name="太原理工大学检测实验室",
                kind="lab",
                district="wanbailin",
                categories=CATEGORIES,  # type: ignore[arg-type]
            ),
        )
    if provider.status in (APPLIED, SUSPENDED):
        providers.decide(
            session=session,
            principal=ADMIN,
            provider_id=DEMO_PROVIDER,
            data=VoucherProviderDecisionCreate(decision="approve"),
            precondition=UNCONDITIONAL,
        )


def _voucher(session: Session, programme: Programme) -> Voucher:
    application = applications.apply_for_voucher(
        session=session,
        client=ENTERPRISE,
        data=VoucherApplicationCreate(
            programme_id=programme.id,
            categories=CATEGORIES,  # type: ignore[arg-type]
            purpose="智能检测设备的型式试验与样机研发（演示数据）",
        ),
    )
    decided = applications.decide_application(
        session=session,
        client=ADMIN,
        application_id=application.id,
        data=VoucherApplicationDecisionCreate(decision="approve"),
        precondition=UNCONDITIONAL,
    )
    assert decided.voucher_id is not None  # approved: issued
    return session.get_one(Voucher, decided.voucher_id)


def load(session: Session, *, today: date | None = None) -> int:
    """Load the demo data unless its programme exists; returns the redemptions made (0 or 2)."""
    today = today or shanghai_date(utcnow())
    month = last_month(today)
    year = today.year
    found = session.exec(
        select(Programme.id)
        .where(col(Programme.kind) == "innovation", col(Programme.year) == year)
        .where(col(Programme.name) == programme_name(year))
    ).first()
    if found is not None:
        return 0
    apply_filed(session, DEMO_FILING)
    _provider(session)
    voucher = _voucher(session, _programme(session, year))
    made = [
        redemptions.redeem(
            session=session,
            principal=PROVIDER,
            data=RedemptionCreate(
                voucher_code=voucher.code,
                contract=RedemptionContractTerms(
                    reference=item.reference.format(month=f"{month:%Y%m}"),
                    amount_fen=item.contract_fen,
                    category=item.category,
                ),
                amount_fen=item.amount_fen,
            ),
        )
        for item in REDEMPTIONS
    ]
    # Demo data standing for last month's activity: made today through the service (every check
    # applied), then dated in the month before, so the monthly job settles them when the stack
    # starts (a month is settled only once it is over). The voucher was issued before them.
    issued = month
    session.execute(
        update(Voucher)
        .where(col(Voucher.id) == voucher.id)
        .values(issued_on=issued, issued_at=_at(issued), expires_on=issued + timedelta(days=365))
    )
    for redemption, item in zip(made, REDEMPTIONS, strict=True):
        session.execute(
            update(Redemption)
            .where(col(Redemption.id) == redemption.id)
            .values(created_at=_at(month.replace(day=item.day)))
        )
    return len(made)


def seed(settings: VouchersSettings | None = None) -> list[str]:
    """Load the demo data if missing (development only); returns lines for the start banner."""
    settings = settings or VouchersSettings()
    if settings.environment != "development":
        return []
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        with database.transaction() as session:
            made = load(session)
    finally:
        database.dispose()
    month = last_month(shanghai_date(utcnow()))
    return [
        f"  vouchers demo data: {made} redemptions by {DEMO_PROVIDER} made now, dated "
        f"{month:%Y-%m} (the monthly job settles them when the stack starts)"
    ]
