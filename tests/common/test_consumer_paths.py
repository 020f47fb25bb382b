"""A feed consumer's own paths, against an in-memory feed: one poll, a catch-up over pages, a
redelivery behind a reset cursor, its neighbours' cursors, the backoff and the token's renewal."""

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from services.common import consumer as consumer_module
from services.common.consumer import (
    ClientCredentials,
    FeedConsumer,
    FeedEvent,
    claim_cursor,
    service_auth,
)
from services.common.db import Database
from tests.common.kernel_app.app import KernelSettings
from tests.common.test_consumer import _consumer_database, applied, apply_widget


class Feed:
    """A producer's feed in memory: `after`/`limit` as the real one reads them."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.reads = 0
        self.limits: list[int] = []

    def add(self, *widgets: str) -> None:
        for widget in widgets:
            seq = len(self.events) + 1
            self.events.append(
                {
                    "seq": seq,
                    "id": f"evt_{widget}",
                    "type": "widget.created",
                    "payload": {"id": widget},
                    "occurred_at": "2026-12-01T00:00:00Z",
                }
            )

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.reads += 1
        self.limits.append(int(request.url.params["limit"]))
        after, limit = int(request.url.params["after"]), int(request.url.params["limit"])
        page = [e for e in self.events if e["seq"] > after][:limit]
        return httpx.Response(200, json={"items": page, "next_after": after})


@pytest.fixture
def database(new_database_target, jwks_json: str) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    _settings, database = _consumer_database(new_database_target, jwks_json)
    yield database
    database.dispose()


def consumer_of(
    feed: Feed, database: Database, name: str = "kernel.paths", **options: Any
) -> FeedConsumer:
    client = httpx.AsyncClient(transport=httpx.MockTransport(feed.handle))
    return FeedConsumer(
        name=name,
        feed_url="http://producer.test/v1/events",
        database=database,
        handlers={"widget.created": apply_widget},
        client=client,
        **options,
    )


def cursor(database: Database, name: str) -> int | None:
    with database.session() as session:
        found = session.execute(
            text("SELECT position FROM consumer_cursors WHERE consumer = :name"), {"name": name}
        ).scalar_one_or_none()
        return None if found is None else int(found)


def test_one_poll_applies_one_page_and_says_how_many(database: Database) -> None:
    feed = Feed()
    consumer = consumer_of(feed, database, batch_size=2)

    async def scenario() -> list[int]:
        counts = [await consumer.poll_once()]  # nothing yet
        feed.add("a", "b", "c")
        counts += [
            await consumer.poll_once(),
            await consumer.poll_once(),
            await consumer.poll_once(),
        ]
        await consumer.aclose()
        return counts

    assert asyncio.run(scenario()) == [0, 2, 1, 0]
    assert applied(database) == ["a", "b", "c"]
    assert consumer.position() == 3


def test_a_catch_up_reads_every_page_and_counts_them_all(database: Database) -> None:
    feed = Feed()
    feed.add(*"abcde")
    consumer = consumer_of(feed, database, batch_size=2)

    async def scenario() -> int:
        total = await consumer.catch_up()
        await consumer.aclose()
        return total

    assert asyncio.run(scenario()) == 5
    assert feed.reads == 4  # three pages, then the empty answer that ends the catch-up
    assert sorted(applied(database)) == list("abcde")
    assert cursor(database, "kernel.paths") == 5


def test_a_redelivery_behind_a_reset_cursor_applies_only_what_is_new(database: Database) -> None:
    """Events already processed are skipped one by one: the new ones after them still apply."""
    feed = Feed()
    feed.add("a", "b")
    consumer = consumer_of(feed, database, batch_size=10)

    async def scenario() -> tuple[int, int]:
        first = await consumer.catch_up()
        with database.session() as session:
            session.execute(text("UPDATE consumer_cursors SET position = 0"))
            session.commit()
        assert await consumer.poll_once() == 0  # a page of events processed already
        with database.session() as session:
            session.execute(text("UPDATE consumer_cursors SET position = 0"))
            session.commit()
        feed.add("c", "d")
        again = await consumer.catch_up()
        await consumer.aclose()
        return first, again

    assert asyncio.run(scenario()) == (2, 2)
    assert sorted(applied(database)) == ["a", "b", "c", "d"]
    assert cursor(database, "kernel.paths") == 4


def test_other_consumers_cursors_do_not_hold_this_one_back(database: Database) -> None:
    """Consumers named before and after this one have cursors and processed events (of the
    same feed: the same event ids) in the same tables; each applies every event itself."""
    feed = Feed()
    feed.add("m1", "m2")
    seen: list[tuple[str, str]] = []
    for name in ("kernel.a-before", "kernel.z-after", "kernel.middle"):
        consumer = consumer_of(feed, database, name=name)
        consumer.handlers["widget.created"] = lambda _s, e, name=name: seen.append((name, e.id))
        assert asyncio.run(consumer.catch_up()) == 2
        asyncio.run(consumer.aclose())
    assert sorted(seen) == sorted(
        (n, f"evt_m{i}")
        for n in ("kernel.a-before", "kernel.middle", "kernel.z-after")
        for i in (1, 2)
    )
    feed.add("z1")
    for name in ("kernel.a-before", "kernel.z-after"):
        consumer = consumer_of(feed, database, name=name)
        consumer.handlers["widget.created"] = lambda _s, e, name=name: seen.append((name, e.id))
        assert asyncio.run(consumer.catch_up()) == 1
        asyncio.run(consumer.aclose())
    positions = {
        name: cursor(database, name)
        for name in ("kernel.a-before", "kernel.middle", "kernel.z-after")
    }
    assert positions == {"kernel.a-before": 3, "kernel.middle": 2, "kernel.z-after": 3}


def test_a_failing_round_counts_one_failure(database: Database) -> None:
    """Each failed round adds one to `failures` (the backoff's exponent), whatever failed."""
    feed = Feed()
    feed.add("a")
    calls: list[str] = []

    def broken(session: Any, event: Any) -> None:
        calls.append(event.id)
        raise RuntimeError("cannot apply")

    consumer = consumer_of(feed, database, interval=0.001, max_backoff=0.001)
    consumer.handlers["widget.created"] = broken

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        while len(calls) < 3:
            await asyncio.sleep(0.001)
        stop.set()
        await task
        await consumer.aclose()

    asyncio.run(scenario())
    assert consumer.failures == len(calls)
    assert applied(database) == []


@pytest.mark.parametrize(
    ("failures", "jitter", "expected"),
    [
        (0, 0.0, 0.5 * 0.1),  # the interval, halved by the smallest jitter
        (1, 0.0, 0.5 * 0.2),
        (3, 0.0, 0.5 * 0.8),
        (3, 0.8, 0.9 * 0.8),  # the jitter adds up to half again: 0.5 + 0.8 / 2
        (4, 0.8, 0.9 * 1.5),  # 1.6 capped at max_backoff
        (40, 0.0, 0.5 * 1.5),
    ],
)
def test_the_backoff_doubles_per_failure_with_jitter_up_to_its_cap(
    monkeypatch: pytest.MonkeyPatch, failures: int, jitter: float, expected: float
) -> None:
    monkeypatch.setattr(consumer_module.random, "random", lambda: jitter)
    consumer = FeedConsumer(
        name="kernel.backoff", feed_url="http://x.test", database=None,  # type: ignore[arg-type]
        handlers={}, interval=0.1, max_backoff=1.5,
    )  # fmt: skip
    consumer.failures = failures
    assert consumer.backoff() == pytest.approx(expected)


def test_the_backoffs_exponent_stops_at_16(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumer_module.random, "random", lambda: 0.0)
    consumer = FeedConsumer(
        name="kernel.backoff", feed_url="http://x.test", database=None,  # type: ignore[arg-type]
        handlers={}, interval=1e-6, max_backoff=10.0,
    )  # fmt: skip
    waits = []
    for failures in (15, 16, 17, 60):
        consumer.failures = failures
        waits.append(consumer.backoff())
    assert waits == pytest.approx([0.5e-6 * 2**15, 0.5e-6 * 2**16, 0.5e-6 * 2**16, 0.5e-6 * 2**16])


def test_the_default_backoff_starts_at_the_1_second_interval_and_waits_at_most_30_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(consumer_module.random, "random", lambda: 0.0)
    consumer = FeedConsumer(
        name="kernel.backoff", feed_url="http://x.test", database=None, handlers={}
    )  # type: ignore[arg-type]
    assert consumer.backoff() == 0.5  # half of the 1 s interval, after no failure
    consumer.failures = 10
    assert consumer.backoff() == 15.0  # half of the 30 s cap (1 s x 2^10 is above it)


def test_the_default_client_gives_up_connecting_after_2_seconds_and_reading_after_10() -> None:
    consumer = FeedConsumer(
        name="kernel.client", feed_url="http://x.test", database=None, handlers={}
    )  # type: ignore[arg-type]
    assert consumer._client.timeout == httpx.Timeout(10.0, connect=2.0)
    asyncio.run(consumer.aclose())


class Tokens:
    """A token endpoint issuing t1, t2, … each valid `expires_in` seconds; a feed taking any."""

    def __init__(self, expires_in: int) -> None:
        self.expires_in = expires_in
        self.issued: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            self.issued.append(f"t{len(self.issued) + 1}")
            return httpx.Response(
                200, json={"access_token": self.issued[-1], "expires_in": self.expires_in}
            )
        return httpx.Response(200, json={"seen": request.headers["authorization"]})


def test_a_token_is_renewed_exactly_30_seconds_before_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(consumer_module.time, "monotonic", lambda: now[0])
    tokens = Tokens(expires_in=100)
    auth = ClientCredentials(
        token_url="http://gw.test/oauth/token", client_id="svc", client_secret="s"
    )

    async def call_at(moment: float) -> str:
        now[0] = moment
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(tokens.handle), auth=auth
        ) as client:
            seen: str = (await client.get("http://gw.test/feed")).json()["seen"]
            return seen

    async def scenario() -> list[str]:
        return [await call_at(m) for m in (1000.0, 1069.9, 1070.0, 1139.9, 1140.0)]

    assert asyncio.run(scenario()) == [
        "Bearer t1",
        "Bearer t1",
        "Bearer t2",
        "Bearer t2",
        "Bearer t3",
    ]


