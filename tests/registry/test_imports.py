"""Bulk import through HTTP: a job at once, work in the background, every rejected row reported."""

import json
import time
from typing import Any

from fastapi.testclient import TestClient

from tests.registry.conftest import RegistryHeaders
from tests.registry.factories import filing, make_uscc, register_row, to_csv, to_jsonl

CSV = {"Content-Type": "text/csv"}
JSONL = {"Content-Type": "application/x-ndjson"}


def wait_for(
    client: TestClient, headers: dict[str, str], location: str, timeout: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location, headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def start(client: TestClient, headers: dict[str, str], content: bytes, kind: dict[str, str]) -> str:
    response = client.post("/v1/imports", content=content, headers={**headers, **kind})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] in ("queued", "running", "succeeded")
    assert response.headers["location"] == f"/v1/imports/{job['id']}"
    return response.headers["location"]


def all_events(client: TestClient, headers: RegistryHeaders) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = 0
    reader = headers(scopes=["events:read"])
    while True:
        page = client.get(
            "/v1/events", params={"after": after, "limit": 1000}, headers=reader
        ).json()
        found += page["items"]
        if not page["items"]:
            return found
        after = page["next_after"]


def inject(rows: list[dict[str, Any]]) -> dict[int, tuple[str, str]]:
    """Break some rows; returns {row number: (field, code)} of what each must be rejected for."""
    expected: dict[int, tuple[str, str]] = {}

    def bad(index: int, field: str, code: str, **changes: Any) -> None:
        rows[index].update(changes)
        expected[index + 1] = (field, code)

    for index in range(7, len(rows), 997):
        uscc = rows[index]["uscc"]
        bad(index, "uscc", "invalid_uscc", uscc=uscc[:17] + ("0" if uscc[17] != "0" else "1"))
    for index in range(11, len(rows), 1499):
        bad(index, "district", "unknown_district", district="atlantis")
    for index in range(13, len(rows), 1999):
        bad(
            index,
            "size_class",
            "not_small_or_micro",
            industry="65",
            employees=500,
            revenue_fen=10**12,
        )
    for index in range(17, len(rows), 2503):
        bad(index, "founded_on", "invalid_date", founded_on="2014-02-30")
    for index in range(19, len(rows), 3001):
        bad(index, "name", "missing", name="")
    for index in range(23, len(rows), 3307):
        bad(index, "employees", "invalid_integer", employees="-5")
    for index in range(29, len(rows), 4001):
        bad(
            index,
            "legal_rep_id_number",
            "invalid_id_number",
            legal_rep_id_number="140105198001010000",
        )
    for index in range(31, len(rows), 4999):
        bad(index, "industry", "unknown_industry", industry="99")
    for index in range(37, len(rows), 2999):
        bad(index, "uscc", "duplicate_in_file", uscc=rows[index - 1]["uscc"])
    return expected


