"""A small app built only from the kernel, to test each kernel piece through HTTP."""

import asyncio
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, select
from sqlmodel import Field as SQLField
from sqlmodel import Session, SQLModel
from starlette.background import BackgroundTask

from services.common.app import ConsumerFactory, WorkerFactory, create_service_app
from services.common.db import SessionDep
from services.common.errors import Conflict, NotFound, problem_responses
from services.common.etag import check_if_match, etag_of
from services.common.idempotency import Idempotency, idempotent
from services.common.identity import CurrentClient, Principal, authorize
from services.common.ids import new_id
from services.common.models import IdempotencyRecord
from services.common.outbox import emit
from services.common.pagination import CursorQuery, LimitQuery, Page, page_of, paginate
from services.common.settings import ServiceSettings
from services.common.unitofwork import UnitOfWorkDep, UnitOfWorkRoute

MIGRATIONS = Path(__file__).parent / "migrations"


class KernelSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KERNEL_", extra="ignore")


class Widget(SQLModel, table=True):
    __tablename__ = "widgets"
    id: str = SQLField(primary_key=True)
    name: str
    version: int = 1


class AppliedWidget(SQLModel, table=True):
    __tablename__ = "applied_widgets"
    event_id: str = SQLField(primary_key=True)
    widget_id: str


class WidgetIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)


class WidgetOut(BaseModel):
    id: str
    name: str
    version: int


class AnsweredWidgetIn(WidgetIn):
    status: int = Field(ge=200, le=599)
    # Note in app.state.after_answer whether the request's session still had a transaction
    # open once the answer was sent (a background task runs after the answer is sent).
    probe: bool = False


class WidgetCount(BaseModel):
    count: int


def count_cache(request: Request) -> dict[str, int]:
    """The app's cached widget count (empty until read)."""
    if not hasattr(request.app.state, "widget_count"):
        request.app.state.widget_count = {}
    cache: dict[str, int] = request.app.state.widget_count
    return cache


router = APIRouter(route_class=UnitOfWorkRoute)
Writer = Annotated[Principal, Depends(authorize(scopes=["widgets:write"]))]
Idem = Annotated[Idempotency | None, Depends(idempotent(required=True))]


@router.post(
    "/v1/widgets", name="create_widget", status_code=201, responses=problem_responses(400, 409, 422)
)
def create_widget(
    body: WidgetIn,
    session: SessionDep,
    _client: Writer,
    idem: Idem,
    response: Response,
    request: Request,
    uow: UnitOfWorkDep,
) -> WidgetOut:
    if body.name == "taken":
        raise Conflict("That name is taken.", code="name_taken")
    if body.name == "boom":
        raise RuntimeError("secret internal detail: password=hunter2")
    widget = Widget(id=new_id("wid"), name=body.name)
    session.add(widget)
    if body.name.startswith("needs-gate"):  # fails until a widget named "gate" exists
        session.flush()
        gate = session.execute(select(Widget).where(Widget.__table__.c.name == "gate")).first()
        if gate is None and body.name == "needs-gate-crash":
            raise RuntimeError("the gate is not there yet")
        if gate is None:
            raise Conflict("No gate yet.", code="gate_missing")
    if body.name == "overtaken":  # another request took the key and finished meanwhile
        assert idem is not None
        # The claim is this request's uncommitted row until its transaction ends: another
        # request can take the key once this one rolled back, before the request has ended.
        claim = session.get(IdempotencyRecord, (idem.client_id, idem.key))
        assert claim is not None
        request_hash = claim.request_hash
        session.rollback()
        with request.app.state.database.session() as other:
            other.add(
                IdempotencyRecord(
                    client_id=idem.client_id,
                    key=idem.key,
                    request_hash=request_hash,
                    state="done",
                    status_code=201,
                    response_body='{"id": "wid_taker"}',
                )
            )
            other.commit()
        raise Conflict("Overtaken, then refused.", code="overtaken")
    if body.name == "fails-after-write":
        session.flush()  # holds the write lock (SQLite) when the error unwinds the request
        raise Conflict("Refused after writing.", code="refused_after_write")
    emit(session, "widget.created", {"id": widget.id, "name": widget.name})
    assert idem is not None
    # The cached count is stale once the new widget is committed (not before: a read in
    # between would cache the old count again).
    uow.after_commit(count_cache(request).clear)
    response.headers["Location"] = f"/v1/widgets/{widget.id}"
    return WidgetOut.model_validate(widget, from_attributes=True)


