# ruff: noqa: F811
"""Monitoring's less travelled paths: endpoint changes, filters, races, senders, resolvers."""

import asyncio
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import false, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.common.clock import utcnow
from services.common.db import Database
from services.credit.monitoring import addresses, service
from services.credit.monitoring.jobs import (
    DeliveryJob,
    FanOutJob,
    HttpxSender,
    OutgoingWebhook,
    SendResult,
)
from services.credit.monitoring.models import MonitoringSubscription
from tests.credit.test_monitoring import (  # noqa: F401 - fixtures
    OTHER_USCC,
    PUBLIC_IP,
    USCC,
    Failing,
    Grant,
    bank,
    create_endpoint,
    deliveries,
    delivery_job,
    grant,
    production_delivery,
    production_rules,
    rating_changed,
    subscribe,
)
from tests.servers import free_port, serve


def fields_of(problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in problem["errors"]]


def read_endpoint(client: TestClient, headers: dict[str, str], endpoint_id: str) -> Any:
    answer = client.get(f"/v1/monitoring/endpoints/{endpoint_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer


def subscriptions(client: TestClient, headers: dict[str, str], **params: str) -> list[str]:
    answer = client.get("/v1/monitoring/subscriptions", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


# Changing an endpoint -------------------------------------------------------------------------


def test_an_endpoint_changes_its_url_or_its_description_and_each_change_moves_the_etag(
    credit_client: TestClient, bank: Any
) -> None:
    endpoint = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/credit")
    etag1 = f'"{endpoint["id"]}.1"'

    moved = credit_client.patch(
        f"/v1/monitoring/endpoints/{endpoint['id']}",
        json={"url": "https://hooks2.jsb.example/credit"},
        headers=bank(**{"If-Match": etag1}),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["url"] == "https://hooks2.jsb.example/credit"
    assert moved.json()["description"] == "贷后监控"  # not sent: kept
    assert moved.json()["version"] == 2
    assert moved.headers["ETag"] == f'"{endpoint["id"]}.2"'
    assert "secret" not in moved.json()

    renamed = credit_client.patch(
        f"/v1/monitoring/endpoints/{endpoint['id']}",
        json={"description": "贷后监控（二）"},
        headers=bank(**{"If-Match": moved.headers["ETag"]}),
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["url"] == "https://hooks2.jsb.example/credit"  # not sent: kept
    assert renamed.json()["description"] == "贷后监控（二）"
    assert renamed.json()["version"] == 3
    assert renamed.headers["ETag"] == f'"{endpoint["id"]}.3"'

    # `url: null` changes no URL; `description: null` clears the description.
    cleared = credit_client.patch(
        f"/v1/monitoring/endpoints/{endpoint['id']}",
        json={"url": None, "description": None},
        headers=bank(**{"If-Match": renamed.headers["ETag"]}),
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["url"] == "https://hooks2.jsb.example/credit"
    assert cleared.json()["description"] is None
    assert cleared.json()["version"] == 4

    # The first ETag is stale now: refused, nothing changes.
    stale = credit_client.patch(
        f"/v1/monitoring/endpoints/{endpoint['id']}",
        json={"url": "https://hooks3.jsb.example/credit"},
        headers=bank(**{"If-Match": etag1}),
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_etag"
    assert fields_of(stale.json()) == []
    read = read_endpoint(credit_client, bank(), endpoint["id"])
    assert read.headers["ETag"] == f'"{endpoint["id"]}.4"'
    assert {key: read.json()[key] for key in ("url", "description", "version", "status")} == {
        "url": "https://hooks2.jsb.example/credit",
        "description": None,
        "version": 4,
        "status": "active",
    }
    assert read.json()["updated_at"] >= read.json()["created_at"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"url": "https://evil.example/hook"}),
        ("POST", "/secret-rotation", None),
        ("POST", "/resumption", None),
    ],
)
def test_another_banks_or_an_unknown_endpoint_cannot_be_changed(
    credit_client: TestClient, bank: Any, method: str, suffix: str, body: Any
) -> None:
    endpoint = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/credit")
    etag = f'"{endpoint["id"]}.1"'
    for who, endpoint_id in (
        (bank("ICBC"), endpoint["id"]),
        (bank(), "whe_01JD3Z8Q6T8V4N2M5K1H0G9F8E"),
    ):
        answer = credit_client.request(
            method,
            f"/v1/monitoring/endpoints/{endpoint_id}{suffix}",
            json=body,
            headers={**who, "If-Match": etag},
        )
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "webhook_endpoint_not_found"
        assert endpoint_id in answer.json()["detail"]
        assert fields_of(answer.json()) == []
    read = read_endpoint(credit_client, bank(), endpoint["id"])
    assert read.headers["ETag"] == etag
    assert (read.json()["url"], read.json()["version"]) == ("https://hooks.jsb.example/credit", 1)
    assert credit_client.get("/v1/monitoring/endpoints", headers=bank("ICBC")).json() == {
        "items": [],
        "next_cursor": None,
    }


# URLs: what the schema answers, what the resolver answers ------------------------------------


def test_a_url_of_more_than_2000_characters_is_refused_by_the_request_schema(
    production_rules: tuple[FastAPI, TestClient], bank: Any
) -> None:
    """The schema caps `url` at 2000 characters (as the column does), so the schema answers
    before the URL rules see it; exactly 2000 is accepted."""
    _, client = production_rules
    base = "https://hooks.jsb.example/"
    longest = base + "a" * (2000 - len(base))
    endpoint = create_endpoint(client, bank(), longest)
    assert endpoint["url"] == longest

    too_long = longest + "a"
    created = client.post(
        "/v1/monitoring/endpoints",
        json={"url": too_long},
        headers=bank(**{"Idempotency-Key": "too-long"}),
    )
    assert created.status_code == 422, created.text
    assert created.json()["code"] == "validation_failed"
    assert fields_of(created.json()) == [("body.url", "string_too_long")]
    changed = client.patch(
        f"/v1/monitoring/endpoints/{endpoint['id']}",
        json={"url": too_long},
        headers=bank(**{"If-Match": f'"{endpoint["id"]}.1"'}),
    )
    assert changed.status_code == 422, changed.text
    assert changed.json()["code"] == "validation_failed"
    assert fields_of(changed.json()) == [("body.url", "string_too_long")]

    listed = client.get("/v1/monitoring/endpoints", headers=bank()).json()["items"]
    assert [(e["id"], e["url"], e["version"]) for e in listed] == [(endpoint["id"], longest, 1)]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://[::1/hook", "Not a URL: Invalid port: ':1'."),  # httpx cannot parse it
        ("https://hooks.jsb.example:0/hook", "The port must be between 1 and 65535."),
        ("https://hooks.jsb.example:65536/hook", "The port must be between 1 and 65535."),
        ("https://hooks.jsb.example/hook#top", "Must not carry a fragment (#…)."),
    ],
)
def test_a_url_that_is_not_one_or_has_a_bad_port_or_a_fragment_is_refused_everywhere(
    production_rules: tuple[FastAPI, TestClient],
    credit_client: TestClient,
    bank: Any,
    url: str,
    message: str,
) -> None:
    """These are refused by the URL's own rules, before (and whether or not) private addresses
    are allowed: in production and in development alike."""
    _, production = production_rules
    for client in (production, credit_client):
        answer = client.post(
            "/v1/monitoring/endpoints", json={"url": url}, headers=bank(**{"Idempotency-Key": url})
        )
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["code"] == "webhook_url_invalid"
        assert fields_of(problem) == [("body.url", "webhook_url_invalid")]
        assert [e["message"] for e in problem["errors"]] == [message]
        assert client.get("/v1/monitoring/endpoints", headers=bank()).json()["items"] == []


def test_a_name_resolving_to_no_address_is_refused_at_registration_and_at_delivery(
    production_rules: tuple[FastAPI, TestClient], bank: Any, grant: Grant
) -> None:
    app, client = production_rules
    app.state.names["empty.jsb.example"] = []
    refused = client.post(
        "/v1/monitoring/endpoints",
        json={"url": "https://empty.jsb.example/hook"},
        headers=bank(**{"Idempotency-Key": "empty"}),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "webhook_url_unresolvable"
    assert fields_of(refused.json()) == [("body.url", "webhook_url_unresolvable")]
    assert refused.json()["errors"][0]["message"] == (
        "The host 'empty.jsb.example' does not resolve."
    )
    assert client.get("/v1/monitoring/endpoints", headers=bank()).json()["items"] == []

    # Registered while it resolved; by the attempt it resolves to nothing: nothing is sent.
    grant()
    endpoint = create_endpoint(client, bank(), "https://rebind.jsb.example/credit")
    subscribe(client, bank(), endpoint["id"])
    rating_changed(app)
    t0 = utcnow()
    FanOutJob(database=app.state.database).run_once(now=t0)
    app.state.names["rebind.jsb.example"] = []
    sender = Failing()
    job = production_delivery(app, sender)
    assert job.run_once(now=t0) == 1
    assert sender.sent == []
    [logged] = deliveries(client, bank())
    assert logged["status"] == "pending"
    assert logged["last_error"] == "refused: The host 'rebind.jsb.example' does not resolve."
    assert [(a["status_code"], a["error"]) for a in logged["history"]] == [
        (None, "refused: The host 'rebind.jsb.example' does not resolve.")
    ]


def test_the_system_resolver_asks_the_operating_system() -> None:
    assert addresses.system_resolver("127.0.0.1", 443) == ["127.0.0.1"]
    found = addresses.system_resolver("localhost", 443)
    assert "127.0.0.1" in found
    assert set(found) <= {"127.0.0.1", "::1"}
    assert len(found) == len(set(found))
    with pytest.raises(OSError, match=r"not known|nodename|name resolution"):
        addresses.system_resolver("no-such-host.invalid", 443)


def test_the_system_resolver_drops_ipv6_zones_and_repeated_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[Any, ...]] = []
    v6, v4, tcp = socket.AF_INET6, socket.AF_INET, socket.SOCK_STREAM

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        asked.append((host, port, args, kwargs))
        return [
            (v6, tcp, 6, "", ("fe80::1%eth0", port, 0, 2)),
            (v4, tcp, 6, "", (PUBLIC_IP, port)),
            (v6, tcp, 6, "", ("fe80::1%eth1", port, 0, 3)),  # the same address on another link
            (v4, tcp, 132, "", (PUBLIC_IP, port)),  # the same address by another protocol
            (v6, tcp, 6, "", ("2606:2800:220:1::1", port, 0, 0)),
        ]

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)
    assert addresses.system_resolver("hooks.jsb.example", 8443) == [
        "fe80::1",
        PUBLIC_IP,
        "2606:2800:220:1::1",
    ]
    assert asked == [("hooks.jsb.example", 8443, (), {"type": socket.SOCK_STREAM})]