def test_ten_thousand_rows_with_bad_ones_then_a_reimport(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers(client_id="cli_dept_stats")
    rows = [register_row(n) for n in range(10_000)]
    expected = inject(rows)
    good = len(rows) - len(expected)
    # one enterprise filed before through the API: counted as existing, not filed twice
    prefiled = next(n for n in range(10_000) if n + 1 not in expected)
    assert (
        registry_client.post("/v1/enterprises", json=filing(prefiled), headers=dept).status_code
        == 201
    )
    content = to_csv(rows)

    job = wait_for(registry_client, dept, start(registry_client, dept, content, CSV))
    assert job["status"] == "succeeded", job
    assert job["total_rows"] == job["processed_rows"] == 10_000
    assert job["progress_percent"] == 100
    assert job["filed_rows"] == good - 1
    assert job["existing_rows"] == 1
    assert job["rejected_rows"] == len(expected)
    reported = {(r["row"], r["field"], r["code"]) for r in job["rejections"]}
    assert {(row, *reason) for row, reason in expected.items()} <= reported
    assert {r["row"] for r in job["rejections"]} == set(expected)
    assert all(r["message"] for r in job["rejections"])

    counts = registry_client.get("/v1/enterprises/counts", headers=dept).json()
    assert counts["total"] == good
    filed = [
        e for e in all_events(registry_client, registry_headers) if e["type"] == "enterprise.filed"
    ]
    assert len(filed) == good
    assert len({e["payload"]["uscc"] for e in filed}) == good

    some = rows[0]["uscc"]
    got = registry_client.get(f"/v1/enterprises/{some}", headers=dept).json()
    assert got["legal_representative"]["id_number_masked"].startswith("1401**********")
    history = registry_client.get(f"/v1/enterprises/{some}/history", headers=dept).json()["items"]
    assert history[0]["action"] == "filed" and history[0]["actor"] == "cli_dept_stats"

    again = wait_for(registry_client, dept, start(registry_client, dept, content, CSV))
    assert again["status"] == "succeeded"
    assert again["filed_rows"] == 0
    assert again["existing_rows"] == good
    assert again["rejected_rows"] == len(expected)
    assert registry_client.get("/v1/enterprises/counts", headers=dept).json()["total"] == good
    assert (
        len(
            [
                e
                for e in all_events(registry_client, registry_headers)
                if e["type"] == "enterprise.filed"
            ]
        )
        == good
    )


def test_json_lines_import(registry_client: TestClient, registry_headers: RegistryHeaders) -> None:
    dept = registry_headers()
    rows = [register_row(n) for n in range(5)]
    rows[3]["unexpected"] = 1
    content = to_jsonl(rows).replace(b"\n", b"\nnot json\n", 1)  # row 2 is not JSON
    job = wait_for(registry_client, dept, start(registry_client, dept, content, JSONL))
    assert job["status"] == "succeeded"
    assert job["total_rows"] == 6 and job["filed_rows"] == 4 and job["rejected_rows"] == 2
    assert [(r["row"], r["field"], r["code"]) for r in job["rejections"]] == [
        (2, "row", "invalid_json"),
        (5, "unexpected", "unknown_field"),
    ]
    assert registry_client.get(f"/v1/enterprises/{make_uscc(4)}", headers=dept).status_code == 200


def test_malformed_csv_rows_are_rejected_not_fatal(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    content = to_csv([register_row(0), register_row(1)]) + b"only,three,fields\n"
    job = wait_for(registry_client, dept, start(registry_client, dept, content, CSV))
    assert job["filed_rows"] == 2
    assert [(r["row"], r["code"]) for r in job["rejections"]] == [(3, "malformed_row")]


def test_upload_refusals(registry_client: TestClient, registry_headers: RegistryHeaders) -> None:
    dept = registry_headers()
    one = to_csv([register_row(0)])

    def post(content: bytes, headers: dict[str, str]) -> Any:
        return registry_client.post("/v1/imports", content=content, headers=headers)

    assert post(one, {**dept, "Content-Type": "application/pdf"}).status_code == 415
    assert post(b"uscc,name\n1,2\n", {**dept, **CSV}).json()["code"] == "invalid_header"
    assert post(one.split(b"\n")[0] + b"\n", {**dept, **CSV}).json()["code"] == "empty_import"
    too_many = b"\n".join([b'{"uscc": "x"}'] * 100_001)
    response = post(too_many, {**dept, **JSONL})
    assert response.status_code == 422 and response.json()["code"] == "too_many_rows"
    assert post(b"\xff\xfe", {**dept, **CSV}).json()["code"] == "invalid_encoding"

    assert post(one, CSV).status_code == 401
    # imports are reported figures: registry:write (filing one enterprise) is not enough
    no_report = registry_headers(scopes=["registry:read", "registry:write"])
    assert post(one, {**no_report, **CSV}).json()["code"] == "insufficient_scope"
    portal = registry_headers(kind="portal", org=make_uscc(0))
    assert post(one, {**portal, **CSV}).json()["code"] == "forbidden_client_kind"


def test_jobs_are_visible_to_their_creator_and_idempotent(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    mine = registry_headers(client_id="cli_dept_a")
    content = to_csv([register_row(0)])
    keyed = {**mine, **CSV, "Idempotency-Key": "import-1"}
    first = registry_client.post("/v1/imports", content=content, headers=keyed)
    replay = registry_client.post("/v1/imports", content=content, headers=keyed)
    assert first.status_code == replay.status_code == 202
    assert replay.json()["id"] == first.json()["id"]
    location = first.headers["location"]
    assert wait_for(registry_client, mine, location)["filed_rows"] == 1

    other = registry_headers(client_id="cli_dept_b")
    assert registry_client.get(location, headers=other).status_code == 404
    assert registry_client.get(location, headers=registry_headers(kind="admin")).status_code == 200
    missing = registry_client.get("/v1/imports/imp_nope", headers=mine)
    assert missing.status_code == 404 and missing.json()["code"] == "import_not_found"
    assert registry_client.get(location).status_code == 401


def test_a_job_whose_process_died_shows_as_interrupted(
    registry_app, registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    from datetime import timedelta

    from services.common.clock import utcnow
    from services.registry.imports.models import ImportJob

    dept = registry_headers(client_id="cli_importer")
    now = utcnow()
    with registry_app.state.database.session() as session:
        for job_id, beat in (("imp_dead", now - timedelta(minutes=10)), ("imp_alive", now)):
            session.add(
                ImportJob(
                    id=job_id, format="csv", status="running", total_rows=10, processed_rows=5,
                    sha256="0" * 64, created_by="cli_importer", started_at=beat, heartbeat_at=beat,
                )
            )  # fmt: skip
        session.commit()
    dead = registry_client.get("/v1/imports/imp_dead", headers=dept).json()
    assert dead["status"] == "interrupted"
    assert "Upload the same file again" in dead["error"]
    alive = registry_client.get("/v1/imports/imp_alive", headers=dept).json()
    assert alive["status"] == "running" and alive["error"] is None


# --- regressions: rows that used to fail reads, the job or the upload -----------------------------


def _rejections(job: dict[str, Any]) -> list[tuple[int, str, str]]:
    return [(r["row"], r["field"], r["code"]) for r in job["rejections"]]


def test_imported_email_follows_the_apis_rule_and_reads_never_fail_on_stored_data(
    registry_app: Any, registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    import sqlalchemy as sa

    dept = registry_headers()
    candidates = (
        "office@example.cn",
        "a@b",
        "not an email",
        "a@b@c",
        "no-at-sign",
        "名字@例子.中国",
        "a\u3000b@c",
        "a\u00a0b@c",
        "a\x1cb@c",
    )
    rows = [register_row(n) for n in range(len(candidates))]
    for row, email in zip(rows, candidates, strict=True):
        row["contact_email"] = email
    job = wait_for(registry_client, dept, start(registry_client, dept, to_jsonl(rows), JSONL))
    assert job["status"] == "succeeded", job
    imported = {rows[r - 1]["contact_email"] for r, _f, _c in _rejections(job)}
    assert {code for _r, _f, code in _rejections(job)} == {"invalid_email"}
    assert {field for _r, field, _c in _rejections(job)} == {"contact_email"}
    # The API takes exactly the addresses the import takes.
    by_api = set()
    for n, email in enumerate(candidates):
        body = filing(1000 + n, contact={"email": email})
        response = registry_client.post("/v1/enterprises", json=body, headers=dept)
        assert response.status_code in (201, 422), response.text
        if response.status_code == 422:
            assert response.json()["errors"][0]["field"] == "body.contact.email"
            by_api.add(email)
    assert imported == by_api == {"not an email", "a@b@c", "no-at-sign", *candidates[6:]}

    # Data stored under older, looser rules is shown as stored, never a 500.
    legacy = rows[0]["uscc"]
    with registry_app.state.database.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE enterprises SET contact_email = 'not an email' WHERE uscc = :u"),
            {"u": legacy},
        )
    got = registry_client.get(f"/v1/enterprises/{legacy}", headers=dept)
    assert got.status_code == 200, got.text
    assert got.json()["contact"]["email"] == "not an email"
    page = registry_client.get("/v1/enterprises", params={"limit": 100}, headers=dept)
    assert page.status_code == 200, page.text
    assert legacy in {e["uscc"] for e in page.json()["items"]}


def test_amounts_beyond_their_bounds_are_rejected_rows(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    rows = [register_row(n) for n in range(7)]
    rows[0]["employees"] = 20_000_000  # over 10,000,000
    rows[1]["employees"] = 3_000_000_000  # beyond PostgreSQL's integer column
    rows[2]["revenue_fen"] = 10**16 + 1
    rows[3]["registered_capital_fen"] = 99_999_999_999_999_999_999
    rows[4]["assets_fen"] = "9" * 5000  # int() refuses this many digits
    rows[5]["revenue_fen"] = 10**16  # the bound itself is accepted
    job = wait_for(registry_client, dept, start(registry_client, dept, to_csv(rows), CSV))
    assert job["status"] == "succeeded", job
    assert _rejections(job) == [
        (1, "employees", "out_of_range"),
        (2, "employees", "out_of_range"),
        (3, "revenue_fen", "out_of_range"),
        (4, "registered_capital_fen", "out_of_range"),
        (5, "assets_fen", "out_of_range"),
    ]
    assert job["filed_rows"] == 2

    as_json = [register_row(n) for n in range(10, 12)]
    as_json[0]["revenue_fen"] = 2**64
    job = wait_for(registry_client, dept, start(registry_client, dept, to_jsonl(as_json), JSONL))
    assert job["status"] == "succeeded", job
    assert _rejections(job) == [(1, "revenue_fen", "out_of_range")]


def test_non_ascii_digits_are_rejected_not_fatal(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    rows = [register_row(n) for n in range(5)]
    rows[0]["employees"] = "3²"  # str.isdigit() is True, int() refuses it
    rows[1]["revenue_fen"] = "４２００００"  # full-width digits: int() would take them
    rows[2]["legal_rep_id_number"] = "140105198001010²1X"  # 18 characters
    rows[3]["registered_capital_fen"] = " ٣ "  # Arabic-Indic three
    job = wait_for(registry_client, dept, start(registry_client, dept, to_csv(rows), CSV))
    assert job["status"] == "succeeded", job
    assert _rejections(job) == [
        (1, "employees", "invalid_integer"),
        (2, "revenue_fen", "invalid_integer"),
        (3, "legal_rep_id_number", "invalid_id_number"),
        (4, "registered_capital_fen", "invalid_integer"),
    ]
    assert job["filed_rows"] == 1


def test_a_row_whose_validation_raises_is_rejected_and_the_rest_filed(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    rows = [register_row(n) for n in range(3)]
    # Nested past the JSON parser's recursion limit: RecursionError, not a JSON error.
    content = to_jsonl(rows[:1]) + b"[" * 100_000 + b"\n" + to_jsonl(rows[1:])
    job = wait_for(registry_client, dept, start(registry_client, dept, content, JSONL))
    assert job["status"] == "succeeded", job
    assert _rejections(job) == [(2, "row", "invalid_row")]
    assert job["filed_rows"] == 3


def test_nul_characters_are_rejected_per_field(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    rows = [register_row(n) for n in range(4)]
    rows[0]["name"] = "太原\x00公司"
    rows[1]["contact_phone"] = "0351\x00"
    csv_job = wait_for(registry_client, dept, start(registry_client, dept, to_csv(rows), CSV))
    assert csv_job["status"] == "succeeded", csv_job
    assert _rejections(csv_job) == [
        (1, "name", "nul_character"),
        (2, "contact_phone", "nul_character"),
    ]

    more = [register_row(n) for n in range(10, 14)]
    more[0]["legal_rep_name"] = "\x00"
    more[1]["contact_email"] = "a\x00@b"
    more[2]["bad\x00key" + "x" * 100] = 1  # unknown, NUL and longer than the field column
    job = wait_for(registry_client, dept, start(registry_client, dept, to_jsonl(more), JSONL))
    assert job["status"] == "succeeded", job
    found = _rejections(job)
    assert found[:2] == [
        (1, "legal_rep_name", "nul_character"),
        (2, "contact_email", "nul_character"),
    ]
    assert found[2][0] == 3 and found[2][2] == "unknown_field"
    assert "\x00" not in found[2][1]
    assert job["filed_rows"] == 1


def test_a_csv_field_over_the_readers_limit_is_a_422(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    rows = [register_row(n) for n in range(3)]
    rows[1]["name"] = "x" * 200_000
    response = registry_client.post("/v1/imports", content=to_csv(rows), headers={**dept, **CSV})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "malformed_csv"
    assert "line 3" in problem["detail"]


def test_json_lines_split_on_line_feeds_only_and_rows_are_numbered_by_line(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    rows = [register_row(n) for n in range(4)]
    rows[0]["name"] = "太原\u2028晋阳\u0085软件\x1c有限公司"  # line separators inside a string
    rows[3]["district"] = "atlantis"
    lines = [json.dumps(row, ensure_ascii=False) for row in rows]
    # CRLF endings, blank lines (counted, skipped) and the separators inside JSON strings.
    content = (
        "\r\n".join([lines[0], "", lines[1], "  ", lines[2], "", lines[3]]) + "\r\n"
    ).encode()
    job = wait_for(registry_client, dept, start(registry_client, dept, content, JSONL))
    assert job["status"] == "succeeded", job
    assert job["total_rows"] == 4
    assert _rejections(job) == [(7, "district", "unknown_district")]
    got = registry_client.get(f"/v1/enterprises/{rows[0]['uscc']}", headers=dept)
    assert got.json()["name"] == rows[0]["name"]


def test_generator_friendly_uploads(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    """A form's `file` field and a binary body with `?format=` work like the raw upload."""
    dept = registry_headers()
    rows = [register_row(i) for i in range(40, 43)]
    by_type = registry_client.post(
        "/v1/imports",
        files={"file": ("register.bin", to_csv(rows[:1]), "text/csv")},
        headers=dept,
    )
    assert by_type.status_code == 202, by_type.text
    by_name = registry_client.post(
        "/v1/imports",
        files={"file": ("register.jsonl", to_jsonl(rows[1:2]), "application/octet-stream")},
        headers=dept,
    )
    assert by_name.status_code == 202, by_name.text
    binary = registry_client.post(
        "/v1/imports",
        params={"format": "csv"},
        content=to_csv(rows[2:]),
        headers={**dept, "Content-Type": "application/octet-stream"},
    )
    assert binary.status_code == 202, binary.text
    for response in (by_type, by_name, binary):
        job = wait_for(registry_client, dept, response.headers["location"])
        assert job["filed_rows"] == 1 and job["rejections"] == [], job
    for row in rows:
        assert (
            registry_client.get(f"/v1/enterprises/{row['uscc']}", headers=dept).status_code == 200
        )


def test_generator_friendly_upload_refusals(
    registry_client: TestClient, registry_headers: RegistryHeaders
) -> None:
    dept = registry_headers()
    one = to_csv([register_row(50)])
    untold = registry_client.post(
        "/v1/imports", content=one, headers={**dept, "Content-Type": "application/octet-stream"}
    )
    assert untold.status_code == 415 and untold.json()["code"] == "unsupported_media_type"
    unknown = registry_client.post(
        "/v1/imports",
        params={"format": "xlsx"},
        content=one,
        headers={**dept, "Content-Type": "application/octet-stream"},
    )
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["query.format"]
    urlencoded = registry_client.post("/v1/imports", data={"file": "x"}, headers=dept)
    assert (
        urlencoded.status_code == 415 and urlencoded.json()["code"] == "unsupported_media_type"
    ), urlencoded.text
    misnamed = registry_client.post(
        "/v1/imports", files={"upload": ("r.csv", one, "text/csv")}, headers=dept
    )
    assert misnamed.status_code == 422, misnamed.text
    assert misnamed.json()["errors"][0]["field"] == "body.file"
    nameless = registry_client.post(
        "/v1/imports", files={"file": ("register", one, "application/octet-stream")}, headers=dept
    )
    assert nameless.status_code == 415
    assert nameless.json()["code"] == "unsupported_media_type"
    assert (
        registry_client.get(f"/v1/enterprises/{register_row(50)['uscc']}", headers=dept).status_code
        == 404
    )


def test_a_job_that_stops_on_an_internal_error_is_failed_and_keeps_what_it_filed(
    registry_client: TestClient, registry_headers: RegistryHeaders, monkeypatch: Any
) -> None:
    from services.registry.imports import run

    # The second batch's write fails (say, the database went away mid-import).
    real_write = run.write.write_batch
    writes: list[int] = []

    def failing_write(**kwargs: Any) -> None:
        writes.append(len(writes))
        if len(writes) == 2:
            raise RuntimeError("connection lost")
        real_write(**kwargs)

    monkeypatch.setattr(run, "BATCH_SIZE", 2)
    monkeypatch.setattr(run.write, "write_batch", failing_write)
    dept = registry_headers(client_id="cli_importer")
    rows = [register_row(n) for n in range(5)]
    job = wait_for(registry_client, dept, start(registry_client, dept, to_csv(rows), CSV))
    assert job["status"] == "failed", job
    assert job["error"] == (
        "The import stopped on an internal error; rows filed before it stay filed."
    )
    assert job["finished_at"] is not None and "connection lost" not in json.dumps(job)
    assert len(writes) == 2  # it stopped at the failure, not after the last batch
    # The first batch stays filed; nothing of the failed one or after it is.
    filed = [
        uscc
        for uscc in (row["uscc"] for row in rows)
        if registry_client.get(f"/v1/enterprises/{uscc}", headers=dept).status_code == 200
    ]
    assert filed == [rows[0]["uscc"], rows[1]["uscc"]]
    # A failed job is final: reading it again gives the same answer.
    assert registry_client.get(f"/v1/imports/{job['id']}", headers=dept).json() == job
