"""Two writers on one base or kind (PostgreSQL): the first holds its change uncommitted through
the service, the second arrives through the API, waits on the row, and then answers from what
the first committed — never from the value it read before. (SQLite's BEGIN IMMEDIATE queues
the second writer before it reads anything, so there is nothing to race there.)"""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.funding.bases import service
from services.funding.bases.schemas import (
    BaseDecisionCreate,
    BaseExitCreate,
    BaseKindUpdate,
    BaseKpiCreate,
    BaseUpdate,
)
from tests.funding.bases_support import (
    admitted_base,
    all_met,
    department,
    district,
    events,
    file_base,
    history,
    kpis,
    read,
)
from tests.funding.conftest import FundingHeaders
from tests.locks import answers_while_held, waits_then_answers

OFFICE = Principal(client_id="cli_office", kind=ClientKind.ADMIN, org=None, scopes=frozenset())
BUREAU = Principal(
    client_id="cli_sme_bureau", kind=ClientKind.DEPARTMENT, org="sme_bureau", scopes=frozenset()
)
XIAODIAN = Principal(
    client_id="cli_xiaodian", kind=ClientKind.DEPARTMENT, org="xiaodian", scopes=frozenset()
)
NO_PRECONDITION = Precondition(None, required=False)


@pytest.fixture(autouse=True)
def _postgres_only(postgres_database: str | None) -> None:
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer before it reads")


def race(app: FastAPI, first: Callable[[Any], object], second: Callable[[], Any]) -> Any:
    """`first(session)` uncommitted, then `second()` waiting on it; the second's answer."""
    database = app.state.database
    holder = database.session()
    try:
        first(holder)
        return waits_then_answers(holder, second, database, table="funding_base")
    finally:
        holder.close()


