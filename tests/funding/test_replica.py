"""The funding replica through feeds: kernel FeedConsumers over httpx.MockTransport feeds
(registry and credit payloads as those services emit them), idempotent and version-ordered;
and the app starts its three consumers only with its own service client."""

import asyncio
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.common.errors import DomainError
from services.funding.app import create_app, feed_consumers
from services.funding.enterprises.errors import UnknownEnterprise
from services.funding.enterprises.service import (
    credit_handlers,
    get_enterprise,
    on_dishonesty_list,
    registry_handlers,
)
from services.funding.settings import FundingSettings
from tests.funding.feeds import consume

USCC = "91140105MA0KDE119Q"
FILED = {
    "uscc": USCC, "version": 1, "name": "太原矩阵科技有限公司", "district": "xiaodian",
    "industry": "I65", "industry_section": "I", "industry_division": "65",
    "founded_on": "2024-05-20", "registered_capital_fen": 5_000_000, "employees": 12,
    "revenue_fen": 15_000_000, "assets_fen": 9_000_000, "size_class": "small",
    "is_tech_sme": False, "founder_graduated_on": "2023-07-01", "status": "active",
    "filed_at": "2026-01-05T02:00:00+00:00", "legal_rep_id_hash": "c" * 64,
}  # fmt: skip


def test_registry_feed_builds_the_replica_in_version_order(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    events = [
        ("enterprise.filed", FILED),
        ("enterprise.updated", {"uscc": USCC, "version": 3, "changed": ["employees", "name"],
                                "values": {"employees": 40, "name": "太原矩阵科技股份有限公司"}}),
        # A late copy of an older version changes nothing.
        ("enterprise.updated", {"uscc": USCC, "version": 2, "changed": ["district"],
                                "values": {"district": "yingze"}}),
        ("indicators.reported", {"uscc": USCC}),  # not kept by funding
    ]  # fmt: skip
    assert consume(funding_app, "funding.registry", registry_handlers(), events) == 3
    with funding_app.state.database.session(write=False) as session:
        row = get_enterprise(session=session, uscc=USCC)
        assert (row.version, row.name, row.employees, row.district) == (
            3,
            "太原矩阵科技股份有限公司",
            40,
            "xiaodian",
        )
        assert (row.size_class, row.status, row.industry) == ("small", "active", "I65")
        assert row.founded_on == date(2024, 5, 20)
        assert row.founder_graduated_on == date(2023, 7, 1)
        assert row.registered_capital_fen == 5_000_000
    # Redelivered from the start under the same consumer: nothing applied twice.
    assert consume(funding_app, "funding.registry", registry_handlers(), events) == 0
    deregistered = [("enterprise.deregistered", {"uscc": USCC, "version": 4, "reason": "closed"})]
    consume(funding_app, "funding.registry2", registry_handlers(), deregistered)
    with funding_app.state.database.session(write=False) as session:
        row = get_enterprise(session=session, uscc=USCC)
        assert (row.status, row.version, row.employees) == ("deregistered", 4, 40)


def test_an_update_before_the_filing_is_ignored_and_the_filing_then_applies(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    early = {"uscc": USCC, "version": 2, "changed": ["employees"], "values": {"employees": 99}}
    consume(funding_app, "funding.registry", registry_handlers(), [("enterprise.updated", early)])
    with (
        funding_app.state.database.session(write=False) as session,
        pytest.raises(UnknownEnterprise, match=f"No enterprise {USCC} has filed"),
    ):
        get_enterprise(session=session, uscc=USCC)
    consume(funding_app, "funding.registry.b", registry_handlers(), [("enterprise.filed", FILED)])
    with funding_app.state.database.session(write=False) as session:
        assert get_enterprise(session=session, uscc=USCC).employees == 12


def test_credit_feed_keeps_the_dishonesty_list(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    common = {"uscc": USCC, "source": "market_regulation"}
    # The listing arrives before the filing: kept per record, the filing then reads it.
    first = [
        ("dishonesty.listed", {**common, "record_id": "crr_1", "enterprise_listed": True,
                               "listed_on": "2026-03-01", "ended_on": "2026-09-01"}),
    ]  # fmt: skip
    assert consume(funding_app, "funding.credit", credit_handlers(), first) == 1
    consume(funding_app, "funding.registry", registry_handlers(), [("enterprise.filed", FILED)])
    events = [
        *first,
        ("dishonesty.listed", {**common, "record_id": "crr_2", "enterprise_listed": True,
                               "listed_on": "2026-04-01", "ended_on": None}),
        ("dishonesty.cleared", {**common, "record_id": "crr_2", "enterprise_listed": True,
                                "removed_on": "2026-05-01", "cause": "repaired"}),
    ]  # fmt: skip
    assert consume(funding_app, "funding.credit", credit_handlers(), events) == 2
    with funding_app.state.database.session(write=False) as session:
        assert not on_dishonesty_list(session=session, uscc=USCC, on=date(2026, 2, 28))
        assert on_dishonesty_list(session=session, uscc=USCC, on=date(2026, 4, 15))
        assert on_dishonesty_list(session=session, uscc=USCC, on=date(2026, 8, 31))
        # The listing's end comes without an event: off the list that day.
        assert not on_dishonesty_list(session=session, uscc=USCC, on=date(2026, 9, 1))
        assert get_enterprise(session=session, uscc=USCC).on_dishonesty_list
        # An enterprise the credit feed never named is not listed.
        assert not on_dishonesty_list(session=session, uscc="91140100MA0K000017")


def test_unknown_enterprise_is_422_naming_the_field(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    with (
        funding_app.state.database.session(write=False) as session,
        pytest.raises(DomainError) as raised,
    ):
        get_enterprise(session=session, uscc="91140100MA0K000099", field="body.payee_uscc")
    assert (raised.value.status, raised.value.code) == (422, "unknown_enterprise")
    assert raised.value.errors[0].field == "body.payee_uscc"


def test_the_app_reads_the_three_feeds_only_with_its_service_client(
    funding_settings: FundingSettings,
) -> None:
    # No client configured (a test app, or a deployment missing its secret): no consumer.
    bare = create_app(funding_settings)
    try:
        assert feed_consumers(funding_settings)(bare) == []
    finally:
        bare.state.database.dispose()
    configured = funding_settings.model_copy(
        update={
            "service_client_id": "cli_funding",
            "service_client_secret": SecretStr("s3cret"),
            "gateway_url": "http://gateway.test",
        }
    )
    app = create_app(configured)
    try:
        consumers = feed_consumers(configured)(app)
        assert [(c.name, c.feed_url) for c in consumers] == [
            ("funding.registry", "http://gateway.test/registry/v1/events"),
            ("funding.credit", "http://gateway.test/credit/v1/events"),
            ("funding.vouchers", "http://gateway.test/vouchers/v1/events"),
        ]
        assert set(consumers[2].handlers) == {"settlement.requested"}
        for consumer in consumers:
            asyncio.run(consumer.aclose())
    finally:
        app.state.database.dispose()
