"""The event feed: commit order, paging by `after`, scope, and no event skipped under concurrency."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from services.common.models import OutboxEvent
from services.common.outbox import TX_SHIFT, emit, emit_many, last_seq, read_events, visible
from tests.common.test_errors import assert_problem


def test_feed_needs_the_events_scope(client: TestClient, reader: dict) -> None:
    assert_problem(client.get("/v1/events", headers=reader), 403, "insufficient_scope")
    assert_problem(client.get("/v1/events"), 401, "missing_token")


def test_feed_pages_in_order(client: TestClient, writer: dict) -> None:
    for i in range(5):
        client.post(
            "/v1/widgets", json={"name": f"w{i}"}, headers={**writer, "Idempotency-Key": f"k{i}"}
        )
    first = client.get("/v1/events", params={"after": 0, "limit": 3}, headers=writer).json()
    assert [e["payload"]["name"] for e in first["items"]] == ["w0", "w1", "w2"]
    rest = client.get("/v1/events", params={"after": first["next_after"]}, headers=writer).json()
    assert [e["payload"]["name"] for e in rest["items"]] == ["w3", "w4"]
    seqs = [e["seq"] for e in first["items"] + rest["items"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    empty = client.get("/v1/events", params={"after": rest["next_after"]}, headers=writer).json()
    assert empty == {"items": [], "next_after": rest["next_after"]}


def test_feed_limit_is_validated(client: TestClient, writer: dict) -> None:
    body = assert_problem(
        client.get("/v1/events?limit=100000", headers=writer), 422, "validation_failed"
    )
    assert body["errors"][0]["field"] == "query.limit"
    assert_problem(client.get("/v1/events?after=-1", headers=writer), 422, "validation_failed")
    assert_problem(
        client.get(f"/v1/events?after={2**63}", headers=writer), 422, "validation_failed"
    )


def test_rolled_back_change_leaves_no_event(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    with kernel_app.state.database.session() as session:
        emit(session, "widget.created", {"id": "ghost"})
        session.rollback()
    assert client.get("/v1/events", headers=writer).json()["items"] == []


def test_concurrent_writers_never_let_a_reader_skip_an_event(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """Readers poll while writers commit; every event must reach the reader exactly once."""
    database = kernel_app.state.database
    total = 60

    def write(i: int) -> None:
        with database.session() as session:
            emit(session, "widget.created", {"i": i})
            session.commit()

    seen: list[int] = []
    after = 0
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(write, i) for i in range(total)]
        while len(seen) < total:
            page = client.get(
                "/v1/events", params={"after": after, "limit": 7}, headers=writer
            ).json()
            seen += [e["payload"]["i"] for e in page["items"]]
            after = page["next_after"]
            if all(f.done() for f in futures) and not page["items"] and len(seen) < total:
                break
    for future in futures:
        future.result()  # a writer that failed names its error here, not as a "skipped" event
    assert sorted(seen) == list(range(total))


def test_a_later_commit_waits_for_an_earlier_writer_so_the_reader_skips_nothing(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """Deterministic: one writer holds an uncommitted event while another commits a later one.

    On PostgreSQL a sequence would hand out `seq` before commit, the later event would be
    visible first and the reader would move past the earlier one. There the later writer
    commits at once but its event stays below the reader's horizon (the oldest transaction in
    flight) until the earlier one ends. On SQLite `BEGIN IMMEDIATE` makes the second writer wait.
    """
    database = kernel_app.state.database
    held = database.session()
    later_done = threading.Event()

    def write_later() -> None:
        with database.session() as session:
            emit(session, "widget.created", {"name": "later"})
            session.commit()
        later_done.set()

    try:
        emit(held, "widget.created", {"name": "earlier"})  # its row (and seq) exists, uncommitted
        with ThreadPoolExecutor(1) as pool:
            later = pool.submit(write_later)
            later_done.wait(timeout=2)  # PostgreSQL: it commits at once; SQLite: it waits
            page = client.get("/v1/events", headers=writer).json()
            seen = [event["payload"]["name"] for event in page["items"]]
            held.commit()
            later.result(timeout=30)
    finally:
        held.close()
    rest = client.get("/v1/events", params={"after": page["next_after"]}, headers=writer).json()
    seen += [event["payload"]["name"] for event in rest["items"]]
    assert seen == ["earlier", "later"], f"the reader saw {seen}"


# --- Ordering without a writers' lock (PostgreSQL: positions from the transaction id) ---------


def _postgres(app: FastAPI) -> bool:
    return app.state.database.engine.dialect.name == "postgresql"


def _names(client: TestClient, writer: dict, after: int = 0) -> tuple[list[str], int]:
    page = client.get("/v1/events", params={"after": after}, headers=writer).json()
    return [event["payload"]["name"] for event in page["items"]], page["next_after"]


def test_writers_do_not_wait_for_each_other_and_the_reader_waits_for_both(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """PostgreSQL: a second writer commits while the first still holds its uncommitted event
    (no lock serialises them); the reader shows neither until the first ends, then both."""
    if not _postgres(kernel_app):
        pytest.skip("SQLite writers are one at a time by design (BEGIN IMMEDIATE)")
    database = kernel_app.state.database
    held = database.session()
    try:
        emit(held, "widget.created", {"name": "first"})

        def write_second() -> None:
            with database.session() as session:
                emit(session, "widget.created", {"name": "second"})
                session.commit()

        with ThreadPoolExecutor(1) as pool:
            pool.submit(write_second).result(timeout=10)  # would block behind a lock
        assert _names(client, writer) == ([], 0)  # "second" is held back, not passed over
        held.commit()
    finally:
        held.close()
    assert _names(client, writer)[0] == ["first", "second"]


def test_an_older_transaction_that_emits_late_is_not_skipped(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """PostgreSQL: a transaction took its id first but emits after a younger one committed.

    Its event's position is below the younger one's; the reader must not have moved past it.
    """
    if not _postgres(kernel_app):
        pytest.skip("PostgreSQL transaction ids")
    database = kernel_app.state.database
    older = database.session()
    try:
        older.execute(text("SELECT pg_current_xact_id()"))  # the older transaction's id
        with database.session() as younger:
            emit(younger, "widget.created", {"name": "younger"})
            younger.commit()
        seen, after = _names(client, writer)
        assert seen == []
        emit(older, "widget.created", {"name": "older"})
        older.commit()
    finally:
        older.close()
    rest, _ = _names(client, writer, after)
    assert rest == ["older", "younger"]  # feed order is transaction order, nothing skipped


def test_events_of_one_transaction_keep_their_order_and_carry_its_id(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    database = kernel_app.state.database
    with database.session() as session:
        emit(session, "widget.created", {"name": "a"})
        emit_many(session, [("widget.created", {"name": n}) for n in ("b", "c", "d")])
        nested = session.begin_nested()
        emit(session, "widget.created", {"name": "rolled back"})
        nested.rollback()
        emit(session, "widget.created", {"name": "e"})
        xid = (
            int(session.execute(text("SELECT pg_current_xact_id()::text")).scalar_one())
            if _postgres(kernel_app)
            else None
        )
        session.commit()
    page = client.get("/v1/events", headers=writer).json()["items"]
    assert [event["payload"]["name"] for event in page] == ["a", "b", "c", "d", "e"]
    seqs = [event["seq"] for event in page]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    if xid is not None:
        assert {seq >> TX_SHIFT for seq in seqs} == {xid}  # each position carries the xid8


def test_many_writers_and_readers_each_reader_sees_every_committed_event_once_in_order(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """8 writers commit or roll back transactions of 1–3 events; two readers page by 5 (one over
    HTTP, one in-process with `visible`) until all are in: nothing skipped, nothing doubled,
    positions strictly increasing, nothing rolled back."""
    database = kernel_app.state.database
    total = 48
    committed: list[str] = []
    lock = threading.Lock()

    def write(i: int) -> None:
        with database.session() as session:
            names = [f"{i}.{k}" for k in range(1 + i % 3)]
            emit_many(session, [("widget.created", {"name": n}) for n in names])
            if i % 7 == 3:
                session.rollback()
                return
            session.commit()
        with lock:
            committed.extend(names)

    def read_http() -> list[tuple[int, str]]:
        return [(e["seq"], e["payload"]["name"]) for e in _page_http(client, writer)]

    def read_direct() -> list[tuple[int, str]]:
        got: list[tuple[int, str]] = []
        after = 0
        while True:
            with database.session(write=False) as session:
                page = read_events(session, after=after, limit=5)
            got += [(e.seq, e.payload["name"]) for e in page.items]
            after = page.next_after
            if done.is_set() and not page.items:
                with database.session(write=False) as session:
                    if not read_events(session, after=after, limit=5).items:
                        return got

    done = threading.Event()
    with ThreadPoolExecutor(10) as pool:
        readers = [pool.submit(read_direct), pool.submit(read_direct)]
        writers = [pool.submit(write, i) for i in range(total)]
        for future in writers:
            future.result()
        done.set()
        results = [reader.result(timeout=60) for reader in readers]
    results.append(read_http())
    for got in results:
        seqs = [seq for seq, _ in got]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert sorted(name for _, name in got) == sorted(committed)


def _page_http(client: TestClient, writer: dict) -> list[dict]:
    items: list[dict] = []
    after = 0
    while True:
        page = client.get("/v1/events", params={"after": after, "limit": 5}, headers=writer).json()
        if not page["items"]:
            return items
        items += page["items"]
        after = page["next_after"]


def test_feed_reads_only_below_the_oldest_transaction_in_flight(kernel_app: FastAPI) -> None:
    """`visible` (what every in-process reader of the outbox adds) hides what a transaction
    in flight could still precede; `last_seq` too."""
    database = kernel_app.state.database
    with database.session() as session:
        emit(session, "widget.created", {"name": "committed"})
        session.commit()
    with database.session(write=False) as session:
        before = last_seq(session)
    assert before > 0
    if not _postgres(kernel_app):
        assert visible(database.session()) == ()
        return
    held = database.session()
    try:
        held.execute(text("SELECT pg_current_xact_id()"))
        with database.session() as session:
            emit(session, "widget.created", {"name": "after the held one"})
            session.commit()
        with database.session(write=False) as session:
            assert last_seq(session) == before
            rows = session.exec(select(OutboxEvent).where(*visible(session))).all()
            assert [row.payload["name"] for row in rows] == ["committed"]
    finally:
        held.rollback()
        held.close()
    with database.session(write=False) as session:
        assert last_seq(session) > before
