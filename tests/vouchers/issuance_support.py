"""Issuance test helpers: programmes through the programmes API, the books of a programme."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, select

from services.common.db import Database
from services.common.models import OutboxEvent
from services.vouchers.programmes.models import Programme
from services.vouchers.vouchers.models import EnterpriseYearUsage, Voucher
from tests.vouchers.conftest import DEFAULT_ORGS, VouchersHeaders

USCC = DEFAULT_ORGS["enterprise"]
OTHER = "91140100MA0K000025"
FACE = 5_000_000


SeedProgramme = Callable[..., Programme]


@pytest.fixture
def seed_programme(vouchers_client: TestClient, vouchers_headers: VouchersHeaders) -> SeedProgramme:
    """`seed_programme(status="open", **terms)`: a programme created (and opened, closed)
    through the programmes API, as an administrator does."""
    admin = vouchers_headers(kind="admin", org=None, scopes=("vouchers:read", "vouchers:admin"))

    def make(status: str = "open", **fields: Any) -> Programme:
        body: dict[str, Any] = {
            "kind": "innovation",
            "year": 2026,
            "name": f"创新券 {uuid.uuid4().hex[:6]}",
            "budget_fen": 100 * FACE,
            "face_value_fen": FACE,
            "coverage_bp": 2000,
            "yearly_cap_fen": 2 * FACE,
            "validity_days": 365,
            "categories": ["testing", "consulting", "software"],
            "auto_approve": True,
            **fields,
        }
        answer = vouchers_client.post("/v1/programmes", json=body, headers=admin)
        assert answer.status_code == 201, answer.text
        steps = {"draft": [], "open": ["opening"], "closed": ["opening", "closing"]}[status]
        for step in steps:
            moved = vouchers_client.post(
                f"/v1/programmes/{answer.json()['id']}/{step}", headers=admin
            )
            assert moved.status_code == 200, moved.text
        shown = vouchers_client.get(f"/v1/programmes/{answer.json()['id']}", headers=admin)
        assert shown.json()["status"] == status
        return Programme(
            **{**body, "id": shown.json()["id"], "status": status, "created_by": "cli_test_admin"}
        )

    return make


def books(app: FastAPI, programme_id: str) -> tuple[int, dict[str, int], list[Voucher]]:
    """(committed_fen, issued_fen per uscc, vouchers) of a programme."""
    database: Database = app.state.database
    with database.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        usage = session.exec(
            select(EnterpriseYearUsage).where(col(EnterpriseYearUsage.programme_id) == programme_id)
        ).all()
        vouchers = session.exec(select(Voucher).where(col(Voucher.programme_id) == programme_id))
        rows = list(vouchers.all())
        for row in rows:
            session.expunge(row)
        return programme.committed_fen, {u.uscc: u.issued_fen for u in usage}, rows


def events(app: FastAPI, type_: str) -> list[dict[str, Any]]:
    database: Database = app.state.database
    with database.transaction() as session:
        rows = session.exec(select(OutboxEvent).where(col(OutboxEvent.type) == type_)).all()
        return [dict(row.payload) for row in rows]
