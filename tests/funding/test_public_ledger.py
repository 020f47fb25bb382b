"""The public ledger: records chained by hash, signed checkpoints, the verifier anyone runs.

Records are set up by calling `publish` in the app's own transaction (as the disbursements
domain's `pay` does); everything else goes through HTTP. The verifier reads the app in-process
through the TestClient (an httpx client) with no key."""

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, select

from services.common.settings import InsecureConfiguration
from services.common.tokens import generate_ed25519_pem
from services.funding.app import MIGRATIONS
from services.funding.public import jobs
from services.funding.public.errors import (
    CorrectedRecordNotFound,
    DisbursementAlreadyPublished,
    RecordAlreadyCorrected,
)
from services.funding.public.keys import LedgerKey, load_ledger_key
from services.funding.public.models import PublicCheckpoint, PublicRecord
from services.funding.public.service import issue_daily_checkpoint
from services.funding.settings import FundingSettings
from services.funding.verify import main, verify_ledger
from tests.conftest import DatabaseTarget
from tests.funding.conftest import FundingHeaders
from tests.funding.ledger_support import (
    execute,
    publish_many,
    publish_one,
    record_fields,
)
from tests.support import migrated_settings

GENESIS = "0" * 64
LEDGER = "/v1/public/ledger"


@pytest.fixture(scope="session")
def ledger_key_pem() -> str:
    """The checkpoint key of the tests' funding apps."""
    return generate_ed25519_pem().decode()


@pytest.fixture
def funding_settings(
    database_target: DatabaseTarget, jwks_json: str, ledger_key_pem: str
) -> FundingSettings:
    """Settings for a freshly migrated funding database, with a checkpoint key of its own."""
    return migrated_settings(  # tests/funding/conftest.py's, plus the key
        FundingSettings,
        target=database_target,
        jwks_json=jwks_json,
        migrations=MIGRATIONS,
        ledger_signing_key_pem=ledger_key_pem,
    )


@pytest.fixture
def ledger_key(funding_settings: FundingSettings) -> LedgerKey:
    """The key the app signs checkpoints with."""
    return load_ledger_key(funding_settings)


