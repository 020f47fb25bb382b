"""The verifier's checks on downloaded records and checkpoints, without a server: each kind of
damage a hostile or broken publisher could serve, and what the verifier names."""

from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.common.tokens import generate_ed25519_pem, public_jwk
from services.funding.public.chain import (
    canonical_json,
    record_hash,
    sign_checkpoint,
    timestamp_text,
)
from services.funding.verify import (
    Finding,
    _head_findings,
    verify_chain,
    verify_checkpoints,
)

GENESIS = "0" * 64
PEM = generate_ed25519_pem()
JWK = public_jwk(PEM, "ledger-test")


def _key() -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(PEM, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def chain(count: int) -> list[dict[str, Any]]:
    """`count` records as the API lists them, chained from the genesis hash."""
    records, previous = [], GENESIS
    for n in range(1, count + 1):
        record: dict[str, Any] = {
            "sequence": n,
            "disbursement_id": f"dsb_{n}",
            "paid_on": "2015-12-20",
            "published_at": f"2015-12-20T08:00:{n % 60:02d}Z",
            "payer": "太原市财政局",
            "payee_name": f"企业{n}",
            "payee_uscc": "91140100MA0K000017",
            "amount_fen": 1000 * n,
            "programme": "示范",
            "budget_line": "space_rent",
            "district": None,
            "rule_set_version": None,
            "acceptance_ref": None,
            "corrects": None,
            "previous_hash": previous,
        }
        record["hash"] = previous = record_hash(record)
        records.append(record)
    return records


def checkpoint(sequence: int, head_hash: str, **overrides: Any) -> dict[str, Any]:
    issued_at = datetime(2015, 12, 21, tzinfo=UTC)
    signature = sign_checkpoint(_key(), sequence=sequence, head_hash=head_hash, issued_at=issued_at)
    return {
        "id": f"lcp_{sequence}",
        "sequence": sequence,
        "head_hash": head_hash,
        "issued_at": "2015-12-21T00:00:00Z",
        "key_id": "ledger-test",
        "signature": signature,
        "kind": "daily",
        **overrides,
    }


def named(findings: list[Finding]) -> list[tuple[str, int | None]]:
    return [(f.kind, f.sequence) for f in findings]


def test_an_intact_chain_has_no_finding() -> None:
    records = chain(4)
    assert verify_chain(records) == ([], set())
    assert verify_checkpoints([checkpoint(4, records[3]["hash"])], records, JWK, set()) == []
    assert _head_findings({"sequence": 4, "head_hash": records[3]["hash"]}, records, set()) == []


def test_timestamps_with_an_offset_or_fraction_are_read_as_the_hashed_moment() -> None:
    records = chain(2)
    records[0]["published_at"] = "2015-12-20T16:00:01+08:00"  # the same moment
    records[1]["published_at"] = "2015-12-20T08:00:02.000Z"
    assert verify_chain(records)[0] == []


def test_a_long_run_of_removed_records_is_one_finding_naming_the_range() -> None:
    records = chain(30)
    kept = records[:2] + records[27:]
    findings, _ = verify_chain(kept)
    assert named(findings) == [("removed", 3)]
    assert "records 3–27 are missing" in findings[0].detail


def test_a_record_listed_twice_or_backwards_is_reordered() -> None:
    records = chain(3)
    findings, flagged = verify_chain([records[0], records[2], records[1]])
    assert ("reordered", 2) in named(findings) and 2 in flagged


def test_records_without_a_sequence_or_with_missing_fields_are_malformed() -> None:
    records = chain(3)
    no_sequence = {k: v for k, v in records[1].items() if k != "sequence"}
    findings, _ = verify_chain([records[0], no_sequence, records[2]])
    assert ("malformed", None) in named(findings)
    broken = dict(records[1])
    del broken["payer"]
    findings, _ = verify_chain([records[0], broken, records[2]])
    assert named(findings) == [("malformed", 2)]
    mistyped = records[1] | {"amount_fen": 12.5}
    assert named(verify_chain([records[0], mistyped, records[2]])[0]) == [("malformed", 2)]


def test_a_correction_of_no_earlier_record_is_named() -> None:
    records = chain(2)
    records[1]["corrects"] = 7
    records[1]["hash"] = record_hash(records[1])
    findings, _ = verify_chain(records)
    assert named(findings) == [("bad_correction", 2)]


def test_a_first_record_not_chained_to_genesis_is_named() -> None:
    records = chain(2)
    records[0]["previous_hash"] = "ab" * 32
    records[0]["hash"] = record_hash(records[0])
    records[1]["previous_hash"] = records[0]["hash"]
    records[1]["hash"] = record_hash(records[1])
    findings, _ = verify_chain(records)
    assert named(findings) == [("altered", 1)]
    assert "genesis" in findings[0].detail


def test_checkpoints_signed_by_another_key_or_malformed_are_named() -> None:
    records = chain(2)
    other = checkpoint(2, records[1]["hash"], key_id="ledger-other")
    missing = checkpoint(2, records[1]["hash"]) | {"head_hash": None}
    undated = checkpoint(2, records[1]["hash"]) | {"issued_at": 5}
    findings = verify_checkpoints([other, missing, undated], records, JWK, set())
    assert [(f.kind, f.checkpoint) for f in findings] == [
        ("unknown_key", "lcp_2"),
        ("malformed", "lcp_2"),
        ("bad_signature", "lcp_2"),
    ]
    assert (
        str(findings[0])
        == "checkpoint lcp_2 (sequence 2): unknown_key — signed with a key not published"
    )


def test_a_checkpoint_of_the_empty_ledger_holds() -> None:
    assert verify_checkpoints([checkpoint(0, GENESIS)], [], JWK, set()) == []


def test_the_head_against_the_records() -> None:
    records = chain(3)
    assert named(_head_findings({"sequence": 5, "head_hash": "x"}, records, set())) == [
        ("removed", 4),
        ("removed", 5),
    ]
    assert named(_head_findings({"sequence": 3, "head_hash": "x"}, records, set())) == [
        ("rewritten", 3)
    ]
    assert _head_findings({"sequence": 3, "head_hash": "x"}, records, {3}) == []
    assert named(_head_findings({"sequence": 2, "head_hash": "x"}, records, set())) == [
        ("malformed", 2)
    ]
    assert named(_head_findings({}, records, set())) == [("malformed", None)]
    assert _head_findings({"sequence": 0, "head_hash": GENESIS}, [], set()) == []


def test_a_finding_reads_as_a_sentence() -> None:
    assert str(Finding("altered", 3, "its fields no longer give its hash")) == (
        "record 3: altered — its fields no longer give its hash"
    )
    assert str(Finding("malformed", None, "no head")) == "ledger: malformed — no head"


def test_only_strings_integers_and_null_are_hashed() -> None:
    assert canonical_json({"b": 1, "a": "é", "c": None}) == '{"a":"é","b":1,"c":null}'.encode()
    for bad in (True, 1.5, [1], {"x": 1}):
        with pytest.raises(TypeError, match="a: only strings, integers and null are hashed"):
            canonical_json({"a": bad})
    assert timestamp_text(datetime(2015, 12, 20, 8, 0, 1, 999)) == "2015-12-20T08:00:01Z"


@pytest.mark.parametrize(
    "changed",
    [
        {"kty": "EC"},  # sorts before OKP
        {"kty": "RSA"},  # sorts after it
        {"crv": "Ed448"},  # other OKP curves, sorting after Ed25519
        {"crv": "X25519"},  # (a key-agreement key)
        {"crv": "Ed"},  # a curve sorting before it
        {"kty": None},  # null members
        {"crv": None},
        {"x": 5},
    ],
)
def test_a_key_that_is_not_ed25519_is_refused(changed: dict[str, Any]) -> None:
    """The ledger's own public key with one member changed: only an OKP Ed25519 JWK is read."""
    from services.funding.public.chain import b64url, public_key_of_jwk

    assert b64url(public_key_of_jwk(JWK).public_bytes_raw()) == JWK["x"]  # the unchanged key
    with pytest.raises(ValueError, match="not an Ed25519 public JWK"):
        public_key_of_jwk({**JWK, **changed})
