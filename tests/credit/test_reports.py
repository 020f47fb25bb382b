"""Credit reports through HTTP: only under consent, every attempt logged and shown to the subject."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.clock import utcnow
from services.common.dates import shanghai_date
from services.common.db import Database
from services.credit.consents import service as consents_service
from services.credit.queries.models import CreditQuery
from services.credit.ratings.models import CreditRating
from services.credit.records.models import CreditRecord
from services.credit.reports import service as reports_service
from tests.credit.conftest import ALL_SCOPES, CreditHeaders, SeedEnterprise

USCC = "91140100MA0K000017"
OTHER = "91140100MA0K000025"
LOWER = "91140100MA0K000009"  # sorts before USCC, as OTHER sorts after it
PORTAL = "cli_portal_jin"
BANK_CLIENT = "cli_jsb_loans"
PURPOSES = ["pre_loan_review", "post_loan_management", "guarantee_review"]


def today() -> date:
    return shanghai_date(utcnow())


SeedRecord = Callable[..., CreditRecord]


@pytest.fixture
def seed_record(credit_app: FastAPI) -> SeedRecord:
    """Put a credit record in the table, as the records domain would file it (set-up only)."""
    database: Database = credit_app.state.database
    count = iter(range(1000))

    def make(uscc: str = USCC, **fields: Any) -> CreditRecord:
        n = next(count)
        now = datetime(2026, 1, 1, tzinfo=UTC)
        values: dict[str, Any] = {
            "id": f"rec_{n:04d}",
            "uscc": uscc,
            "type": "tax_arrears",
            "polarity": "negative",
            "source": "tax_bureau",
            "source_kind": "department",
            "reference": f"ref-{n}",
            "occurred_on": date(2025, 1, 1) + timedelta(days=n),
            "title": f"record {n}",
            "filed_by": "cli_tax",
            "filed_at": now,
            "updated_at": now,
            **fields,
        }
        with database.transaction() as session:
            row = CreditRecord(**values)
            session.add(row)
            session.flush()
            session.expunge(row)
        return row

    return make


@pytest.fixture
def enterprise(seed_enterprise: SeedEnterprise) -> str:
    seed_enterprise(USCC, name="太原晋阳软件有限公司", employees=35, is_tech_sme=True)
    return USCC


def grant(
    client: TestClient, headers: dict[str, str], *, bank: str = "JSB", **body: Any
) -> dict[str, Any]:
    payload = {"bank": bank, "purpose": "pre_loan_review", **body}
    response = client.post("/v1/consents", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def read(
    client: TestClient,
    headers: dict[str, str],
    purpose: str = "pre_loan_review",
    uscc: str = USCC,
    request_id: str | None = None,
) -> Any:
    extra = {"X-Request-ID": request_id} if request_id else {}
    return client.get(
        f"/v1/enterprises/{uscc}/report", params={"purpose": purpose}, headers=headers | extra
    )


def log_of(client: TestClient, headers: dict[str, str], uscc: str = USCC) -> list[dict[str, Any]]:
    response = client.get(f"/v1/enterprises/{uscc}/queries", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def bank_log(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/v1/queries", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_with_consent_the_bank_reads_the_report_and_the_read_is_logged(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    seed_enterprise: SeedEnterprise,
    seed_record: SeedRecord,
) -> None:
    seed_enterprise(OTHER)
    negative = seed_record(disputed=True, title="增值税欠缴")
    loan = seed_record(
        type="loan_repayment", polarity="loan", source="JSB", source_kind="bank",
        loan_status="on_time", title="流动资金贷款",
    )  # fmt: skip
    seed_record(status="withdrawn", title="withdrawn by its source")
    seed_record(status="repaired", title="repaired", repaired_on=date(2026, 2, 1))
    seed_record(uscc=OTHER, title="another enterprise's")
    consent = grant(credit_client, credit_headers(kind="enterprise"))
    bank = credit_headers(kind="bank", client_id=BANK_CLIENT)

    response = read(credit_client, bank, request_id="req-report-1")

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["id"].startswith("qry_")
    assert report["uscc"] == USCC and report["bank"] == "JSB"
    assert report["purpose"] == "pre_loan_review" and report["consent_id"] == consent["id"]
    assert report["enterprise"] == {
        "uscc": USCC,
        "name": "太原晋阳软件有限公司",
        "district": "xiaodian",
        "industry": "6510",
        "founded_on": "2019-03-01",
        "size_class": "small",
        "is_tech_sme": True,
        "employees": 35,
        "status": "active",
    }
    # only the counting records, newest first; the disputed one marked
    assert report["records"] == [
        {
            "id": loan.id, "type": "loan_repayment", "polarity": "loan", "source": "JSB",
            "occurred_on": loan.occurred_on.isoformat(), "ended_on": None,
            "title": "流动资金贷款", "loan_status": "on_time", "disputed": False, "statements": [],
        },
        {
            "id": negative.id, "type": "tax_arrears", "polarity": "negative",
            "source": "tax_bureau", "occurred_on": negative.occurred_on.isoformat(),
            "ended_on": None, "title": "增值税欠缴", "loan_status": None, "disputed": True,
            "statements": [],
        },
    ]  # fmt: skip
    assert report["lists"] == {"serious_dishonesty": False, "abnormal_operation": False}
    # Not rated, never certified.
    assert report["rating"] is None
    assert report["certification"] == {"certified": False, "year": None, "revoked_at": None}
    # the first read: no past query
    assert report["queries"]["total"] == 0
    assert [c["count"] for c in report["queries"]["by_purpose"]] == [0, 0, 0]

    # the enterprise sees who read, when, for what, under which consent, with the request id
    entries = log_of(credit_client, credit_headers(kind="enterprise"))
    assert len(entries) == 1
    entry = entries[0]
    assert entry["id"] == report["id"]
    assert {k: v for k, v in entry.items() if k != "at"} == {
        "id": report["id"],
        "uscc": USCC,
        "bank": "JSB",
        "client_id": BANK_CLIENT,
        "purpose": "pre_loan_review",
        "consent_id": consent["id"],
        "outcome": "granted",
        "refusal_code": None,
        "request_id": "req-report-1",
    }
    assert entry["at"] == report["generated_at"]
    # its portal too (on its behalf)
    portal = credit_headers(kind="portal", client_id=PORTAL, actor=PORTAL)
    assert log_of(credit_client, portal) == entries
    # the bank sees its own entry; another bank sees nothing of it
    assert bank_log(credit_client, bank) == entries
    assert bank_log(credit_client, credit_headers(kind="bank", org="ABC")) == []
    # and the second read counts the first as a past query, naming no bank
    again = read(credit_client, bank).json()
    assert again["queries"]["total"] == 1
    assert again["queries"]["by_purpose"][0] == {"purpose": "pre_loan_review", "count": 1}
    assert "JSB" not in str(again["queries"])
    assert again["queries"]["since"] == today().replace(year=today().year - 1).isoformat()


def _refusal_setups() -> dict[str, Callable[..., tuple[dict[str, Any], str]]]:
    """Each way of holding no active consent: (bank headers args, purpose asked)."""

    def none(**_: Any) -> tuple[dict[str, Any], str]:
        return {}, "pre_loan_review"

    def other_purpose(client: TestClient, headers: CreditHeaders, **_: Any) -> Any:
        grant(client, headers(kind="enterprise"), purpose="guarantee_review")
        return {}, "pre_loan_review"

    def other_bank(client: TestClient, headers: CreditHeaders, **_: Any) -> Any:
        grant(client, headers(kind="enterprise"), bank="ABC")
        return {}, "pre_loan_review"

    def revoked(client: TestClient, headers: CreditHeaders, **_: Any) -> Any:
        consent = grant(client, headers(kind="enterprise"))
        answer = client.post(
            f"/v1/consents/{consent['id']}/revocation", headers=headers(kind="enterprise")
        )
        assert answer.status_code == 200, answer.text
        return {}, "pre_loan_review"

    def expired(client: TestClient, headers: CreditHeaders, monkeypatch: pytest.MonkeyPatch) -> Any:
        grant(client, headers(kind="enterprise"), expires_on=today().isoformat())
        # the day after its last day (Asia/Shanghai)
        later = utcnow() + timedelta(days=1, hours=1)
        monkeypatch.setattr(reports_service, "utcnow", lambda: later)
        return {}, "pre_loan_review"

    return {
        "no_consent": none,
        "other_purpose": other_purpose,
        "other_bank": other_bank,
        "revoked": revoked,
        "expired": expired,
    }


REFUSALS = _refusal_setups()
REASONS = {
    "no_consent": "No consent of enterprise",
    "other_purpose": "do not cover the purpose",
    "other_bank": "No consent of enterprise",
    "revoked": "was revoked",
    "expired": "expired after",
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_without_an_active_consent_the_read_is_refused_logged_and_empty(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    seed_record: SeedRecord,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    seed_record(title="欠税记录")
    _, purpose = REFUSALS[case](
        client=credit_client, headers=credit_headers, monkeypatch=monkeypatch
    )
    bank = credit_headers(kind="bank", client_id=BANK_CLIENT)

    response = read(credit_client, bank, purpose, request_id=f"req-{case}")

    assert response.status_code == 403, response.text
    problem = response.json()
    assert problem["code"] == "consent_required"
    assert REASONS[case] in problem["detail"]
    assert set(problem) == {
        "type", "title", "status", "detail", "instance", "code", "errors", "request_id",
    }  # fmt: skip
    assert "欠税记录" not in response.text and "太原晋阳" not in response.text
    # the refusal survived the request's rollback: the enterprise sees it in its log
    entries = log_of(credit_client, credit_headers(kind="enterprise"))
    assert [
        (e["bank"], e["client_id"], e["purpose"], e["outcome"], e["refusal_code"],
         e["consent_id"], e["request_id"])
        for e in entries
    ] == [
        ("JSB", BANK_CLIENT, purpose, "refused", "consent_required", None, f"req-{case}")
    ]  # fmt: skip
    assert bank_log(credit_client, bank) == entries
    assert bank_log(credit_client, credit_headers(kind="bank", org="ABC")) == []


def test_an_unknown_enterprise_is_refused_alike_and_logged(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    bank = credit_headers(kind="bank")
    response = read(credit_client, bank, uscc=OTHER)
    assert response.status_code == 403 and response.json()["code"] == "consent_required"
    assert [(e["uscc"], e["outcome"]) for e in bank_log(credit_client, bank)] == [
        (OTHER, "refused")
    ]


def test_a_refused_read_then_a_consent_then_a_granted_read(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    bank = credit_headers(kind="bank")
    assert read(credit_client, bank).status_code == 403
    consent = grant(credit_client, credit_headers(kind="enterprise"))
    report = read(credit_client, bank)
    assert report.status_code == 200, report.text
    # refused attempts are not past queries of the report
    assert report.json()["queries"]["total"] == 0
    entries = log_of(credit_client, credit_headers(kind="enterprise"))
    assert [(e["outcome"], e["consent_id"]) for e in entries] == [
        ("refused", None),
        ("granted", consent["id"]),
    ]
    refused = credit_client.get(
        f"/v1/enterprises/{USCC}/queries",
        params={"outcome": "refused"},
        headers=credit_headers(kind="enterprise"),
    ).json()["items"]
    assert [e["id"] for e in refused] == [entries[0]["id"]]


@pytest.mark.parametrize("kind", ["admin", "department", "enterprise", "portal", "provider"])
def test_only_banks_read_reports_not_even_an_admin_with_every_scope(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str, kind: str
) -> None:
    grant(credit_client, credit_headers(kind="enterprise"))
    headers = credit_headers(kind=kind, org="JSB", scopes=ALL_SCOPES)
    response = read(credit_client, headers)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden_client_kind"
    assert "太原晋阳" not in response.text


def test_a_bank_without_the_reports_scope_is_refused(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    grant(credit_client, credit_headers(kind="enterprise"))
    response = read(credit_client, credit_headers(kind="bank", scopes=["credit:read"]))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_the_query_log_is_the_enterprises_own(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    seed_enterprise: SeedEnterprise,
) -> None:
    seed_enterprise(OTHER)
    assert read(credit_client, credit_headers(kind="bank")).status_code == 403
    other = credit_client.get(
        f"/v1/enterprises/{USCC}/queries", headers=credit_headers(kind="enterprise", org=OTHER)
    )
    assert other.status_code == 403 and other.json()["code"] == "not_your_enterprise"
    assert log_of(credit_client, credit_headers(kind="enterprise", org=OTHER), OTHER) == []
    for kind in ("bank", "admin", "department"):
        response = credit_client.get(
            f"/v1/enterprises/{USCC}/queries", headers=credit_headers(kind=kind)
        )
        assert response.status_code == 403, (kind, response.text)
        assert response.json()["code"] == "forbidden_client_kind"
    enterprise_on_bank_log = credit_client.get(
        "/v1/queries", headers=credit_headers(kind="enterprise")
    )
    assert (
        enterprise_on_bank_log.status_code == 403
        and enterprise_on_bank_log.json()["code"] == "forbidden_client_kind"
    )


def test_past_queries_count_twelve_months_by_purpose(
    credit_app: FastAPI, credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    now = utcnow()

    def past(days: int, purpose: str, outcome: str = "granted", bank: str = "ABC") -> None:
        with credit_app.state.database.transaction() as session:
            session.add(
                CreditQuery(
                    id=f"qry_past_{days}_{purpose}_{outcome}", uscc=USCC, bank=bank,
                    client_id="cli_abc", purpose=purpose, outcome=outcome,
                    at=now - timedelta(days=days),
                )
            )  # fmt: skip

    past(10, "guarantee_review")
    past(20, "guarantee_review", bank="ICBC")
    past(30, "post_loan_management")
    past(40, "pre_loan_review", outcome="refused")
    past(400, "pre_loan_review")  # more than twelve months ago
    grant(credit_client, credit_headers(kind="enterprise"))
    report = read(credit_client, credit_headers(kind="bank")).json()
    assert report["queries"]["total"] == 3
    assert report["queries"]["by_purpose"] == [
        {"purpose": "pre_loan_review", "count": 0},
        {"purpose": "post_loan_management", "count": 1},
        {"purpose": "guarantee_review", "count": 2},
    ]
    assert "ABC" not in str(report["queries"]) and "ICBC" not in str(report["queries"])


def test_list_status_comes_from_the_counting_records(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    seed_record: SeedRecord,
) -> None:
    seed_record(type="serious_dishonesty", title="严重失信")
    seed_record(
        type="abnormal_operation",
        status="repaired",
        repaired_on=date(2025, 6, 1),
        title="经营异常 (repaired)",
    )
    grant(credit_client, credit_headers(kind="enterprise"), purpose="guarantee_review")
    report = read(credit_client, credit_headers(kind="bank"), "guarantee_review").json()
    assert report["lists"] == {"serious_dishonesty": True, "abnormal_operation": False}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"purpose": "marketing"}, "query.purpose"), ({}, "query.purpose")],
)
def test_the_purpose_is_required_and_checked(
    credit_client: TestClient, credit_headers: CreditHeaders, params: dict[str, str], field: str
) -> None:
    response = credit_client.get(
        f"/v1/enterprises/{USCC}/report", params=params, headers=credit_headers(kind="bank")
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_too_long_code_is_422_not_a_log_row(
    credit_client: TestClient, credit_headers: CreditHeaders
) -> None:
    bank = credit_headers(kind="bank")
    response = read(credit_client, bank, uscc="9" * 19)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.uscc"
    assert bank_log(credit_client, bank) == []


def test_the_public_grade_needs_no_key_and_is_404_until_rated(
    credit_client: TestClient, enterprise: str
) -> None:
    response = credit_client.get(f"/v1/public/enterprises/{USCC}/grade")
    assert response.status_code == 404
    assert response.json()["code"] == "rating_not_found"


def test_the_report_shows_the_rating_certification_dispute_and_statement_of_its_domains(
    credit_client: TestClient, credit_headers: CreditHeaders, seed_enterprise: SeedEnterprise
) -> None:
    """Everything through the API: a department files a record, the batch run rates, the
    enterprise disputes the record and states its case; the bank's report shows all of it."""
    now = today()
    seed_enterprise(USCC, founded_on=now.replace(year=now.year - 8, day=1))  # 8 full years
    filed = credit_client.post(
        "/v1/records",
        json={"records": [{
            "type": "tax_arrears", "uscc": USCC, "reference": "tax-2026-7",
            "occurred_on": (now - timedelta(days=30)).isoformat(), "title": "增值税欠缴",
            "evidence_url": "https://tax.example.cn/2026-7",
        }]},
        headers={**credit_headers(kind="department", org="tax_bureau"), "Idempotency-Key": "r-1"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    [record_id] = [item["record"]["id"] for item in filed.json()["items"]]
    run = credit_client.post(
        "/v1/ratings/runs",
        json={},
        headers={**credit_headers(kind="admin", org=None), "Idempotency-Key": "rate-1"},
    )
    assert run.status_code == 202, run.text
    rating = credit_client.get(
        f"/v1/enterprises/{USCC}/rating", headers=credit_headers(kind="department")
    ).json()
    enterprise = credit_headers(kind="enterprise")
    objection = credit_client.post(
        "/v1/objections",
        json={"record_id": record_id, "reason": "已补缴", "evidence_urls": []},
        headers=enterprise,
    )
    assert objection.status_code == 201, objection.text
    statement = credit_client.post(
        f"/v1/records/{record_id}/statements",
        json={"text": "已于上月补缴，见完税证明。"},
        headers=enterprise,
    )
    assert statement.status_code == 201, statement.text
    grant(credit_client, enterprise)

    report = read(credit_client, credit_headers(kind="bank")).json()

    [record] = report["records"]
    assert (record["id"], record["disputed"]) == (record_id, True)
    assert record["statements"] == [
        {
            "id": statement.json()["id"],
            "text": "已于上月补缴，见完税证明。",
            "filed_at": statement.json()["filed_at"],
        }
    ]
    # Scorecard v1: 600 base, +50 for years in operation (10 a year, at most 5), -60 for one
    # negative record, -20 for no indicators filed in the last three years: 570, B.
    # Reasons: the costliest first, then the largest gains.
    assert report["rating"] == {
        "id": rating["id"],
        "score": 570,
        "grade": "B",
        "reasons": [
            {"code": "R02_NEGATIVE_RECORDS", "factor": "negative_records", "points": -60,
             "record_ids": [record_id]},
            {"code": "R06_INDICATOR_FILING", "factor": "regular_filing", "points": -20,
             "record_ids": []},
            {"code": "R04_YEARS_IN_OPERATION", "factor": "years_in_operation", "points": 50,
             "record_ids": []},
        ],
        "rule_set_id": rating["rule_set"]["id"],
        "rule_set_version": 1,
        "valid_from": rating["valid_from"],
    }  # fmt: skip
    assert report["certification"] == {"certified": False, "year": None, "revoked_at": None}
    grade = credit_client.get(f"/v1/public/enterprises/{USCC}/grade")
    assert grade.status_code == 200
    assert grade.json() == {"uscc": USCC, "grade": "B", "valid_from": rating["valid_from"]}


def test_each_counting_record_carries_its_own_statements_in_filing_order(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    seed_record: SeedRecord,
) -> None:
    older = seed_record(title="older")
    repaired = seed_record(status="repaired", title="repaired", repaired_on=date(2026, 2, 1))
    newer = seed_record(title="newer")
    headers = credit_headers(kind="enterprise")

    def state(record_id: str, text: str) -> dict[str, Any]:
        answer = credit_client.post(
            f"/v1/records/{record_id}/statements", json={"text": text}, headers=headers
        )
        assert answer.status_code == 201, answer.text
        shown: dict[str, Any] = answer.json()
        return {"id": shown["id"], "text": text, "filed_at": shown["filed_at"]}

    first = state(newer.id, "已补缴。")
    on_older = state(older.id, "系统故障所致。")
    state(repaired.id, "已修复。")  # its record no longer counts: shown nowhere
    second = state(newer.id, "附完税证明。")
    grant(credit_client, headers)

    report = read(credit_client, credit_headers(kind="bank")).json()

    assert [(r["id"], r["statements"]) for r in report["records"]] == [
        (newer.id, [first, second]),
        (older.id, [on_older]),
    ]


SeedRating = Callable[..., str]


@pytest.fixture
def seed_rating(credit_app: FastAPI) -> SeedRating:
    """Put a rating in the history, as the ratings domain would compute it (set-up only)."""
    database: Database = credit_app.state.database
    count = iter(range(1000))

    def make(uscc: str, valid_from: datetime, score: int, grade: str) -> str:
        n = next(count)
        rating_id = f"rtg_{n:04d}"
        reason = {"code": f"R0{n}", "factor": "negative_records", "points": -n, "record_ids": []}
        with database.transaction() as session:
            session.add(
                CreditRating(
                    id=rating_id, uscc=uscc, score=score, grade=grade, factors=[],
                    reasons=[reason], inputs={}, rule_set_id="rls_credit_scorecard_v1",
                    rule_set_version=1, scored_on=valid_from.date(), computed_at=valid_from,
                    valid_from=valid_from, fingerprint=f"{n:064d}", trigger="test",
                )
            )  # fmt: skip
        return rating_id

    return make


def test_the_rating_shown_is_the_enterprises_own_that_stood_at_the_moment_read(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    seed_enterprise: SeedEnterprise,
    seed_rating: SeedRating,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its ratings before, exactly at and a microsecond after the read; the neighbours (codes
    sorting before and after it) rated since, so that a wider query would find theirs first."""
    seed_enterprise(LOWER)
    seed_enterprise(OTHER)
    grant(credit_client, credit_headers(kind="enterprise"))
    moment = utcnow() + timedelta(minutes=1)
    earlier = seed_rating(USCC, moment - timedelta(days=30), 600, "B")
    at_moment = seed_rating(USCC, moment, 640, "BB")
    seed_rating(USCC, moment + timedelta(microseconds=1), 680, "BBB")
    seed_rating(LOWER, moment - timedelta(days=1), 700, "A")
    seed_rating(OTHER, moment - timedelta(days=1), 710, "A")
    bank = credit_headers(kind="bank")

    def rating_read_at(at: datetime) -> tuple[str, int, str, str, list[Any]]:
        monkeypatch.setattr(reports_service, "utcnow", lambda: at)
        response = read(credit_client, bank)
        assert response.status_code == 200, response.text
        rating = response.json()["rating"]
        assert datetime.fromisoformat(rating["valid_from"]) <= at
        return (
            rating["id"],
            rating["score"],
            rating["grade"],
            rating["rule_set_id"],
            [r["code"] for r in rating["reasons"]],
        )

    assert rating_read_at(moment - timedelta(microseconds=1)) == (
        earlier, 600, "B", "rls_credit_scorecard_v1", ["R00"],
    )  # fmt: skip
    assert rating_read_at(moment) == (at_moment, 640, "BB", "rls_credit_scorecard_v1", ["R01"])


def test_the_records_shown_are_the_enterprises_own_that_occurred_by_today(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    seed_enterprise: SeedEnterprise,
    seed_record: SeedRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Records on the day of the read (two: the later code first) and the day after it; the
    neighbours' records (codes sorting before and after it) on the public lists."""
    grant(credit_client, credit_headers(kind="enterprise"))
    moment = utcnow()
    monkeypatch.setattr(reports_service, "utcnow", lambda: moment)
    on_the_day = shanghai_date(moment)
    seed_enterprise(LOWER)
    seed_enterprise(OTHER)
    seed_record(uscc=LOWER, type="serious_dishonesty", occurred_on=on_the_day - timedelta(days=9))
    seed_record(uscc=OTHER, type="abnormal_operation", occurred_on=on_the_day - timedelta(days=9))
    yesterday = seed_record(occurred_on=on_the_day - timedelta(days=1), title="yesterday")
    first = seed_record(occurred_on=on_the_day, title="today, filed first")
    second = seed_record(occurred_on=on_the_day, title="today, filed second")
    seed_record(occurred_on=on_the_day + timedelta(days=1), title="tomorrow")
    seed_record(
        type="serious_dishonesty", occurred_on=on_the_day + timedelta(days=1), title="tomorrow"
    )

    report = read(credit_client, credit_headers(kind="bank")).json()

    assert [(r["id"], r["title"]) for r in report["records"]] == [
        (second.id, "today, filed second"),
        (first.id, "today, filed first"),
        (yesterday.id, "yesterday"),
    ]
    assert report["lists"] == {"serious_dishonesty": False, "abnormal_operation": False}


def test_a_refusal_is_told_from_the_banks_own_consents_of_that_enterprise_only(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    seed_enterprise: SeedEnterprise,
) -> None:
    """The bank's consents from the neighbouring enterprises (codes sorting before and after
    it), the enterprise's consents to the neighbouring banks: none is the bank's from it."""
    for uscc in (LOWER, OTHER):
        seed_enterprise(uscc)
        grant(credit_client, credit_headers(kind="enterprise", org=uscc))
    for other_bank in ("ABC", "ZYB"):  # one sorting before JSB, one after
        grant(credit_client, credit_headers(kind="enterprise"), bank=other_bank)
    response = read(credit_client, credit_headers(kind="bank"))
    assert response.status_code == 403 and response.json()["code"] == "consent_required", (
        response.text
    )
    assert response.json()["detail"] == (
        f"No consent of enterprise {USCC} lets you read its report for pre_loan_review."
    )


@pytest.mark.parametrize("newer_revoked", [False, True])
def test_a_refusal_names_the_newest_of_the_banks_consents_for_the_purpose(
    credit_client: TestClient,
    credit_headers: CreditHeaders,
    enterprise: str,
    monkeypatch: pytest.MonkeyPatch,
    newer_revoked: bool,
) -> None:
    """Two consents for the purpose, one revoked, the other expired by the read: the refusal
    names the one granted later, whichever of the two it is."""
    headers = credit_headers(kind="enterprise")
    granted_at = utcnow()
    last_day = shanghai_date(granted_at)
    consents = []
    for n in range(2):
        at = granted_at + timedelta(seconds=n)
        monkeypatch.setattr(consents_service, "utcnow", lambda at=at: at)
        consents.append(grant(credit_client, headers, expires_on=last_day.isoformat()))
    older, newer = consents
    revoked = newer if newer_revoked else older
    answer = credit_client.post(f"/v1/consents/{revoked['id']}/revocation", headers=headers)
    assert answer.status_code == 200, answer.text
    # the day after their last day (Asia/Shanghai)
    later = granted_at + timedelta(days=1, hours=1)
    monkeypatch.setattr(reports_service, "utcnow", lambda: later)
    response = read(credit_client, credit_headers(kind="bank"))
    assert response.status_code == 403 and response.json()["code"] == "consent_required", (
        response.text
    )
    if newer_revoked:
        told = f"Your consent {newer['id']} for pre_loan_review was revoked by the enterprise."
    else:
        told = f"Your consent {newer['id']} for pre_loan_review expired after {last_day}."
    assert response.json()["detail"] == told


def test_a_refusal_for_a_purpose_between_two_consented_ones_tells_it_is_not_covered(
    credit_client: TestClient, credit_headers: CreditHeaders, enterprise: str
) -> None:
    """The bank holds consents for the purposes on either side of the one it asks for
    (guarantee_review < post_loan_management < pre_loan_review): neither is for it."""
    for purpose in ("guarantee_review", "pre_loan_review"):
        grant(credit_client, credit_headers(kind="enterprise"), purpose=purpose)
    response = read(credit_client, credit_headers(kind="bank"), "post_loan_management")
    assert response.status_code == 403 and response.json()["code"] == "consent_required", (
        response.text
    )
    assert response.json()["detail"] == (
        "The enterprise's consents to you do not cover the purpose post_loan_management."
    )
