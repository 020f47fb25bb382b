"""Every base and acceptance route holds up to fuzzing as the office, a district and a
responsible department, with real bases in the database: no 500s, every answer documented
(status, content type, schema)."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.contract.fuzz import fuzz_app
from tests.funding.bases_support import admitted_base, report
from tests.funding.conftest import FundingHeaders

CALLERS = {"office": ("admin", None), "district": ("department", "xiaodian"),
           "department": ("department", "sme_bureau")}  # fmt: skip


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_every_base_and_acceptance_route_survives_fuzzing(
    caller: str,
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
) -> None:
    base = admitted_base(funding_client, funding_headers)
    report(funding_client, funding_headers, base, 2025)
    kind, org = CALLERS[caller]
    exercised = fuzz_app(
        funding_app,
        headers=funding_headers(kind=kind, org=org),
        max_examples=15,
        skip=lambda method, path: "base" not in path and "acceptance" not in path,
    )
    operations = {
        f"{method.upper()} {path}"
        for path, item in funding_app.openapi()["paths"].items()
        for method in item
        if "base" in path or "acceptance" in path
    }
    assert set(exercised) == operations
