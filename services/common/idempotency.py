"""`Idempotency-Key` on POSTs: the first outcome is stored and replayed for a retry."""

import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Header, Request
from fastapi.responses import Response
from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from starlette.concurrency import run_in_threadpool

from services.common.clock import utcnow
from services.common.db import SessionDep
from services.common.errors import (
    IdempotencyInProgress,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    IdempotencyRetry,
)
from services.common.identity import CurrentClient
from services.common.models import IdempotencyRecord
from services.common.unitofwork import require_unit_of_work

IN_PROGRESS, DONE = "in_progress", "done"
REPLAY_HEADER = "Idempotent-Replayed"
STALE_AFTER = timedelta(minutes=5)
_RECORDS = IdempotencyRecord.__table__  # type: ignore[attr-defined]
# Every POST claims a key and stores its answer: both statements are built once (building and
# keying a statement per request cost more CPU than running it).
_CLAIM = insert(_RECORDS).values(
    client_id=bindparam("p_client"),
    key=bindparam("p_key"),
    request_hash=bindparam("p_hash"),
    state=IN_PROGRESS,
    created_at=bindparam("p_now", type_=_RECORDS.c.created_at.type),
)
_STORE = (
    update(_RECORDS)
    .where(_RECORDS.c.client_id == bindparam("p_client"))
    .where(_RECORDS.c.key == bindparam("p_key"))
    .values(
        state=DONE,
        status_code=bindparam("p_status", type_=_RECORDS.c.status_code.type),
        response_body=bindparam("p_body", type_=_RECORDS.c.response_body.type),
        response_headers=bindparam("p_headers", type_=_RECORDS.c.response_headers.type),
    )
)

KeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="A unique key per operation; a retry with the same key and body "
        "returns the first answer without doing the work again.",
    ),
]


class IdempotentReplay(Exception):
    """The request repeats a finished one; answer with the stored response."""

    def __init__(self, status_code: int, body: str, headers: dict[str, str] | None) -> None:
        self.status_code = status_code
        self.body = body
        self.headers = headers or {}


async def replay_handler(_request: Request, exc: Exception) -> Response:
    """Answer a replay with the first response, marked as replayed."""
    assert isinstance(exc, IdempotentReplay)
    return Response(
        exc.body,
        status_code=exc.status_code,
        media_type="application/json",
        headers={**exc.headers, REPLAY_HEADER: "true"},
    )


_NOT_STORED = frozenset({"content-length", "content-type"})


class Idempotency:
    """A claimed key: the unit of work stores the answer with the request's changes."""

    def __init__(self, client_id: str, key: str) -> None:
        self.client_id = client_id
        self.key = key

    def store(self, session: Session, response: Response) -> None:
        """Record the answer in the request's transaction (committed with its changes)."""
        headers = {
            name: value for name, value in response.headers.items() if name not in _NOT_STORED
        }
        session.execute(
            _STORE,
            {
                "p_client": self.client_id,
                "p_key": self.key,
                "p_status": response.status_code,
                "p_body": bytes(response.body).decode(),
                "p_headers": headers,
            },
        )


def _request_hash(request: Request, body: bytes, org: str | None) -> str:
    # The organisation a portal acts for is part of the request: the same key sent on behalf
    # of another enterprise is a different request (422), never a replay of the first one.
    digest = hashlib.sha256()
    digest.update(
        f"{request.method} {request.url.path}?{request.url.query}\n{org or ''}\n".encode()
    )
    digest.update(body)
    return digest.hexdigest()


def _claim(session: Session, client_id: str, key: str, request_hash: str) -> None:
    # The claim is a row of the request's own transaction, committed with its work and answer
    # or rolled back: a request whose process dies leaves no claim, so its retry does the work
    # at once; a request with the same key meanwhile waits for it (PostgreSQL: on the key's
    # index; SQLite: on the write lock), then replays its answer or claims the key. A claim
    # committed in progress (by an older version) is waited for until stale, then reclaimed.
    # Core statements on the table (here and in `store`): the ORM's unit of work and bulk-update
    # machinery cost more CPU than the statements themselves on every POST.
    try:
        session.execute(
            _CLAIM,
            {"p_client": client_id, "p_key": key, "p_hash": request_hash, "p_now": utcnow()},
        )
        return
    except IntegrityError:
        session.rollback()
    # Any answer raised below ends the request: its unit of work rolls this transaction back.
    record = session.get(IdempotencyRecord, (client_id, key))
    if record is None:  # deleted since our insert failed (an older version's release): retry
        raise IdempotencyRetry("A request with this Idempotency-Key just finished; retry.")
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused("This Idempotency-Key was used with a different request.")
    if record.state == DONE:
        raise IdempotentReplay(
            record.status_code or 200, record.response_body or "null", record.response_headers
        )
    cutoff = utcnow() - STALE_AFTER
    reclaimed = session.execute(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.client_id) == client_id)
        .where(col(IdempotencyRecord.key) == key)
        .where(col(IdempotencyRecord.state) == IN_PROGRESS)
        .where(col(IdempotencyRecord.created_at) < cutoff)
        .values(created_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if reclaimed.rowcount != 1:  # type: ignore[attr-defined]
        raise IdempotencyInProgress(
            "A request with this Idempotency-Key is still being processed.",
            headers={"Retry-After": "1"},
        )
    # Reclaimed: the claim is held in this transaction, like a new one.


def idempotent(*, required: bool) -> Callable[..., Awaitable[Idempotency | None]]:
    """A dependency making a POST idempotent on the caller's `Idempotency-Key`."""

    async def dependency(
        request: Request,
        client: CurrentClient,
        session: SessionDep,
        idempotency_key: KeyHeader = None,
    ) -> Idempotency | None:
        if idempotency_key is None:
            if required:
                raise IdempotencyKeyRequired("This operation requires an Idempotency-Key header.")
            return None
        uow = require_unit_of_work(request)
        # A route that streamed its body to disk (an import) leaves its digest instead.
        streamed: str | None = getattr(request.state, "body_sha256", None)
        body = streamed.encode() if streamed is not None else await request.body()
        await run_in_threadpool(
            _claim,
            session,
            client.client_id,
            idempotency_key,
            _request_hash(request, body, client.org),
        )
        claim = Idempotency(client.client_id, idempotency_key)
        uow.before_commit(claim.store)
        return claim

    return dependency