@router.post(
    "/v1/widgets/answered",
    name="create_widget_answering",
    responses=problem_responses(400, 409, 422),
)
def create_widget_answering(
    body: AnsweredWidgetIn,
    session: SessionDep,
    _client: Writer,
    idem: Idem,
    request: Request,
    uow: UnitOfWorkDep,
) -> Response:
    """Writes a widget, then answers with the status asked for, as a returned response (not
    an exception): an error status must undo the write like a raised error does."""
    widget = Widget(id=new_id("wid"), name=body.name)
    session.add(widget)
    session.flush()
    emit(session, "widget.created", {"id": widget.id, "name": widget.name})
    uow.after_commit(count_cache(request).clear)
    state = request.app.state
    uow.after_commit(lambda: setattr(state, "hook_on_loop", _on_event_loop()))
    hold = getattr(state, "hold_commit", None)  # (started, release, fails): a test holds it
    if hold is not None:

        def held(_session: Session, _response: Response) -> None:
            hold[0].set()
            hold[1].wait(10)
            if hold[2]:
                raise RuntimeError("the commit failed")

        uow.before_commit(held)

    # (started, release, fails): a test holds it; `fails` then refuses the request (409)
    held_handler = getattr(state, "hold_handler", None)
    if held_handler is not None:
        held_handler[0].set()
        held_handler[1].wait(10)
        if held_handler[2]:
            raise Conflict("refused once released", code="widget_refused")

    def probe() -> None:
        state.after_answer = session.in_transaction()

    return JSONResponse(
        {"id": widget.id},
        status_code=body.status,
        background=BackgroundTask(probe) if body.probe else None,
    )


@router.get("/v1/widgets/count", name="count_widgets", response_model=WidgetCount)
def count_widgets(request: Request, session: SessionDep, _client: CurrentClient) -> WidgetCount:
    """The number of widgets, cached until a write's after-commit hook clears the cache."""
    cache = count_cache(request)
    if "count" not in cache:
        cache["count"] = session.execute(select(func.count()).select_from(Widget)).scalar_one()
    return WidgetCount(count=cache["count"])


@router.get("/v1/widgets", name="list_widgets", response_model=Page[WidgetOut])
def list_widgets(
    session: SessionDep, _client: CurrentClient, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[WidgetOut]:
    statement = paginate(select(Widget), keys=[Widget.__table__.c.id], limit=limit, cursor=cursor)
    rows = session.execute(statement).scalars().all()
    kept, next_cursor = page_of(rows, limit=limit, key_of=lambda w: [w.id])
    return Page[WidgetOut](
        items=[WidgetOut.model_validate(w, from_attributes=True) for w in kept],
        next_cursor=next_cursor,
    )


@router.get("/v1/widgets/{widget_id}", name="get_widget", response_model=WidgetOut)
def get_widget(
    widget_id: str, session: SessionDep, _client: CurrentClient, response: Response
) -> WidgetOut:
    widget = session.get(Widget, widget_id)
    if widget is None:
        raise NotFound(f"No widget {widget_id}.")
    response.headers["ETag"] = etag_of(widget.id, widget.version)
    return WidgetOut.model_validate(widget, from_attributes=True)


@router.patch(
    "/v1/widgets/{widget_id}",
    name="rename_widget",
    response_model=WidgetOut,
    responses=problem_responses(412, 428),
)
def rename_widget(
    widget_id: str,
    body: WidgetIn,
    request: Request,
    response: Response,
    session: SessionDep,
    _client: Writer,
) -> WidgetOut:
    widget = session.get(Widget, widget_id, with_for_update=True)  # no lost update
    if widget is None:
        raise NotFound(f"No widget {widget_id}.")
    check_if_match(request, etag_of(widget.id, widget.version))
    widget.name = body.name
    widget.version += 1
    session.add(widget)
    response.headers["ETag"] = etag_of(widget.id, widget.version)
    return WidgetOut.model_validate(widget, from_attributes=True)


def create_app(
    settings: KernelSettings,
    consumers: ConsumerFactory | None = None,
    workers: WorkerFactory | None = None,
) -> FastAPI:
    return create_service_app(
        settings=settings,
        title="kernel test app",
        description="Exercises the kernel.",
        routers=[router],
        migrations=MIGRATIONS,
        consumers=consumers,
        workers=workers,
    )


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
