"""A programme year through the gateway of real processes, as the demo clients call it.

Each cross-service effect is awaited where its consumer shows it (bounded polling): the
registry's filing reaches credit's and vouchers' replicas, the vouchers' `settlement.requested`
becomes funding's proposal, funding's `disbursement.paid` marks the settlement paid.

One step is not HTTP: the redemption is moved back into a month that is over, in the vouchers
database, standing in for the passing of time (a run settles only a month that is over, and
the vouchers service's own monthly job settled last month as the stack started).

One test, its steps in order: under `pytest -n 2` the module's tests could land on two
workers, each starting a stack of its own, and the steps build on each other.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import Database
from services.funding.verify import verify_ledger
from services.vouchers.redemptions.models import Redemption
from services.vouchers.settlements.service import previous_month
from tests.e2e.stack import Stack
from tests.e2e.waiting import eventually
from tests.registry.factories import filing, make_uscc

ENTERPRISE = make_uscc(8101)  # filed by the demo portal in this story
PROVIDER = "prv_demo_tyut"  # the gateway's demo provider client acts for it
BANK, PURPOSE = "JSB", "pre_loan_review"  # the demo bank's org
VOUCHER_LINE = "line:2015:public-services"  # deploy/Procfile: FUNDING_VOUCHER_BUDGET_YEAR=2015
FACE, DRAWN = 5_000_000, 2_000_000


@dataclass
class Story:
    """The stack, who calls it, and what the steps made."""

    stack: Stack
    http: httpx.Client
    enterprise_key: str = ""
    second_admin: dict[str, str] = field(default_factory=dict)
    made: dict[str, Any] = field(default_factory=dict)

    def as_(self, kind: str, **headers: str) -> dict[str, str]:
        """A demo client's headers (and any others)."""
        return {"Authorization": f"Bearer {self.stack.keys[kind]}", **headers}

    @property
    def enterprise(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.enterprise_key}"}

    def balance(self, account: str) -> int:
        """An account's balance in funding's trial balance."""
        answer = self.http.get("/funding/v1/ledger/trial-balance", headers=self.as_("admin"))
        assert answer.status_code == 200, answer.text
        return int(
            next(a["balance_fen"] for a in answer.json()["accounts"] if a["code"] == account)
        )


def idempotent() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def a_portal_files_an_enterprise(story: Story) -> None:
    http = story.http
    portal = story.as_("portal", **{"X-On-Behalf-Of": ENTERPRISE})
    body = filing(8101, is_tech_sme=True)
    filed = http.post("/registry/v1/enterprises", json=body, headers=portal)
    assert filed.status_code == 201, filed.text
    assert (filed.json()["uscc"], filed.json()["size_class"]) == (ENTERPRISE, "micro")
    # The office gives the enterprise its own client (an API key acting for its code).
    made = http.post(
        "/admin/v1/clients",
        json={"name": "e2e enterprise", "kind": "enterprise", "org": ENTERPRISE},
        headers=story.as_("admin"),
    )
    assert made.status_code == 201, made.text
    story.enterprise_key = made.json()["api_key"]["key"]


