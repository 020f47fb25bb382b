"""Every error path answers RFC 9457 problem+json with a request id."""

import logging

import pytest
from fastapi.testclient import TestClient


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"]
    assert body["instance"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def test_unknown_path_is_a_404_problem(client: TestClient, reader: dict) -> None:
    body = assert_problem(client.get("/v1/nothing-here", headers=reader), 404, "not_found")
    assert body["instance"] == "/v1/nothing-here"


def test_wrong_method_is_a_405_problem(client: TestClient, writer: dict) -> None:
    assert_problem(client.delete("/v1/widgets", headers=writer), 405, "method_not_allowed")


def test_validation_error_names_field_and_rule(client: TestClient, writer: dict) -> None:
    response = client.post(
        "/v1/widgets", json={"name": ""}, headers={**writer, "Idempotency-Key": "k1"}
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == [
        {"field": "body.name", "code": "string_too_short", "message": body["errors"][0]["message"]}
    ]
    assert "body.name" in body["detail"]


def test_malformed_json_is_a_422_problem(client: TestClient, writer: dict) -> None:
    response = client.post(
        "/v1/widgets",
        content=b"{not json",
        headers={**writer, "Idempotency-Key": "k2", "content-type": "application/json"},
    )
    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"][0]["code"] == "json_invalid"


def test_bad_query_parameter_is_named(client: TestClient, reader: dict) -> None:
    body = assert_problem(
        client.get("/v1/widgets?limit=0", headers=reader), 422, "validation_failed"
    )
    assert body["errors"][0]["field"] == "query.limit"


def test_domain_error_keeps_its_status_and_code(client: TestClient, writer: dict) -> None:
    response = client.post(
        "/v1/widgets", json={"name": "taken"}, headers={**writer, "Idempotency-Key": "k3"}
    )
    body = assert_problem(response, 409, "name_taken")
    assert body["detail"] == "That name is taken."


def test_unexpected_error_is_a_500_problem_leaking_nothing(
    client: TestClient, writer: dict, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="services.errors"):
        response = client.post(
            "/v1/widgets", json={"name": "boom"}, headers={**writer, "Idempotency-Key": "k4"}
        )
    body = assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    logged = [r for r in caplog.records if r.name == "services.errors"]
    assert logged and logged[0].exc_info is not None
    assert "hunter2" in str(logged[0].exc_info[1])
    assert body["request_id"]


def test_callers_request_id_is_kept(client: TestClient, reader: dict) -> None:
    response = client.get("/v1/nothing", headers={**reader, "X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json()["request_id"] == "abc-123"


def test_nul_characters_are_refused_naming_the_field(client: TestClient, writer: dict) -> None:
    body = assert_problem(
        client.get("/v1/widgets?limit=5&cursor=a%00b", headers=writer), 422, "nul_character"
    )
    assert body["errors"][0]["field"] == "query.cursor"
    response = client.post(
        "/v1/widgets",
        content=b'{"name": "a\\u0000b"}',
        headers={**writer, "Idempotency-Key": "nul", "content-type": "application/json"},
    )
    body = assert_problem(response, 422, "nul_character")
    assert body["errors"][0]["field"] == "body.name"
    assert client.get("/v1/widgets", headers=writer).json()["items"] == []
    # A literal backslash-u text is fine; only a real NUL is refused.
    ok = client.post(
        "/v1/widgets",
        content=b'{"name": "a\\\\u0000b"}',
        headers={**writer, "Idempotency-Key": "literal", "content-type": "application/json"},
    )
    assert ok.status_code == 201 and ok.json()["name"] == "a\\u0000b"


def test_a_value_the_database_refuses_is_a_422_not_a_500() -> None:
    from fastapi import FastAPI
    from sqlalchemy.exc import DataError

    from services.common.errors import install_problem_handlers

    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/store")
    def store() -> None:
        raise DataError("INSERT …", {}, Exception("integer out of range"))

    @app.post("/store-sqlite")
    def store_sqlite() -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    with TestClient(app) as client:
        for path in ("/store", "/store-sqlite"):
            response = client.post(path)
            assert response.status_code == 422
            assert response.json()["code"] == "value_not_storable"
            assert "INSERT" not in response.text and "SQLite" not in response.text
