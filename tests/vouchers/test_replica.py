"""The replica through feeds: kernel FeedConsumers over httpx.MockTransport feeds (registry and
credit payloads as those services emit them), idempotent and version-ordered."""

import asyncio
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.consumer import FeedConsumer
from services.vouchers.enterprises.service import (
    credit_handlers,
    get_enterprise,
    on_dishonesty_list,
    registry_handlers,
)
from tests.vouchers.conftest import VouchersHeaders

USCC = "91140105MA0KDE119Q"
FILED = {
    "uscc": USCC, "version": 1, "name": "太原矩阵科技有限公司", "district": "xiaodian",
    "industry": "I65", "founded_on": "2024-05-20", "size_class": "small", "is_tech_sme": False,
    "status": "active", "filed_at": "2026-01-05T02:00:00+00:00", "legal_rep_id_hash": "c" * 64,
}  # fmt: skip


def feed(events: list[tuple[str, dict[str, Any]]]) -> httpx.MockTransport:
    items = [
        {"seq": i + 1, "id": f"evt_{i + 1}", "type": t, "payload": p,
         "occurred_at": "2026-03-01T02:00:00+00:00"}
        for i, (t, p) in enumerate(events)
    ]  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])
        return httpx.Response(200, json={"items": [e for e in items if e["seq"] > after]})

    return httpx.MockTransport(answer)


def consume(app: FastAPI, name: str, handlers: Any, events: list[tuple[str, Any]]) -> int:
    consumer = FeedConsumer(
        name=name,
        feed_url="http://feed/v1/events",
        database=app.state.database,
        handlers=handlers,
        client=httpx.AsyncClient(transport=feed(events)),
    )
    return asyncio.run(consumer.catch_up())


def test_registry_feed_builds_the_replica_in_version_order(
    vouchers_app: FastAPI, vouchers_client: TestClient
) -> None:
    events = [
        ("enterprise.filed", FILED),
        ("enterprise.updated", {"uscc": USCC, "version": 3, "changed": ["is_tech_sme"],
                                "values": {"is_tech_sme": True, "legal_rep_id_hash": "d" * 64}}),
        # A late copy of an older version changes nothing.
        ("enterprise.updated", {"uscc": USCC, "version": 2, "changed": ["district"],
                                "values": {"district": "yingze"}}),
        ("indicators.reported", {"uscc": USCC}),  # not kept by vouchers
    ]  # fmt: skip
    assert consume(vouchers_app, "vouchers.registry", registry_handlers(), events) == 3
    with vouchers_app.state.database.session(write=False) as session:
        row = get_enterprise(session=session, uscc=USCC)
        assert (row.version, row.is_tech_sme, row.district) == (3, True, "xiaodian")
        assert row.legal_rep_id_hash == "d" * 64 and row.founded_on == date(2024, 5, 20)
    deregistered = [("enterprise.deregistered", {"uscc": USCC, "version": 4})]
    consume(vouchers_app, "vouchers.registry2", registry_handlers(), deregistered)
    with vouchers_app.state.database.session(write=False) as session:
        assert get_enterprise(session=session, uscc=USCC).status == "deregistered"


def test_credit_feed_keeps_the_dishonesty_list(
    vouchers_app: FastAPI, vouchers_client: TestClient
) -> None:
    consume(vouchers_app, "vouchers.registry", registry_handlers(), [("enterprise.filed", FILED)])
    common = {"uscc": USCC, "source": "market_regulation"}
    events = [
        ("dishonesty.listed", {**common, "record_id": "crr_1", "enterprise_listed": True,
                               "listed_on": "2026-03-01", "ended_on": "2026-09-01"}),
        ("dishonesty.listed", {**common, "record_id": "crr_2", "enterprise_listed": True,
                               "listed_on": "2026-04-01", "ended_on": None}),
        ("dishonesty.cleared", {**common, "record_id": "crr_2", "enterprise_listed": True,
                                "removed_on": "2026-05-01", "cause": "repaired"}),
    ]  # fmt: skip
    assert consume(vouchers_app, "vouchers.credit", credit_handlers(), events) == 3
    with vouchers_app.state.database.session(write=False) as session:
        assert not on_dishonesty_list(session=session, uscc=USCC, on=date(2026, 2, 28))
        assert on_dishonesty_list(session=session, uscc=USCC, on=date(2026, 4, 15))
        assert on_dishonesty_list(session=session, uscc=USCC, on=date(2026, 8, 31))
        # The listing's end comes without an event: off the list that day.
        assert not on_dishonesty_list(session=session, uscc=USCC, on=date(2026, 9, 1))
        assert get_enterprise(session=session, uscc=USCC).on_dishonesty_list


def test_unknown_enterprise_is_422(
    vouchers_app: FastAPI, vouchers_client: TestClient, vouchers_headers: VouchersHeaders
) -> None:
    from services.common.errors import DomainError

    with vouchers_app.state.database.session(write=False) as session:
        try:
            get_enterprise(session=session, uscc="91140100MA0K000099", field="body.uscc")
        except DomainError as error:
            assert (error.status, error.code) == (422, "unknown_enterprise")
        else:
            raise AssertionError("expected unknown_enterprise")