def _checkpoint(client: TestClient, headers: dict[str, str], key: str | None = None) -> dict:
    answer = client.post(
        f"{LEDGER}/checkpoints",
        headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _all(client: TestClient, path: str, limit: int) -> Iterator[dict]:
    cursor = None
    while True:
        params: dict = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = client.get(path, params=params)
        assert page.status_code == 200, page.text
        yield from page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return


# -- the chain ----------------------------------------------------------------------------------


def test_the_first_record_hashes_its_canonical_json_from_the_genesis_hash(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    publish_one(funding_app, **record_fields(1))
    record = funding_client.get(f"{LEDGER}/records/1").json()
    # The canonical JSON written out by hand: keys sorted, no spaces, non-ASCII as is.
    canonical = (
        '{"acceptance_ref":"acc_test_0001","amount_fen":100007,'
        '"budget_line":"space_rent","corrects":null,"disbursement_id":"dsb_test_0001",'
        '"district":"xiaodian","paid_on":"2015-12-01","payee_name":"太原示范基地1号运营有限公司",'
        '"payee_uscc":"91140105MA0KDE119Q","payer":"太原市财政局",'
        f'"previous_hash":"{GENESIS}","programme":"小微企业创业创新基地城市示范",'
        f'"published_at":"{record["published_at"]}",'
        '"rule_set_version":"funding.reward.space_rent v2","sequence":1}'
    )
    assert record["published_at"].endswith("Z") and len(record["published_at"]) == 20
    assert record["previous_hash"] == GENESIS
    assert record["hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    head = funding_client.get(f"{LEDGER}/head").json()
    assert head == {"sequence": 1, "head_hash": record["hash"]}


def test_each_record_chains_to_the_one_before_and_the_untouched_ledger_verifies(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    ledger_key: LedgerKey,
) -> None:
    publish_many(funding_app, 7)
    _checkpoint(funding_client, funding_headers())
    with funding_app.state.database.transaction() as session:
        assert issue_daily_checkpoint(session, key=ledger_key) == 1
    records = list(_all(funding_client, f"{LEDGER}/records", limit=3))
    assert [r["sequence"] for r in records] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["previous_hash"] for r in records] == [GENESIS] + [r["hash"] for r in records[:-1]]
    assert records[2]["district"] is None and records[1]["acceptance_ref"] is None
    assert records[4]["amount_fen"] == 500_007
    report = verify_ledger(funding_client, prefix="")
    assert report.ok, report.findings
    assert (report.records, report.checkpoints, report.head_sequence) == (7, 2, 7)
    assert report.head_hash == records[-1]["hash"]
    assert main(["http://testserver", "--prefix", ""], client=funding_client) == 0


def test_the_empty_ledger_verifies(funding_client: TestClient) -> None:
    assert funding_client.get(f"{LEDGER}/head").json() == {"sequence": 0, "head_hash": GENESIS}
    report = verify_ledger(funding_client, prefix="")
    assert report.ok and report.records == 0


# -- tampering, straight in the database --------------------------------------------------------


def test_an_amount_altered_in_the_database_is_named(
    funding_app: FastAPI, funding_client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    publish_many(funding_app, 5)
    execute(funding_app, "UPDATE public_ledger_records SET amount_fen = 1 WHERE sequence = 3")
    report = verify_ledger(funding_client, prefix="")
    assert [(f.kind, f.sequence) for f in report.findings] == [("altered", 3)]
    assert main(["http://testserver", "--prefix", ""], client=funding_client) == 1
    assert "FOUND record 3: altered" in capsys.readouterr().out


def test_a_record_altered_with_its_hash_recomputed_is_named_by_the_next_link(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    publish_many(funding_app, 5)
    forged = funding_client.get(f"{LEDGER}/records/3").json() | {"amount_fen": 1}
    from services.funding.verify import _hash_of  # the forger knows the documented serialisation

    execute(
        funding_app,
        "UPDATE public_ledger_records SET amount_fen = 1, hash = :hash WHERE sequence = 3",
        hash=_hash_of(forged),
    )
    report = verify_ledger(funding_client, prefix="")
    assert [(f.kind, f.sequence) for f in report.findings] == [("altered", 3)]


def test_a_deleted_record_is_named(funding_app: FastAPI, funding_client: TestClient) -> None:
    publish_many(funding_app, 5)
    execute(funding_app, "DELETE FROM public_ledger_records WHERE sequence = 3")
    report = verify_ledger(funding_client, prefix="")
    assert [(f.kind, f.sequence) for f in report.findings] == [("removed", 3)]


def test_two_swapped_records_are_named(funding_app: FastAPI, funding_client: TestClient) -> None:
    publish_many(funding_app, 5)
    for old, new in ((2, 1000), (4, 2), (1000, 4)):
        execute(
            funding_app,
            "UPDATE public_ledger_records SET sequence = :new WHERE sequence = :old",
            old=old,
            new=new,
        )
    listed = [r["disbursement_id"] for r in _all(funding_client, f"{LEDGER}/records", 100)]
    assert listed[1] == "dsb_test_0004" and listed[3] == "dsb_test_0002"
    report = verify_ledger(funding_client, prefix="")
    assert sorted((f.kind, f.sequence) for f in report.findings) == [
        ("reordered", 2),
        ("reordered", 4),
    ]


def test_the_last_records_deleted_with_the_head_moved_back_are_caught_by_a_checkpoint(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    records = publish_many(funding_app, 5)
    checkpoint = _checkpoint(funding_client, funding_headers())
    execute(funding_app, "DELETE FROM public_ledger_records WHERE sequence >= 4")
    execute(
        funding_app,
        "UPDATE public_ledger_head SET sequence = 3, head_hash = :hash",
        hash=records[2].hash,
    )
    report = verify_ledger(funding_client, prefix="")
    assert [(f.kind, f.sequence) for f in report.findings] == [("removed", 4), ("removed", 5)]
    assert all(checkpoint["id"] in f.detail for f in report.findings)


def test_a_chain_rewritten_from_a_record_onwards_is_caught_by_a_checkpoint(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    """A forger who recomputes every hash after the change leaves a consistent chain: only a
    checkpoint signed before the change shows it."""
    from services.funding.verify import _hash_of

    publish_many(funding_app, 4)
    checkpoint = _checkpoint(funding_client, funding_headers())
    records = list(_all(funding_client, f"{LEDGER}/records", 100))
    previous = records[1]["hash"]
    for record in records[2:]:
        forged = record | {"previous_hash": previous}
        if record["sequence"] == 3:
            forged["amount_fen"] = 1
        forged["hash"] = _hash_of(forged)
        execute(
            funding_app,
            "UPDATE public_ledger_records SET amount_fen = :amount, previous_hash = :previous, "
            "hash = :hash WHERE sequence = :sequence",
            amount=forged["amount_fen"],
            previous=forged["previous_hash"],
            hash=forged["hash"],
            sequence=record["sequence"],
        )
        previous = forged["hash"]
    execute(funding_app, "UPDATE public_ledger_head SET head_hash = :hash", hash=previous)
    report = verify_ledger(funding_client, prefix="")
    assert [(f.kind, f.sequence, f.checkpoint) for f in report.findings] == [
        ("rewritten", 4, checkpoint["id"])
    ]


def test_a_checkpoint_with_a_bad_signature_is_named(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    publish_many(funding_app, 3)
    good = _checkpoint(funding_client, funding_headers())
    publish_one(funding_app, **record_fields(4))
    bad = _checkpoint(funding_client, funding_headers())
    assert (good["sequence"], bad["sequence"]) == (3, 4)
    # A forged head: another hash at sequence 4 under the signature issued for the real one.
    execute(
        funding_app,
        "UPDATE public_ledger_checkpoints SET head_hash = :hash WHERE id = :id",
        hash="ab" * 32,
        id=bad["id"],
    )
    report = verify_ledger(funding_client, prefix="")
    assert [(f.kind, f.checkpoint, f.sequence) for f in report.findings] == [
        ("bad_signature", bad["id"], 4)
    ]


def test_a_checkpoint_with_a_forged_signature_is_named(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    publish_many(funding_app, 2)
    checkpoint = _checkpoint(funding_client, funding_headers())
    execute(
        funding_app,
        "UPDATE public_ledger_checkpoints SET signature = :signature WHERE id = :id",
        signature="A" * 86,
        id=checkpoint["id"],
    )
    report = verify_ledger(funding_client, prefix="")
    assert [(f.kind, f.checkpoint) for f in report.findings] == [
        ("bad_signature", checkpoint["id"])
    ]


def test_the_verifier_reports_an_unreadable_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["http://127.0.0.1:9", "--prefix", ""]) == 2
    assert "cannot read the public ledger" in capsys.readouterr().err


# -- corrections --------------------------------------------------------------------------------


def test_a_correction_is_a_new_record_pointing_at_the_old_one_and_the_chain_verifies(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    publish_many(funding_app, 3)
    correction = publish_one(funding_app, **record_fields(2, amount_fen=150_000, corrects=2))
    assert (correction.sequence, correction.corrects) == (4, 2)
    old = funding_client.get(f"{LEDGER}/records/2").json()
    new = funding_client.get(f"{LEDGER}/records/4").json()
    assert (old["amount_fen"], new["amount_fen"], new["corrects"]) == (200_007, 150_000, 2)
    assert new["disbursement_id"] == old["disbursement_id"]
    # the correction of a correction is a record too
    again = publish_one(funding_app, **record_fields(2, amount_fen=140_000, corrects=4))
    assert again.sequence == 5
    report = verify_ledger(funding_client, prefix="")
    assert report.ok, report.findings
    # the downloads carry the records in force: 1, 3 and the last correction of 2
    rows = list(csv.DictReader(io.StringIO(funding_client.get(f"{LEDGER}/360giving.csv").text)))
    assert [row["Ledger Sequence"] for row in rows] == ["1", "3", "5"]
    assert rows[2]["Amount Awarded"] == "1400.00"
    assert "corrects 360G-TaiyuanSME-4" in rows[2]["Description"]


def test_a_correction_refused_leaves_the_chain_as_it_was(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    publish_many(funding_app, 2)
    publish_one(funding_app, **record_fields(1, amount_fen=5, corrects=1))
    head = funding_client.get(f"{LEDGER}/head").json()
    with pytest.raises(RecordAlreadyCorrected):
        publish_one(funding_app, **record_fields(1, amount_fen=6, corrects=1))
    with pytest.raises(CorrectedRecordNotFound):
        publish_one(funding_app, **record_fields(9, corrects=9))
    # The same correction again is the same record (a retried payment publishes once).
    assert publish_one(funding_app, **record_fields(1, amount_fen=5, corrects=1)).sequence == 3
    assert (
        funding_client.get(f"{LEDGER}/head").json()
        == head
        == {
            "sequence": 3,
            "head_hash": head["head_hash"],
        }
    )


def test_a_disbursement_is_published_once(funding_app: FastAPI, funding_client: TestClient) -> None:
    first = publish_one(funding_app, **record_fields(1))
    assert publish_one(funding_app, **record_fields(1)).sequence == first.sequence == 1
    with pytest.raises(DisbursementAlreadyPublished):
        publish_one(funding_app, **record_fields(1, amount_fen=1))
    assert funding_client.get(f"{LEDGER}/head").json()["sequence"] == 1


def test_publish_joins_the_payments_transaction(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    """A payment that fails after publishing takes its record with it: no gap is left."""
    publish_one(funding_app, **record_fields(1))

    class PaymentFailed(Exception):
        pass

    with pytest.raises(PaymentFailed), funding_app.state.database.transaction() as session:
        from services.funding.public.service import publish

        publish(session, **record_fields(2))
        raise PaymentFailed
    assert publish_one(funding_app, **record_fields(3)).sequence == 2
    assert verify_ledger(funding_client, prefix="").ok


# -- routes -------------------------------------------------------------------------------------


def test_records_page_by_cursor_and_read_one_by_sequence(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    publish_many(funding_app, 5)
    first = funding_client.get(f"{LEDGER}/records", params={"limit": 2}).json()
    assert [r["sequence"] for r in first["items"]] == [1, 2] and first["next_cursor"]
    second = funding_client.get(
        f"{LEDGER}/records", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [r["sequence"] for r in second["items"]] == [3, 4]
    one = funding_client.get(f"{LEDGER}/records/4")
    assert one.status_code == 200 and one.json() == second["items"][1]
    missing = funding_client.get(f"{LEDGER}/records/6")
    assert missing.status_code == 404 and missing.json()["code"] == "public_record_not_found"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"{LEDGER}/records/0", "path.sequence"),
        (f"{LEDGER}/records/x", "path.sequence"),
        (f"{LEDGER}/records?limit=0", "query.limit"),
        (f"{LEDGER}/records?limit=1001", "query.limit"),
        (f"{LEDGER}/records?cursor=not-ours", "query.cursor"),
        (f"{LEDGER}/checkpoints?limit=501", "query.limit"),
        (f"{LEDGER}/checkpoints?cursor=%5B1%5D", "query.cursor"),
    ],
)
def test_bad_queries_are_422_naming_the_field(
    funding_client: TestClient, path: str, field: str
) -> None:
    answer = funding_client.get(path)
    assert answer.status_code == 422, answer.text
    assert field in [error["field"] for error in answer.json()["errors"]]


def test_the_public_key_is_a_jwk_and_checkpoints_verify_with_it(
    funding_app: FastAPI,
    funding_client: TestClient,
    funding_headers: FundingHeaders,
    ledger_key_pem: str,
) -> None:
    from cryptography.hazmat.primitives import serialization

    from services.funding.public.chain import b64url_decode

    publish_many(funding_app, 2)
    checkpoint = _checkpoint(funding_client, funding_headers())
    jwk = funding_client.get(f"{LEDGER}/key").json()
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert checkpoint["key_id"] == jwk["kid"] and jwk["kid"].startswith("ledger-")
    private = serialization.load_pem_private_key(ledger_key_pem.encode(), password=None)
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert b64url_decode(jwk["x"]) == raw
    # The signed bytes, written out by hand as the documentation states them.
    message = (
        f'{{"head_hash":"{checkpoint["head_hash"]}","issued_at":"{checkpoint["issued_at"]}",'
        f'"ledger":"taiyuan-sme-funding-public-ledger","sequence":2}}'
    )
    private.public_key().verify(b64url_decode(checkpoint["signature"]), message.encode())
    head = funding_client.get(f"{LEDGER}/head").json()
    assert (checkpoint["sequence"], checkpoint["head_hash"]) == (2, head["head_hash"])
    assert checkpoint["kind"] == "on_demand"


def test_asking_for_a_checkpoint_needs_an_admin_and_an_idempotency_key(
    funding_app: FastAPI, funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    publish_many(funding_app, 1)
    path = f"{LEDGER}/checkpoints"
    anonymous = funding_client.post(path, headers={"Idempotency-Key": "k1"})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "missing_token"
    department = funding_client.post(
        path, headers={**funding_headers(kind="department"), "Idempotency-Key": "k2"}
    )
    assert department.status_code == 403
    assert department.json()["code"] == "forbidden_client_kind"
    reader = funding_client.post(
        path,
        headers={**funding_headers(scopes=("funding:read",)), "Idempotency-Key": "k3"},
    )
    assert reader.status_code == 403 and reader.json()["code"] == "insufficient_scope"
    keyless = funding_client.post(path, headers=funding_headers())
    assert keyless.status_code == 400 and keyless.json()["code"] == "idempotency_key_required"
    assert funding_client.get(path).json()["items"] == []
    first = _checkpoint(funding_client, funding_headers(), key="same")
    replay = _checkpoint(funding_client, funding_headers(), key="same")
    assert replay == first
    assert [c["id"] for c in funding_client.get(path).json()["items"]] == [first["id"]]


def test_one_daily_checkpoint_per_shanghai_day(
    funding_app: FastAPI, funding_client: TestClient, ledger_key: LedgerKey
) -> None:
    publish_many(funding_app, 2)
    database = funding_app.state.database
    evening = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai, 30 November
    after_midnight = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30, 1 December
    with database.transaction() as session:
        assert issue_daily_checkpoint(session, key=ledger_key, now=evening) == 1
    with database.transaction() as session:
        assert issue_daily_checkpoint(session, key=ledger_key, now=evening) == 0
    publish_one(funding_app, **record_fields(3))
    with database.transaction() as session:
        assert issue_daily_checkpoint(session, key=ledger_key, now=after_midnight) == 1
    with database.session() as session:
        rows = session.exec(select(PublicCheckpoint).order_by(col(PublicCheckpoint.id))).all()
    assert [(c.kind, c.daily_on, c.sequence) for c in rows] == [
        ("daily", date(2026, 11, 30), 2),
        ("daily", date(2026, 12, 1), 3),
    ]
    listed = funding_client.get(f"{LEDGER}/checkpoints").json()["items"]
    assert [c["issued_at"] for c in listed] == ["2026-11-30T15:00:00Z", "2026-11-30T16:30:00Z"]
    assert verify_ledger(funding_client, prefix="").ok


def test_the_daily_job_signs_today_once(
    funding_app: FastAPI, funding_client: TestClient, ledger_key: LedgerKey
) -> None:
    publish_many(funding_app, 1)
    job = jobs.checkpoint_job(funding_app.state.database, ledger_key, interval=60)
    assert (job.run_once(), job.run_once()) == (1, 0)
    listed = funding_client.get(f"{LEDGER}/checkpoints").json()["items"]
    assert [(c["kind"], c["sequence"]) for c in listed] == [("daily", 1)]


def test_the_jobs_run_outside_tests_only(funding_settings: FundingSettings) -> None:
    assert funding_settings.jobs_enabled is False
    production_like = funding_settings.model_copy(update={"jobs": True})
    assert production_like.jobs_enabled is True


# -- 360Giving downloads ------------------------------------------------------------------------


def test_the_csv_download_carries_the_360giving_core_fields(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    publish_one(funding_app, **record_fields(1, amount_fen=1_234_567, payee_name='A "B", C'))
    publish_one(funding_app, **record_fields(2, amount_fen=5))
    answer = funding_client.get(f"{LEDGER}/360giving.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0])[:10] == [
        "Identifier",
        "Title",
        "Description",
        "Currency",
        "Amount Awarded",
        "Award Date",
        "Recipient Org:Identifier",
        "Recipient Org:Name",
        "Funding Org:Identifier",
        "Funding Org:Name",
    ]
    first = rows[0]
    assert first["Identifier"] == "360G-TaiyuanSME-1"
    assert first["Amount Awarded"] == "12345.67" and rows[1]["Amount Awarded"] == "0.05"
    assert first["Currency"] == "CNY" and first["Award Date"] == "2015-12-01"
    assert first["Recipient Org:Identifier"] == "CN-USCC-91140105MA0KDE119Q"
    assert first["Recipient Org:Name"] == 'A "B", C'
    assert first["Funding Org:Name"] == "太原市财政局"
    assert first["Funding Org:Identifier"] == "360G-TaiyuanSME-office"
    assert first["Title"] == '小微企业创业创新基地城市示范: A "B", C'


def test_the_json_download_is_a_360giving_package_with_exact_amounts(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    publish_one(funding_app, **record_fields(1, amount_fen=1_234_567))
    publish_one(funding_app, **record_fields(2, amount_fen=1_000_000_000_001))
    answer = funding_client.get(f"{LEDGER}/360giving.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert '"amountAwarded":12345.67,' in answer.text
    assert '"amountAwarded":10000000000.01,' in answer.text
    package = json.loads(answer.text, parse_float=Decimal)
    grants = package["grants"]
    assert [g["amountAwarded"] for g in grants] == [Decimal("12345.67"), Decimal("10000000000.01")]
    required = {
        "id",
        "title",
        "description",
        "currency",
        "amountAwarded",
        "awardDate",
        "recipientOrganization",
        "fundingOrganization",
    }
    assert all(required <= set(grant) for grant in grants)
    assert grants[0]["recipientOrganization"] == [
        {"id": "CN-USCC-91140105MA0KDE119Q", "name": "太原示范基地1号运营有限公司"}
    ]
    assert grants[0]["fundingOrganization"] == [
        {"id": "360G-TaiyuanSME-office", "name": "太原市财政局"}
    ]
    assert (grants[1]["id"], grants[1]["currency"], grants[1]["awardDate"]) == (
        "360G-TaiyuanSME-2",
        "CNY",
        "2015-12-02",
    )


def test_the_downloads_of_an_empty_ledger(funding_client: TestClient) -> None:
    assert json.loads(funding_client.get(f"{LEDGER}/360giving.json").text) == {"grants": []}
    lines = funding_client.get(f"{LEDGER}/360giving.csv").text.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Identifier,Title,")


def test_the_records_table_refuses_a_negative_amount(funding_app: FastAPI) -> None:
    from sqlalchemy.exc import IntegrityError

    with (
        pytest.raises(IntegrityError, match="ck_public_ledger_records_amount"),
        funding_app.state.database.transaction() as session,
    ):
        from services.funding.public.service import publish

        publish(session, **record_fields(1, amount_fen=-1))
    with funding_app.state.database.session() as session:
        assert session.exec(select(PublicRecord)).all() == []


# -- the checkpoint key -------------------------------------------------------------------------


def test_a_missing_key_file_is_generated_outside_production_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ledger.pem"
    development = FundingSettings(
        environment="development",
        internal_jwks='{"keys": []}',
        ledger_signing_key_file=str(path),
    )
    key = load_ledger_key(development)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_ledger_key(development).kid == key.kid  # read back, not made anew
    production = FundingSettings(
        environment="production",
        database_url="postgresql://ledger@db/funding",
        internal_jwks=str(tmp_path / "jwks.json"),
        ledger_signing_key_file=str(tmp_path / "elsewhere.pem"),
    )
    with pytest.raises(InsecureConfiguration, match="public-ledger signing key"):
        load_ledger_key(production)


def test_production_refuses_the_development_key_file() -> None:
    with pytest.raises(InsecureConfiguration, match="ledger_signing_key_file"):
        FundingSettings(
            environment="production",
            database_url="postgresql://ledger@db/funding",
            internal_jwks='{"keys": []}',
        )


def test_a_payment_moment_is_published_as_its_day(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    moment = datetime(2015, 12, 20, 9, 30, tzinfo=UTC)
    publish_one(funding_app, **record_fields(1, paid_on=moment))
    assert funding_client.get(f"{LEDGER}/records/1").json()["paid_on"] == "2015-12-20"
    assert verify_ledger(funding_client, prefix="").ok


def test_a_ledger_under_another_key_than_the_pinned_one_is_a_finding(
    funding_app: FastAPI, funding_client: TestClient, ledger_key: LedgerKey
) -> None:
    publish_many(funding_app, 1)
    assert verify_ledger(funding_client, prefix="", key_id=ledger_key.kid).ok
    report = verify_ledger(funding_client, prefix="", key_id="ledger-someone-else")
    assert [f.kind for f in report.findings] == ["unknown_key"]
    args = ["http://testserver", "--prefix", "", "--key-id", "ledger-someone-else"]
    assert main(args, client=funding_client) == 1


def test_the_app_runs_the_daily_checkpoint_job_when_jobs_are_on(
    funding_app: FastAPI, funding_settings: FundingSettings, ledger_key: LedgerKey
) -> None:
    assert jobs.workers(funding_settings)(funding_app) == []  # tests drive the job
    running = jobs.workers(funding_settings.model_copy(update={"jobs": True}))(funding_app)
    assert [job.name for job in running] == ["funding.ledger_checkpoint"]  # type: ignore[attr-defined]
    assert funding_app.state.ledger_key.kid == ledger_key.kid


def test_checkpoints_page_by_cursor(
    funding_client: TestClient, funding_headers: FundingHeaders
) -> None:
    issued = [_checkpoint(funding_client, funding_headers())["id"] for _ in range(3)]
    listed = [c["id"] for c in _all(funding_client, f"{LEDGER}/checkpoints", limit=2)]
    assert listed == sorted(issued)


def test_a_database_without_the_genesis_head_row_starts_one(
    funding_app: FastAPI, funding_client: TestClient, ledger_key: LedgerKey
) -> None:
    """Tables made from the models (not the migration) have no head row: the first append or
    daily checkpoint makes it."""
    execute(funding_app, "DELETE FROM public_ledger_head")
    assert funding_client.get(f"{LEDGER}/head").json() == {"sequence": 0, "head_hash": GENESIS}
    with funding_app.state.database.transaction() as session:
        assert issue_daily_checkpoint(session, key=ledger_key) == 1
    execute(funding_app, "DELETE FROM public_ledger_head")
    assert publish_one(funding_app, **record_fields(1)).sequence == 1
    assert verify_ledger(funding_client, prefix="").ok


def test_a_signing_key_that_is_not_ed25519_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    settings = FundingSettings(
        environment="development", internal_jwks='{"keys": []}', ledger_signing_key_pem=pem
    )
    with pytest.raises(ValueError, match="must be Ed25519"):
        load_ledger_key(settings)


def test_a_record_without_a_district_or_rule_set_names_none_in_its_360giving_description(
    funding_app: FastAPI, funding_client: TestClient
) -> None:
    publish_one(funding_app, **record_fields(3, rule_set_version=None))  # no district, no rules
    publish_one(funding_app, **record_fields(1))  # n = 1: district xiaodian
    rows = list(csv.DictReader(io.StringIO(funding_client.get(f"{LEDGER}/360giving.csv").text)))
    assert [row["Ledger Sequence"] for row in rows] == ["1", "2"]
    assert "district" not in rows[0]["Description"]
    assert "rule set" not in rows[0]["Description"]
    assert "budget line space_rent" in rows[0]["Description"]
    assert "district xiaodian" in rows[1]["Description"]
