"""Kernel paths the service tests do not reach: each checked through the kernel test app or the
kernel's public functions, asserting what the caller gets."""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, SecretStr, ValidationError, field_validator
from sqlmodel import Session

from services.common.app import create_service_app
from services.common.consumer import FeedConsumer, FeedEvent
from services.common.dates import IsoDate, shanghai_date
from services.common.db import Database, SessionDep, make_engine
from services.common.errors import Conflict, InvalidCursor, install_problem_handlers
from services.common.migrations import alembic_config
from services.common.outbox import emit, emit_many, last_seq
from services.common.pagination import encode_cursor, page_of, paginate
from services.common.unitofwork import require_unit_of_work
from tests.common.kernel_app.app import MIGRATIONS, AppliedWidget, KernelSettings, router
from tests.common.test_errors import assert_problem
from tests.conftest import DatabaseTarget
from tests.support import migrated_settings

MIB = 1024 * 1024


def _unmigrated_settings(target: DatabaseTarget, jwks_json: str, **extra: Any) -> KernelSettings:
    return KernelSettings(
        environment="test",
        database_url=target.url,
        database_schema=target.schema,
        internal_jwks=jwks_json,
        log_json=False,
        log_level="WARNING",
        **extra,
    )


def _tables(database: Database) -> set[str]:
    with database.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names(schema=database.schema))


# app: migrate on start -------------------------------------------------------------------------


def test_an_app_that_migrates_on_start_serves_a_fresh_database(
    new_database_target: Callable[[], DatabaseTarget], jwks_json: str, writer: dict
) -> None:
    settings = _unmigrated_settings(new_database_target(), jwks_json)
    app = create_service_app(
        settings=settings,
        title="kernel",
        description="migrates itself",
        routers=[router],
        migrations=MIGRATIONS,
        migrate_on_start=True,
    )
    assert "widgets" not in _tables(app.state.database)
    with TestClient(app) as client:
        created = client.post(
            "/v1/widgets", json={"name": "fresh"}, headers={**writer, "Idempotency-Key": "f"}
        )
        assert created.status_code == 201, created.text
        assert [w["name"] for w in client.get("/v1/widgets", headers=writer).json()["items"]] == [
            "fresh"
        ]


def test_the_kernel_tables_go_with_a_downgrade(
    new_database_target: Callable[[], DatabaseTarget], jwks_json: str
) -> None:
    settings = migrated_settings(
        KernelSettings, target=new_database_target(), jwks_json=jwks_json, migrations=MIGRATIONS
    )
    database = Database(settings.resolved_database_url, schema=settings.resolved_schema)
    try:
        kernel = {"outbox_events", "idempotency_records", "consumer_cursors", "processed_events"}
        assert kernel | {"widgets"} <= _tables(database)
        command.downgrade(alembic_config(settings.service_name, MIGRATIONS, database), "base")
        assert _tables(database) & (kernel | {"widgets", "applied_widgets"}) == set()
    finally:
        database.dispose()


# bodylimit and inputguard ----------------------------------------------------------------------


def test_too_many_headers_are_a_431_problem(client: TestClient, writer: dict) -> None:
    many = {f"X-Extra-{n}": "1" for n in range(120)}
    refused = client.get("/v1/widgets", headers={**writer, **many})
    assert refused.status_code == 431
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "headers_too_large"
    assert "at most 100 headers" in refused.json()["detail"]
    assert client.get("/v1/widgets", headers=writer).status_code == 200


def test_a_nul_in_the_path_is_refused_naming_the_path(client: TestClient, writer: dict) -> None:
    body = assert_problem(client.get("/v1/widgets/a%00b", headers=writer), 422, "nul_character")
    assert body["errors"][0]["field"] == "path"


