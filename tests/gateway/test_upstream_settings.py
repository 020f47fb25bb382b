"""The upstream settings: out-of-range values refused at start-up, and the transport they name."""

from typing import Any

import pytest
from pydantic import ValidationError

from gateway.proxy.pool import parse_base
from gateway.proxy.transport import AiohttpTransport, NativeTransport, transport_for
from gateway.settings import GatewaySettings


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("connect_timeout_seconds", 0, "greater than 0"),
        ("read_timeout_seconds", -1, "greater than 0"),
        ("upstream_pool_size", -1, "greater than or equal to 0"),
        ("upstream_keepalive_seconds", -0.5, "greater than or equal to 0"),
        ("max_buffered_response_bytes", -1, "greater than or equal to 0"),
        ("openapi_refresh_seconds", 0, "greater than 0"),
        ("upstream_max_wait_seconds", -1, "greater than or equal to 0"),
        ("upstream_transport", "httpx", "'native' or 'aiohttp'"),
    ],
)
def test_an_out_of_range_upstream_setting_is_refused_naming_it(
    field: str, value: Any, rule: str
) -> None:
    with pytest.raises(ValidationError, match=rf"(?s){field}\n.*{rule}"):
        GatewaySettings(environment="test", **{field: value})


@pytest.mark.parametrize(
    ("name", "kind"), [("native", NativeTransport), ("aiohttp", AiohttpTransport)]
)
def test_the_upstream_transport_is_the_one_the_settings_name(name: str, kind: type) -> None:
    settings = GatewaySettings(
        environment="test", upstream_transport=name, upstream_max_connections=3
    )
    transport = transport_for(settings, "127.0.0.1", 9)
    assert type(transport) is kind
    assert transport.gate.limit == 3


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("http://registry:8001", ("registry", 8001, b"")),
        ("http://127.0.0.1/", ("127.0.0.1", 80, b"")),
        ("http://10.0.0.5:9000/svc/registry/", ("10.0.0.5", 9000, b"/svc/registry")),
    ],
)
def test_a_service_url_gives_host_port_and_path_prefix(
    url: str, parsed: tuple[str, int, bytes]
) -> None:
    assert parse_base(url) == parsed


@pytest.mark.parametrize(
    "url", ["https://registry:8001", "ftp://registry", "registry:8001", "http://:8001/x", ""]
)
def test_a_service_url_that_is_not_plain_http_to_a_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"^upstream URL must be http://host\[:port\]\[/prefix\]"):
        parse_base(url)