def test_two_standards_updates_from_one_version_the_second_is_stale(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    criteria = [{"code": "mentoring_system", "text": "创业辅导服务体系健全"}]
    answer = race(
        funding_app,
        lambda s: service.update_kind(
            session=s,
            principal=OFFICE,
            code="startup_base",
            data=BaseKindUpdate.model_validate({"criteria": criteria, "min_area_m2": 5000}),
            precondition=Precondition('"startup_base.1"', required=True),
        ),
        lambda: funding_client.put(
            "/v1/base-kinds/startup_base",
            json={"criteria": criteria, "min_area_m2": 9000},
            headers={**funding_headers(), "If-Match": '"startup_base.1"'},
        ),
    )
    assert answer.status_code == 412 and answer.json()["code"] == "stale_etag"
    kind = funding_client.get("/v1/base-kinds/startup_base", headers=funding_headers()).json()
    assert (kind["version"], kind["min_area_m2"]) == (2, 5000)
    assert events(funding_client, funding_headers, "base_kind.updated") == [
        {"code": "startup_base", "version": 2, "min_area_m2": 5000}
    ]


def test_two_corrections_from_one_version_the_second_is_stale(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = file_base(funding_client, funding_headers)
    tag = f'"{base["id"]}.1"'
    answer = race(
        funding_app,
        lambda s: service.update_base(
            session=s,
            principal=XIAODIAN,
            base_id=base["id"],
            data=BaseUpdate.model_validate({"name": "小店区青年创业园二期"}),
            precondition=Precondition(tag, required=True),
        ),
        lambda: funding_client.patch(
            f"/v1/bases/{base['id']}",
            json={"area_m2": 15000},
            headers={**district(funding_headers), "If-Match": tag},
        ),
    )
    assert answer.status_code == 412 and answer.json()["code"] == "stale_etag"
    now = read(funding_client, funding_headers, base["id"])
    assert (now["version"], now["name"], now["area_m2"]) == (2, "小店区青年创业园二期", 12000)
    assert [e["action"] for e in history(funding_client, funding_headers, base["id"])] == [
        "filed",
        "updated",
    ]


def test_a_refusal_arriving_during_an_admission_finds_the_base_decided(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = file_base(funding_client, funding_headers)
    answer = race(
        funding_app,
        lambda s: service.decide(
            session=s,
            principal=BUREAU,
            base_id=base["id"],
            data=BaseDecisionCreate.model_validate({"decision": "admit", "assessment": all_met()}),
            precondition=NO_PRECONDITION,
        ),
        lambda: funding_client.post(
            f"/v1/bases/{base['id']}/decision",
            json={"decision": "refuse", "reasons": ["Too small."]},
            headers=department(funding_headers),
        ),
    )
    assert answer.status_code == 409 and answer.json()["code"] == "base_status_conflict"
    assert read(funding_client, funding_headers, base["id"])["status"] == "admitted"
    assert events(funding_client, funding_headers, "base.refused") == []
    assert [e["seq"] for e in history(funding_client, funding_headers, base["id"])] == [1, 2]


def test_an_exit_arriving_during_an_exit_finds_the_base_out(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    base = admitted_base(funding_client, funding_headers)
    answer = race(
        funding_app,
        lambda s: service.exit_base(
            session=s,
            principal=OFFICE,
            base_id=base["id"],
            data=BaseExitCreate.model_validate({"reason": "Closed its premises."}),
            precondition=NO_PRECONDITION,
        ),
        lambda: funding_client.post(
            f"/v1/bases/{base['id']}/exit",
            json={"reason": "Also closing it."},
            headers=department(funding_headers),
        ),
    )
    assert answer.status_code == 409 and answer.json()["code"] == "base_status_conflict"
    assert (
        read(funding_client, funding_headers, base["id"])["exit_reason"] == "Closed its premises."
    )
    assert [e["reason"] for e in events(funding_client, funding_headers, "base.exited")] == [
        "Closed its premises."
    ]


def test_a_report_arriving_during_the_first_report_of_its_year_is_a_correction(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """The second finds the first's report and, having no If-Match for it, is asked for one
    (428): it neither inserts a second report nor overwrites the first."""
    base = admitted_base(funding_client, funding_headers)
    year = date.today().year - 1
    answer = race(
        funding_app,
        lambda s: service.report_kpi(
            session=s,
            principal=XIAODIAN,
            base_id=base["id"],
            year=year,
            data=BaseKpiCreate.model_validate(kpis()),
            precondition=NO_PRECONDITION,
        ),
        lambda: funding_client.put(
            f"/v1/bases/{base['id']}/kpis/{year}",
            json=kpis(jobs_created=1),
            headers=district(funding_headers),
        ),
    )
    assert answer.status_code == 428 and answer.json()["code"] == "if_match_required"
    kept = funding_client.get(f"/v1/bases/{base['id']}/kpis/{year}", headers=funding_headers())
    assert (kept.json()["version"], kept.json()["jobs_created"]) == (1, 310)


def test_reads_during_uncommitted_changes_answer_at_once_with_what_is_committed(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """Only writers lock a base or a kind: reading either neither waits for a change nor
    sees it before it commits."""
    base = file_base(funding_client, funding_headers)
    holder = funding_app.state.database.session()
    try:
        service.update_base(
            session=holder,
            principal=XIAODIAN,
            base_id=base["id"],
            data=BaseUpdate.model_validate({"area_m2": 15000}),
            precondition=NO_PRECONDITION,
        )
        service.update_kind(
            session=holder,
            principal=OFFICE,
            code="startup_base",
            data=BaseKindUpdate.model_validate(
                {"criteria": [{"code": "mentoring_system", "text": "创业辅导服务体系健全"}]}
            ),
            precondition=NO_PRECONDITION,
        )
        seen = answers_while_held(lambda: read(funding_client, funding_headers, base["id"]))
        kind = answers_while_held(
            lambda: funding_client.get("/v1/base-kinds/startup_base", headers=funding_headers())
        )
        holder.commit()
    finally:
        holder.close()
    assert (seen["version"], seen["area_m2"]) == (1, 12000)
    assert kind.status_code == 200 and kind.json()["version"] == 1
    assert read(funding_client, funding_headers, base["id"])["area_m2"] == 15000