def test_a_json_body_longer_than_the_inspected_prefix_reaches_the_route_whole(
    kernel_settings: KernelSettings, writer: dict
) -> None:
    app = create_service_app(
        settings=kernel_settings,
        title="kernel",
        description="a route class with a larger body limit",
        routers=[router],
        migrations=MIGRATIONS,
        body_limits={"/v1/widgets": 3 * MIB},
    )
    padding = "x" * (2 * MIB)
    raw = ('{"pad": "' + padding + '", "name": "long"}').encode()

    def chunks() -> Any:
        for start in range(0, len(raw), 256 * 1024):
            yield raw[start : start + 256 * 1024]

    with TestClient(app) as client:
        created = client.post(
            "/v1/widgets",
            content=chunks(),
            headers={**writer, "Idempotency-Key": "long", "content-type": "application/json"},
        )
        assert created.status_code == 201, created.text[:300]
        assert created.json()["name"] == "long"  # the name after 2 MiB of padding arrived


def test_the_nul_guard_hands_on_a_streamed_body_past_what_it_inspects() -> None:
    from services.common.inputguard import MAX_INSPECTED_BODY, RejectNulMiddleware

    chunk = 256 * 1024
    raw = b'{"pad": "' + b"x" * (MAX_INSPECTED_BODY + 3 * chunk) + b'"}'
    parts = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    sent = [
        {"type": "http.request", "body": part, "more_body": n < len(parts) - 1}
        for n, part in enumerate(parts)
    ]
    seen: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return sent.pop(0) if sent else {"type": "http.disconnect"}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message)
            if not message.get("more_body", False):
                break
        seen.append(await receive())  # a read after the body: the caller has nothing more

    async def send(message: Any) -> None:
        raise AssertionError(f"the guard answered itself: {message}")

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/widgets",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    asyncio.run(RejectNulMiddleware(app)(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in seen if m["type"] == "http.request")
    assert body == raw
    assert seen[-1] == {"type": "http.disconnect"}
    assert len(seen) > 2  # the inspected prefix in one message, then the rest as it streamed


@pytest.mark.parametrize("declared", [b"1025", b"1025 ", b" 1025", b"1025\t"])
def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(declared: bytes) -> None:
    """Whitespace around the Content-Length (which httptools passes on) does not hide it."""
    from services.common.bodylimit import BodyLimitMiddleware

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the app was called")

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/widgets",
        "query_string": b"",
        "headers": [(b"content-length", declared)],
    }
    asyncio.run(BodyLimitMiddleware(app, default=1024)(scope, receive, send))
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "payload_too_large"


# consumer --------------------------------------------------------------------------------------


def test_poll_once_applies_handled_types_and_moves_past_the_others(
    kernel_app: FastAPI,
    new_database_target: Callable[[], DatabaseTarget],
    jwks_json: str,
    auth_headers: Any,
) -> None:
    with kernel_app.state.database.session() as session:
        emit(session, "widget.created", {"id": "w1"})
        emit(session, "widget.renamed", {"id": "w1", "name": "n"})
        emit(session, "widget.created", {"id": "w2"})
        session.commit()
    target = migrated_settings(
        KernelSettings, target=new_database_target(), jwks_json=jwks_json, migrations=MIGRATIONS
    )
    database = Database(target.resolved_database_url, schema=target.resolved_schema)
    headers = auth_headers("kernel", kind="service", scopes=["events:read"])

    def apply(session: Session, event: FeedEvent) -> None:
        session.add(AppliedWidget(event_id=event.id, widget_id=event.payload["id"]))

    consumer = FeedConsumer(
        name="kernel.poll",
        feed_url="http://kernel/v1/events",
        database=database,
        handlers={"widget.created": apply},
        headers=lambda: headers,
        client=httpx.AsyncClient(transport=httpx.ASGITransport(app=kernel_app)),
    )

    async def scenario() -> tuple[int, int]:
        try:
            return await consumer.poll_once(), await consumer.poll_once()
        finally:
            await consumer.aclose()

    assert asyncio.run(scenario()) == (2, 0)
    with database.session() as session:
        applied = sorted(session.execute(sa.select(AppliedWidget.widget_id)).scalars())
        assert last_seq(session) == 0  # the consumer's own outbox is untouched
    assert applied == ["w1", "w2"]
    with kernel_app.state.database.session() as session:
        assert consumer.position() == last_seq(session)  # past the unhandled event too
    database.dispose()


# db --------------------------------------------------------------------------------------------