# Subscriptions --------------------------------------------------------------------------------


def test_subscriptions_are_read_and_listed_by_enterprise_endpoint_and_status(
    credit_client: TestClient, bank: Any, grant: Grant
) -> None:
    grant(USCC)
    grant(OTHER_USCC)
    first = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/a", key="a")
    second = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/b", key="b")
    a_mine = subscribe(credit_client, bank(), first["id"], USCC)
    a_other = subscribe(credit_client, bank(), first["id"], OTHER_USCC)
    b_mine = subscribe(credit_client, bank(), second["id"], USCC, event_types=["record.added"])
    cancelled = credit_client.delete(
        f"/v1/monitoring/subscriptions/{a_other['id']}", headers=bank()
    )
    assert cancelled.status_code == 200, cancelled.text

    read = credit_client.get(f"/v1/monitoring/subscriptions/{b_mine['id']}", headers=bank())
    assert read.status_code == 200, read.text
    assert read.json() == b_mine
    assert read.json()["event_types"] == ["record.added"]
    assert read.json()["endpoint_id"] == second["id"]
    read = credit_client.get(f"/v1/monitoring/subscriptions/{a_other['id']}", headers=bank())
    assert read.json() == cancelled.json()
    assert read.json()["status"] == "cancelled"
    assert read.json()["cancelled_at"] is not None

    every = sorted([a_mine["id"], a_other["id"], b_mine["id"]])
    assert subscriptions(credit_client, bank()) == every
    assert subscriptions(credit_client, bank(), uscc=USCC) == sorted([a_mine["id"], b_mine["id"]])
    assert subscriptions(credit_client, bank(), uscc=OTHER_USCC) == [a_other["id"]]
    assert subscriptions(credit_client, bank(), endpoint=first["id"]) == sorted(
        [a_mine["id"], a_other["id"]]
    )
    assert subscriptions(credit_client, bank(), endpoint=second["id"]) == [b_mine["id"]]
    assert subscriptions(credit_client, bank(), status="cancelled") == [a_other["id"]]
    assert subscriptions(credit_client, bank(), endpoint=first["id"], status="active") == [
        a_mine["id"]
    ]
    assert subscriptions(credit_client, bank(), uscc=OTHER_USCC, endpoint=second["id"]) == []
    # Another bank's filters find none of these, even naming this bank's endpoint.
    assert subscriptions(credit_client, bank("ICBC"), endpoint=first["id"]) == []
    assert subscriptions(credit_client, bank("ICBC"), uscc=USCC) == []

    bad = credit_client.get(
        "/v1/monitoring/subscriptions", params={"status": "paused"}, headers=bank()
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_failed"
    assert fields_of(bad.json()) == [("query.status", "literal_error")]


def test_two_subscriptions_of_the_same_pair_at_once_meet_in_the_unique_index(
    monkeypatch: pytest.MonkeyPatch, credit_client: TestClient, bank: Any, grant: Grant
) -> None:
    """The second request's look for a live subscription ran before the first committed (it
    saw none); the partial unique index refuses its insert: 409, and only the first exists."""
    grant()
    endpoint = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/credit")
    first = subscribe(credit_client, bank(), endpoint["id"])

    real_select = service.select

    def blind_select(*entities: Any) -> Any:
        statement = real_select(*entities)
        if len(entities) == 1 and entities[0] is MonitoringSubscription.id:
            return statement.where(false())  # the pre-check: as if the first were not there
        return statement

    monkeypatch.setattr(service, "select", blind_select)
    second = credit_client.post(
        "/v1/monitoring/subscriptions",
        json={"uscc": USCC, "endpoint_id": endpoint["id"], "event_types": ["rating.changed"]},
        headers=bank(),
    )
    monkeypatch.undo()
    assert second.status_code == 409, second.text
    assert second.json()["code"] == "subscription_exists"
    assert second.json()["detail"] == f"Endpoint {endpoint['id']} already watches {USCC}."
    assert fields_of(second.json()) == []
    assert subscriptions(credit_client, bank()) == [first["id"]]
    read = credit_client.get(f"/v1/monitoring/subscriptions/{first['id']}", headers=bank())
    assert read.json() == first


# The delivery log -----------------------------------------------------------------------------


class ByUrl:
    """A sender answering each URL with its own status code (and recording what it sent)."""

    def __init__(self, answers: dict[str, int]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    def __call__(self, webhook: OutgoingWebhook) -> SendResult:
        url = str(webhook.destination.url)
        self.sent.append(url)
        code = self.answers[url]
        return SendResult(status_code=code, error=None if code < 300 else f"HTTP {code}")


def test_the_delivery_log_filters_by_endpoint_and_status_and_reads_one_delivery(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant
) -> None:
    grant()
    ok = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/ok", key="ok")
    down = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/down", key="down")
    subscribe(credit_client, bank(), ok["id"])
    subscribe(credit_client, bank(), down["id"])
    event_id = rating_changed(credit_app)
    t0 = utcnow()
    FanOutJob(database=credit_app.state.database).run_once(now=t0)
    sender = ByUrl({"https://hooks.jsb.example/ok": 204, "https://hooks.jsb.example/down": 503})
    assert delivery_job(credit_app, sender=sender).run_once(now=t0) == 2
    assert sorted(sender.sent) == ["https://hooks.jsb.example/down", "https://hooks.jsb.example/ok"]

    every = deliveries(credit_client, bank())
    assert [d["id"] for d in every] == sorted(d["id"] for d in every)
    by_endpoint = {d["endpoint_id"]: d for d in every}
    delivered, pending = by_endpoint[ok["id"]], by_endpoint[down["id"]]
    assert {d["event_id"] for d in every} == {event_id}
    assert (delivered["status"], delivered["last_status_code"]) == ("delivered", 204)
    assert (pending["status"], pending["last_status_code"]) == ("pending", 503)

    assert deliveries(credit_client, bank(), endpoint=ok["id"]) == [delivered]
    assert deliveries(credit_client, bank(), endpoint=down["id"]) == [pending]
    assert deliveries(credit_client, bank(), status="delivered") == [delivered]
    assert deliveries(credit_client, bank(), status="pending") == [pending]
    assert deliveries(credit_client, bank(), status="failed") == []
    assert deliveries(credit_client, bank(), endpoint=ok["id"], status="pending") == []

    one = credit_client.get(f"/v1/monitoring/deliveries/{pending['id']}", headers=bank())
    assert one.status_code == 200, one.text
    assert one.json() == pending
    assert [(a["number"], a["status_code"], a["error"]) for a in one.json()["history"]] == [
        (1, 503, "HTTP 503")
    ]

    # Not another bank's, nor an unknown endpoint's.
    for who, endpoint_id in (
        (bank("ICBC"), ok["id"]),
        (bank(), "whe_01JD3Z8Q6T8V4N2M5K1H0G9F8E"),
    ):
        answer = credit_client.get(
            "/v1/monitoring/deliveries", params={"endpoint": endpoint_id}, headers=who
        )
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "webhook_endpoint_not_found"
        assert fields_of(answer.json()) == []
    theirs = credit_client.get(f"/v1/monitoring/deliveries/{pending['id']}", headers=bank("ICBC"))
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "webhook_delivery_not_found"
    assert fields_of(theirs.json()) == []
    assert deliveries(credit_client, bank(), endpoint=down["id"]) == [pending]


def test_a_delivery_cancelled_while_it_is_being_sent_records_no_attempt(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant
) -> None:
    """The bank cancels the subscription while the webhook is in flight: whatever the receiver
    answered, the delivery stays as the cancellation left it (failed, no attempt)."""
    grant()
    endpoint = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/credit")
    subscription = subscribe(credit_client, bank(), endpoint["id"])
    rating_changed(credit_app)
    t0 = utcnow()
    FanOutJob(database=credit_app.state.database).run_once(now=t0)
    sent: list[str] = []

    def cancelling(webhook: OutgoingWebhook) -> SendResult:
        sent.append(webhook.headers["webhook-id"])
        answer = credit_client.delete(
            f"/v1/monitoring/subscriptions/{subscription['id']}", headers=bank()
        )
        assert answer.status_code == 200, answer.text
        return SendResult(status_code=204)

    assert delivery_job(credit_app, sender=cancelling).run_once(now=t0) == 1
    [logged] = deliveries(credit_client, bank())
    assert sent == [logged["id"]]
    assert logged["status"] == "failed"
    assert logged["last_error"] == "Subscription cancelled."
    assert logged["attempts"] == 0
    assert logged["history"] == []
    assert logged["last_status_code"] is None
    assert logged["delivered_at"] is None
    assert logged["next_attempt_at"] is None
    read = read_endpoint(credit_client, bank(), endpoint["id"])
    assert (read.json()["consecutive_failures"], read.json()["version"]) == (0, 1)
    assert delivery_job(credit_app, sender=Failing()).run_once(now=t0 + timedelta(days=1)) == 0


# The httpx sender -----------------------------------------------------------------------------


@pytest.fixture
def slow_receiver() -> Iterator[str]:
    """A receiver that answers nothing until the test is over: its URL."""
    release = threading.Event()

    async def hook(request: Request) -> Response:
        await request.body()
        for _ in range(200):  # at most 10 s
            if release.is_set():
                break
            await asyncio.sleep(0.05)
        return Response(status_code=204)

    with serve(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as base:
        try:
            yield f"{base}/hook"
        finally:
            release.set()


def test_the_httpx_sender_records_a_timeout_and_a_refused_connection(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant, slow_receiver: str
) -> None:
    grant()
    slow = create_endpoint(credit_client, bank(), slow_receiver, key="slow")
    closed = create_endpoint(
        credit_client, bank(), f"http://127.0.0.1:{free_port()}/hook", key="closed"
    )
    subscribe(credit_client, bank(), slow["id"])
    subscribe(credit_client, bank(), closed["id"])
    rating_changed(credit_app)
    t0 = utcnow()
    FanOutJob(database=credit_app.state.database).run_once(now=t0)
    job = DeliveryJob(database=credit_app.state.database, allow_private=True, timeout=1.0)
    assert isinstance(job.sender, HttpxSender)
    try:
        assert job.run_once(now=t0) == 2
    finally:
        job.close()
    assert job.sender.client.is_closed

    timed_out = deliveries(credit_client, bank(), endpoint=slow["id"])
    assert [(d["status"], d["last_status_code"], d["last_error"]) for d in timed_out] == [
        ("pending", None, "timeout: ReadTimeout")
    ]
    [refused] = deliveries(credit_client, bank(), endpoint=closed["id"])
    assert (refused["status"], refused["last_status_code"]) == ("pending", None)
    assert refused["last_error"].startswith("ConnectError: ")
    assert [a["error"] for a in refused["history"]] == [refused["last_error"]]
    for endpoint in (slow, closed):
        assert (
            read_endpoint(credit_client, bank(), endpoint["id"]).json()["consecutive_failures"] == 1
        )


def test_closing_a_job_leaves_a_sender_without_connections_alone(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant
) -> None:
    """A plain function as sender has no `close`: closing the job must not call one, and the
    job goes on sending with it."""
    grant()
    endpoint = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/credit")
    subscribe(credit_client, bank(), endpoint["id"])
    rating_changed(credit_app)
    FanOutJob(database=credit_app.state.database).run_once()
    sent: list[str] = []

    def sender(webhook: OutgoingWebhook) -> SendResult:
        sent.append(webhook.headers["webhook-id"])
        return SendResult(status_code=204)

    job = delivery_job(credit_app, sender=sender)
    job.close()
    job.close()
    assert job.sender is sender
    assert job.run_once(now=utcnow()) == 1
    [logged] = deliveries(credit_client, bank())
    assert sent == [logged["id"]]
    assert (logged["status"], logged["last_status_code"]) == ("delivered", 204)


# Replicas -------------------------------------------------------------------------------------


def test_a_second_replica_skips_the_fan_out_round_the_first_holds(
    credit_app: FastAPI,
    credit_client: TestClient,
    bank: Any,
    grant: Grant,
    postgres_database: str | None,
) -> None:
    """While one replica fans out a batch (the cursor row locked, uncommitted), another finds
    the cursor taken and reads nothing; the batch is then written once."""
    if postgres_database is None:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs one writer at a time")
    grant()
    endpoint = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/credit")
    subscribe(credit_client, bank(), endpoint["id"])
    database: Database = credit_app.state.database
    fan_out = FanOutJob(database=database)
    assert fan_out.run_once() >= 1  # consent.granted: the cursor now exists
    start = fan_out.position()
    event_id = rating_changed(credit_app)

    holder = database.session()
    try:
        assert fan_out.step(holder) == 1
        with database.transaction() as session:
            # One thread holds both: a wait would never end, so make it an error instead.
            session.execute(text("SET LOCAL lock_timeout = '5s'"))
            assert fan_out.step(session) == 0
        assert fan_out.position() == start
        assert deliveries(credit_client, bank()) == []
        holder.commit()
    finally:
        holder.close()
    assert fan_out.position() > start
    assert [d["event_id"] for d in deliveries(credit_client, bank())] == [event_id]
    assert fan_out.run_once() == 0
    assert [d["event_id"] for d in deliveries(credit_client, bank())] == [event_id]
