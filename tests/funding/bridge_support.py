"""Set-up for the bridge-fund tests: the 助保贷 world of the risk-pool tests (filed enterprises,
a bank agreement, a pool), registered loans, capital, a frozen clock, and the fund as read."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.funding.bridge import service as bridge_service
from tests.funding.conftest import FundingHeaders
from tests.funding.riskpool_support import (
    SMALL,
    admin,
    agree,
    bank,
    deposit,
    file_enterprises,
    loan_body,
    register,
)


@dataclass
class Clock:
    """The bridge service's clock: noon in Taiyuan on `day`."""

    day: date = date(2016, 5, 20)

    def now(self) -> datetime:
        return datetime.combine(self.day, time(4, 0), tzinfo=UTC)  # 12:00 in Asia/Shanghai

    def advance(self, days: int) -> None:
        self.day += timedelta(days=days)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freezes the bridge service's clock (default 2016-05-20)."""
    held = Clock()
    monkeypatch.setattr(bridge_service, "utcnow", held.now)
    return held


def world(app: FastAPI, client: TestClient, headers: FundingHeaders, pool_fen: int) -> None:
    """Filed enterprises (small, micro, medium, listed), JSB's agreement, the pool."""
    file_enterprises(app)
    agree(client, headers)
    deposit(client, headers, pool_fen)


def registered(
    client: TestClient,
    headers: FundingHeaders,
    n: int,
    principal_fen: int,
    uscc: str = SMALL,
    maturity_on: str = "2016-05-31",
) -> str:
    """A registered 助保贷 loan of JSB's (id)."""
    answer = register(client, headers, loan_body(n, principal_fen, uscc, maturity_on=maturity_on))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def load(client: TestClient, headers: FundingHeaders, amount_fen: int, year: int = 2016) -> Any:
    """Load capital into the fund (admin)."""
    answer = client.post(
        "/v1/bridge-fund/capital",
        json={"year": year, "amount_fen": amount_fen},
        headers={**admin(headers), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def enterprise(headers: FundingHeaders, uscc: str = SMALL) -> dict[str, str]:
    """An enterprise's headers with a fresh Idempotency-Key."""
    found = headers(kind="enterprise", org=uscc, client_id=f"cli_ent_{uscc[-4:]}")
    return {**found, "Idempotency-Key": uuid.uuid4().hex}


def apply(
    client: TestClient, headers: FundingHeaders, loan_id: str, amount_fen: int, days: int,
    uscc: str = SMALL,
) -> Any:  # fmt: skip
    """POST an application as the enterprise."""
    return client.post(
        "/v1/bridge-loans",
        json={"loan_id": loan_id, "amount_fen": amount_fen, "days": days},
        headers=enterprise(headers, uscc),
    )


def fund(client: TestClient, headers: FundingHeaders) -> dict[str, Any]:
    """The fund's figures as the admin reads them."""
    answer = client.get("/v1/bridge-fund", headers=admin(headers))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def bridges(client: TestClient, headers: FundingHeaders) -> list[dict[str, Any]]:
    """Every bridge loan, as the admin lists them."""
    answer = client.get("/v1/bridge-loans", headers=admin(headers))
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def renew(
    client: TestClient,
    headers: FundingHeaders,
    bridge_id: str,
    on: str = "2016-05-31",
    code: str = "JSB",
    *,
    principal_fen: int = 600_000,
    contract_no: str = "JSB-ZBD-2016-0001",
) -> Any:
    """POST the bank's renewal of the registered loan behind a bridge loan (to 2017-05-30)."""
    return client.post(
        f"/v1/bridge-loans/{bridge_id}/renewal",
        json={
            "renewed_on": on,
            "contract_no": contract_no,
            "principal_fen": principal_fen,
            "maturity_on": "2017-05-30",
        },
        headers=bank(headers, code),
    )