def test_a_postgresql_engine_uses_psycopg_a_pool_and_the_services_schema() -> None:
    engine = make_engine("postgresql://svc@db.invalid:5432/taiyuan", schema="registry", pool_size=3)
    seen: dict[str, Any] = {}

    class Captured(Exception):
        pass

    @sa.event.listens_for(engine, "do_connect")
    def capture(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise Captured

    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.pool.size() == 3
    with pytest.raises(Exception) as caught:
        engine.connect()
    assert isinstance(caught.value, Captured) or isinstance(
        getattr(caught.value, "orig", None), Captured
    )
    assert seen["options"] == "-csearch_path=registry"
    assert seen["host"] == "db.invalid"
    unscoped = make_engine("postgresql+psycopg://svc@db.invalid/taiyuan")
    assert unscoped.url.drivername == "postgresql+psycopg"
    database = Database("postgresql://svc@db.invalid/taiyuan", schema="registry")
    assert not database.is_sqlite and database.read_engine is database.engine
    database.dispose()
    engine.dispose()
    unscoped.dispose()


def test_an_in_memory_sqlite_database_needs_no_directory(tmp_path: Any) -> None:
    database = Database("sqlite:///:memory:")
    with database.session() as session:
        assert session.execute(sa.text("SELECT 1")).scalar_one() == 1
    database.dispose()
    nested = tmp_path / "a" / "b" / "svc.db"
    on_disk = Database(f"sqlite:///{nested}")
    with on_disk.transaction() as session:
        session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    assert nested.is_file()
    on_disk.dispose()


def test_a_route_outside_a_unit_of_work_gets_a_session_but_no_unit_of_work(
    kernel_settings: KernelSettings, reader: dict
) -> None:
    plain = APIRouter()  # not a UnitOfWorkRoute

    @plain.get("/v1/plain")
    def plain_route(request: Request, session: SessionDep) -> dict[str, Any]:
        # Nothing commits or rolls back this session: it is closed still in its transaction.
        count = session.execute(sa.text("SELECT COUNT(*) FROM widgets")).scalar_one()
        try:
            require_unit_of_work(request)
        except RuntimeError as exc:
            return {"widgets": count, "refused": str(exc)}
        return {"widgets": count, "refused": None}

    app = create_service_app(
        settings=kernel_settings,
        title="kernel",
        description="a plain route",
        routers=[plain],
        migrations=MIGRATIONS,
    )
    with TestClient(app) as client:
        answer = client.get("/v1/plain", headers=reader).json()
    assert answer == {"widgets": 0, "refused": "/v1/plain is not served by a UnitOfWorkRoute"}


# outbox, errors, dates, settings ----------------------------------------------------------------


def test_emitting_no_events_writes_nothing(kernel_app: FastAPI) -> None:
    with kernel_app.state.database.session() as session:
        before = last_seq(session)
        assert emit_many(session, []) == []
        session.commit()
        assert last_seq(session) == before


def test_a_problem_may_carry_its_own_status_and_title() -> None:
    problem = Conflict("Taken.", code="name_taken", status=423, title="Locked")
    assert (problem.status, problem.code, problem.title, str(problem)) == (
        423,
        "name_taken",
        "Locked",
        "Taken.",
    )
    assert Conflict(code="name_taken").title == "Conflict"


class _Coded(ValueError):
    code = "name_reserved"


def test_a_field_rule_with_its_own_code_names_that_code() -> None:
    app = FastAPI()

    class Named(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def not_reserved(cls, value: str) -> str:
            if value == "reserved":
                raise _Coded("That name is reserved.")
            if value == "plain":
                raise ValueError("plain is not a name")
            return value

    install_problem_handlers(app)

    @app.post("/names")
    def name(body: Named) -> dict[str, str]:
        return {"name": body.name}

    with TestClient(app) as client:
        coded = client.post("/names", json={"name": "reserved"}).json()
        plain = client.post("/names", json={"name": "plain"}).json()
    assert coded["errors"][0]["field"] == "body.name"
    assert coded["errors"][0]["code"] == "name_reserved"
    assert plain["errors"][0]["code"] == "value_error"


def test_shanghai_dates_take_naive_moments_as_utc() -> None:
    late = datetime(2015, 12, 31, 16, 30)  # naive: 16:30 UTC is 00:30 on 1 January in Shanghai
    assert shanghai_date(late) == date(2016, 1, 1)
    assert shanghai_date(late.replace(tzinfo=UTC)) == date(2016, 1, 1)
    assert shanghai_date(late.replace(tzinfo=timezone(timedelta(hours=-5)))) == date(2016, 1, 1)
    assert shanghai_date(datetime(2015, 12, 31, 15, 59)) == date(2015, 12, 31)


def test_a_date_in_a_url_is_written_yyyy_mm_dd_only() -> None:
    class Query(BaseModel):
        day: IsoDate

    assert Query(day="2015-10-01").day == date(2015, 10, 1)  # type: ignore[arg-type]
    assert Query(day=date(2015, 10, 1)).day == date(2015, 10, 1)
    for number in (20151001, 1.5):
        with pytest.raises(ValidationError, match="not as a number"):
            Query(day=number)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="written YYYY-MM-DD"):
        Query(day="20151001")  # type: ignore[arg-type]


def test_a_service_client_from_the_settings_wins_over_its_file(tmp_path: Any) -> None:
    file = tmp_path / "kernel.json"
    file.write_text('{"client_id": "cli_from_file", "client_secret": "file-secret"}')
    settings = KernelSettings(
        service_client_id="cli_set",
        service_client_secret=SecretStr("set-secret"),
        service_client_file=str(file),
    )
    assert settings.service_client() == ("cli_set", "set-secret")
    assert KernelSettings(service_client_file=str(file)).service_client() == (
        "cli_from_file",
        "file-secret",
    )


# pagination over typed keys --------------------------------------------------------------------


def test_cursors_over_integer_date_and_untyped_keys_cover_every_row_once() -> None:
    metadata = sa.MetaData()
    rows = sa.Table(
        "rows",
        metadata,
        sa.Column("n", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("tag", sa.String(8), nullable=False),
    )
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    # The same table read through a column of no known Python type: its cursor stays text.
    untyped = sa.Table(
        "rows", sa.MetaData(), sa.Column("n", sa.Integer), sa.Column("tag", sa.types.NullType)
    )
    start = datetime(2015, 1, 1, 8)
    with engine.begin() as connection:
        connection.execute(
            rows.insert(),
            [
                {
                    "n": n,
                    "day": date(2015, 1, 1 + n % 3),
                    "at": start + timedelta(hours=n),
                    "tag": f"t{n:02}",
                }
                for n in range(10)
            ],
        )
    for table, keys, key_of in (
        (rows, [rows.c.n], lambda r: [r.n]),
        (rows, [rows.c.day, rows.c.n], lambda r: [r.day.isoformat(), r.n]),
        (rows, [rows.c.at], lambda r: [r.at.isoformat()]),
        (untyped, [untyped.c.tag], lambda r: [r.tag]),
    ):
        seen: list[int] = []
        cursor = None
        with engine.connect() as connection:
            while True:
                statement = paginate(sa.select(table), keys=keys, limit=3, cursor=cursor)
                page, cursor = page_of(connection.execute(statement).all(), limit=3, key_of=key_of)
                seen.extend(r.n for r in page)
                if cursor is None:
                    break
        assert sorted(seen) == list(range(10)) and len(seen) == 10, keys
    for keys, values in (
        ([rows.c.n], ["3"]),
        ([rows.c.n], [True]),
        ([rows.c.n], [2**63]),
        ([rows.c.day, rows.c.n], ["2015-13-01", 1]),
        ([rows.c.day, rows.c.n], [20150101, 1]),
        ([rows.c.at], ["yesterday"]),
        ([untyped.c.tag], [7]),
    ):
        with pytest.raises(InvalidCursor) as caught:
            paginate(sa.select(rows), keys=keys, limit=3, cursor=encode_cursor(values))
        assert [e.field for e in caught.value.errors] == ["query.cursor"], values
    engine.dispose()
