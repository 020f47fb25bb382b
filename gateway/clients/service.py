"""Clients, API keys and client secrets: the gateway's own records."""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from gateway.auth.apikeys import (
    display_prefix,
    generate_api_key,
    generate_client_secret,
    hash_api_key,
)
from gateway.auth.caller import Caller
from gateway.auth.clientsecrets import SecretVerifier, hash_client_secret, is_legacy
from gateway.auth.scopes import DEFAULT_SCOPES
from gateway.clients.errors import (
    ApiKeyNotFound,
    ClientNotFound,
    OrgNotUscc,
    OrgRequired,
    ScopeNotAllowedForKind,
)
from gateway.clients.models import ApiKey, Client
from gateway.clients.schemas import ClientCreate, ClientUpdate
from services.common.clock import as_utc, utcnow
from services.common.etag import check_etag, etag_of
from services.common.identity import ClientKind
from services.common.ids import new_id
from services.common.pagination import page_of, paginate
from services.registry.uscc import is_valid_uscc

ORG_REQUIRED = frozenset({ClientKind.BANK, ClientKind.PROVIDER, ClientKind.ENTERPRISE})


def caller_of(
    client: Client, *, key_id: str | None = None, key_expires_at: datetime | None = None
) -> Caller:
    """The hot-path view of a client."""
    return Caller(
        client_id=client.id,
        kind=client.kind,
        name=client.name,
        org=client.org,
        scopes=frozenset(client.scopes),
        rate_limits=dict(client.rate_limits) if client.rate_limits else None,
        key_id=key_id,
        key_expires_at=key_expires_at,
    )


def _allowed_scopes(kind: str, scopes: list[str]) -> list[str]:
    extra = [scope for scope in scopes if scope not in DEFAULT_SCOPES[ClientKind(kind)]]
    if extra:
        raise ScopeNotAllowedForKind.for_field(
            "body.scopes", f"Clients of kind '{kind}' may not hold: {', '.join(extra)}."
        )
    return sorted(scopes)


def create_client(
    session: Session, *, data: ClientCreate, key_prefix: str
) -> tuple[Client, tuple[ApiKey, str] | None, str | None]:
    """Create a client; returns it, its first API key (row, key) and its client secret."""
    defaults = DEFAULT_SCOPES[data.kind]
    scopes = _allowed_scopes(data.kind, list(defaults) if data.scopes is None else data.scopes)
    if data.kind in ORG_REQUIRED and not data.org:
        raise OrgRequired.for_field(
            "body.org", f"Clients of kind '{data.kind}' act for an organisation."
        )
    if data.kind == ClientKind.ENTERPRISE and data.org and not is_valid_uscc(data.org):
        raise OrgNotUscc.for_field(
            "body.org", "An enterprise client's org must be its valid 18-character USCC."
        )
    secret = generate_client_secret() if data.issue_client_secret else None
    client_id = new_id("cli")
    client = Client(
        id=client_id,
        name=data.name,
        kind=data.kind,
        org=data.org,
        scopes=sorted(scopes),
        rate_limits=data.rate_limits.model_dump(exclude_none=True) if data.rate_limits else None,
        secret_hash=hash_client_secret(client_id, secret) if secret else None,
    )
    session.add(client)
    session.flush()
    key = _new_key(session, client_id=client.id, prefix=key_prefix) if data.issue_api_key else None
    return client, key, secret


