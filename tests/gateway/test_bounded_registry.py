"""The real registry behind the gateway: bounded bodies, no redirects, quiet hang-ups, small rules."""

import socket
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from services.common.clock import utcnow
from services.registry import app as registry_app
from services.registry.imports.models import ImportJob
from services.registry.settings import RegistrySettings
from tests.conftest import DatabaseTarget
from tests.gateway.conftest import RunningGateway, StartGateway
from tests.registry.factories import filing, make_uscc
from tests.servers import serve
from tests.support import migrated_settings

MIB = 1 << 20


@pytest.fixture
def registry_settings(database_target: DatabaseTarget, jwks_json: str) -> RegistrySettings:
    # Imports capped at 2 MiB here (64 MiB by default) so a test can pass the cap quickly.
    return migrated_settings(
        RegistrySettings,
        target=database_target,
        jwks_json=jwks_json,
        migrations=registry_app.MIGRATIONS,
        body_limits={"/v1/imports": 2 * MIB},
    )


@pytest.fixture
def stack(start_gateway: StartGateway, registry_url: str) -> RunningGateway:
    # The gateway lets big bodies through so that the service's own limit is what is shown.
    return start_gateway(registry_url=registry_url, max_body_bytes=16 * MIB, body_limits={})


def _chunks(total: int, size: int = 256 * 1024):  # type: ignore[no-untyped-def]
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_an_anonymous_chunked_body_is_refused_by_the_service_as_it_streams(
    stack: RunningGateway, registry_url: str
) -> None:
    for base in (stack.url, registry_url):  # through the gateway and at the service itself
        answer = httpx.post(
            f"{base}{'/registry' if base == stack.url else ''}/v1/public/complaints/lookup",
            content=_chunks(8 * MIB),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 413, answer.text
        assert answer.json()["code"] == "payload_too_large"


def test_a_chunked_import_over_its_limit_is_413(stack: RunningGateway) -> None:
    dept = {"X-API-Key": stack.key_for("department"), "Content-Type": "text/csv"}
    answer = stack.http.post("/registry/v1/imports", content=_chunks(3 * MIB), headers=dept)
    assert answer.status_code == 413, answer.text
    assert answer.json()["code"] == "payload_too_large"


def test_a_trailing_slash_is_a_404_problem_not_a_redirect(stack: RunningGateway) -> None:
    key = {"X-API-Key": stack.key_for("department")}
    for path in ("/registry/v1/enterprises/", "/registry/v1/imports/"):
        answer = stack.http.get(path, headers=key)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", (
            path,
            answer.status_code,
            answer.headers,
        )
        assert "location" not in answer.headers
        assert answer.headers["content-type"] == "application/problem+json"


def test_a_caller_hanging_up_is_a_499_at_info_in_the_service(
    stack: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    key = stack.key_for("department")
    target = urlsplit(stack.url)
    with socket.create_connection((target.hostname, target.port)) as sock:
        sock.sendall(
            b"POST /registry/v1/imports HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            b"X-API-Key: " + key.encode() + b"\r\nContent-Length: 500000\r\n\r\n" + b"x" * 70_000
        )
        time.sleep(0.3)
    deadline = time.monotonic() + 5
    while sum("hung up" in r.getMessage() for r in caplog.records) < 2:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    hung_up = [r for r in caplog.records if "hung up" in r.getMessage()]
    assert hung_up and {r.levelname for r in hung_up} == {"INFO"}
    assert any(r.name.startswith("services") for r in hung_up), [r.name for r in hung_up]
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


def test_a_nul_in_any_json_media_type_is_refused(stack: RunningGateway) -> None:
    key = {"X-API-Key": stack.key_for("department")}
    body = filing(1)
    body["name"] = "Bad\u0000Name"
    for media in ("application/vnd.api+json", "application/merge-patch+json"):
        answer = stack.http.post(
            "/registry/v1/enterprises",
            content=httpx.Request("POST", "/", json=body).content,
            headers={**key, "Content-Type": media},
        )
        assert answer.status_code == 422, (media, answer.text)
        assert answer.json()["code"] == "nul_character"
    assert (
        stack.http.get(f"/registry/v1/enterprises/{make_uscc(1)}", headers=key).status_code == 404
    )


def test_date_query_parameters_refuse_integers(stack: RunningGateway) -> None:
    key = {"X-API-Key": stack.key_for("department")}
    for value in ("1", "20150101", "1420070400"):
        answer = stack.http.get(f"/registry/v1/enterprises?founded_from={value}", headers=key)
        assert answer.status_code == 422, (value, answer.text)
        assert answer.json()["errors"][0]["field"] == "query.founded_from"
    assert stack.http.get(
        "/registry/v1/enterprises?founded_from=2015-01-01", headers=key
    ).is_success
    # the calendar's one date path parameter: an integer is refused, naming the day
    admin = {"X-API-Key": stack.key_for("admin")}
    for value in ("20151001", "1443657600"):
        day = stack.http.put(
            f"/registry/v1/calendar/days/{value}",
            json={"working": False, "name": "国庆节"},
            headers=admin,
        )
        assert day.status_code == 422, (value, day.text)
        assert [e["field"] for e in day.json()["errors"]] == ["path.day"], day.text


def test_orphaned_imports_are_interrupted_at_start_up(registry_settings: RegistrySettings) -> None:
    app: Any = registry_app.create_app(registry_settings)
    just_now = utcnow() - timedelta(seconds=1)
    with app.state.database.session() as session:
        for job_id, status in (("imp_orphan_run", "running"), ("imp_orphan_queue", "queued")):
            session.add(
                ImportJob(
                    id=job_id, format="csv", status=status, total_rows=10, processed_rows=5,
                    sha256="0" * 64, created_by="cli_x", started_at=just_now, heartbeat_at=just_now,
                )
            )  # fmt: skip
        session.commit()
    # A restart: the lifespan runs before the first request is served.
    with serve(app), app.state.database.session() as session:
        for job_id in ("imp_orphan_run", "imp_orphan_queue"):
            job = session.get(ImportJob, job_id)
            assert job is not None and job.status == "interrupted", job
            assert job.finished_at is not None