def the_credit_replica_takes_a_record(story: Story) -> None:
    """The tax department's record is refused until credit's replica holds the enterprise."""
    record = {
        "type": "tax_a_rating",
        "uscc": ENTERPRISE,
        "reference": "并税信〔2025〕A-E2E",
        "occurred_on": "2025-04-01",
        "title": "2024年度纳税信用A级",
        "evidence_url": "https://shanxi.chinatax.gov.cn/credit/a/2024",
    }

    def filed() -> dict[str, Any]:
        answer = story.http.post(
            "/credit/v1/records",
            json={"records": [record]},
            headers=story.as_("department", **idempotent()),
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    eventually(filed)
    mine = story.http.get(
        "/credit/v1/records", params={"uscc": ENTERPRISE}, headers=story.enterprise
    )
    assert mine.status_code == 200, mine.text
    assert [(r["type"], r["source"]) for r in mine.json()["items"]] == [("tax_a_rating", "tax")]


def a_bank_reads_the_report_with_consent(story: Story) -> None:
    http, bank = story.http, story.as_("bank")
    report = f"/credit/v1/enterprises/{ENTERPRISE}/report"
    refused = http.get(report, params={"purpose": PURPOSE}, headers=bank)
    assert refused.status_code == 403 and refused.json()["code"] == "consent_required"
    consent = http.post(
        "/credit/v1/consents", json={"bank": BANK, "purpose": PURPOSE}, headers=story.enterprise
    )
    assert consent.status_code == 201, consent.text
    read = http.get(report, params={"purpose": PURPOSE}, headers=bank)
    assert read.status_code == 200, read.text
    assert read.json()["enterprise"]["uscc"] == ENTERPRISE
    assert [r["type"] for r in read.json()["records"]] == ["tax_a_rating"]
    # The enterprise sees both attempts in its query log, refused then granted.
    log = http.get(f"/credit/v1/enterprises/{ENTERPRISE}/queries", headers=story.enterprise)
    assert log.status_code == 200, log.text
    assert [(q["bank"], q["outcome"], q["refusal_code"]) for q in log.json()["items"]] == [
        (BANK, "refused", "consent_required"),
        (BANK, "granted", None),
    ]
    assert log.json()["items"][1]["consent_id"] == consent.json()["id"]


def the_enterprise_gets_an_innovation_voucher(story: Story) -> None:
    http, admin = story.http, story.as_("admin")
    programme = http.post(
        "/vouchers/v1/programmes",
        json={
            "kind": "innovation",
            "year": 2026,
            "name": "创新券 e2e",
            "budget_fen": 20 * FACE,
            "face_value_fen": FACE,
            "coverage_bp": 2000,
            "yearly_cap_fen": 2 * FACE,
            "validity_days": 365,
            "categories": ["testing", "consulting"],
            "auto_approve": True,
        },
        headers={**admin, **idempotent()},
    )
    assert programme.status_code == 201, programme.text
    programme_id = programme.json()["id"]
    opened = http.post(f"/vouchers/v1/programmes/{programme_id}/opening", headers=admin)
    assert opened.status_code == 200 and opened.json()["status"] == "open", opened.text

    def applied() -> dict[str, Any]:  # eligibility reads vouchers' replica of the registry
        answer = http.post(
            "/vouchers/v1/applications",
            json={"programme_id": programme_id, "categories": ["testing"], "purpose": "EMC."},
            headers={**story.enterprise, **idempotent()},
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    application = eventually(applied)
    assert (application["status"], application["eligible"]) == ("approved", True)
    [voucher] = http.get("/vouchers/v1/vouchers", headers=story.enterprise).json()["items"]
    assert (voucher["id"], voucher["face_value_fen"]) == (application["voucher_id"], FACE)
    story.made.update(programme_id=programme_id, voucher=voucher)


def a_provider_redeems_part_of_it(story: Story) -> None:
    http, provider = story.http, story.as_("provider")
    # `make run`'s demo data (services/vouchers/demo.py) has the demo provider approved.
    read = http.get(f"/vouchers/v1/providers/{PROVIDER}", headers=provider)
    assert read.status_code == 200, read.text
    assert read.json()["status"] == "approved" and "testing" in read.json()["categories"]
    story.made["provider_uscc"] = read.json()["uscc"]

    def redeem(amount: int) -> httpx.Response:
        return http.post(
            "/vouchers/v1/redemptions",
            json={
                "voucher_code": story.made["voucher"]["code"],
                "contract": {
                    "reference": "TYUT-E2E-1",
                    "amount_fen": 10_000_000,
                    "category": "testing",
                },
                "amount_fen": amount,
            },
            headers={**provider, **idempotent()},
        )

    # The programme covers 20% of a contract: of ¥100,000, ¥20,000 at most.
    too_much = redeem(DRAWN + 1)
    assert too_much.status_code == 409 and too_much.json()["code"] == "exceeds_covered_share"
    redeemed = redeem(DRAWN)
    assert redeemed.status_code == 201, redeemed.text
    voucher = http.get(
        f"/vouchers/v1/vouchers/{story.made['voucher']['id']}", headers=story.enterprise
    ).json()
    assert (voucher["balance_fen"], voucher["used_fen"]) == (FACE - DRAWN, DRAWN)
    story.made["redemption_id"] = redeemed.json()["id"]


def the_seeded_settlement_is_proposed(story: Story) -> dict[str, Any]:
    """`make run`'s demo data holds last month's redemptions (services/vouchers/demo.py), which
    the monthly job settles at start: funding proposes that payment (money committed)."""

    def proposed() -> dict[str, Any]:
        answer = story.http.get(
            "/funding/v1/disbursements",
            params={"purpose": "voucher_settlement"},
            headers=story.as_("admin"),
        )
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]  # none yet until funding has read the feed
        assert len(items) == 1, items
        assert items[0]["status"] == "proposed", items[0]
        return dict(items[0])

    return eventually(proposed)


def the_month_is_settled(story: Story) -> None:
    """The redemption is moved into a month that is over (the passing of time), which an
    admin settles; funding reads `settlement.requested` and proposes the disbursement."""
    http = story.http
    last = previous_month(shanghai_date(utcnow()))  # the monthly job's, settled at start
    month = previous_month(date.fromisoformat(f"{last}-01"))
    url, schema = story.stack.database("vouchers")
    database = Database(url, schema=schema)
    try:
        with database.transaction() as session:
            session.execute(
                update(Redemption)
                .where(col(Redemption.id) == story.made["redemption_id"])
                .values(created_at=datetime.fromisoformat(f"{month}-15T04:00:00+00:00"))
            )
    finally:
        database.dispose()
    run = http.post(
        "/vouchers/v1/settlements/runs",
        json={"month": month},
        headers=story.as_("admin", **idempotent()),
    )
    assert run.status_code == 201, run.text
    assert (run.json()["settlements"], run.json()["amount_fen"]) == (1, DRAWN)
    [settlement_id] = run.json()["settlement_ids"]
    again = http.post(
        "/vouchers/v1/settlements/runs",
        json={"month": month},
        headers=story.as_("admin", **idempotent()),
    )
    assert again.status_code == 409 and again.json()["code"] == "settlement_run_exists"

    def proposed() -> dict[str, Any]:
        answer = http.get(
            "/funding/v1/disbursements",
            params={"purpose": "voucher_settlement"},
            headers=story.as_("admin"),
        )
        assert answer.status_code == 200, answer.text
        items = [d for d in answer.json()["items"] if d["source_ref"] == settlement_id]
        assert len(items) == 1, answer.json()["items"]
        return dict(items[0])

    disbursement = eventually(proposed)
    assert (disbursement["source_ref"], disbursement["amount_fen"]) == (settlement_id, DRAWN)
    assert (disbursement["payee_uscc"], disbursement["account"]) == (
        story.made["provider_uscc"],
        VOUCHER_LINE,
    )
    assert (disbursement["status"], disbursement["proposed_by"]) == (
        "proposed",
        "funding.vouchers-feed",
    )
    story.made.update(settlement_id=settlement_id, disbursement=disbursement)


def funding_approves_and_pays(story: Story) -> None:
    """A second admin approves (four eyes: not the proposer), the demo admin records the
    bank's payment; `disbursement.paid` marks the settlement paid in vouchers."""
    http, disbursement = story.http, story.made["disbursement"]
    path = f"/funding/v1/disbursements/{disbursement['id']}"
    unapproved = http.post(
        f"{path}/payment",
        json={"payment_reference": "BOC-E2E-0001"},
        headers=story.as_("admin", **idempotent(), **{"If-Match": f'"{disbursement["id"]}.1"'}),
    )
    assert unapproved.status_code == 409, unapproved.text
    assert unapproved.json()["code"] == "disbursement_not_approved"
    approved = http.post(
        f"{path}/approval",
        json={},
        headers={**story.second_admin, "If-Match": f'"{disbursement["id"]}.1"'},
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    paid = http.post(
        f"{path}/payment",
        json={"payment_reference": "BOC-E2E-0001"},
        headers=story.as_("admin", **idempotent(), **{"If-Match": approved.headers["etag"]}),
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
    assert paid.json()["approved_by"] != paid.json()["paid_by"]

    def settled() -> dict[str, Any]:
        answer = http.get(
            f"/vouchers/v1/settlements/{story.made['settlement_id']}",
            headers=story.as_("provider"),
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "paid", answer.json()
        return dict(answer.json())

    settlement = eventually(settled)
    assert (settlement["paid_amount_fen"], settlement["disbursement_id"]) == (
        DRAWN,
        disbursement["id"],
    )


def the_books_balance_and_the_public_ledger_verifies(
    story: Story, line_before: int, seeded: dict[str, Any]
) -> None:
    answer = story.http.get("/funding/v1/ledger/trial-balance", headers=story.as_("admin"))
    trial = answer.json()
    assert (trial["total_fen"], trial["zero_sum"], trial["entries_agree"]) == (0, True, True)
    assert sum(a["balance_fen"] for a in trial["accounts"]) == 0
    assert story.balance(VOUCHER_LINE) == line_before - DRAWN
    assert story.balance(f"payee:{story.made['provider_uscc']}") == DRAWN
    # Only the demo data's proposal, not approved by this story, is still committed.
    assert story.balance("payable") == seeded["amount_fen"]
    report = verify_ledger(story.stack.url)
    assert report.findings == [] and report.records == 1, report
    [record] = story.http.get("/funding/v1/public/ledger/records").json()["items"]
    assert (record["payee_uscc"], record["amount_fen"]) == (story.made["provider_uscc"], DRAWN)


@pytest.mark.timeout(300)  # the module's stack starts within the test's time
def test_a_programme_year_across_the_services(e2e_stack: Stack) -> None:
    with httpx.Client(base_url=e2e_stack.url, timeout=30) as http:
        story = Story(stack=e2e_stack, http=http)
        made = http.post(
            "/admin/v1/clients",
            json={"name": "second admin (e2e)", "kind": "admin"},
            headers=story.as_("admin"),
        )
        assert made.status_code == 201, made.text
        story.second_admin = {"Authorization": f"Bearer {made.json()['api_key']['key']}"}
        seeded = the_seeded_settlement_is_proposed(story)
        line_before = story.balance(VOUCHER_LINE)

        a_portal_files_an_enterprise(story)
        the_credit_replica_takes_a_record(story)
        a_bank_reads_the_report_with_consent(story)
        the_enterprise_gets_an_innovation_voucher(story)
        a_provider_redeems_part_of_it(story)
        the_month_is_settled(story)
        funding_approves_and_pays(story)
        the_books_balance_and_the_public_ledger_verifies(story, line_before, seeded)
