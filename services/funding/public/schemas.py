"""Schemas of the public ledger: records, the chain head, checkpoints, the signing key."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

_EXAMPLE_HASH = "5f0c6a9e0d1b3c7e2a4f8b6d1c3e5a7f9b0d2c4e6a8f1b3d5c7e9a0b2d4f6a8c"
_PREVIOUS_HASH = "0" * 64


class LedgerRecordPublic(BaseModel):
    """A paid disbursement as published, chained to the record before it by hash."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sequence": 1,
                    "disbursement_id": "dsb_01JD3Z8Q6T8V4N2M5K1H0G9F8E",
                    "paid_on": "2015-12-20",
                    "published_at": "2015-12-20T08:00:00Z",
                    "payer": "太原市财政局",
                    "payee_name": "太原创新孵化器有限公司",
                    "payee_uscc": "91140100MA0K000017",
                    "amount_fen": 150000000,
                    "programme": "小微企业创业创新基地城市示范",
                    "budget_line": "space_rent",
                    "district": "xiaodian",
                    "rule_set_version": "funding.reward.space_rent v2",
                    "acceptance_ref": "acc_01JD3Z8Q6T8V4N2M5K1H0G9F8F",
                    "corrects": None,
                    "previous_hash": _PREVIOUS_HASH,
                    "hash": _EXAMPLE_HASH,
                }
            ]
        }
    )

    sequence: int = Field(description="Position in the chain: 1, 2, 3 … with no gaps.")
    disbursement_id: str
    paid_on: date = Field(description="The day the payment was made.")
    published_at: datetime = Field(description="When it was published (UTC, whole seconds).")
    payer: str
    payee_name: str
    payee_uscc: str = Field(description="The payee's unified social credit code.")
    amount_fen: int = Field(description="Amount paid, in fen (分).")
    programme: str
    budget_line: str
    district: str | None
    rule_set_version: str | None = Field(description="The rule set that computed the amount.")
    acceptance_ref: str | None = Field(description="The year-end acceptance it rewards.")
    corrects: int | None = Field(
        description="The sequence number of the record this one corrects; its figures replace "
        "that record's."
    )
    previous_hash: str = Field(description="The hash of the record before.")
    hash: str = Field(
        description="SHA-256 (hex) of the record's canonical JSON (RFC 8785) with `previous_hash`.",
    )


class LedgerChainHeadPublic(BaseModel):
    """The last record's sequence number and hash."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"sequence": 1, "head_hash": _EXAMPLE_HASH}]}
    )

    sequence: int = Field(description="0 while the ledger is empty.")
    head_hash: str = Field(description="64 zeros while the ledger is empty.")


class LedgerCheckpointPublic(BaseModel):
    """A signed statement of the chain head at a moment."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "lcp_01JD3Z8Q6T8V4N2M5K1H0G9F8G",
                    "sequence": 1,
                    "head_hash": _EXAMPLE_HASH,
                    "issued_at": "2015-12-20T16:00:00Z",
                    "key_id": "ledger-3q2Zy1x0w9v8u7t6",
                    "signature": "k1uY…(86 base64url characters)",
                    "kind": "daily",
                }
            ]
        }
    )

    id: str
    sequence: int
    head_hash: str
    issued_at: datetime = Field(description="UTC, whole seconds; signed as `…Z`.")
    key_id: str = Field(description="`kid` of the key that signed (the published JWK).")
    signature: str = Field(
        description="Ed25519 over the canonical JSON of `ledger`, `sequence`, `head_hash`, "
        "`issued_at`, base64url without padding."
    )
    kind: str = Field(description="`daily` (one per Asia/Shanghai day) or `on_demand`.")


class LedgerSigningKeyPublic(BaseModel):
    """The Ed25519 public key (JWK, RFC 8037) checkpoints are signed with."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                    "kid": "ledger-3q2Zy1x0w9v8u7t6",
                    "alg": "EdDSA",
                    "use": "sig",
                }
            ]
        }
    )

    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str
