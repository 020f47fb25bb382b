"""Every subsidy route (interest claims, guarantees and payouts, the fee list and fee claims)
holds up to fuzzing as the office, an enterprise and a guarantee institution, with a funded
line, a listed fee and a guarantee in the database: no 500s, every answer documented (status,
content type, schema)."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.contract.fuzz import fuzz_app
from tests.funding.conftest import FundingHeaders
from tests.funding.subsidy_support import (
    FEE_LINE,
    GRADUATE_USCC,
    GUARANTEE_LINE,
    INTEREST_LINE,
    admin,
    file_enterprise,
    fund_line,
)

CALLERS = {"office": ("admin", None), "enterprise": ("enterprise", GRADUATE_USCC),
           "institution": ("bank", "TYGUAR")}  # fmt: skip
MARKERS = ("subsidies", "guarantee", "fee-list")


def _ours(path: str) -> bool:
    return any(marker in path for marker in MARKERS)


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_every_subsidy_route_survives_fuzzing(
    caller: str, funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    file_enterprise(funding_app, GRADUATE_USCC)
    for line in (INTEREST_LINE, GUARANTEE_LINE, FEE_LINE):
        fund_line(funding_app, account=line, amount_fen=10_000_000)
    office = admin(funding_headers)
    institution = {"code": "TYGUAR", "name": "太原担保", "uscc": "91140100MA0K000017"}
    assert (
        funding_client.post(
            "/v1/guarantee-institutions", json=institution, headers=office
        ).status_code
        == 201
    )
    fee = {"code": "sewage-treatment", "item": "污水处理费", "department": "太原市城乡管理委员会",
           "legal_basis": "《城镇排水与污水处理条例》"}  # fmt: skip
    assert funding_client.post("/v1/fee-list", json=fee, headers=office).status_code == 201
    kind, org = CALLERS[caller]
    exercised = fuzz_app(
        funding_app,
        headers=funding_headers(kind=kind, org=org),
        max_examples=15,
        skip=lambda method, path: not _ours(path),
    )
    operations = {
        f"{method.upper()} {path}"
        for path, item in funding_app.openapi()["paths"].items()
        for method in item
        if _ours(path)
    }
    assert set(exercised) == operations
