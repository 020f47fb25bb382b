"""An open programme's budget lowered while issuance commits against it (SQLite and PostgreSQL):
committed_fen never ends above budget_fen, and every answer is what the books say.

Issuance lives on another branch; its budget commit is the conditional UPDATE below (the one it
runs: `committed_fen + face <= budget_fen`, status open). Committer threads, each with its own
sessions, commit one voucher's face value after another for as long as the lowerings run, so
the lowerings land while committed_fen grows. The lowerings go through the service function
(each in its own session) or through the real route (`PATCH /v1/programmes/{id}` with
If-Match, served by uvicorn). All threads start together at a barrier.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from services.common.db import Database
from services.common.errors import DomainError
from services.common.etag import Precondition
from services.common.identity import ClientKind, Principal
from services.vouchers.programmes import service
from services.vouchers.programmes.models import OPEN, Programme
from services.vouchers.programmes.schemas import VoucherProgrammeUpdate
from tests.locks import answers_while_held, waits_then_answers
from tests.servers import serve
from tests.vouchers.conftest import VouchersHeaders
from tests.vouchers.issuance_support import events
from tests.vouchers.test_programmes import TERMS, move, set_committed

FACE = 1_000
START_BUDGET = 1_000_000
START_COMMITTED = 300_000
COMMITTERS = 4
LOWERINGS = [310_000 + 40_000 * n for n in range(8)]  # 310_000 … 590_000
ADMIN = Principal(client_id="cli_race", kind=ClientKind.ADMIN, org=None, scopes=frozenset())


def commit_budget(database: Database, programme_id: str) -> bool:
    """Issuance's budget commit: one voucher's face value, if the budget still covers it."""
    table = Programme.__table__.c  # type: ignore[attr-defined]
    with database.transaction() as session:
        result = session.execute(
            update(Programme)
            .where(table.id == programme_id)
            .where(table.status == OPEN)
            .where(table.committed_fen + FACE <= table.budget_fen)
            .values(committed_fen=table.committed_fen + FACE)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def lower_in_session(database: Database, programme_id: str, budget: int) -> tuple[int, Any]:
    """The service function in its own unit of work: (200, the programme) or (status, code)."""
    session = database.session()
    try:
        programme = service.update_programme(
            session=session,
            principal=ADMIN,
            programme_id=programme_id,
            data=VoucherProgrammeUpdate(budget_fen=budget),
            precondition=Precondition(None, required=False),
        )
        answer = service.to_public(programme).model_dump(mode="json")
        session.commit()
        return 200, answer
    except DomainError as error:
        session.rollback()
        return error.status, {"code": error.code}
    finally:
        session.close()


def lower_through_http(url: str, headers: dict[str, str], programme_id: str, budget: int) -> Any:
    """PATCH the budget with the current ETag; a 412 (another lowering won) reads it again."""
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        for _ in range(50):
            etag = http.get(f"/v1/programmes/{programme_id}").headers["ETag"]
            answer = http.patch(
                f"/v1/programmes/{programme_id}",
                json={"budget_fen": budget},
                headers={"If-Match": etag},
            )
            if answer.status_code != 412:
                return answer.status_code, answer.json()
    raise AssertionError("50 stale ETags in a row")


@pytest.mark.parametrize("via", ["service", "http"])
def test_lowering_the_budget_while_issuance_commits_never_overspends(
    via: str,
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
) -> None:
    made = vouchers_client.post(
        "/v1/programmes",
        json={**TERMS, "budget_fen": START_BUDGET, "face_value_fen": FACE},
        headers=vouchers_headers(kind="admin"),
    )
    assert made.status_code == 201, made.text
    programme_id = made.json()["id"]
    move(vouchers_client, vouchers_headers, programme_id, "opening")
    set_committed(vouchers_app, programme_id, START_COMMITTED)
    database: Database = vouchers_app.state.database
    admin = vouchers_headers(kind="admin")
    barrier = threading.Barrier(COMMITTERS + len(LOWERINGS), timeout=30)
    lowerings_done = threading.Event()
    pending = [len(LOWERINGS)]
    lock = threading.Lock()

    def committer(_: int) -> tuple[int, int]:
        barrier.wait()
        accepted = refused = 0
        while not lowerings_done.is_set():
            if commit_budget(database, programme_id):
                accepted += 1
            else:
                refused += 1
        return accepted, refused

    def lowerer(budget: int) -> tuple[int, Any]:
        barrier.wait()
        try:
            if via == "service":
                return lower_in_session(database, programme_id, budget)
            return lower_through_http(url, admin, programme_id, budget)  # type: ignore[no-any-return]
        finally:
            with lock:
                pending[0] -= 1
                if pending[0] == 0:
                    lowerings_done.set()

    with ExitStack() as stack:
        url = stack.enter_context(serve(vouchers_app)) if via == "http" else ""
        with ThreadPoolExecutor(COMMITTERS + len(LOWERINGS)) as pool:
            commits = pool.map(committer, range(COMMITTERS))
            lowered = list(zip(LOWERINGS, pool.map(lowerer, LOWERINGS), strict=True))
            commits_done = list(commits)

    with database.session(write=False) as session:
        final = session.get(Programme, programme_id)
        assert final is not None
    accepted = sum(a for a, _ in commits_done)
    # Never above the budget, and exactly what the accepted commits added.
    assert final.committed_fen <= final.budget_fen, (final.committed_fen, final.budget_fen)
    assert final.committed_fen == START_COMMITTED + FACE * accepted
    outcomes: dict[int, list[int]] = {200: [], 409: []}
    for budget, (status, body) in lowered:
        assert status in outcomes, (status, body)  # nothing but accepted or refused
        outcomes[status].append(budget)
        if status == 409:
            assert body["code"] == "budget_below_committed"
            # committed_fen only grows here: what refused the lowering is still there.
            assert budget < final.committed_fen, (budget, final.committed_fen)
        else:
            assert body["committed_fen"] <= body["budget_fen"] == budget
    # The budget is the last accepted lowering's (or untouched if none was).
    assert final.budget_fen in (outcomes[200] or [START_BUDGET])
    assert final.version == 2 + len(outcomes[200])
    read = vouchers_client.get(f"/v1/programmes/{programme_id}", headers=admin).json()
    assert read["remaining_fen"] == final.budget_fen - final.committed_fen >= 0
    print(f"{via}: commits {accepted} ok / {sum(r for _, r in commits_done)} refused, {outcomes}")


def test_a_close_arriving_while_another_closes_finds_the_programme_closed(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    postgres_database: str | None,
) -> None:
    """The first close holds the programme uncommitted; the second waits on its row, then
    reads it closed: 409, and the programme is closed once, with one event."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues the second writer before it reads")
    made = vouchers_client.post(
        "/v1/programmes", json=TERMS, headers=vouchers_headers(kind="admin")
    )
    programme_id = made.json()["id"]
    move(vouchers_client, vouchers_headers, programme_id, "opening")
    database = vouchers_app.state.database
    holder = database.session()
    try:
        service.close_programme(
            session=holder,
            principal=ADMIN,
            programme_id=programme_id,
            precondition=Precondition(None, required=False),
        )
        answer = waits_then_answers(
            holder,
            lambda: vouchers_client.post(
                f"/v1/programmes/{programme_id}/closing", headers=vouchers_headers(kind="admin")
            ),
            database,
            table="voucher_programmes",
        )
    finally:
        holder.close()
    assert answer.status_code == 409 and answer.json()["code"] == "programme_transition_invalid"
    read = vouchers_client.get(
        f"/v1/programmes/{programme_id}", headers=vouchers_headers(kind="admin")
    )
    assert (read.json()["status"], read.json()["version"]) == ("closed", 3)
    assert [e["id"] for e in events(vouchers_app, "programme.closed")] == [programme_id]


