"""The bridge fund's less-travelled paths: an enterprise token naming no enterprise, the list's
status and enterprise filters, a renewal dated before the lending, the overdue job's factory."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.jobs import PeriodicJob
from services.funding.bridge import jobs
from services.funding.settings import FundingSettings
from tests.funding.bridge_support import (  # noqa: F401 - the clock fixture
    apply,
    bridges,
    clock,
    fund,
    load,
    registered,
    renew,
    world,
)
from tests.funding.conftest import FundingHeaders
from tests.funding.riskpool_support import MICRO, SMALL, admin, balances


@pytest.mark.usefixtures("clock")
def test_an_applicant_naming_no_enterprise_is_refused_and_nothing_is_lent(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """An enterprise token without an `org` names no borrower: 403, the fund untouched."""
    world(funding_app, funding_client, funding_headers, 1_000_000)
    loan = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    load(funding_client, funding_headers, 100_000)
    before = (fund(funding_client, funding_headers), balances(funding_client))
    answer = funding_client.post(
        "/v1/bridge-loans",
        json={"loan_id": loan, "amount_fen": 1_000, "days": 5},
        headers={
            **funding_headers(kind="enterprise", org=None, client_id="cli_ent_none"),
            "Idempotency-Key": "no-org-1",
        },
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "bridge_applicant_not_enterprise"
    assert (fund(funding_client, funding_headers), balances(funding_client)) == before
    assert bridges(funding_client, funding_headers) == []


@pytest.mark.usefixtures("clock")
def test_the_list_filters_by_status_and_enterprise_and_a_renewal_before_lending_is_refused(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Two loans lent on 2016-05-20; the filters pick each; a renewal dated 05-19 is a 422."""
    world(funding_app, funding_client, funding_headers, 1_000_000)
    first = registered(funding_client, funding_headers, 1, 600_000, SMALL, "2016-05-31")
    second = registered(funding_client, funding_headers, 2, 700_000, MICRO, "2016-05-31")
    load(funding_client, funding_headers, 1_000_000)
    small = apply(funding_client, funding_headers, first, 100_000, 10)
    micro = apply(funding_client, funding_headers, second, 200_000, 10, MICRO)
    assert small.status_code == micro.status_code == 201, (small.text, micro.text)
    small_id, micro_id = small.json()["id"], micro.json()["id"]

    def listed(query: str) -> list[str]:
        answer = funding_client.get(f"/v1/bridge-loans?{query}", headers=admin(funding_headers))
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert listed(f"enterprise={MICRO}") == [micro_id]
    assert listed(f"enterprise={SMALL}&status=lent") == [small_id]
    assert listed("status=renewed") == []
    before = (fund(funding_client, funding_headers), bridges(funding_client, funding_headers))
    early = renew(funding_client, funding_headers, small_id, "2016-05-19")
    assert early.status_code == 422, early.text
    assert early.json()["code"] == "bridge_renewal_before_lending"
    assert [e["field"] for e in early.json()["errors"]] == ["body.renewed_on"]
    assert (
        fund(funding_client, funding_headers),
        bridges(funding_client, funding_headers),
    ) == before
    assert listed("status=renewed") == []
    renewed = renew(
        funding_client,
        funding_headers,
        micro_id,
        "2016-05-20",
        principal_fen=700_000,
        contract_no="JSB-ZBD-2016-0002",
    )
    assert renewed.status_code == 200, renewed.text
    repaid = funding_client.post(
        f"/v1/bridge-loans/{small_id}/repayment",
        json={"repaid_on": "2016-05-20", "amount_fen": small.json()["owed_fen"]},
        headers={**admin(funding_headers), "Idempotency-Key": "repay-small"},
    )
    assert repaid.status_code == 200, repaid.text
    # one loan in each later status: each filter picks its own (lent < renewed < repaid sorts
    # neither way round)
    assert listed("status=lent") == []
    assert listed("status=renewed") == [micro_id]
    assert listed("status=repaid") == [small_id]


def test_the_overdue_job_runs_only_where_jobs_are_enabled(funding_app: FastAPI) -> None:
    """The factory gives one periodic overdue job when jobs are on, none when off (as in tests)."""
    on = jobs.workers(FundingSettings(jobs=True))(funding_app)
    assert [w.name for w in on if isinstance(w, PeriodicJob)] == [jobs.NAME] and len(on) == 1
    assert on[0].interval == 600.0  # every 10 minutes, as the job's docstring says
    assert jobs.workers(FundingSettings(jobs=False))(funding_app) == []
