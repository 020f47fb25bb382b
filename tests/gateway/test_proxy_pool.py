"""The upstream pool, seen from an upstream that counts connections and requests: connections
are reused, not past the keep-alive, and only replayable methods are retried."""

import time
from collections.abc import Iterator

import pytest

from tests.gateway.conftest import TRANSPORTS, StartGateway
from tests.gateway.upstream import CountingUpstream


@pytest.fixture(params=TRANSPORTS)
def upstream_transport(request: pytest.FixtureRequest) -> str:
    """Every test here runs on both upstream transports."""
    return str(request.param)


@pytest.fixture
def counting() -> Iterator[CountingUpstream]:
    upstream = CountingUpstream()
    try:
        yield upstream
    finally:
        upstream.close()


def test_sequential_requests_share_one_pooled_connection(
    start_gateway: StartGateway, counting: CountingUpstream
) -> None:
    gw = start_gateway(registry_url=counting.url, upstream_keepalive_seconds=30)
    headers = {"X-API-Key": gw.key_for("bank")}
    assert gw.http.get("/registry/v1/items", headers=headers).status_code == 200
    opened = counting.connections  # the first request's (and the start-up document fetch's)
    for _ in range(9):
        assert gw.http.get("/registry/v1/items", headers=headers).status_code == 200
    assert counting.hits("GET", "/v1/items") == 10
    new = counting.connections - opened
    assert new == 0, f"{new} new connections for 9 sequential requests"


def test_an_idle_connection_is_not_reused_past_the_keepalive(
    start_gateway: StartGateway, counting: CountingUpstream
) -> None:
    gw = start_gateway(registry_url=counting.url, upstream_keepalive_seconds=0.3)
    headers = {"X-API-Key": gw.key_for("bank")}
    assert gw.http.get("/registry/v1/items", headers=headers).status_code == 200
    opened = counting.connections
    assert gw.http.get("/registry/v1/items", headers=headers).status_code == 200
    assert counting.connections == opened  # within the keep-alive: reused
    time.sleep(0.8)
    assert gw.http.get("/registry/v1/items", headers=headers).status_code == 200
    assert counting.hits("GET", "/v1/items") == 3
    assert counting.connections == opened + 1, "an idle connection was reused past the keep-alive"


def test_a_failed_get_is_retried_and_a_failed_post_never(
    start_gateway: StartGateway, counting: CountingUpstream
) -> None:
    gw = start_gateway(registry_url=counting.url, retry_attempts=1)
    headers = {"X-API-Key": gw.key_for("admin")}
    got = gw.http.get("/registry/v1/drop", headers=headers)
    assert got.status_code in (502, 503), got.text
    # Asked again (aiohttp itself also re-sends a replayable request once on a reused
    # connection the upstream closed, so it may count 4).
    assert counting.hits("GET", "/v1/drop") >= 2
    posted = gw.http.post("/registry/v1/drop", json={"amount_fen": 1}, headers=headers)
    assert posted.status_code in (502, 503), posted.text
    assert counting.hits("POST", "/v1/drop") == 1, "a POST was sent twice"


@pytest.mark.parametrize("retries", [0, 2, 3])
def test_a_replayable_request_is_sent_once_and_then_once_per_retry(
    start_gateway: StartGateway, counting: CountingUpstream, upstream_transport: str, retries: int
) -> None:
    gw = start_gateway(registry_url=counting.url, retry_attempts=retries)
    got = gw.http.get("/registry/v1/drop", headers={"X-API-Key": gw.key_for("admin")})
    assert got.status_code == 502 and got.json()["code"] == "upstream_connection_failed"
    attempts = 1 + retries
    if upstream_transport == "native":
        assert counting.hits("GET", "/v1/drop") == attempts
    else:  # aiohttp re-sends a dropped replayable request once more by itself
        assert attempts <= counting.hits("GET", "/v1/drop") <= 2 * attempts


def test_a_path_reaches_the_upstream_as_the_caller_sent_it(
    start_gateway: StartGateway, counting: CountingUpstream
) -> None:
    """Percent-escapes are forwarded untouched: not decoded (`%41` is not made `A`, `%2F` not
    made a separator) and not escaped again."""
    gw = start_gateway(registry_url=counting.url)
    headers = {"X-API-Key": gw.key_for("bank")}
    for path in ("/v1/items/%41", "/v1/items/a%2Fb", "/v1/items/%E5%A4%AA%E5%8E%9F"):
        assert gw.http.get(f"/registry{path}", headers=headers).status_code == 200
        assert counting.hits("GET", path) == 1, counting.requests


def test_a_get_goes_without_a_length_and_a_post_with_its_own(
    start_gateway: StartGateway, counting: CountingUpstream
) -> None:
    """A GET without a body goes without Content-Length; a GET or a POST with one says its
    length, so the upstream reads the body as the body and the next request as a request.
    (aiohttp frames a DELETE without a body with a Content-Length of 0, which HTTP allows.)"""
    gw = start_gateway(registry_url=counting.url)
    headers = {"X-API-Key": gw.key_for("admin")}
    sent = [
        gw.http.get("/registry/v1/items", headers=headers),
        gw.http.request("GET", "/registry/v1/items", content=b"{}", headers=headers),
        gw.http.post("/registry/v1/items", content=b'{"a": 1}', headers=headers),
        gw.http.get("/registry/v1/items", headers=headers),
    ]
    assert [answer.status_code for answer in sent] == [200] * 4
    framed = [h.get("content-length") for h in counting.headers[-4:]]
    assert framed == [None, "2", "8", None]
    assert counting.hits("GET", "/v1/items") == 3 and counting.hits("POST", "/v1/items") == 1
