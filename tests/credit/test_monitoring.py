"""Monitoring for banks: signed webhooks to a real receiver, retries, pauses, URL rules, consent."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, select
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.common.clock import utcnow
from services.common.db import Database
from services.common.models import ConsumerCursor, OutboxEvent
from services.common.outbox import emit
from services.common.settings import InsecureConfiguration
from services.credit.app import create_app
from services.credit.monitoring.jobs import (
    CURSOR,
    DeliveryJob,
    FanOutJob,
    OutgoingWebhook,
    SendResult,
)
from services.credit.monitoring.models import WebhookDelivery
from services.credit.settings import CreditSettings
from tests.credit.conftest import CreditHeaders, SeedEnterprise
from tests.servers import serve

USCC = "91140100MA0K000017"
OTHER_USCC = "91140105MA0KDE119Q"
PUBLIC_IP = "93.184.216.34"


# A receiver: a real HTTP server on 127.0.0.1 --------------------------------------------------


@dataclass
class Receiver:
    """What the webhook receiver was sent, and what it answers next."""

    url: str = ""
    answers: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            self.received.append((dict(request.headers), body))
            self.arrived.set()
            return Response(status_code=self.answers.pop(0) if self.answers else 204)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    with serve(found.app()) as base:
        found.url = f"{base}/hook"
        yield found


# Helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def bank(credit_headers: CreditHeaders) -> Callable[..., dict[str, str]]:
    """Headers of a bank client (`org` is the bank's code)."""

    def make(org: str = "JSB", **extra: str) -> dict[str, str]:
        return {
            **credit_headers(
                kind="bank", org=org, scopes=("credit:reports",), client_id=f"cli_{org}"
            ),
            **extra,
        }

    return make


Grant = Callable[..., str]


@pytest.fixture
def grant(
    credit_client: TestClient, credit_headers: CreditHeaders, seed_enterprise: SeedEnterprise
) -> Grant:
    """The enterprise grants a bank a consent (through the consents API); returns its id."""
    seeded: set[str] = set()

    def make(uscc: str = USCC, bank: str = "JSB", purpose: str = "post_loan_management") -> str:
        if uscc not in seeded:
            seed_enterprise(uscc)
            seeded.add(uscc)
        answer = credit_client.post(
            "/v1/consents",
            json={"bank": bank, "purpose": purpose},
            headers=credit_headers(kind="enterprise", org=uscc),
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    return make


def create_endpoint(
    client: TestClient, headers: dict[str, str], url: str, key: str = "ep-1"
) -> dict[str, Any]:
    answer = client.post(
        "/v1/monitoring/endpoints",
        json={"url": url, "description": "贷后监控"},
        headers={**headers, "Idempotency-Key": key},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def subscribe(
    client: TestClient, headers: dict[str, str], endpoint_id: str, uscc: str = USCC, **extra: Any
) -> dict[str, Any]:
    answer = client.post(
        "/v1/monitoring/subscriptions",
        json={"uscc": uscc, "endpoint_id": endpoint_id, **extra},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def emit_event(app: FastAPI, type_: str, payload: dict[str, Any]) -> str:
    """Write an outbox event as the producing credit domain would."""
    database: Database = app.state.database
    with database.transaction() as session:
        return emit(session, type_, payload)


def rating_changed(app: FastAPI, uscc: str = USCC) -> str:
    return emit_event(
        app,
        "rating.changed",
        {
            "uscc": uscc,
            "previous": {"grade": "A", "score": 82},
            "current": {"grade": "B", "score": 74},
        },
    )


def deliveries(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    answer = client.get("/v1/monitoring/deliveries", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def delivery_job(app: FastAPI, **options: Any) -> DeliveryJob:
    return DeliveryJob(database=app.state.database, allow_private=True, **options)


def production_delivery(app: FastAPI, sender: Any) -> DeliveryJob:
    """The delivery job as production runs it: public addresses only, by the app's resolver."""
    return DeliveryJob(
        database=app.state.database,
        allow_private=False,
        sender=sender,
        resolver=app.state.webhook_resolver,
    )


class Failing:
    """A sender whose receiver never answers (connection refused), recording what it was given."""

    def __init__(self) -> None:
        self.sent: list[OutgoingWebhook] = []

    def __call__(self, webhook: OutgoingWebhook) -> SendResult:
        self.sent.append(webhook)
        return SendResult(error="ConnectError: connection refused")


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


# Delivery ---------------------------------------------------------------------------------------


def test_a_rating_change_reaches_the_receiver_signed_per_standard_webhooks(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant, receiver: Receiver
) -> None:
    grant()
    endpoint = create_endpoint(credit_client, bank(), receiver.url)
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["status"] == "active"
    subscription = subscribe(credit_client, bank(), endpoint["id"])
    assert subscription["event_types"] == [
        "rating.changed",
        "record.added",
        "dishonesty.listed",
        "dishonesty.cleared",
    ]
    event_id = rating_changed(credit_app)
    emit_event(credit_app, "enterprise.filed", {"uscc": USCC})  # not a monitored type
    rating_changed(credit_app, OTHER_USCC)  # nobody watches this one

    assert FanOutJob(database=credit_app.state.database).run_once() >= 3  # and consent.granted
    assert delivery_job(credit_app).run_once(now=utcnow()) == 1

    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    sent = Webhook(endpoint["secret"]).verify(body, headers)
    assert sent["type"] == "rating.changed"
    assert sent["data"]["event_id"] == event_id
    assert sent["data"]["uscc"] == USCC
    assert sent["data"]["previous"] == {"grade": "A", "score": 82}
    assert sent["data"]["current"] == {"grade": "B", "score": 74}
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "A" * 43).verify(body, headers)

    [logged] = deliveries(credit_client, bank(), endpoint=endpoint["id"])
    assert headers["webhook-id"] == logged["id"]
    assert logged["status"] == "delivered"
    assert logged["event_type"] == "rating.changed"
    assert logged["attempts"] == 1
    assert logged["last_status_code"] == 204
    assert logged["next_attempt_at"] is None
    assert [attempt["status_code"] for attempt in logged["history"]] == [204]
    # The secret is shown once: never in a read.
    read = credit_client.get(f"/v1/monitoring/endpoints/{endpoint['id']}", headers=bank())
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.headers["ETag"] == f'"{endpoint["id"]}.1"'


def test_a_failing_receiver_is_retried_with_backoff_then_delivered(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant, receiver: Receiver
) -> None:
    grant()
    endpoint = create_endpoint(credit_client, bank(), receiver.url)
    subscribe(credit_client, bank(), endpoint["id"])
    rating_changed(credit_app)
    t0 = utcnow()
    FanOutJob(database=credit_app.state.database).run_once(now=t0)
    job = delivery_job(credit_app)
    receiver.answers = [500, 500]

    assert job.run_once(now=t0) == 1
    [logged] = deliveries(credit_client, bank())
    assert logged["status"] == "pending"
    assert logged["last_status_code"] == 500
    assert logged["last_error"] == "HTTP 500"
    assert parse(logged["next_attempt_at"]) == t0 + timedelta(seconds=5)

    assert job.run_once(now=t0 + timedelta(seconds=4)) == 0  # not due yet
    assert job.run_once(now=t0 + timedelta(seconds=5)) == 1
    [logged] = deliveries(credit_client, bank())
    assert parse(logged["next_attempt_at"]) == t0 + timedelta(seconds=30)
    assert job.run_once(now=t0 + timedelta(seconds=29)) == 0
    assert job.run_once(now=t0 + timedelta(seconds=30)) == 1

    [logged] = deliveries(credit_client, bank())
    assert logged["status"] == "delivered"
    assert logged["attempts"] == 3
    assert [parse(a["at"]) - t0 for a in logged["history"]] == [
        timedelta(0),
        timedelta(seconds=5),
        timedelta(seconds=30),
    ]
    assert [a["status_code"] for a in logged["history"]] == [500, 500, 204]
    assert [a["error"] for a in logged["history"]] == ["HTTP 500", "HTTP 500", None]
    # The same message id on every attempt, each verifiable.
    assert {headers["webhook-id"] for headers, _ in receiver.received} == {logged["id"]}
    for headers, body in receiver.received:
        Webhook(endpoint["secret"]).verify(body, headers)
    endpoint_now = credit_client.get(f"/v1/monitoring/endpoints/{endpoint['id']}", headers=bank())
    assert endpoint_now.json()["consecutive_failures"] == 0


def test_retries_back_off_exponentially_and_give_up_after_a_day(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant
) -> None:
    grant()
    endpoint = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/credit")
    subscribe(credit_client, bank(), endpoint["id"])
    rating_changed(credit_app)
    t0 = utcnow()
    FanOutJob(database=credit_app.state.database).run_once(now=t0)
    job = delivery_job(credit_app, sender=Failing(), pause_after=100)
    moment = t0
    while True:
        assert job.run_once(now=moment) == 1
        [logged] = deliveries(credit_client, bank())
        if logged["status"] != "pending":
            break
        moment = parse(logged["next_attempt_at"])
    gaps = [
        (parse(b["at"]) - parse(a["at"])).total_seconds()
        for a, b in zip(logged["history"], logged["history"][1:], strict=False)
    ]
    assert gaps == [5, 25, 125, 625, 3125, 15625, 21600, 21600, 21600]
    assert logged["status"] == "failed"
    assert logged["next_attempt_at"] is None
    assert logged["attempts"] == 10
    assert logged["last_error"] == "ConnectError: connection refused"
    assert parse(logged["history"][-1]["at"]) - t0 <= timedelta(hours=24)
    assert job.run_once(now=t0 + timedelta(days=2)) == 0  # failed is final


def test_an_endpoint_is_paused_after_repeated_failures_and_resumed(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant, receiver: Receiver
) -> None:
    grant()
    endpoint = create_endpoint(credit_client, bank(), receiver.url)
    subscribe(credit_client, bank(), endpoint["id"])
    for _ in range(3):
        rating_changed(credit_app)
    t0 = utcnow()
    FanOutJob(database=credit_app.state.database).run_once(now=t0)
    failing = Failing()
    job = delivery_job(credit_app, sender=failing, pause_after=4)
    assert job.run_once(now=t0) == 3
    read = credit_client.get(f"/v1/monitoring/endpoints/{endpoint['id']}", headers=bank())
    assert read.json()["status"] == "active"
    assert read.json()["consecutive_failures"] == 3
    assert job.run_once(now=t0 + timedelta(seconds=5)) == 3  # the fourth failure pauses it
    assert len(failing.sent) == 6  # all three were due: sent in the batch that paused it

    read = credit_client.get(f"/v1/monitoring/endpoints/{endpoint['id']}", headers=bank())
    assert read.json()["status"] == "paused"
    assert read.json()["consecutive_failures"] == 6
    assert parse(read.json()["paused_at"]) == t0 + timedelta(seconds=5)
    assert job.run_once(now=t0 + timedelta(hours=1)) == 0  # nothing goes to a paused endpoint
    assert len(failing.sent) == 6
    assert {d["status"] for d in deliveries(credit_client, bank())} == {"pending"}

    # Resuming needs the current ETag; the pending deliveries are then due at once.
    stale = credit_client.post(
        f"/v1/monitoring/endpoints/{endpoint['id']}/resumption",
        headers=bank(**{"If-Match": f'"{endpoint["id"]}.1"'}),
    )
    assert stale.status_code == 412 and stale.json()["code"] == "stale_etag"
    resumed = credit_client.post(
        f"/v1/monitoring/endpoints/{endpoint['id']}/resumption",
        headers=bank(**{"If-Match": read.headers["ETag"]}),
    )
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "active"
    assert resumed.json()["consecutive_failures"] == 0
    again = credit_client.post(
        f"/v1/monitoring/endpoints/{endpoint['id']}/resumption",
        headers=bank(**{"If-Match": resumed.headers["ETag"]}),
    )
    assert again.status_code == 409
    assert again.json()["code"] == "webhook_endpoint_not_paused"
    assert delivery_job(credit_app).run_once(now=utcnow()) == 3
    assert len(receiver.received) == 3
    assert {d["status"] for d in deliveries(credit_client, bank())} == {"delivered"}


# Where webhooks may go --------------------------------------------------------------------------


@pytest.fixture
def production_rules(credit_settings: CreditSettings) -> Iterator[tuple[FastAPI, TestClient]]:
    """The credit app applying production's URL rules (the test database stays SQLite/PG)."""
    app = create_app(credit_settings.model_copy(update={"webhook_allow_private": False}))
    names = {
        "hooks.jsb.example": [PUBLIC_IP],
        "rebind.jsb.example": [PUBLIC_IP],
        "inside.jsb.example": ["127.0.0.1"],
        "mixed.jsb.example": [PUBLIC_IP, "10.1.2.3"],
        "localhost": ["127.0.0.1", "::1"],
    }

    def resolver(host: str, port: int) -> list[str]:
        if host not in names:
            raise OSError("Name or service not known")
        return names[host]

    app.state.webhook_resolver = resolver
    app.state.names = names
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://10.0.0.1/hook", "webhook_url_private_address"),
        ("https://192.168.1.20/hook", "webhook_url_private_address"),
        ("https://localhost/hook", "webhook_url_private_address"),
        ("https://inside.jsb.example/hook", "webhook_url_private_address"),
        ("https://mixed.jsb.example/hook", "webhook_url_private_address"),
        ("https://169.254.169.254/latest/meta-data", "webhook_url_private_address"),
        ("https://[::1]/hook", "webhook_url_private_address"),
        ("https://[::ffff:127.0.0.1]/hook", "webhook_url_private_address"),
        ("https://[fe80::1]/hook", "webhook_url_private_address"),
        ("https://0.0.0.0/hook", "webhook_url_private_address"),
        ("http://hooks.jsb.example/hook", "webhook_url_not_https"),
        ("https://nowhere.jsb.example/hook", "webhook_url_unresolvable"),
        ("ftp://hooks.jsb.example/hook", "webhook_url_invalid"),
        ("https://user:pw@hooks.jsb.example/hook", "webhook_url_invalid"),
        ("/hook", "webhook_url_invalid"),
    ],
)
def test_production_refuses_http_and_private_webhook_urls(
    production_rules: tuple[FastAPI, TestClient], bank: Any, url: str, code: str
) -> None:
    _, client = production_rules
    answer = client.post(
        "/v1/monitoring/endpoints", json={"url": url}, headers=bank(**{"Idempotency-Key": "k"})
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == code
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("body.url", code)]
    assert client.get("/v1/monitoring/endpoints", headers=bank()).json()["items"] == []


def test_production_accepts_a_public_https_url_and_checks_it_again_on_change(
    production_rules: tuple[FastAPI, TestClient], bank: Any
) -> None:
    _, client = production_rules
    endpoint = create_endpoint(client, bank(), "https://hooks.jsb.example/credit")
    etag = f'"{endpoint["id"]}.1"'
    moved = client.patch(
        f"/v1/monitoring/endpoints/{endpoint['id']}",
        json={"url": "https://10.0.0.1/hook"},
        headers=bank(**{"If-Match": etag}),
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "body.url"
    read = client.get(f"/v1/monitoring/endpoints/{endpoint['id']}", headers=bank())
    assert read.json()["url"] == "https://hooks.jsb.example/credit"
    assert read.headers["ETag"] == etag


def test_delivery_connects_to_the_checked_address_and_refuses_a_rebound_name(
    production_rules: tuple[FastAPI, TestClient], bank: Any, grant: Grant
) -> None:
    app, client = production_rules
    grant()
    endpoint = create_endpoint(client, bank(), "https://rebind.jsb.example:8443/credit?x=1")
    subscribe(client, bank(), endpoint["id"])
    rating_changed(app)
    t0 = utcnow()
    FanOutJob(database=app.state.database).run_once(now=t0)
    sender = Failing()
    job = production_delivery(app, sender)
    assert job.run_once(now=t0) == 1
    [sent] = sender.sent
    assert str(sent.destination.request_url()) == f"https://{PUBLIC_IP}:8443/credit?x=1"
    assert sent.destination.headers() == {"Host": "rebind.jsb.example:8443"}
    assert sent.destination.extensions() == {"sni_hostname": "rebind.jsb.example"}

    # The name now points inside (DNS rebinding): nothing is sent, the attempt says why.
    app.state.names["rebind.jsb.example"] = ["127.0.0.1"]
    assert job.run_once(now=t0 + timedelta(seconds=5)) == 1
    assert len(sender.sent) == 1
    [logged] = deliveries(client, bank())
    assert logged["status"] == "pending"
    assert logged["last_status_code"] is None
    assert logged["last_error"].startswith("refused: ")
    assert "127.0.0.1" in logged["last_error"]


def test_production_settings_never_allow_private_webhooks() -> None:
    production: dict[str, Any] = {
        "environment": "production",
        "database_url": "postgresql://credit@db/credit",
        "internal_jwks": '{"keys": []}',
    }
    assert CreditSettings(**production).webhooks_allow_private is False
    assert CreditSettings(environment="test").webhooks_allow_private is True
    assert CreditSettings(environment="development").webhooks_allow_private is True
    assert (
        CreditSettings(environment="test", webhook_allow_private=False).webhooks_allow_private
        is False
    )
    with pytest.raises(InsecureConfiguration, match="CREDIT_WEBHOOK_ALLOW_PRIVATE"):
        CreditSettings(**production, webhook_allow_private=True)


# Who sees what ----------------------------------------------------------------------------------


def test_another_bank_sees_nothing_and_subscribes_only_with_consent(
    credit_app: FastAPI,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    bank: Any,
    grant: Grant,
    receiver: Receiver,
) -> None:
    grant(bank="JSB")
    mine = create_endpoint(credit_client, bank(), receiver.url)
    subscription = subscribe(credit_client, bank(), mine["id"])
    rating_changed(credit_app)
    FanOutJob(database=credit_app.state.database).run_once()
    [delivery] = deliveries(credit_client, bank())

    other = bank("ICBC")
    for path in (
        f"/v1/monitoring/endpoints/{mine['id']}",
        f"/v1/monitoring/subscriptions/{subscription['id']}",
        f"/v1/monitoring/deliveries/{delivery['id']}",
    ):
        answer = credit_client.get(path, headers=other)
        assert answer.status_code == 404, path
        assert answer.json()["code"].endswith("_not_found")
    for path in ("endpoints", "subscriptions", "deliveries"):
        assert credit_client.get(f"/v1/monitoring/{path}", headers=other).json()["items"] == []
    answer = credit_client.get(
        "/v1/monitoring/deliveries", params={"endpoint": mine["id"]}, headers=other
    )
    assert answer.status_code == 404
    assert answer.json()["code"] == "webhook_endpoint_not_found"
    cancel = credit_client.delete(
        f"/v1/monitoring/subscriptions/{subscription['id']}", headers=other
    )
    assert cancel.status_code == 404 and cancel.json()["code"] == "subscription_not_found"

    # Its own endpoint, but no consent (only JSB has one; then one for another purpose).
    theirs = create_endpoint(credit_client, other, receiver.url, key="icbc-1")
    refused = credit_client.post(
        "/v1/monitoring/subscriptions",
        json={"uscc": USCC, "endpoint_id": theirs["id"]},
        headers=other,
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "monitoring_consent_required"
    grant(bank="ICBC", purpose="pre_loan_review")
    refused = credit_client.post(
        "/v1/monitoring/subscriptions",
        json={"uscc": USCC, "endpoint_id": theirs["id"]},
        headers=other,
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "monitoring_consent_required"
    # Nor through another bank's endpoint.
    borrowed = credit_client.post(
        "/v1/monitoring/subscriptions",
        json={"uscc": USCC, "endpoint_id": mine["id"]},
        headers=other,
    )
    assert borrowed.status_code == 404
    assert borrowed.json()["code"] == "webhook_endpoint_not_found"

    # Only banks holding credit:reports.
    department = credit_client.get("/v1/monitoring/endpoints", headers=credit_headers())
    assert department.status_code == 403
    assert department.json()["code"] == "forbidden_client_kind"
    unscoped = credit_client.get(
        "/v1/monitoring/endpoints",
        headers=credit_headers(kind="bank", org="JSB", scopes=("credit:read",)),
    )
    assert unscoped.status_code == 403
    assert unscoped.json()["code"] == "insufficient_scope"


def test_a_second_live_subscription_of_the_same_pair_is_a_conflict_and_cancel_ends_it(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant, receiver: Receiver
) -> None:
    grant()
    endpoint = create_endpoint(credit_client, bank(), receiver.url)
    subscription = subscribe(credit_client, bank(), endpoint["id"], event_types=["record.added"])
    assert subscription["event_types"] == ["record.added"]
    twice = credit_client.post(
        "/v1/monitoring/subscriptions",
        json={"uscc": USCC, "endpoint_id": endpoint["id"]},
        headers=bank(),
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "subscription_exists"

    rating_changed(credit_app)  # not a type it asked for
    emit_event(
        credit_app, "record.added", {"uscc": USCC, "record_id": "rec_1", "type": "tax_arrears"}
    )
    FanOutJob(database=credit_app.state.database).run_once()
    [pending] = deliveries(credit_client, bank())
    assert pending["event_type"] == "record.added"
    assert pending["payload"]["data"]["previous"] is None
    assert pending["payload"]["data"]["current"] == {"record_id": "rec_1", "type": "tax_arrears"}

    cancelled = credit_client.delete(
        f"/v1/monitoring/subscriptions/{subscription['id']}", headers=bank()
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    [ended] = deliveries(credit_client, bank())
    assert ended["status"] == "failed"
    assert ended["last_error"] == "Subscription cancelled."
    assert delivery_job(credit_app).run_once(now=utcnow()) == 0
    assert receiver.received == []
    again = credit_client.delete(
        f"/v1/monitoring/subscriptions/{subscription['id']}", headers=bank()
    )
    assert again.status_code == 409
    assert again.json()["code"] == "subscription_cancelled"
    emit_event(credit_app, "record.added", {"uscc": USCC, "record_id": "rec_2"})
    FanOutJob(database=credit_app.state.database).run_once()
    assert len(deliveries(credit_client, bank())) == 1
    # A new subscription of the pair is allowed once the old one is cancelled.
    subscribe(credit_client, bank(), endpoint["id"])
    listed = credit_client.get(
        "/v1/monitoring/subscriptions", params={"status": "active"}, headers=bank()
    ).json()["items"]
    assert len(listed) == 1


def test_a_revoked_or_expired_consent_stops_the_fan_out(
    credit_app: FastAPI,
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    bank: Any,
    grant: Grant,
    receiver: Receiver,
) -> None:
    consent = grant()
    endpoint = create_endpoint(credit_client, bank(), receiver.url)
    subscribe(credit_client, bank(), endpoint["id"])
    fan_out = FanOutJob(database=credit_app.state.database)

    rating_changed(credit_app)
    assert fan_out.run_once(now=utcnow() + timedelta(days=400)) > 0  # long expired by then
    assert deliveries(credit_client, bank()) == []

    rating_changed(credit_app)
    assert fan_out.run_once() > 0
    assert len(deliveries(credit_client, bank())) == 1

    revoked = credit_client.post(
        f"/v1/consents/{consent}/revocation", headers=credit_headers(kind="enterprise", org=USCC)
    )
    assert revoked.status_code == 200, revoked.text
    rating_changed(credit_app)
    assert fan_out.run_once() > 0
    assert len(deliveries(credit_client, bank())) == 1


# Idempotency and secrets ------------------------------------------------------------------------


def test_registering_an_endpoint_needs_an_idempotency_key_and_replays_the_first_answer(
    credit_client: TestClient, bank: Any
) -> None:
    missing = credit_client.post(
        "/v1/monitoring/endpoints", json={"url": "https://hooks.jsb.example/"}, headers=bank()
    )
    assert missing.status_code == 400
    assert missing.json()["code"] == "idempotency_key_required"
    first = create_endpoint(credit_client, bank(), "https://hooks.jsb.example/", key="same")
    replay = credit_client.post(
        "/v1/monitoring/endpoints",
        json={"url": "https://hooks.jsb.example/", "description": "贷后监控"},
        headers=bank(**{"Idempotency-Key": "same"}),
    )
    assert replay.status_code == 201
    assert replay.json() == first
    assert len(credit_client.get("/v1/monitoring/endpoints", headers=bank()).json()["items"]) == 1


def test_a_rotated_secret_signs_with_both_keys_for_a_day(
    credit_app: FastAPI, credit_client: TestClient, bank: Any, grant: Grant, receiver: Receiver
) -> None:
    grant()
    endpoint = create_endpoint(credit_client, bank(), receiver.url)
    subscribe(credit_client, bank(), endpoint["id"])
    rotated = credit_client.post(
        f"/v1/monitoring/endpoints/{endpoint['id']}/secret-rotation",
        headers=bank(**{"If-Match": f'"{endpoint["id"]}.1"'}),
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != endpoint["secret"]
    assert rotated.headers["ETag"] == f'"{endpoint["id"]}.2"'
    rating_changed(credit_app)
    FanOutJob(database=credit_app.state.database).run_once()
    delivery_job(credit_app).run_once(now=utcnow())
    [(headers, body)] = receiver.received
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(body, headers)
    Webhook(endpoint["secret"]).verify(body, headers)


# Replicas ---------------------------------------------------------------------------------------


def test_two_replicas_fan_out_and_deliver_each_event_exactly_once(
    credit_app: FastAPI,
    credit_client: TestClient,
    credit_settings: CreditSettings,
    bank: Any,
    grant: Grant,
    receiver: Receiver,
) -> None:
    grant()
    endpoint = create_endpoint(credit_client, bank(), receiver.url)
    subscribe(credit_client, bank(), endpoint["id"])
    events = [rating_changed(credit_app) for _ in range(40)]
    replicas = [
        Database(credit_settings.resolved_database_url, schema=credit_settings.resolved_schema)
        for _ in range(2)
    ]
    barrier = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def replica(database: Database) -> None:
        try:
            fan_out = FanOutJob(database=database, batch_size=7)
            deliver = DeliveryJob(database=database, allow_private=True, batch_size=3)
            barrier.wait()
            while fan_out.run_once() or fan_out.position() < last:
                pass
            barrier.wait()
            while deliver.run_once(now=utcnow()):
                pass
            deliver.close()
        except BaseException as exc:
            errors.append(exc)

    with credit_app.state.database.session() as session:
        last = max(
            int(seq)
            for seq in session.exec(
                select(col(OutboxEvent.seq)).where(col(OutboxEvent.id).in_(events))
            ).all()
        )
    threads = [threading.Thread(target=replica, args=(database,)) for database in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for database in replicas:
        database.dispose()
    assert errors == []

    with credit_app.state.database.session() as session:
        written = session.exec(select(WebhookDelivery)).all()
        cursor = session.get(ConsumerCursor, CURSOR)
    assert sorted(d.event_id for d in written) == sorted(events)
    assert cursor is not None and cursor.position == last
    ids = [headers["webhook-id"] for headers, _ in receiver.received]
    assert sorted(ids) == sorted(d.id for d in written)  # each sent once
    assert {d.status for d in written} == {"delivered"}


def test_the_app_runs_both_jobs_when_enabled(
    credit_settings: CreditSettings, bank: Any, grant: Grant, receiver: Receiver
) -> None:
    grant()
    app = create_app(credit_settings.model_copy(update={"webhook_jobs": True}))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert [type(job) for job in app.state.monitoring_jobs] == [FanOutJob, DeliveryJob]
        endpoint = create_endpoint(client, bank(), receiver.url)
        subscribe(client, bank(), endpoint["id"])
        rating_changed(app)
        assert receiver.arrived.wait(timeout=20)
    [(headers, body)] = receiver.received
    assert Webhook(endpoint["secret"]).verify(body, headers)["type"] == "rating.changed"
