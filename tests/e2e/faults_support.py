"""What the fault tests call through the gateway: demo clients, feeds read as the office reads
them, a voucher issued to the demo enterprise, a redemption retried under its key."""

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa

from tests.e2e.stack import Stack
from tests.e2e.waiting import eventually

PROVIDER, LAB_USCC = "prv_demo_tyut", "12140000405200123K"  # the demo provider client's org
# A call the gateway cannot forward answers at once; a hang fails the call, with no timing
# asserted (the bound only turns a hang into a failure).
CALL_SECONDS = 15.0
RETRYABLE = frozenset({502, 503, 504, 429})


def as_(stack: Stack, kind: str, **headers: str) -> dict[str, str]:
    """A demo client's headers (and any others)."""
    return {"Authorization": f"Bearer {stack.keys[kind]}", **headers}


def idempotent(stack: Stack, kind: str) -> dict[str, str]:
    """A demo client's headers with a fresh `Idempotency-Key`."""
    return as_(stack, kind, **{"Idempotency-Key": uuid.uuid4().hex})


def events(http: httpx.Client, stack: Stack, service: str, after: int = 0) -> list[dict[str, Any]]:
    """The service's feed after `after`, every page, read with the office's key."""
    found: list[dict[str, Any]] = []
    while True:
        page = http.get(
            f"/{service}/v1/events",
            params={"after": after, "limit": 1000},
            headers=as_(stack, "admin"),
        )
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        if not items:
            return found
        found += items
        after = page.json()["next_after"]


def first_ratings(feed: Iterable[dict[str, Any]], usccs: set[str]) -> Counter[str]:
    """How many first ratings (`rating.changed` from nothing) credit announced per enterprise:
    credit rates an enterprise in the transaction that applies its filing, so one each."""
    return Counter(
        event["payload"]["uscc"]
        for event in feed
        if event["type"] == "rating.changed"
        and event["payload"]["previous"] is None
        and event["payload"]["uscc"] in usccs
    )


def assert_problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 problem with this status and code."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert (body["status"], body["code"]) == (status, code), body
    assert body["title"] and body["detail"] and body["type"]
    return body


def open_programme(http: httpx.Client, stack: Stack, *, face: int, name: str) -> str:
    """An open 创新券 programme that issues to eligible applicants at once; its id."""
    made = http.post(
        "/vouchers/v1/programmes",
        json={
            "kind": "innovation",
            "year": 2026,
            "name": name,
            "budget_fen": 20 * face,
            "face_value_fen": face,
            "coverage_bp": 5000,
            "yearly_cap_fen": face,
            "validity_days": 365,
            "categories": ["testing"],
            "auto_approve": True,
        },
        headers=idempotent(stack, "admin"),
    )
    assert made.status_code == 201, made.text
    programme_id = str(made.json()["id"])
    opened = http.post(
        f"/vouchers/v1/programmes/{programme_id}/opening", headers=idempotent(stack, "admin")
    )
    assert opened.status_code == 200, opened.text
    return programme_id


def approved_provider(http: httpx.Client, stack: Stack) -> None:
    """The demo provider applied (once per stack) and approved."""
    applied = http.post(
        "/vouchers/v1/providers",
        json={"uscc": LAB_USCC, "name": "太原理工大学测试中心", "kind": "university",
              "categories": ["testing"]},
        headers=idempotent(stack, "provider"),
    )  # fmt: skip
    assert applied.status_code in (201, 409), applied.text
    shown = http.get(f"/vouchers/v1/providers/{PROVIDER}", headers=as_(stack, "admin"))
    if shown.json()["status"] != "approved":
        decided = http.post(
            f"/vouchers/v1/providers/{PROVIDER}/decision",
            json={"decision": "approve"},
            headers=idempotent(stack, "admin"),
        )
        assert decided.status_code == 200, decided.text


def issue_voucher(http: httpx.Client, stack: Stack, programme_id: str) -> dict[str, Any]:
    """The demo enterprise's voucher of the programme (its application approved at once), as
    its holder reads it, code included."""

    def applied() -> str:  # eligibility reads vouchers' replica of the registry
        answer = http.post(
            "/vouchers/v1/applications",
            json={"programme_id": programme_id, "categories": ["testing"], "purpose": "EMC."},
            headers=idempotent(stack, "enterprise"),
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "approved", answer.json()
        return str(answer.json()["voucher_id"])

    voucher_id = eventually(applied)
    shown = http.get(f"/vouchers/v1/vouchers/{voucher_id}", headers=as_(stack, "enterprise"))
    assert shown.status_code == 200, shown.text
    return dict(shown.json())


@dataclass
class Redeemer:
    """Posts one redemption under one key until it has a final answer, as a careful client
    does: a connection error, a 502/503/504 (the vouchers process gone) or a 429 leaves the
    outcome unknown, so the same key (and body) is sent again after a short pause. A 409
    `idempotency_in_progress` is returned as it is: a key the dead process left claimed shows
    (the kernel before ae505da left one so for five minutes)."""

    stack: Stack
    code: str
    amount: int
    deadline_seconds: float = 90.0
    attempts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.attempts[outcome] += 1

    def redeem(self, key: str) -> httpx.Response:
        """The final answer to the redemption whose contract reference is `key`."""
        body = {
            "voucher_code": self.code,
            "contract": {"reference": key, "amount_fen": 2 * self.amount, "category": "testing"},
            "amount_fen": self.amount,
        }
        headers = as_(self.stack, "provider", **{"Idempotency-Key": key})
        deadline = time.monotonic() + self.deadline_seconds
        with httpx.Client(base_url=self.stack.url, timeout=CALL_SECONDS) as http:
            while True:
                try:
                    answer = http.post("/vouchers/v1/redemptions", json=body, headers=headers)
                except httpx.TransportError as exc:
                    self._count(type(exc).__name__)
                else:
                    self._count(str(answer.status_code))
                    if answer.status_code not in RETRYABLE:
                        return answer
                assert time.monotonic() < deadline, f"{key}: no final answer: {self.attempts}"
                time.sleep(0.1)  # a client's pause between retries, not a synchronisation


@contextmanager
def row_held(stack: Stack, service: str, table: str, row_id: str) -> Iterator[Callable[[], int]]:
    """PostgreSQL only: one row of a service's table locked by a transaction of the test's
    (`FOR UPDATE`) until the block ends, so the service's writers of that row stop there,
    mid-transaction; yields how many backends are waiting on a lock now."""
    url, schema = stack.database(service)
    assert schema is not None, "row locks are PostgreSQL's"
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool
    )
    try:
        with engine.connect() as holder, engine.connect() as watcher:
            holder.execute(
                sa.text(f'SELECT 1 FROM "{schema}"."{table}" WHERE id = :id FOR UPDATE'),
                {"id": row_id},
            )

            def waiting() -> int:
                return int(
                    watcher.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                            "'Lock' AND datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).scalar_one()
                )

            yield waiting
            holder.rollback()
    finally:
        engine.dispose()


@contextmanager
def row_counter(stack: Stack, service: str, table: str) -> Iterator[Callable[[], int]]:
    """Yields a function that counts the rows of a service's table as committed now, read from
    its database on one connection kept open (a poll costs one query)."""
    url, schema = stack.database(service)
    if schema is not None:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    name = f'"{schema}"."{table}"' if schema else f'"{table}"'
    try:
        with engine.connect() as connection:

            def count() -> int:
                number = connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
                connection.rollback()  # the next count sees what has been committed since
                return int(number)

            yield count
    finally:
        engine.dispose()
