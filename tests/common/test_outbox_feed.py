"""The event feed: commit order, paging by `after`, scope, and no event skipped under concurrency."""

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.outbox import announced_value, emit, emit_many, last_seq
from tests.common.test_errors import assert_problem


def test_feed_needs_the_events_scope(client: TestClient, reader: dict) -> None:
    assert_problem(client.get("/v1/events", headers=reader), 403, "insufficient_scope")
    assert_problem(client.get("/v1/events"), 401, "missing_token")


def test_the_feed_documents_the_problems_it_answers_with(client: TestClient) -> None:
    """401, 403 and 422 (the tests here get each) are the feed's documented problem answers."""
    responses = client.get("/openapi.json").json()["paths"]["/v1/events"]["get"]["responses"]
    problems = {code for code in responses if code.startswith("4")}
    assert problems == {"401", "403", "422"}
    for code in problems:
        assert "application/problem+json" in responses[code]["content"], code


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
    zero = assert_problem(
        client.get("/v1/events?limit=0", headers=writer), 422, "validation_failed"
    )
    assert zero["errors"][0]["field"] == "query.limit"


def test_feed_bounds_are_inclusive(client: TestClient, writer: dict) -> None:
    """The largest position (a BIGINT's maximum) and a page of one are valid requests."""
    last = 2**63 - 1
    at_end = client.get(f"/v1/events?after={last}", headers=writer)
    assert at_end.status_code == 200, at_end.text
    assert at_end.json() == {"items": [], "next_after": last}
    for i in range(2):
        client.post(
            "/v1/widgets", json={"name": f"w{i}"}, headers={**writer, "Idempotency-Key": f"b{i}"}
        )
    one = client.get("/v1/events?limit=1", headers=writer).json()
    assert [e["payload"]["name"] for e in one["items"]] == ["w0"]


def test_a_page_holds_100_events_unless_asked_otherwise(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    with kernel_app.state.database.session() as session:
        emit_many(session, [("tick", {"n": n}) for n in range(101)])
        session.commit()
    page = client.get("/v1/events", headers=writer).json()
    assert [e["payload"]["n"] for e in page["items"]] == list(range(100))
    rest = client.get("/v1/events", params={"after": page["next_after"]}, headers=writer).json()
    assert [e["payload"]["n"] for e in rest["items"]] == [100]


def test_events_carry_their_own_id_and_payload_and_the_actor_only_when_given(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    with kernel_app.state.database.session() as session:
        assert last_seq(session) == 0
        ids = emit_many(session, [("a.done", {"n": 1}), ("b.done", {"n": 2}), ("c.done", {})])
        acted = emit(session, "d.done", {"n": 4}, actor="cli_portal")
        plain = emit(session, "e.done", {"n": 5})
        session.commit()
        newest = last_seq(session)
    items = client.get("/v1/events", headers=writer).json()["items"]
    assert [(e["id"], e["type"], e["payload"]) for e in items] == [
        (ids[0], "a.done", {"n": 1}),
        (ids[1], "b.done", {"n": 2}),
        (ids[2], "c.done", {}),
        (acted, "d.done", {"n": 4, "actor": "cli_portal"}),
        (plain, "e.done", {"n": 5}),
    ]
    assert len(set(ids)) == 3
    assert newest == items[-1]["seq"]


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
            # Read whether every writer had finished before the page, not after it: a writer
            # that commits between the two would otherwise look skipped.
            finished = all(f.done() for f in futures)
            page = client.get(
                "/v1/events", params={"after": after, "limit": 7}, headers=writer
            ).json()
            seen += [e["payload"]["i"] for e in page["items"]]
            after = page["next_after"]
            if finished and not page["items"] and len(seen) < total:
                break
    for future in futures:
        future.result()  # a writer that failed names its error here, not as a "skipped" event
    assert sorted(seen) == list(range(total))


def test_a_reader_stops_before_an_earlier_writer_still_in_flight(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """Deterministic: one writer holds an uncommitted event while another commits a later one.

    The sequence hands out `seq` before commit, so the later event (seq 2) is committed while
    the earlier one (seq 1) is still in flight; a reader that served seq 2 would move past 1 and
    never read it. On PostgreSQL the later writer does not wait (writers run in parallel) and the
    reader serves nothing above the in-flight writer's announcement; on SQLite `BEGIN IMMEDIATE`
    makes the later writer wait for the earlier one instead.
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
            if not database.is_sqlite:
                assert later_done.wait(timeout=30), "the later writer waited for the earlier one"
            page = client.get("/v1/events", headers=writer).json()
            seen = [event["payload"]["name"] for event in page["items"]]
            assert seen == [], f"the reader served {seen} past a writer still in flight"
            held.commit()
            later.result(timeout=30)
    finally:
        held.close()
    rest = client.get("/v1/events", params={"after": page["next_after"]}, headers=writer).json()
    seen += [event["payload"]["name"] for event in rest["items"]]
    assert seen == ["earlier", "later"], f"the reader saw {seen}"


def test_a_reader_serves_the_events_below_a_writer_still_in_flight_and_no_later_one(
    kernel_app: FastAPI, client: TestClient, writer: dict
) -> None:
    """Committed seq 1, in flight seq 2, committed seq 3: a reader serves 1 and stops there.

    On SQLite the third writer waits for the second (`BEGIN IMMEDIATE`) and is committed later.
    """
    database = kernel_app.state.database
    with database.session() as session:
        emit(session, "widget.created", {"name": "first"})
        session.commit()
    held = database.session()
    later_done = threading.Event()

    def write_later() -> None:
        with database.session() as session:
            emit(session, "widget.created", {"name": "later"})
            session.commit()
        later_done.set()

    try:
        emit(held, "widget.created", {"name": "earlier"})
        with ThreadPoolExecutor(1) as pool:
            later = pool.submit(write_later)
            if not database.is_sqlite:
                assert later_done.wait(timeout=30), "the later writer waited for the earlier one"
            page = client.get("/v1/events", headers=writer).json()
            assert [event["payload"]["name"] for event in page["items"]] == ["first"]
            assert page["next_after"] == page["items"][0]["seq"]
            held.commit()
            later.result(timeout=30)
    finally:
        held.close()
    rest = client.get("/v1/events", params={"after": page["next_after"]}, headers=writer).json()
    assert [event["payload"]["name"] for event in rest["items"]] == ["earlier", "later"]


def test_an_announced_value_is_rebuilt_from_its_low_32_bits_near_the_last_value() -> None:
    """A writer's announcement travels as the low 32 bits of the sequence value in an int4 key."""
    assert announced_value(7, 10) == 7
    assert announced_value(12, 10) == 12  # announced after the reader read 10: above it
    assert announced_value(3, 4_294_967_301) == 4_294_967_299  # 2^32 + 5 last, 2^32 + 3 held
    assert announced_value(4_294_967_294, 4_294_967_301) == 4_294_967_294  # across the wrap
    assert announced_value(0, 0) == 0
    assert announced_value(0, 1_000) == 0  # far below, yet within 2^31 of the last value
    assert announced_value(2_000_000_000, 5) == 2_000_000_000  # far above, still within 2^31
    assert announced_value(0, 1_500_000_000) == 0  # more than 2^30 below