def _new_key(
    session: Session,
    *,
    client_id: str,
    prefix: str,
    label: str | None = None,
    expires_at: datetime | None = None,
    key: str | None = None,
) -> tuple[ApiKey, str]:
    key = key or generate_api_key(prefix)
    row = ApiKey(
        id=new_id("key"),
        client_id=client_id,
        label=label,
        prefix=display_prefix(key),
        key_hash=hash_api_key(key),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, key


def list_clients(
    session: Session, *, limit: int, cursor: str | None, kind: str | None = None
) -> tuple[list[Client], str | None]:
    """A page of clients that are not deleted, oldest first."""
    statement = select(Client).where(col(Client.status) != "deleted")
    if kind:
        statement = statement.where(Client.kind == kind)
    paged = paginate(statement, keys=[col(Client.id)], limit=limit, cursor=cursor)  # type: ignore[list-item]
    rows = session.exec(paged).all()  # type: ignore[call-overload]
    return page_of(rows, limit=limit, key_of=lambda c: [c.id])


def get_client(session: Session, *, client_id: str) -> Client:
    """A client that is not deleted, or 404."""
    client = session.get(Client, client_id)
    if client is None or client.status == "deleted":
        raise ClientNotFound(f"No client {client_id}.")
    return client


def update_client(
    session: Session, *, client_id: str, data: ClientUpdate, if_match: str | None
) -> Client:
    """Rename a client, narrow or widen its scopes within its kind, or change its limits."""
    client = get_client(session, client_id=client_id)
    check_etag(if_match, etag_of(client.id, client.version))
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and data.name is not None:
        client.name = data.name
    if "scopes" in changes and data.scopes is not None:
        client.scopes = _allowed_scopes(client.kind, data.scopes)
    if "rate_limits" in changes:
        limits = data.rate_limits.model_dump(exclude_none=True) if data.rate_limits else None
        client.rate_limits = limits or None
    client.version += 1
    client.updated_at = utcnow()
    session.add(client)
    session.flush()
    return client


def set_status(session: Session, *, client_id: str, status: str) -> Client:
    """Suspend or reactivate a client."""
    client = get_client(session, client_id=client_id)
    if client.status != status:
        client.status = status
        client.version += 1
        client.updated_at = utcnow()
        session.add(client)
        session.flush()
    return client


def delete_client(session: Session, *, client_id: str) -> None:
    """Delete a client: revoke its keys and secret, keep the row for the record."""
    client = get_client(session, client_id=client_id)
    now = utcnow()
    session.exec(
        update(ApiKey)
        .where(col(ApiKey.client_id) == client_id, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=now)
    )  # type: ignore[call-overload]
    client.status = "deleted"
    client.secret_hash = None
    client.version += 1
    client.updated_at = now
    session.add(client)
    session.flush()


def create_api_key(
    session: Session,
    *,
    client_id: str,
    prefix: str,
    label: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Add an API key to a client (several may be active at once, for rotation)."""
    get_client(session, client_id=client_id)
    row, key = _new_key(
        session, client_id=client_id, prefix=prefix, label=label, expires_at=expires_at
    )
    return row, key


def ensure_api_key(session: Session, *, client_id: str, key: str, label: str) -> ApiKey:
    """Register a known key for a client if it is not there yet (demo data)."""
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key))).first()
    if row is None:
        row, _ = _new_key(session, client_id=client_id, prefix="", label=label, key=key)
    return row


def list_api_keys(session: Session, *, client_id: str) -> list[ApiKey]:
    """A client's keys, newest first."""
    get_client(session, client_id=client_id)
    statement = select(ApiKey).where(ApiKey.client_id == client_id).order_by(col(ApiKey.id).desc())
    return list(session.exec(statement).all())


def revoke_api_key(session: Session, *, client_id: str, key_id: str) -> ApiKey:
    """Revoke one key of a client (idempotent)."""
    row = session.get(ApiKey, key_id)
    if row is None or row.client_id != client_id:
        raise ApiKeyNotFound(f"No key {key_id} for client {client_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
    return row


def rotate_secret(session: Session, *, client_id: str) -> str:
    """Issue a new OAuth client secret, replacing the previous one."""
    client = get_client(session, client_id=client_id)
    secret = generate_client_secret()
    client.secret_hash = hash_client_secret(client_id, secret)
    client.version += 1
    client.updated_at = utcnow()
    session.add(client)
    session.flush()
    return secret


def find_caller_by_key(session: Session, *, key_hash: str) -> Caller | None:
    """The active client owning a live key with this hash."""
    row = session.exec(
        select(ApiKey, Client)
        .join(Client, col(Client.id) == col(ApiKey.client_id))
        .where(ApiKey.key_hash == key_hash)
    ).first()
    if row is None:
        return None
    key, client = row
    expires_at = as_utc(key.expires_at)
    if key.revoked_at is not None or client.status != "active":
        return None
    if expires_at is not None and expires_at <= utcnow():
        return None
    return caller_of(client, key_id=key.id, key_expires_at=expires_at)


def find_active_caller(session: Session, *, client_id: str) -> Caller | None:
    """An active client by id."""
    client = session.get(Client, client_id)
    if client is None or client.status != "active":
        return None
    return caller_of(client)


def check_client_secret(
    session: Session, *, client_id: str, secret: str, verifier: SecretVerifier
) -> tuple[Caller, bool] | None:
    """The active client whose secret this is, and whether its hash is still an older argon2."""
    client = session.get(Client, client_id)
    stored = client.secret_hash if client is not None and client.status == "active" else None
    if not verifier.verify(client_id=client_id, secret=secret, stored=stored):
        return None
    assert client is not None and stored is not None
    return caller_of(client), is_legacy(stored)


def rehash_client_secret(session: Session, *, client_id: str, secret: str) -> None:
    """Rewrite a client's verified argon2 hash as keyed SHA-256."""
    # Only an argon2 hash: a rotation landing meanwhile wrote the keyed form, which stays.
    session.exec(
        update(Client)
        .where(col(Client.id) == client_id, col(Client.secret_hash).like("$argon2%"))
        .values(secret_hash=hash_client_secret(client_id, secret))
    )  # type: ignore[call-overload]


def touch_keys(session: Session, *, used: dict[str, datetime]) -> None:
    """Record when keys were last used (batched, off the hot path)."""
    for key_id, when in used.items():
        session.exec(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=when))  # type: ignore[call-overload]
    session.flush()