def test_a_read_during_an_uncommitted_change_answers_at_once_with_what_is_committed(
    vouchers_app: FastAPI,
    vouchers_client: TestClient,
    vouchers_headers: VouchersHeaders,
    postgres_database: str | None,
) -> None:
    """Only writers lock a programme: a read neither waits for a budget change nor sees it
    before it commits."""
    if postgres_database is None:
        pytest.skip("SQLite's BEGIN IMMEDIATE queues every writer, and its readers never wait")
    made = vouchers_client.post(
        "/v1/programmes", json=TERMS, headers=vouchers_headers(kind="admin")
    )
    programme_id = made.json()["id"]
    holder = vouchers_app.state.database.session()
    try:
        service.update_programme(
            session=holder,
            principal=ADMIN,
            programme_id=programme_id,
            data=VoucherProgrammeUpdate(budget_fen=2_000_000),
            precondition=Precondition(None, required=False),
        )
        read = answers_while_held(
            lambda: vouchers_client.get(
                f"/v1/programmes/{programme_id}", headers=vouchers_headers(kind="admin")
            )
        )
        holder.commit()
    finally:
        holder.close()
    assert read.status_code == 200 and read.json()["budget_fen"] == TERMS["budget_fen"]
    after = vouchers_client.get(
        f"/v1/programmes/{programme_id}", headers=vouchers_headers(kind="admin")
    )
    assert after.json()["budget_fen"] == 2_000_000
