"""A request touches only its own claim: storing the answer, failing (its claim rolled back)
and reclaiming a stale claim leave every other client's and every other key's record as it was.

The neighbours sort before and after the request's own client id and key, so a comparison that
is not an exact match (`<=`, `>=`, ...) reaches one of them.
"""

import hashlib
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from services.common.clock import utcnow
from services.common.idempotency import STALE_AFTER
from services.common.models import IdempotencyRecord
from tests.common.test_errors import assert_problem
from tests.common.test_idempotency import widget_count

OWN_CLIENT, OWN_KEY = "cli_m", "m-key"
NEIGHBOURS = [("cli_0", OWN_KEY), ("cli_z", OWN_KEY), (OWN_CLIENT, "a-key"), (OWN_CLIENT, "z-key")]
BODY = b'{"name":"w"}'
BODY_HASH = hashlib.sha256(b"POST /v1/widgets?\n\n" + BODY).hexdigest()  # no org: admin


def seed(app: FastAPI, rows: list[tuple[str, str]], *, since: datetime) -> None:
    with app.state.database.session() as session:
        for client_id, key in rows:
            session.add(
                IdempotencyRecord(
                    client_id=client_id,
                    key=key,
                    request_hash=BODY_HASH,
                    state="in_progress",
                    created_at=since,
                )
            )
        session.commit()


def records(app: FastAPI) -> dict[tuple[str, str], tuple]:
    with app.state.database.session() as session:
        rows = session.exec(select(IdempotencyRecord)).all()
        return {
            (r.client_id, r.key): (r.state, r.status_code, r.response_body, r.created_at)
            for r in rows
        }


def post(client: TestClient, headers: dict, body: bytes = BODY):
    return client.post(
        "/v1/widgets",
        content=body,
        headers={**headers, "Idempotency-Key": OWN_KEY, "content-type": "application/json"},
    )


@pytest.fixture
def own(auth_headers) -> dict[str, str]:
    return auth_headers("kernel", client_id=OWN_CLIENT, scopes=["widgets:write"])


@pytest.fixture
def seeded(kernel_app: FastAPI) -> dict[tuple[str, str], tuple]:
    """The neighbours, in progress for a minute (not stale); what they looked like."""
    seed(kernel_app, NEIGHBOURS, since=utcnow() - timedelta(minutes=1))
    before = records(kernel_app)
    assert set(before) == set(NEIGHBOURS)
    return before


def test_storing_an_answer_changes_no_other_record(
    kernel_app: FastAPI, client: TestClient, own: dict, seeded: dict
) -> None:
    created = post(client, own)
    assert created.status_code == 201, created.text
    after = records(kernel_app)
    assert {k: after[k] for k in NEIGHBOURS} == seeded
    assert after[(OWN_CLIENT, OWN_KEY)][:2] == ("done", 201)
    replay = post(client, own)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == created.json()


def test_a_failure_rolls_back_its_own_claim_and_deletes_no_other_record(
    kernel_app: FastAPI, client: TestClient, own: dict, seeded: dict
) -> None:
    assert_problem(post(client, own, b'{"name":"taken"}'), 409, "name_taken")
    assert records(kernel_app) == seeded  # its own claim is gone, the neighbours' are all there


def test_reclaiming_a_stale_claim_takes_only_its_own(
    kernel_app: FastAPI, client: TestClient, own: dict
) -> None:
    long_ago = utcnow() - STALE_AFTER - timedelta(minutes=1)
    seed(kernel_app, [*NEIGHBOURS, (OWN_CLIENT, OWN_KEY)], since=long_ago)
    neighbours = {k: v for k, v in records(kernel_app).items() if k != (OWN_CLIENT, OWN_KEY)}
    reclaimed = post(client, own)
    assert reclaimed.status_code == 201, reclaimed.text
    assert "idempotent-replayed" not in reclaimed.headers
    after = records(kernel_app)
    assert {k: after[k] for k in NEIGHBOURS} == neighbours  # still stale, still in progress
    assert widget_count(client, own) == 1


def test_a_failed_request_keeps_the_answer_of_the_request_that_took_its_key_over(
    kernel_app: FastAPI, client: TestClient, own: dict
) -> None:
    """The route `overtaken` rolls back and stores another request's answer under its key (as a
    request that took the key after this one's rollback and finished would), then fails: the
    failure must leave that finished answer, or a retry would do the work twice."""
    assert_problem(post(client, own, b'{"name":"overtaken"}'), 409, "overtaken")
    assert records(kernel_app)[(OWN_CLIENT, OWN_KEY)][:3] == ("done", 201, '{"id": "wid_taker"}')
    retry = post(client, own, b'{"name":"overtaken"}')
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == {"id": "wid_taker"}


@pytest.mark.parametrize(("first", "second"), [("a", "b"), ("b", "a")])
def test_another_body_under_a_used_key_is_refused_whichever_way_the_hashes_sort(
    client: TestClient, own: dict, first: str, second: str
) -> None:
    stored = post(client, own, f'{{"name":"{first}"}}'.encode())
    assert stored.status_code == 201, stored.text
    other = post(client, own, f'{{"name":"{second}"}}'.encode())
    assert_problem(other, 422, "idempotency_key_reused")
    assert widget_count(client, own) == 1


def test_the_key_is_1_to_255_characters(client: TestClient, own: dict) -> None:
    def create(key: str):
        return client.post(
            "/v1/widgets", json={"name": "k"}, headers={**own, "Idempotency-Key": key}
        )

    for refused in ("", "k" * 256):
        body = assert_problem(create(refused), 422, "validation_failed")
        assert body["errors"][0]["field"] == "header.Idempotency-Key"
    assert create("k").status_code == 201
    assert create("k" * 255).status_code == 201
    assert widget_count(client, own) == 2
