"""Credit demo data for `make run`: only once the feed brought the demo enterprise; idempotent."""

from fastapi.testclient import TestClient

from services.credit.demo import DEMO_ENTERPRISE_USCC
from services.credit.demo import seed as demo_seed
from services.credit.settings import CreditSettings
from tests.credit.conftest import CreditHeaders, SeedEnterprise


def seed(settings: CreditSettings) -> list[str]:
    """The loader as `make run` calls it: development settings on the test's database."""
    return demo_seed(settings.model_copy(update={"environment": "development"}))


def test_without_the_enterprise_in_the_replica_nothing_loads_and_the_banner_says_when(
    credit_settings: CreditSettings,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
) -> None:
    lines = seed(credit_settings)

    assert any("loads on the next `make run`" in line for line in lines)
    answer = credit_client.get(
        "/v1/records",
        params={"uscc": DEMO_ENTERPRISE_USCC},
        headers=credit_headers(kind="department", org="tax"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == []


def test_once_the_enterprise_arrived_the_demo_bank_reads_the_demo_report_and_reseeding_adds_nothing(
    credit_settings: CreditSettings,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    seed_enterprise: SeedEnterprise,
) -> None:
    seed_enterprise(DEMO_ENTERPRISE_USCC, name="太原演示科技有限公司")

    first = seed(credit_settings)
    again = seed(credit_settings)

    assert first == again
    assert any("consents to JSB for pre_loan_review" in line for line in first)
    owner = credit_headers(kind="enterprise", org=DEMO_ENTERPRISE_USCC)
    consents = credit_client.get("/v1/consents", headers=owner).json()["items"]
    assert [(c["bank"], c["purpose"], c["state"]) for c in consents] == [
        ("JSB", "pre_loan_review", "active")
    ]
    records = credit_client.get(
        "/v1/records",
        params={"uscc": DEMO_ENTERPRISE_USCC},
        headers=credit_headers(kind="department", org="tax"),
    ).json()["items"]
    assert sorted((r["type"], r["source"]) for r in records) == [
        ("tax_a_rating", "tax"),
        ("tax_arrears", "tax"),
    ]
    report = credit_client.get(
        f"/v1/enterprises/{DEMO_ENTERPRISE_USCC}/report",
        params={"purpose": "pre_loan_review"},
        headers=credit_headers(kind="bank", org="JSB"),
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["consent_id"] == consents[0]["id"]
    assert body["enterprise"]["name"] == "太原演示科技有限公司"
    assert {r["type"] for r in body["records"]} == {"tax_a_rating", "tax_arrears"}


def test_outside_development_the_seed_loads_nothing(
    credit_settings: CreditSettings, seed_enterprise: SeedEnterprise, credit_client: TestClient,
    credit_headers: CreditHeaders,
) -> None:  # fmt: skip
    seed_enterprise(DEMO_ENTERPRISE_USCC)
    production = credit_settings.model_copy(update={"environment": "production"})

    assert demo_seed(production) == []
    assert demo_seed(credit_settings) == []  # the tests' own environment is not development
    owner = credit_headers(kind="enterprise", org=DEMO_ENTERPRISE_USCC)
    assert credit_client.get("/v1/consents", headers=owner).json()["items"] == []