def test_the_service_asks_the_gateways_token_endpoint(kernel_settings: KernelSettings) -> None:
    for gateway in ("http://gw.test:8000", "http://gw.test:8000/"):
        settings = kernel_settings.model_copy(
            update={
                "gateway_url": gateway,
                "service_client_id": "cli_svc",
                "service_client_secret": SecretStr("s3cret"),
            }
        )
        auth = service_auth(settings)
        assert auth.token_url == "http://gw.test:8000/oauth/token"
        request = auth._token_request()
        assert request.url == "http://gw.test:8000/oauth/token"
        assert request.headers["authorization"] == httpx.BasicAuth("cli_svc", "s3cret")._auth_header


def test_a_page_is_200_events_unless_configured(database: Database) -> None:
    feed = Feed()
    for batch_size in (None, 3):
        options = {} if batch_size is None else {"batch_size": batch_size}
        consumer = consumer_of(feed, database, **options)
        asyncio.run(consumer.poll_once())
        asyncio.run(consumer.aclose())
    assert feed.limits == [200, 3]


def test_a_refused_token_request_quotes_the_first_200_characters_of_the_answer() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="x" * 199 + "yz" + "!" * 300)

    auth = ClientCredentials(
        token_url="http://gw.test/oauth/token", client_id="svc", client_secret="s"
    )

    async def scenario() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse), auth=auth) as client:
            await client.get("http://gw.test/feed")

    with pytest.raises(httpx.HTTPStatusError) as caught:
        asyncio.run(scenario())
    assert str(caught.value) == "token request refused (503): " + "x" * 199 + "y"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (httpx.Response(503, text="down"), "503 Service Unavailable"),
        (httpx.Response(200, text="not json"), "Expecting value"),
        (httpx.Response(200, json={"no": "items"}), "'items'"),
    ],
)
def test_a_feed_that_is_down_or_garbled_is_a_warning_not_an_error(
    database: Database, caplog: pytest.LogCaptureFixture, answer: httpx.Response, said: str
) -> None:
    """An unavailable or unreadable feed is the producer's state, logged as a warning and retried;
    only a failure to apply events is logged as an error with its traceback."""
    reads: list[int] = []

    def feed(request: httpx.Request) -> httpx.Response:
        reads.append(1)
        return answer

    consumer = FeedConsumer(
        name="kernel.down", feed_url="http://producer.test/v1/events", database=database,
        handlers={}, client=httpx.AsyncClient(transport=httpx.MockTransport(feed)),
        interval=0.001, max_backoff=0.001,
    )  # fmt: skip

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        while len(reads) < 2:
            await asyncio.sleep(0.001)
        stop.set()
        await task
        await consumer.aclose()

    caplog.set_level("WARNING", logger="services.consumer")
    asyncio.run(scenario())
    records = [r for r in caplog.records if r.name == "services.consumer"]
    assert records and {r.levelname for r in records} == {"WARNING"}
    assert "consumer kernel.down: feed unavailable" in records[0].getMessage()
    assert said in records[0].getMessage()
    assert consumer.failures == len(reads)


