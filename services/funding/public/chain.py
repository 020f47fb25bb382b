"""The public ledger's hash chain and checkpoint signatures: pure functions, no database.

The service that appends records and the verifier anyone runs (`python -m services.funding.verify`)
compute the same bytes from this module, so what is documented here is what is checked.

**A record's hash** is the lowercase hex SHA-256 of the UTF-8 bytes of the JSON object of these
fields (and no others), serialised canonically (RFC 8785, JSON Canonicalization Scheme: keys
sorted, no whitespace, strings as JSON escapes them with non-ASCII characters kept, integers as
plain decimal digits):

    sequence (integer), disbursement_id, paid_on ("YYYY-MM-DD"),
    published_at ("YYYY-MM-DDTHH:MM:SSZ", UTC, whole seconds), payer, payee_name, payee_uscc,
    amount_fen (integer, fen), programme, budget_line, district (string or null),
    rule_set_version (string or null), acceptance_ref (string or null),
    corrects (integer sequence or null), previous_hash (hex)

The first record's `previous_hash` is `GENESIS` (64 zeros); every later record's is the hash of
the record before it. Changing any field of any record, removing one or swapping two changes a
hash that a later record (or a signed checkpoint) has fixed.

**A checkpoint's signature** is Ed25519 over the canonical JSON (as above) of
`{"ledger": LEDGER_NAME, "sequence": n, "head_hash": hex, "issued_at": "…Z"}`, written
base64url without padding; the public key is a JWK (OKP, Ed25519) at the ledger's `key` route.
"""

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS: Final = "0" * 64
LEDGER_NAME: Final = "taiyuan-sme-funding-public-ledger"
HASHED_FIELDS: Final = (
    "sequence",
    "disbursement_id",
    "paid_on",
    "published_at",
    "payer",
    "payee_name",
    "payee_uscc",
    "amount_fen",
    "programme",
    "budget_line",
    "district",
    "rule_set_version",
    "acceptance_ref",
    "corrects",
    "previous_hash",
)


_PLAIN: Final = frozenset({str, int, type(None)})


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of a flat object of strings, integers and nulls (keys sorted, no spaces)."""
    for key, value in document.items():
        if type(value) not in _PLAIN:  # bool, float, nested values: not hashed
            raise TypeError(f"{key}: only strings, integers and null are hashed")
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def timestamp_text(moment: datetime) -> str:
    """A moment as hashed and published: UTC, whole seconds, `Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def hashed_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's hashed fields in their hashed form (the day and the moment as text)."""
    fields = {name: record[name] for name in HASHED_FIELDS}
    paid_on, published_at = fields["paid_on"], fields["published_at"]
    if isinstance(paid_on, date):
        fields["paid_on"] = paid_on.isoformat()
    if isinstance(published_at, datetime):
        fields["published_at"] = timestamp_text(published_at)
    return fields


def record_hash(record: Mapping[str, Any]) -> str:
    """The hex SHA-256 of a record's canonical serialisation (its `hash`)."""
    return hashlib.sha256(canonical_json(hashed_fields(record))).hexdigest()


def checkpoint_message(*, sequence: int, head_hash: str, issued_at: datetime | str) -> bytes:
    """The bytes a checkpoint's signature covers."""
    moment = issued_at if isinstance(issued_at, str) else timestamp_text(issued_at)
    return canonical_json(
        {"ledger": LEDGER_NAME, "sequence": sequence, "head_hash": head_hash, "issued_at": moment}
    )


def b64url(raw: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """The bytes of base64url text (padding optional); ValueError if it is not base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_checkpoint(
    key: Ed25519PrivateKey, *, sequence: int, head_hash: str, issued_at: datetime
) -> str:
    """The base64url Ed25519 signature of a checkpoint."""
    message = checkpoint_message(sequence=sequence, head_hash=head_hash, issued_at=issued_at)
    return b64url(key.sign(message))


def public_key_of_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """The Ed25519 public key of an OKP JWK; ValueError for anything else."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValueError("not an Ed25519 public JWK")
    return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))


def signature_valid(
    key: Ed25519PublicKey, *, sequence: int, head_hash: str, issued_at: str, signature: str
) -> bool:
    """Whether `signature` is the key's signature of this checkpoint."""
    try:
        raw = b64url_decode(signature)
        key.verify(
            raw, checkpoint_message(sequence=sequence, head_hash=head_hash, issued_at=issued_at)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
