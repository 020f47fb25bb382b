"""Helpers for reward-run tests: bases filed, admitted, reported and accepted through the API,
and ledger accounts opened and funded through the API."""

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.funding.conftest import FundingHeaders

_SERIAL = itertools.count(1)


@dataclass(frozen=True)
class AcceptedBase:
    """A base the tests made, and its acceptance (None: none recorded)."""

    id: str
    name: str
    operator_uscc: str
    district: str
    kind: str
    acceptance_id: str | None


def _ok(answer: Any, *statuses: int) -> Any:
    assert answer.status_code in statuses, answer.text
    return answer.json()


def make_base(
    client: TestClient,
    headers: FundingHeaders,
    *,
    district: str,
    kind: str,
    area_m2: int,
    year: int = 2015,
    enterprises_incubated: int = 0,
    jobs_created: int = 0,
    services_delivered: int = 0,
    private_money_fen: int = 0,
    result: str | None = "passed",
    score: int = 90,
    opened_on: str = "2014-06-01",
) -> AcceptedBase:
    """File a base in `district`, admit it, report its KPIs for `year` and record its
    acceptance (`result` None: no acceptance), each by the client whose work it is."""
    serial = next(_SERIAL)
    uscc = f"9114010500000{serial:05d}"
    name = f"测试基地{serial}"
    district_client = headers(kind="department", org=district, client_id=f"cli_{district}")
    base = _ok(
        client.post(
            "/v1/bases",
            json={
                "operator_uscc": uscc,
                "name": name,
                "district": district,
                "kind": kind,
                "area_m2": area_m2,
                "opened_on": opened_on,
            },
            headers=district_client,
        ),
        201,
    )
    standards = _ok(client.get(f"/v1/base-kinds/{kind}", headers=district_client), 200)
    department = headers(
        kind="department", org=standards["department"], client_id=f"cli_{standards['department']}"
    )
    _ok(
        client.post(
            f"/v1/bases/{base['id']}/decision",
            json={
                "decision": "admit",
                "assessment": [
                    {"criterion": criterion["code"], "met": True}
                    for criterion in standards["criteria"]
                ],
            },
            headers=department,
        ),
        200,
    )
    acceptance_id = report_and_accept(
        client,
        headers,
        base_id=base["id"],
        district=district,
        kind=kind,
        year=year,
        enterprises_incubated=enterprises_incubated,
        jobs_created=jobs_created,
        services_delivered=services_delivered,
        private_money_fen=private_money_fen,
        result=result,
        score=score,
    )
    return AcceptedBase(
        id=base["id"],
        name=name,
        operator_uscc=uscc,
        district=district,
        kind=kind,
        acceptance_id=acceptance_id,
    )


def report_and_accept(
    client: TestClient,
    headers: FundingHeaders,
    *,
    base_id: str,
    district: str,
    kind: str,
    year: int,
    enterprises_incubated: int = 0,
    jobs_created: int = 0,
    services_delivered: int = 0,
    private_money_fen: int = 0,
    result: str | None = "passed",
    score: int = 90,
) -> str | None:
    """The district reports an admitted base's KPIs for `year` and its department records the
    year's acceptance (`result` None: none); the acceptance's id."""
    district_client = headers(kind="department", org=district, client_id=f"cli_{district}")
    standards = _ok(client.get(f"/v1/base-kinds/{kind}", headers=district_client), 200)
    department = headers(
        kind="department", org=standards["department"], client_id=f"cli_{standards['department']}"
    )
    _ok(
        client.put(
            f"/v1/bases/{base_id}/kpis/{year}",
            json={
                "enterprises_incubated": enterprises_incubated,
                "jobs_created": jobs_created,
                "private_money_fen": private_money_fen,
                "services_delivered": services_delivered,
            },
            headers=district_client,
        ),
        201,
    )
    if result is None:
        return None
    acceptance = _ok(
        client.post(
            f"/v1/bases/{base_id}/acceptance",
            json={
                "year": year,
                "result": result,
                "score": score,
                "findings": "Checked on site.",
                "evidence": [],
            },
            headers=department,
        ),
        201,
    )
    return str(acceptance["id"])


def open_account(
    client: TestClient,
    admin: dict[str, str],
    code: str,
    *,
    kind: str,
    non_negative: bool = True,
    year: int | None = None,
    district: str | None = None,
) -> None:
    """Open a ledger account through the API."""
    body: dict[str, Any] = {"code": code, "name": code, "kind": kind, "non_negative": non_negative}
    if year is not None:
        body["year"] = year
    if district is not None:
        body["district"] = district
    _ok(client.post("/v1/ledger/accounts", json=body, headers=admin), 200, 201)


def move(
    client: TestClient, admin: dict[str, str], *, source: str, target: str, amount_fen: int
) -> None:
    """Move money between ledger accounts through the API (a balanced transfer)."""
    _ok(
        client.post(
            "/v1/ledger/transfers",
            json={
                "kind": "allocation",
                "memo": f"{source} → {target}",
                "legs": [
                    {"account": source, "amount_fen": -amount_fen},
                    {"account": target, "amount_fen": amount_fen},
                ],
            },
            headers={**admin, "Idempotency-Key": f"move-{next(_SERIAL)}"},
        ),
        201,
    )


def balance(client: TestClient, admin: dict[str, str], code: str) -> int:
    """An account's balance through the API."""
    return int(_ok(client.get(f"/v1/ledger/accounts/{code}", headers=admin), 200)["balance_fen"])


def funded_line(
    client: TestClient, admin: dict[str, str], code: str, *, year: int, amount_fen: int
) -> None:
    """A budget line of `year` opened and funded from the city (opened too, if it is not)."""
    open_account(client, admin, "source:city", kind="source", non_negative=False)
    open_account(client, admin, code, kind="line", year=year)
    move(client, admin, source="source:city", target=code, amount_fen=amount_fen)