def test_a_feed_event_cannot_be_changed_by_a_handler() -> None:
    event = FeedEvent(seq=1, id="evt_1", type="widget.created", payload={}, occurred_at="x")
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'seq'"):
        event.seq = 2  # type: ignore[misc]
    assert event.seq == 1


def test_the_position_is_read_while_a_writer_holds_the_sqlite_database(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("on PostgreSQL a read never waits for a writer")
    consumer = consumer_of(Feed(), database)
    with database.session() as writer:
        writer.connection()  # BEGIN IMMEDIATE: the write lock, held until the block ends
        assert consumer.position() == 0  # a write session would wait, then fail as locked
    asyncio.run(consumer.aclose())


@pytest.mark.parametrize("status", [400, 402, 403, 404, 500, 503])
def test_only_a_401_renews_the_token(monkeypatch: pytest.MonkeyPatch, status: int) -> None:
    """Any other refusal is the feed's answer: the same token is kept, nothing is sent twice."""
    tokens = Tokens(expires_in=600)
    sent: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.handle(request)
        sent.append(request.headers["authorization"])
        return httpx.Response(status, json={"code": "refused"})

    auth = ClientCredentials(
        token_url="http://gw.test/oauth/token", client_id="svc", client_secret="s"
    )

    async def scenario() -> int:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handle), auth=auth) as client:
            return (await client.get("http://gw.test/feed")).status_code

    assert asyncio.run(scenario()) == status
    assert (tokens.issued, sent) == (["t1"], ["Bearer t1"])


def test_a_cursor_is_created_at_its_start_and_then_read_as_it_stands(database: Database) -> None:
    with database.transaction() as session:
        fresh = claim_cursor(session, "test.fresh")
        assert fresh is not None and fresh.position == 0
        later = claim_cursor(session, "test.later", start=41)
        assert later is not None and later.position == 41
        later.position = 50
    with database.transaction() as session:
        again = claim_cursor(session, "test.later", start=0)
        assert again is not None and again.position == 50
